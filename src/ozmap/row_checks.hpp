#pragma once
// What an OZmap row must hold to be stored as a fact. A row that fails is skipped, counted by reason and
// named in the pull log and the report: a box without coordinates must never reach feasibility or the
// availability feed OZneutral reads.
#include "core/model.hpp"

#include <string>

namespace oznsync {

/// Why the row cannot be used; empty when it can.
std::string unusable(const Project& p);
std::string unusable(const Box& b);
std::string unusable(const Splitter& s);
std::string unusable(const Property& p);
std::string unusable(const Client& c);

} // namespace oznsync
