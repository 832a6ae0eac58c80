// A run's summary read back: the report of a past run rebuilt from the database (`report show`), the
// summary as the read API shows it, the phases' seconds the metrics show.
#include "report/report.hpp"

#include "util/error.hpp"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>

#include <sstream>

namespace oznsync {

std::string public_summary(const std::string& summary_json) {
    Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true)); // the keys in their order
    auto o = parser.parse(summary_json).extract<Poco::JSON::Object::Ptr>();
    for (const char* key : {"host", "user", "partner_handover_file", "config", "report_error"})
        o->remove(key);
    // A person who started the run is said as "person", not by name (a timer or unit keeps its name).
    if (o->has("started_by") && o->getValue<std::string>("started_by").rfind("user ", 0) == 0)
        o->set("started_by", "person");
    if (auto inputs = o->getObject("inputs"); inputs && inputs->has("sales_source")) {
        // A feed's URL says where OZneutral's sales come from; a file's path says how the host is laid out.
        const std::string source = inputs->getValue<std::string>("sales_source");
        if (source.rfind("http://", 0) != 0 && source.rfind("https://", 0) != 0)
            inputs->set("sales_source", source.substr(0, source.find(':')));
    }
    std::ostringstream out;
    o->stringify(out);
    return out.str();
}

std::map<std::string, double> summary_timings(const std::string& summary_json) {
    std::map<std::string, double> out;
    if (summary_json.empty()) return out;
    try {
        auto summary = Poco::JSON::Parser().parse(summary_json).extract<Poco::JSON::Object::Ptr>();
        if (auto timings = summary->getObject("timings_s"))
            for (const auto& [phase, seconds] : *timings)
                out[phase] = seconds.convert<double>();
    } catch (const Poco::Exception&) {
        // A summary without timings (an older version's): none shown.
    }
    return out;
}

ReportData load_report_data(RunStore& runs, const std::string& run_id) {
    auto run = runs.get(run_id);
    if (!run) throw UsageError("no run " + run_id + " in the database (see oznsync runs)");
    ReportData d;
    d.run = *run;
    d.entries = runs.entries(run_id);
    if (d.entries.empty()) d.kept_counts = runs.action_counts(run_id); // journal.keep_days kept only these
    d.count_entries();
    // The columns hold the run's facts; its summary the lists (selection, timings, config, occupancy).
    if (!run->summary_json.empty()) {
        try {
            auto o = Poco::JSON::Parser().parse(run->summary_json).extract<Poco::JSON::Object::Ptr>();
            if (auto sel = o->getArray("project_selection"))
                for (size_t i = 0; i < sel->size(); ++i)
                    d.selection.push_back(sel->getElement<std::string>(static_cast<unsigned>(i)));
            if (auto p = o->getObject("publish")) {
                d.publish.status =
                    status_of(p->optValue<std::string>("status", "off")).value_or(PublishResult::Status::Off);
                d.publish.snapshot_id = p->optValue<int64_t>("snapshot_id", 0);
                d.publish.boxes = p->optValue<int64_t>("boxes", 0);
                d.publish.seconds = p->optValue<double>("seconds", 0);
                d.publish.error = p->optValue<std::string>("error", "");
            }
            if (auto ps = o->getObject("pull_skipped"))
                for (const auto& [k, v] : *ps)
                    d.pull_skipped[k] = v.convert<long long>();
            if (auto t = o->getObject("timings_s"))
                for (const auto& [k, v] : *t)
                    d.timings.emplace_back(k, v.convert<double>());
            if (auto c = o->getObject("config"))
                for (const auto& [k, v] : *c)
                    d.config[k] = v.convert<std::string>();
            if (auto ps = o->getObject("projects"))
                for (const auto& [id, v] : *ps) {
                    auto p = v.extract<Poco::JSON::Object::Ptr>();
                    d.project_names[id] = p->optValue<std::string>("name", "");
                    if (auto ports = p->getObject("ports"))
                        d.occupancy.push_back({id, d.project_names[id], ports->optValue<long long>("free", 0),
                                               ports->optValue<long long>("reserved", 0),
                                               ports->optValue<long long>("active", 0),
                                               ports->optValue<long long>("blocked", 0)});
                }
        } catch (const Poco::Exception&) {
            // An unreadable summary leaves the header thin; the changes still render.
        }
    }
    return d;
}

} // namespace oznsync
