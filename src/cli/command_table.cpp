#include "cli/command.hpp"
#include "cli/commands.hpp"

namespace oznsync {

const std::vector<CommandInfo>& command_table() {
    static const std::vector<CommandInfo> table = {
        {"check", "[--config FILE]",
         "Validate the config and reach OZmap (auth, every selected project) and the OZneutral source.",
         make_check_command},
        {"pull", "[--only-project ID]...",
         "Fetch the inventory of the selected OZmap projects into a new snapshot (atomic).",
         make_pull_command},
        {"plan", "[--detailed-exitcode] [--only-project ID] [--no-...]",
         "Dry run: latest snapshot + sale records -> change set, report and saved plan. Never writes to "
         "OZmap.",
         make_plan_command},
        {"apply", "[--plan RUN_ID] [--only-project ID] [--no-...]",
         "Execute a saved plan (--plan RUN_ID), or compute the change set from the latest snapshot and apply "
         "it.",
         make_apply_command},
        {"run", "[--dry-run] [--incremental] [--only-project ID] [--no-...]",
         "The nightly job: pull -> plan -> apply -> partners -> report (--dry-run: pull -> plan -> report).",
         make_run_command},
        {"feasibility", "--lat LAT --lng LNG [--radius M] [--limit N] [--format table|json]",
         "Viable boxes near a point, nearest first, with their free ports (from the snapshot, no OZmap "
         "call).",
         make_feasibility_command},
        {"availability", "[--format json|csv|geojson] [--out FILE]",
         "Per-box free ports of the sellable boxes: the only network data OZneutral may see.",
         make_availability_command},
        {"partners", "[--dry-run] [--reset-password PARTNER_ID] [--reason TEXT]",
         "Create / update the OZmap users of partners with accepted partnerships (--dry-run: report only).",
         make_partners_command},
        {"adopt", "[--dry-run] [--only-project ID] [--reason TEXT]",
         "Take over clients of an earlier integration: code = a live sale's code, on that sale's port "
         "(--dry-run: report only).",
         make_adopt_command},
        {"runs", "[--limit N] [--mode full|incremental|dry-run] [--format text|json]",
         "Run history: id, time, mode, status, exit code, changes.", make_runs_command},
        {"hold", "[--hours N] [--reason TEXT]",
         "Hold incremental runs (at most --hours, 24 by default) while a dry run is reviewed: they skip "
         "and write nothing; nightly runs go on.",
         make_hold_command},
        {"release", "", "End a hold on incremental runs (apply --plan ends it too).", make_release_command},
        {"report", "show RUN_ID [--format text|json|html] | verify",
         "report show RUN_ID [--format text|json|html]: re-render a past run's report from the database.",
         make_report_command},
        {"publish", "[--force]",
         "Publish the current snapshot's availability to the shared store (publish.url, PostgreSQL + "
         "PostGIS) now; runs do it themselves when it changed.",
         make_publish_command},
        {"serve", "[--listen HOST:PORT] [--fleet DIR | --store postgresql://...]",
         "Read-only HTTP API over the snapshot: feasibility, availability, runs, /healthz, /metrics "
         "(bearer tokens, TLS, rate limit).",
         make_serve_command},
        {"fleet", "status [--fleet DIR] [--format text|json|html]",
         "fleet status [--fleet DIR] [--format text|json|html]: every operator of a folder of configs at a "
         "glance (last runs, findings, snapshot age); exit 6 when one needs attention.",
         make_fleet_command},
    };
    return table;
}

} // namespace oznsync
