#pragma once
// A large top-level JSON array cut into slices of whole elements, each parsed as an array of its own in
// place: a parser's index and unescaped strings then hold a slice, not the whole text.
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace oznsync {

/// Where the elements of the top-level array opened at `open` begin and end: that '[', every ',' between
/// its elements and the ']' that closes it, found by a scan that skips strings. Empty when the text is not
/// such an array with nothing but white space after it.
std::vector<size_t> array_separators(const std::string& text, size_t open);

/// Calls `parse` with consecutive slices of the array's elements (`seps`: its `array_separators`), each
/// about `slice_bytes` long, made an array of its own in place: the separators around a slice read '[' and
/// ']' while `parse` runs, and are put back after it (also when it throws). Each slice is
/// `text[from, from + size)`; the text's capacity past it stays readable (a padded parser may read there).
void for_each_array_slice(std::string& text, const std::vector<size_t>& seps, size_t slice_bytes,
                          const std::function<void(size_t from, size_t size)>& parse);

} // namespace oznsync
