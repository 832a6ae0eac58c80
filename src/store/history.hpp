#pragma once
// The history kept in bounded space: the change rows of old runs (journal.keep_days) and the rows of old
// runs that wrote no report folder (runs.keep_days). What an audit needs is never removed: a run keeps its
// counts on its row (`change_counts`) when its change rows go, and a run folded away is counted in its
// day's row of `run_days`; every report folder's hashes stay in `report_chain`.
#include "store/store.hpp"

#include <string>
#include <vector>

namespace oznsync {

/// The runs of one UTC day, mode and exit code that `runs.keep_days` folded into a count.
struct RunDay {
    std::string day, mode;
    int exit_code = -1;
    long long runs = 0;
};

struct HistoryPruned {
    long long journals = 0;    // runs whose change rows were removed
    long long change_rows = 0; // those rows
    long long runs_folded = 0; // run rows folded into run_days
};

class History {
public:
    explicit History(Store& store) : m_store(store) {}

    /// Removes the change rows of the runs that began before `journal_cutoff` (never a row whose call is
    /// still unanswered: 'intent'), keeping each run's counts on its row; then folds the runs that began
    /// before `runs_cutoff`, wrote no report folder and hold no change rows into `run_days`. An empty
    /// cutoff keeps that part for ever. ISO-8601 UTC cutoffs, as `runs.started_at` is written.
    HistoryPruned prune(const std::string& journal_cutoff, const std::string& runs_cutoff);

    /// Removes the run's change rows (not 'intent' ones), keeping their counts on its row; returns how
    /// many went.
    long long keep_counts_only(const std::string& run_id);

    /// The folded runs, oldest day first.
    std::vector<RunDay> run_days();

private:
    Store& m_store;
};

} // namespace oznsync
