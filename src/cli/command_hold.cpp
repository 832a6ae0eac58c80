// `oznsync hold` and `oznsync release`: incremental runs held while someone reviews a dry run.
#include "app/hold.hpp"
#include "app/queries.hpp"
#include "app/run.hpp"
#include "cli/commands.hpp"
#include "cli/run_options.hpp"
#include "util/error.hpp"
#include "util/time.hpp"

#include <chrono>
#include <cstdio>

namespace oznsync {

namespace {

class HoldCommand : public Command {
protected:
    void add_options(po::options_description& d) override {
        d.add_options()("hours", po::value(&m_hours)->default_value(24),
                        "how long at most (1 to 168): a forgotten hold ends by itself")(
            "reason", po::value(&m_reason), "why, shown where the hold is (e.g. the plan under review)");
    }
    void validate(const po::variables_map&) override {
        if (m_hours < 1 || m_hours > 168) throw UsageError("--hours must be from 1 to 168");
        check_reason(m_reason);
    }

public:
    int run() override {
        Config cfg = load();
        Store store(existing_database(cfg), Access::ReadWrite, cfg.operator_name);
        const Hold hold{iso8601(now() + std::chrono::hours(m_hours)), user_name(), m_reason};
        set_hold(store, hold);
        std::printf("incremental runs of %s are %s; nightly full runs go on; `oznsync release` (or `apply "
                    "--plan`) ends it\n",
                    cfg.operator_name.c_str(), hold_text(hold).c_str());
        return 0;
    }

private:
    int m_hours = 24;
    std::string m_reason;
};

class ReleaseCommand : public Command {
public:
    int run() override {
        Config cfg = load();
        Store store(existing_database(cfg), Access::ReadWrite, cfg.operator_name);
        if (release_hold(store))
            std::printf("incremental runs of %s are no longer held\n", cfg.operator_name.c_str());
        else
            std::printf("incremental runs of %s were not held\n", cfg.operator_name.c_str());
        return 0;
    }
};

} // namespace

std::unique_ptr<Command> make_hold_command() {
    return std::make_unique<HoldCommand>();
}

std::unique_ptr<Command> make_release_command() {
    return std::make_unique<ReleaseCommand>();
}

} // namespace oznsync
