#pragma once
// CompiledSettings: a callee's settings, schedules, rule lists and contacts,
// read once into the form Decide evaluates fast (hash sets of number keys,
// minute ranges, rule lists by id). Built by Compile() (engine.h); immutable,
// so one instance is shared by every thread deciding calls for that callee.
//
// How the routing service caches it (also in PRECEDENCE.md): key the cache
// by user id; rebuild when any input changes: CallSettings.updated_at, any
// Schedule.updated_at of the user or its tenant, any RuleList.updated_at,
// the contacts/groups version (profiles' contact events), the tenant's
// country or the user's time zone. Build outside any lock, then swap the
// shared_ptr in; calls in flight keep the version they started with.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/time/time.h"
#include "services/routing/engine/absl_view.h"
#include "services/routing/engine/caller_match.h"
#include "services/routing/engine/engine.h"
#include "services/routing/engine/number_keys.h"
#include "services/routing/engine/schedule.h"

namespace sb::routing {

// A number the settings forward or ring to, read once.
struct ForwardNumber {
  std::string dialed;  // as stored: an extension, a national or E.164 number
  std::string key;     // NumberKey / E.164 when it is a phone number
  bool empty() const { return key.empty(); }
};

struct CompiledRingTarget {
  ForwardNumber number;
  int delay_s = 0;
  int ring_s = 0;
  bool allow_remote_forwarding = false;  // B5 (AS): the number's own forwarding may take the call
};

struct CompiledAction {
  rpb::Action::Kind kind = rpb::Action::KIND_UNSPECIFIED;
  ForwardNumber number;  // FORWARD
  std::string ring_tone;
  std::string reject_message;
  std::vector<CompiledRingTarget> numbers;  // RING_SIMULTANEOUS / RING_SEQUENTIAL
};

struct CompiledRule {
  std::string name;
  CompiledCallerMatch when;
  CompiledAction then;
};

struct CompiledRuleList {
  std::string id;
  std::string name;
  std::vector<CompiledRule> rules;  // enabled ones only, in order
  CompiledAction default_action;
};

// A plain record: Compile() fills it, Decide() reads it.
struct CompiledSettings {
  CompiledSettings() = default;
  CompiledSettings(const CompiledSettings&) = delete;
  CompiledSettings& operator=(const CompiledSettings&) = delete;

  const CompiledRuleList* FindRuleList(std::string_view id) const {
    auto it = rule_list_by_id.find(Av(id));
    return it == rule_list_by_id.end() ? nullptr : &rule_lists[it->second];
  }

  rpb::CallSettings settings;
  DialingRules rules;
  absl::TimeZone timezone;
  ScheduleSet schedules;
  // The schedules whose special days select special_days_rule_list_id: the
  // ones the active rule lists refer to, or every schedule when none does.
  std::vector<std::string> special_day_schedules;
  // Every number of every match below (and of the contacts), inverted.
  CallerIndex callers;

  CompiledCallerMatch dnd_priority;
  CompiledCallerMatch selective_forward;
  CompiledCallerMatch selective_reject;
  CompiledCallerMatch distinctive_ring;
  CompiledCallerMatch simultaneous_callers;
  CompiledCallerMatch sequential_callers;

  ForwardNumber forward_unconditional;
  ForwardNumber forward_busy;
  ForwardNumber forward_no_answer;
  ForwardNumber forward_unreachable;
  ForwardNumber selective_forward_to;
  std::vector<CompiledRingTarget> simultaneous_targets;
  std::vector<CompiledRingTarget> sequential_steps;
  std::vector<CompiledRingTarget> find_me_targets;

  std::vector<CompiledRuleList> rule_lists;
  absl::flat_hash_map<std::string, size_t> rule_list_by_id;
};

}  // namespace sb::routing
