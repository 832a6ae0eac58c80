#include "app/queries.hpp"
#include "cli/commands.hpp"
#include "core/output_format.hpp"
#include "util/error.hpp"

#include <iostream>

namespace oznsync {

namespace {

class FeasibilityCommand : public Command {
protected:
    void add_options(po::options_description& d) override {
        d.add_options()("lat", po::value(&m_lat)->required(), "latitude of the point (degrees)")(
            "lng", po::value(&m_lng)->required(), "longitude of the point (degrees)")(
            "radius", po::value(&m_radius)->default_value(150), "search radius in metres")(
            "limit", po::value(&m_limit)->default_value(0), "at most this many viable boxes (0 = all)")(
            "format", po::value(&m_format)->default_value("table"), "table or json");
    }
    void validate(const po::variables_map&) override {
        // Written so that NaN fails every test (every comparison with it is false).
        if (!(m_lat >= -90 && m_lat <= 90)) throw UsageError("--lat must be a number from -90 to 90");
        if (!(m_lng >= -180 && m_lng <= 180)) throw UsageError("--lng must be a number from -180 to 180");
        if (!(m_radius >= 0 && m_radius <= 100000))
            throw UsageError("--radius must be a number from 0 to 100000 metres");
        if (m_limit < 0) throw UsageError("--limit must be >= 0");
        m_as = format_option(m_format, {OutputFormat::Table, OutputFormat::Json});
    }

public:
    int run() override {
        Config cfg = load();
        const FeasibilityResult result = query_feasibility(cfg, m_lat, m_lng, m_radius, m_limit);
        const FeasibilityAnswer& a = result.answer;
        if (m_as == OutputFormat::Json) {
            std::cout << feasibility_json(a) << "\n";
            return 0;
        }
        std::cout << feasibility_table(a, result.snapshot);
        return 0;
    }

private:
    double m_lat = 0, m_lng = 0, m_radius = 150;
    int m_limit = 0;
    std::string m_format;
    OutputFormat m_as = OutputFormat::Table;
};

} // namespace

std::unique_ptr<Command> make_feasibility_command() {
    return std::make_unique<FeasibilityCommand>();
}

} // namespace oznsync
