#pragma once
// A change set: what reconcile decided, one entry per OZmap write (or per finding that needs no write).
#include "core/model.hpp"
#include "util/boxed.hpp"
#include "util/ids.hpp"

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace oznsync {

enum class Action {
    Create,
    Move,
    Promote,
    Demote,
    Remove,
    UserCreate,
    UserUpdate,
    Adopt, // `oznsync adopt`: the property gets oznsync's external_id
    // Findings: reported, never written.
    Conflict,
    Invalid,
    Orphan,
    Drift,
};
constexpr size_t kActionCount = static_cast<size_t>(Action::Drift) + 1;

const char* action_name(Action a);
bool action_from_name(const std::string& name, Action& out);
bool is_write(Action a);

/// Where a client sits (or should sit).
struct PortRef {
    Id box, splitter;
    int port = 0;
    bool operator==(const PortRef&) const = default;
    bool empty() const { return splitter.empty(); }
    std::string text() const;
};

/// The reasons and states that read the same in every change that gives them (they carry no value).
enum class FixedNote : uint8_t {
    OrphanPruned,
    RevertingDrift,
    RevertingDeletion,
    PortChanged,
    AdoptionProof,
    AbsentPropertyKept,
    ClientWithoutProperty,
    PropertyWithoutClient,
    PartlyDeleted,
    OperatorsClient,
    NoExternalId,
    UserMadeByOznsync,
    PartnershipAccepted,
    PartnershipAcceptedProjectsFixed,
    PartnershipAcceptedNoGrant,
    PartnershipEnded,
    PasswordNotHandedOver,
    PasswordHandedOver,
    PasswordReset,
};

/// A change's reason, or what it says the client was or will be, as people read them. The forms nearly
/// every change carries are typed (no text held: rendered only where a line is written, in a report, a log
/// or a journal row); any other is kept as its text. Made from text, a note takes the typed form that
/// renders to exactly that text, so a note read back from the journal is the note that was written.
class ChangeNote {
public:
    ChangeNote() = default;
    ChangeNote(std::string text); // NOLINT(google-explicit-constructor): text is assigned as it always was
    ChangeNote(const char* text) : ChangeNote(std::string(text)) {} // NOLINT(google-explicit-constructor)
    ChangeNote(FixedNote note)
        : ChangeNote(Form::Fixed, static_cast<uint8_t>(note)) {} // NOLINT(google-explicit-constructor)
    static ChangeNote absent();                                  // "absent"
    static ChangeNote present(bool implanted);    // "present, implanted" / "present, not implanted"
    static ChangeNote implanted(bool implanted);  // "implanted" / "not implanted"
    static ChangeNote sale_status(const Sale& s); // the record's "state/substate" ("active/active", ...)

    /// The note as people read it; the view lasts as long as the note (a typed form's text is static).
    std::string_view view() const;
    std::string text() const { return std::string(view()); }
    bool empty() const { return m_form == Form::Empty; }
    /// Whether the note is kept as text (a form without a type of its own).
    bool is_text() const { return m_form == Form::Text; }
    bool operator==(const ChangeNote& other) const { return view() == other.view(); }
    bool operator==(std::string_view other) const { return view() == other; }
    bool operator==(const std::string& other) const { return view() == other; }
    bool operator==(const char* other) const { return view() == other; }

private:
    enum class Form : uint8_t { Empty, Text, Absent, Present, Implanted, SaleStatus, Fixed };
    ChangeNote(Form form, uint8_t a, uint8_t b = 0) : m_form(form), m_a(a), m_b(b) {}
    Form m_form = Form::Empty;
    uint8_t m_a = 0, m_b = 0;  // Present, Implanted: the flag; SaleStatus: state, substate; Fixed: which
    Boxed<std::string> m_text; // Text only
};

/// What a partner-user change (user_create / user_update) carries beside the fields every change has.
struct UserChange {
    std::string username, email;
    Id user_id;
    std::vector<std::string> projects;
    bool reset_password = false; // user_update: a new password (`partners --reset-password`)
    bool claim_user = false;     // user_update: the user gets oznsync's external_id (a user it made before)
};

struct Change {
    Action action = Action::Create;
    Id sale_id;
    std::string code, partner;
    Id project;
    PortRef target;                      // where the client must be (create/move), or where it is (others)
    Boxed<PortRef> from;                 // move (and its conflict): where it was; empty elsewhere
    std::string box_name, splitter_name; // of `target`, as OZmap names them (for people reading reports)
    Id property_id, client_id;
    bool implanted = false; // the client's implanted flag after the change
    // For remove: keep the property, disconnected from its port through its drop cable (empty drop: the
    // property is not connected any more).
    bool keep_property = false;
    Id drop;
    // For create:
    std::string client_name, address;
    double lat = 0, lng = 0;
    ChangeNote reason;
    ChangeNote before, after; // what the client was and will be, for people reading the report
    Boxed<UserChange> user;   // user_create / user_update only (an empty UserChange elsewhere)
};

/// How a change reads in a log line: "create ORD-A on CTO-000123 S2 port 4 (sale 5e..01)", as done
/// ("created ..."), or as a dry run would do it ("would create ...").
enum class ChangeTense { Plain, Would, Done };
std::string change_text(const Change& c, ChangeTense tense);
/// The keys of a change for a structured (JSON) log line: action, code, sale_id, project, box.
std::vector<std::pair<std::string, std::string>> change_fields(const Change& c);

/// The finding for a feed record that cannot be acted on: its id, its code (a sale's client code, a
/// partnership's partner) and why.
Change invalid_finding(const InvalidRecord& r);

/// What oznsync last applied to the client of a sale it owns: the base line that tells an OZmap edit
/// (drift) from a change in OZneutral.
struct OwnedState {
    Id property_id, client_id;
    std::string code;
    PortRef port;
    bool implanted = false;
    bool operator==(const OwnedState&) const = default;
};

/// What oznsync last applied, by sale id (the `owned` table).
using Baseline = std::unordered_map<Id, OwnedState, IdHash>;

struct ChangeSet {
    std::vector<Change> writes;   // in apply order
    std::vector<Change> findings; // conflicts, invalid records, orphans, drift
    long long owned_clients = 0;  // clients oznsync owns in the snapshot (for the removal cap)
    long long sales_in_scope = 0;
    long long in_sync = 0;
    long long drifted = 0;
    // Base-line updates this plan makes before apply (apply adds what it changed): sale id -> what
    // oznsync last applied, for owned clients the plan saw whole and whose row changes (none in a steady
    // state); `forget` holds the sales whose client
    // is gone for good (the sale ended and nothing of the client is left). Other rows stay as they are.
    Baseline baseline;
    std::set<Id> forget;
};

/// Every OZmap id a write puts into a request path (property, client, drop cable, user) must be an
/// ObjectId: a write with any other id (`../../users/x`, a hostile or broken OZmap's answer) becomes a
/// conflict naming it, and nothing is sent.
void refuse_unsafe_ids(std::vector<Change>& writes, std::vector<Change>& findings);

} // namespace oznsync
