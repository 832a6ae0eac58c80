#pragma once
// A large top-level JSON array cut into slices of whole elements, each parsed as an array of its own: a
// parser's index and unescaped strings then hold a slice, not the whole text.
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

/// Calls `parse` with consecutive slices of the array's elements between separators `seps[first]` and
/// `seps[last]` (`seps`: its `array_separators`), each about `slice_bytes` long, copied into `buffer` as an
/// array of its own (with `padding` bytes of capacity after it: a padded parser may read there). The text
/// is not changed: slices of different elements can be parsed side by side.
void for_each_array_slice(const std::string& text, const std::vector<size_t>& seps, size_t first, size_t last,
                          size_t slice_bytes, size_t padding, std::string& buffer,
                          const std::function<void()>& parse);

/// The separator that cuts the array's elements into two runs of about the same length.
size_t middle_separator(const std::vector<size_t>& seps);

} // namespace oznsync
