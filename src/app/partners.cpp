#include "app/partners.hpp"
#include "app/pull.hpp"
#include "neutral/partnerships.hpp"
#include "store/handover_store.hpp"

#include "app/apply.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/ids.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace oznsync {

std::map<std::string, ExistingUser> find_users(OzmapClient& client,
                                               const std::vector<std::string>& usernames) {
    std::map<std::string, ExistingUser> out;
    for (const auto& name : usernames)
        if (auto user = client.find_user(name)) out[name] = *user;
    return out;
}

std::string resolve_role(OzmapClient& client, const std::string& role) {
    if (role.empty())
        throw ConfigError("partners.role: missing (the OZmap role id or name partner users get)");
    if (is_object_id(role)) return role;
    if (auto id = client.find_role_id(role)) return *id;
    throw ConfigError("partners.role: OZmap has no role named '" + role + "'");
}

PartnerApplyOutcome apply_partner_changes(OzmapGateway& gateway, RunStore* journal, const std::string& run_id,
                                          std::vector<JournalEntry>& entries, const std::string& role,
                                          const std::vector<std::string>& resources,
                                          const HandOver& hand_over) {
    PartnerApplyOutcome out;
    const bool sends = gateway.sends();
    Journal journal_of_run(journal, run_id, sends);
    auto mark = [&](JournalEntry& e, EntryState state, const std::string& result = "",
                    const std::string& error = "") { journal_of_run.mark(e, state, result, error); };
    for (auto& e : entries) {
        if (e.state != EntryState::Planned) continue;
        const Change& c = e.change;
        const bool new_password = c.action == Action::UserCreate || c.user->reset_password;
        std::string password;
        if (new_password) {
            password = sends ? random_password(kPartnerPasswordLength) : "***";
            register_secret(password);
        }
        WriteRequest req;
        if (c.action == Action::UserCreate)
            req = user_create_request(c, role, resources, password);
        else if (c.action == Action::UserUpdate)
            req = c.user->reset_password ? user_password_request(c, password)
                  : c.user->claim_user   ? user_claim_request(c)
                                         : user_update_request(c, role);
        else
            continue;
        mark(e, EntryState::Intent);
        WriteResult r = gateway.write(req);
        if (!sends) {
            mark(e, EntryState::Planned, Journal::kNotSent);
            continue;
        }
        if (!r.ok()) {
            ++out.failed;
            mark(e, EntryState::Failed, "", r.message);
            spdlog::warn("{} {} failed: HTTP {}", action_name(c.action), c.user->username, r.status);
            continue;
        }
        if (c.user->claim_user) {
            // Read back: an OZmap that drops the external_id leaves the user unproven (a conflict next run).
            const auto kept = gateway.user_external_id(c.user->username);
            const bool ok = kept && *kept == partner_external_id(partner_of_username(c.user->username));
            if (ok)
                ++out.done;
            else
                ++out.failed;
            mark(e, ok ? EntryState::Done : EntryState::Failed, ok ? "external_id set" : "",
                 ok ? "" : "OZmap accepted the external_id but does not keep it (read back: absent)");
            continue;
        }
        if (!new_password) {
            ++out.done;
            mark(e, EntryState::Done, "projects set");
            spdlog::info("applied {} {}: {}", action_name(c.action), c.user->username, e.result);
            continue;
        }
        // The user exists in OZmap now: its password must reach the hand-over file before the change counts
        // as done; if it cannot, the run says so (and every later run, until the password is reset).
        std::string user_id = c.user->user_id.str();
        if (user_id.empty()) user_id = r.user_id;
        e.change.user.edit().user_id = user_id;
        // A new password counts only once OZmap lets the user log in with it: the SDK's UpdateUserDTO
        // has no password, so an OZmap that drops it answers the PATCH with success all the same.
        if (c.user->reset_password && !gateway.credentials_work(c.user->username, password)) {
            ++out.failed;
            mark(e, EntryState::Failed, "",
                 "OZmap accepted the new password but does not let " + c.user->username +
                     " log in with it: it did not keep it, so it is NOT handed over (the user's password is "
                     "unknown; set one in OZmap and hand it over by hand)");
            spdlog::error("partner user {}: the new password does not work; NOT handed over",
                          c.user->username);
            continue;
        }
        try {
            std::string file = hand_over(c, user_id, password);
            ++out.done;
            mark(e, EntryState::Done,
                 c.user->reset_password ? "password reset; the new one is in the hand-over file"
                                        : "user created; password in the hand-over file");
            spdlog::info("applied {} {}: {}", action_name(c.action), c.user->username, e.result);
        } catch (const std::exception& ex) {
            ++out.failed;
            mark(e, EntryState::Failed, "",
                 "the user exists in OZmap but its password could not be written to the hand-over file (" +
                     std::string(ex.what()) + "); run `oznsync partners --reset-password " +
                     partner_of_username(c.user->username) + "`");
            spdlog::error("partner user {}: password NOT handed over: {}", c.user->username, ex.what());
        }
    }
    return out;
}

std::string write_handover(const std::string& dir, const std::string& operator_name,
                           const std::string& run_id,
                           const std::vector<std::pair<std::string, std::string>>& credentials) {
    make_dirs(dir, 0700); // passwords: only oznsync's user may even list the folder
    std::string path = dir + "/partners-" + operator_name + "-" + run_id + ".txt";
    std::string text =
        "# OZmap users of operator " + operator_name + " created by oznsync run " + run_id +
        " for OZneutral partners.\n# Hand each password to its partner, then delete this file.\n"
        "# username\tpassword\n";
    for (const auto& [user, pw] : credentials)
        text += user + "\t" + pw + "\n";
    atomic_write(path, text, 0600);
    return path;
}

namespace {

/// Partnerships that carry no projects (the ozn-sdk's shape) grant what the first sending run that saw
/// them accepted fixed: that run's effective selection, kept in the database and never widened.
void fix_partnership_projects(const PartnerContext& ctx, PartnerPlanInput& input) {
    HandoverStore store(ctx.store);
    const auto fixed = store.fixed_projects();
    const std::vector<std::string> selection(input.selected_projects.begin(), input.selected_projects.end());
    for (auto& p : input.partnerships) {
        if (p.projects_given || p.status != PartnershipStatus::Accepted) continue;
        if (auto it = fixed.find(p.id); it != fixed.end()) {
            p.projects = it->second;
            continue;
        }
        p.projects = selection;
        if (ctx.sends) store.fix_projects(p.id, selection, ctx.run_id);
        spdlog::info("partnership {} ({}) carries no projects: {} fixed at its first sight, the selection of "
                     "this run{}",
                     p.id, p.partner_name, join(selection, ","), ctx.sends ? "" : " (dry run: not recorded)");
    }
}

/// `partners --reset-password PARTNER_ID`: a new password for that partner's user, handed over.
PreparedPartners prepare_password_reset(const PartnerContext& ctx, const std::string& partner) {
    Change c;
    c.action = Action::UserUpdate;
    c.user.edit().username = partner_username(partner);
    c.partner = partner;
    auto user = ctx.client.find_user(c.user->username);
    if (!user) throw UsageError("--reset-password " + partner + ": OZmap has no user " + c.user->username);
    // A password is written only to a user oznsync can prove is its own.
    if (partner_user_proof(*user, partner, HandoverStore(ctx.store).recorded().count(c.user->username)) ==
        UserProof::Foreign)
        throw UsageError("--reset-password " + partner + ": OZmap user " + c.user->username +
                         " is not proven oznsync's (external_id '" + user->external_id +
                         "'): its password is not oznsync's to set");
    c.user.edit().user_id = user->id;
    c.user.edit().reset_password = true;
    c.before = FixedNote::PasswordNotHandedOver;
    c.after = FixedNote::PasswordHandedOver;
    c.reason = FixedNote::PasswordReset;
    PreparedPartners out;
    out.plan.writes = {c};
    return out;
}

} // namespace

/// Reads the partnership feed, the partners' existing users and partners.role: before any write of
/// the run, so a missing role or an unreadable feed stops the run with nothing changed.
PreparedPartners prepare_partner_users(const PartnerContext& ctx, const std::string& reset_partner) {
    if (!reset_partner.empty()) return prepare_password_reset(ctx, reset_partner);
    PreparedPartners out;
    if (ctx.cfg.ozneutral.partnerships.empty())
        throw ConfigError("ozneutral.partnerships: missing (file:PATH or https://...)");
    PartnershipFeed feed = fetch_partnerships(ctx.cfg);
    std::vector<std::string> usernames;
    for (const auto& p : feed.partnerships)
        usernames.push_back(partner_username(p.partner_id));
    std::sort(usernames.begin(), usernames.end());
    usernames.erase(std::unique(usernames.begin(), usernames.end()), usernames.end());
    PartnerPlanInput input;
    input.partnerships = feed.partnerships;
    input.existing = find_users(ctx.client, usernames);
    for (const auto& p : resolve_projects(ctx.cfg, ctx.client, {}))
        input.selected_projects.insert(p.id);
    fix_partnership_projects(ctx, input);
    input.granted = HandoverStore(ctx.store).grants();
    input.recorded = HandoverStore(ctx.store).recorded();
    input.email_fallback = ctx.cfg.partners.email_fallback;
    PartnerPlan plan = plan_partner_users(input);
    out.plan.writes = std::move(plan.writes);
    out.plan.findings = std::move(plan.findings);
    out.grants = std::move(plan.grants);
    for (const auto& bad : feed.invalid) {
        Change c = invalid_finding(bad);
        c.partner = std::exchange(c.code, ""); // a partnership's code is its partner
        out.plan.findings.push_back(std::move(c));
    }
    // A password that never reached a hand-over file is reported every run until it is reset; a user
    // whose create was recorded but never reached OZmap (killed before the POST) is simply created
    // again, with a new password handed over.
    for (const auto& u : HandoverStore(ctx.store).not_handed_over()) {
        const bool exists = input.existing.count(u.username) || ctx.client.find_user(u.username);
        if (!exists) continue;
        Change c;
        c.action = Action::Conflict;
        c.user.edit().username = u.username;
        c.user.edit().user_id = u.user_id;
        c.partner = u.partner_id;
        c.reason = "the password of OZmap user " + u.username + " (created by run " + u.created_run +
                   ") was never handed over: run `oznsync partners --reset-password " + u.partner_id + "`";
        out.plan.findings.push_back(c);
    }
    out.role = resolve_role(ctx.client, ctx.cfg.partners.role);
    return out;
}

PartnerStepOutcome apply_partner_step(const PartnerStepContext& ctx, OzmapGateway& gateway,
                                      std::vector<JournalEntry>& entries, const std::string& role,
                                      const std::map<std::string, PartnerGrant>& grants,
                                      std::vector<std::pair<std::string, std::string>>& credentials) {
    PartnerStepOutcome step;
    HandoverStore handovers(ctx.store);
    // Before a password is sent, the database says it is not handed over yet: a run killed after OZmap
    // applied the POST (or PATCH) but before the hand-over file was written leaves a user whose password is
    // written nowhere, and every later run says so until it is reset.
    if (gateway.sends())
        for (const auto& e : entries)
            if (e.state == EntryState::Planned &&
                (e.change.action == Action::UserCreate || e.change.user->reset_password))
                handovers.record({e.change.user->username, partner_of_username(e.change.user->username),
                                  e.change.user->user_id.str(), ctx.run_id, ""});
    auto hand_over = [&](const Change& c, const std::string& user_id, const std::string& password) {
        PartnerUserRecord record{c.user->username, partner_of_username(c.user->username), user_id, ctx.run_id,
                                 ""};
        try {
            credentials.emplace_back(c.user->username, password);
            record.handed_over =
                write_handover(ctx.cfg.partners.handover_dir, ctx.cfg.operator_name, ctx.run_id, credentials);
        } catch (const std::exception&) {
            credentials.pop_back();
            handovers.record(record);
            throw;
        }
        handovers.record(record);
        step.handover_file = record.handed_over;
        return record.handed_over;
    };
    const PartnerApplyOutcome out = apply_partner_changes(gateway, &ctx.runs, ctx.run_id, entries, role,
                                                          ctx.cfg.partners.resources, hand_over);
    // What was granted is recorded once done: the next runs leave an operator's own edits alone.
    for (const auto& e : entries) {
        if (e.state != EntryState::Done || e.change.user->reset_password ||
            !grants.count(e.change.user->username))
            continue;
        handovers.record_grant(e.change.user->username, partner_of_username(e.change.user->username),
                               ctx.run_id, grants.at(e.change.user->username));
    }
    step.failed = out.failed;
    return step;
}

} // namespace oznsync
