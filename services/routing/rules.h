#pragma once
// What makes a rule list (FEATURES B8) and a blacklist rule (B9) valid. Pure;
// errors are INVALID_ARGUMENT naming the field ("rules[2].then.number").
#include "absl/status/status.h"
#include "services/routing/settings.h"
#include "switchboard/routing/v1/routing.pb.h"

namespace sb::routing {

inline constexpr int kMaxRules = 32;
inline constexpr int kMaxBlacklistRules = 500;

// Checks a rule list and normalizes it in place: numbers normalized, rules
// without an id get one (stable ids let the call log name the rule).
absl::Status ValidateRuleList(rpb::RuleList* list, const SettingsContext& ctx);

// Checks a blacklist rule: digits only (1–20), a match kind; BLOCK by default.
absl::Status ValidateBlacklistRule(rpb::BlacklistRule* rule);

}  // namespace sb::routing
