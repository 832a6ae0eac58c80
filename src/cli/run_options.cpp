#include "cli/run_options.hpp"

#include "util/error.hpp"

namespace oznsync {

void add_reconcile_options(po::options_description& d, RunOptions& o) {
    d.add_options()("only-project", po::value(&o.only_projects)->composing(),
                    "work on this project only (repeatable); one of ozmap.projects")(
        "no-create", "do not create clients")("no-promote", "do not set clients implanted")(
        "no-demote", "do not set clients not implanted")("no-move", "do not move clients between ports")(
        "no-remove", "do not remove clients")("prune-orphans", po::bool_switch(&o.reconcile.prune_orphans),
                                              "also remove owned clients that no sale record names any more")(
        "max-removals", po::value<long long>(), "removal cap for this run (default safety.max_removals)")(
        "max-removals-pct", po::value<double>(),
        "removal cap in % of owned clients (default safety.max_removals_pct)")(
        "detailed-exitcode", po::bool_switch(&o.detailed_exitcode),
        "dry runs exit 2 when changes are pending")(
        "reason", po::value(&o.reason),
        "why this run was started: in its record and report (200 characters)");
}

void check_reason(const std::string& reason) {
    for (unsigned char c : reason)
        if (c < 0x20 || c == 0x7f) throw UsageError("--reason: a control character");
    if (reason.size() > 200) throw UsageError("--reason: at most 200 characters");
}

void read_reconcile_options(const po::variables_map& vm, RunOptions& o) {
    require_project_ids(o.only_projects);
    check_reason(o.reason);
    o.reconcile.create = !vm.count("no-create");
    o.reconcile.promote = !vm.count("no-promote");
    o.reconcile.demote = !vm.count("no-demote");
    o.reconcile.move = !vm.count("no-move");
    o.reconcile.remove = !vm.count("no-remove");
    if (vm.count("max-removals")) {
        long long n = vm["max-removals"].as<long long>();
        if (n < 0) throw UsageError("--max-removals must be >= 0");
        o.max_removals = n;
    }
    if (vm.count("max-removals-pct")) {
        double p = vm["max-removals-pct"].as<double>();
        if (p < 0 || p > 100) throw UsageError("--max-removals-pct must be from 0 to 100");
        o.max_removals_pct = p;
    }
}

} // namespace oznsync
