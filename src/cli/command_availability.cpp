#include "app/queries.hpp"
#include "cli/commands.hpp"
#include "core/output_format.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <iostream>

namespace oznsync {

namespace {

class AvailabilityCommand : public Command {
protected:
    void add_options(po::options_description& d) override {
        d.add_options()("format", po::value(&m_format)->default_value("json"), "json, csv or geojson")(
            "out", po::value(&m_out), "write to this file (atomically) instead of stdout");
    }
    void validate(const po::variables_map&) override {
        m_as = format_option(m_format, {OutputFormat::Json, OutputFormat::Csv, OutputFormat::Geojson});
    }

public:
    int run() override {
        Config cfg = load();
        const AvailabilityExport out = export_availability(cfg, m_as);
        const std::string& text = out.text;
        if (m_out.empty()) {
            std::cout << text;
        } else {
            if (std::filesystem::is_directory(m_out))
                throw UsageError("--out " + m_out + " is a folder; name the file to write (e.g. " + m_out +
                                 "/availability." + format_name(m_as) + ")");
            try {
                atomic_write(m_out, text, 0644);
            } catch (const std::exception& e) {
                throw IoError("--out " + m_out + ": " + e.what());
            }
            spdlog::info("{} viable boxes written to {}", out.boxes, m_out);
        }
        return 0;
    }

private:
    std::string m_format, m_out;
    OutputFormat m_as = OutputFormat::Json;
};

} // namespace

std::unique_ptr<Command> make_availability_command() {
    return std::make_unique<AvailabilityCommand>();
}

} // namespace oznsync
