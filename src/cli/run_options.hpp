#pragma once
// The options every reconciling command (plan, apply, run) shares.
#include "app/run.hpp"
#include "cli/command.hpp"

namespace oznsync {

void add_reconcile_options(po::options_description& d, RunOptions& o);
void read_reconcile_options(const po::variables_map& vm, RunOptions& o);

} // namespace oznsync
