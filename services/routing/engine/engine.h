#pragma once
// The routing engine: (CallSetup, settings snapshot, now) → RouteDecision.
// Pure: no I/O, no clock, no globals; everything it needs is in the
// Snapshot the routing service assembles (from its own store and cached
// profiles data). The order in which services interact, and why, is
// written in PRECEDENCE.md next to this file.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "numbering/numbering.h"
#include "switchboard/routing/v1/routing.pb.h"

namespace sb::routing {

namespace rpb = ::switchboard::routing::v1;

// Everything Decide derives from a callee's settings before it can evaluate a
// call (numbers normalized into hash sets, time ranges as minutes, rule lists
// and schedules indexed by id). Immutable once built; defined in compiled.h.
struct CompiledSettings;
// The same for a tenant's blacklist; defined in blacklist.h.
class CompiledBlacklist;

// A line of ours a number or an extension reaches.
struct LineRef {
  std::string line_id;
  std::string user_id;
  std::string tenant_id;
  std::string extension;
  std::string number_e164;
  std::string display_name;
};

// The called subscriber, as the engine needs it.
struct CalleeView {
  LineRef line;
  absl::TimeZone timezone;  // the subscriber's (or its tenant's)
  std::string country;      // the tenant's, for reading numbers
  rpb::CallSettings settings;
  std::vector<rpb::Schedule> schedules;   // the user's and its tenant's
  std::vector<rpb::RuleList> rule_lists;  // the user's
  // The callee's contacts, for matching callers: contact id → its numbers
  // (E.164 when known, else digits), and group id → contact ids of the
  // group and all its subgroups (flattened).
  absl::flat_hash_map<std::string, std::vector<std::string>> contact_numbers;
  absl::flat_hash_map<std::string, std::vector<std::string>> group_members;
  // Optional, for speed: Compile(*this, numbering) built from the fields
  // above. When set, Decide reads it instead of settings/schedules/
  // rule_lists/contact_numbers/group_members; when empty, Decide compiles on
  // every call (correct, but libphonenumber makes that ~50 µs per number).
  // The routing service builds it once per version of those inputs and
  // shares it between threads (see PRECEDENCE.md, "Caching").
  std::shared_ptr<const CompiledSettings> compiled;
};

// The calling subscriber, for outgoing rules (barring, caller ID).
struct CallerView {
  LineRef line;
  std::string country;
  rpb::CallSettings settings;
};

struct Snapshot {
  std::optional<CalleeView> callee;  // empty: the destination is not ours
  std::optional<CallerView> caller;  // empty: the call comes from a trunk
  rpb::Blacklist blacklist;          // the callee's tenant's
  // Optional, for speed: CompileBlacklist(blacklist), cached per tenant and
  // blacklist version. When set, `blacklist` is not read.
  std::shared_ptr<const CompiledBlacklist> compiled_blacklist;
  const numbering::Numbering* numbering = nullptr;
  // Numbers and extensions of ours a forward may reach, in the callee's
  // tenant (extensions) or anywhere (E.164). May be empty.
  std::function<std::optional<LineRef>(const std::string& dialed)> resolve;
  // B5 "allow remote forwarding": where a line of ours forwards every call
  // (its unconditional forward, as its owner entered it), or nullopt. May
  // be empty (then no remote forwarding is known).
  std::function<std::optional<std::string>(const LineRef& line)> unconditional_forward;
};

// Decides one call. Never fails: a setup it can't evaluate gets a decision
// whose `error` says why and whose `final` rejects the call.
rpb::RouteDecision Decide(const rpb::CallSetup& setup, const Snapshot& snapshot, absl::Time now);

// Precompiles a callee's settings for Decide. `numbering` may be null (then
// numbers are read with the engine's own dialing rules only). Never fails:
// entries that can't be read (a malformed time, an unknown schedule id) are
// skipped, exactly as Decide would skip them.
std::shared_ptr<const CompiledSettings> Compile(const CalleeView& callee,
                                                const numbering::Numbering* numbering);
std::shared_ptr<const CompiledBlacklist> CompileBlacklist(const rpb::Blacklist& blacklist);

// A star code dialed by a subscriber (B13), as a change of its settings.
struct StarCode {
  // clang-format off
  enum class Kind {
    kNone,                 // not a star code we handle
    kForwardUnconditionalOn, kForwardUnconditionalOff,   // *72 [number] / *73
    kForwardBusyOn, kForwardBusyOff,                     // *90 [number] / *91
    kForwardNoAnswerOn, kForwardNoAnswerOff,             // *92 [number] / *93
    kVoicemailAccess,                                    // *318
    kDoNotDisturbOn, kDoNotDisturbOff,                   // *78 / *79
    kRejectAnonymousOn, kRejectAnonymousOff,             // *77 / *87
  };
  // clang-format on
  Kind kind = Kind::kNone;
  std::string number;  // the number dialed after the code, if any
};
StarCode ParseStarCode(std::string_view dialed);
// Applies a star code to settings exactly as the portal would change them;
// INVALID_ARGUMENT when the code needs a number and none is known.
absl::StatusOr<rpb::CallSettings> ApplyStarCode(const StarCode& code, rpb::CallSettings settings);
// The same, and the number dialed after the code is validated and stored in
// E.164 as the portal stores it (an extension of the tenant's plan is kept
// as is). INVALID_ARGUMENT naming "number" when it is not a valid number.
// This is the overload the routing service should call.
absl::StatusOr<rpb::CallSettings> ApplyStarCode(const StarCode& code, rpb::CallSettings settings,
                                                const numbering::Numbering& numbering,
                                                std::string_view country);
// The stable name of a star code's effect, for RouteDecision.feature_applied
// and logs: "forward_unconditional on to +33612345678", "do_not_disturb off".
std::string DescribeStarCode(const StarCode& code, const rpb::CallSettings& applied);

}  // namespace sb::routing
