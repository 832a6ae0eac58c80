#include "report/integrity.hpp"

#include "util/digest.hpp"

#include "util/error.hpp"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <filesystem>
#include <fstream>
#include <memory>

namespace oznsync {

std::string sha256_file(const std::string& path) {
    return "sha256:" + sha256_file_hex(path);
}

namespace {

/// Why this folder does not match its link (and the link before it); empty when it does.
std::string check_folder(const std::filesystem::path& dir, const ChainLink& link, const ChainLink* previous) {
    namespace fs = std::filesystem;
    const fs::path summary = dir / "summary.json";
    if (!fs::exists(summary)) return "its summary.json is missing";
    if (sha256_file(summary.string()) != link.summary_sha256)
        return "summary.json was altered (its SHA-256 is not the one recorded when it was written)";
    Poco::JSON::Object::Ptr o, integrity;
    try {
        std::ifstream in(summary);
        o = Poco::JSON::Parser().parse(in).extract<Poco::JSON::Object::Ptr>();
        integrity = o->getObject("integrity");
    } catch (const Poco::Exception& e) {
        return "summary.json is not JSON: " + e.displayText();
    }
    if (o->optValue<std::string>("run_id", "") != link.run_id)
        return "the folder holds run " + o->optValue<std::string>("run_id", "?") + "'s report";
    if (!integrity) return "summary.json carries no integrity block";
    const std::string prev_run = integrity->optValue<std::string>("previous_run", "");
    const std::string prev_hash = integrity->optValue<std::string>("previous_summary_sha256", "");
    if (prev_run != (previous ? previous->run_id : "") ||
        prev_hash != (previous ? previous->summary_sha256 : ""))
        return "out of order: its summary names " + (prev_run.empty() ? std::string("no folder") : prev_run) +
               " before it, the chain has " + (previous ? previous->run_id : std::string("none"));
    // Both ways: the hashes the database keeps must be the ones the folder's own (hashed, chained)
    // summary.json recorded when it was written. A file edited together with its database row is caught
    // here, by the summary the next folder vouches for.
    auto recorded = integrity->getObject("files");
    if (!recorded) return "summary.json lists no file hashes";
    if (recorded->size() != link.files.size())
        return "the database lists " + std::to_string(link.files.size()) + " files, its summary.json " +
               std::to_string(recorded->size()) + " (the database was edited?)";
    for (const auto& [name, hash] : link.files)
        if (recorded->optValue<std::string>(name, "") != hash)
            return "the database's hash of " + name +
                   " is not the one its summary.json recorded (the database was edited?)";
    for (const auto& [name, hash] : link.files) {
        const fs::path f = dir / name;
        if (!fs::exists(f)) return name + " was removed";
        if (sha256_file(f.string()) != hash) return name + " was altered";
    }
    for (const auto& e : fs::directory_iterator(dir)) {
        const std::string name = e.path().filename().string();
        if (name != "summary.json" && !link.files.count(name)) return name + " was added";
    }
    return "";
}

} // namespace

ChainVerdict verify_chain(const std::string& reports_dir, const std::vector<ChainLink>& chain) {
    namespace fs = std::filesystem;
    ChainVerdict v;
    const ChainLink* previous = nullptr;
    for (const auto& link : chain) {
        const fs::path dir = fs::path(reports_dir) / link.run_id;
        std::string why;
        if (!fs::exists(dir)) {
            if (link.pruned) {
                ++v.pruned;
                previous = &link;
                continue;
            }
            why = "the folder was removed (not by reports.keep_days)";
        } else {
            why = check_folder(dir, link, previous);
        }
        if (!why.empty()) {
            v.intact = false;
            v.broken_at = link.run_id;
            v.why = why;
            return v;
        }
        ++v.checked;
        previous = &link;
    }
    return v;
}

} // namespace oznsync
