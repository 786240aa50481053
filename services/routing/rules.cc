#include "services/routing/rules.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/status.h"

namespace sb::routing {
namespace {

using core::InvalidField;

std::string RuleId() {
  thread_local absl::BitGen gen;
  return absl::StrFormat("r%016x", absl::Uniform<uint64_t>(gen));
}

absl::Status CheckAction(rpb::Action* a, const std::string& field, const SettingsContext& ctx,
                         bool required) {
  if (!rpb::Action::Kind_IsValid(a->kind())) {
    return InvalidField(field + ".kind", absl::StrCat(field, ".kind has an unknown value"));
  }
  if (a->kind() == rpb::Action::KIND_UNSPECIFIED) {
    if (required) return InvalidField(field + ".kind", absl::StrCat(field, ".kind is required"));
    return absl::OkStatus();
  }
  SB_RETURN_IF_ERROR(CheckText(a->ring_tone(), field + ".ring_tone", 32));
  SB_RETURN_IF_ERROR(CheckText(a->reject_message(), field + ".reject_message", 200));
  SB_RETURN_IF_ERROR(NormalizeRingTargets(a->mutable_numbers(), field + ".numbers", ctx));
  switch (a->kind()) {
    case rpb::Action::FORWARD: {
      if (a->number().empty())
        return InvalidField(field + ".number", absl::StrCat(field, ".number is required to forward"));
      SB_ASSIGN_OR_RETURN(*a->mutable_number(), NormalizeTarget(a->number(), field + ".number", ctx));
      break;
    }
    case rpb::Action::RING_SIMULTANEOUS:
    case rpb::Action::RING_SEQUENTIAL:
      if (a->numbers_size() == 0) {
        return InvalidField(field + ".numbers", absl::StrCat(field, ".numbers needs a number to ring"));
      }
      break;
    default: {
      if (!a->number().empty()) {
        SB_ASSIGN_OR_RETURN(*a->mutable_number(), NormalizeTarget(a->number(), field + ".number", ctx));
      }
      break;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateRuleList(rpb::RuleList* list, const SettingsContext& ctx) {
  SB_RETURN_IF_ERROR(CheckText(list->name(), "name", 64, /*required=*/true));
  list->set_name(std::string(absl::StripAsciiWhitespace(list->name())));
  if (list->rules_size() > kMaxRules) {
    return InvalidField("rules", absl::StrCat("rules takes at most ", kMaxRules, " rules"));
  }
  absl::flat_hash_set<std::string> ids;
  for (int i = 0; i < list->rules_size(); ++i) {
    auto* r = list->mutable_rules(i);
    const std::string item = absl::StrCat("rules[", i, "]");
    if (r->id().empty()) r->set_id(RuleId());
    if (r->id().size() > 64 || !ids.insert(r->id()).second) {
      return InvalidField(item + ".id", absl::StrCat(item, ".id must be unique in the list"));
    }
    SB_RETURN_IF_ERROR(CheckText(r->name(), item + ".name", 64));
    SB_RETURN_IF_ERROR(NormalizeCallerMatch(r->mutable_when(), item + ".when", ctx));
    SB_RETURN_IF_ERROR(CheckAction(r->mutable_then(), item + ".then", ctx, /*required=*/true));
  }
  return CheckAction(list->mutable_default_action(), "default_action", ctx, /*required=*/false);
}

absl::Status ValidateBlacklistRule(rpb::BlacklistRule* rule) {
  const std::string& d = rule->digits();
  if (d.empty() || d.size() > 20 ||
      !std::all_of(d.begin(), d.end(), [](char c) { return absl::ascii_isdigit(c); })) {
    return InvalidField("digits", "digits must be 1 to 20 digits, and only digits");
  }
  if (!rpb::BlacklistRule::Match_IsValid(rule->match()) ||
      rule->match() == rpb::BlacklistRule::MATCH_UNSPECIFIED) {
    return InvalidField("match", "match must be EQUALS, STARTS_WITH, ENDS_WITH or CONTAINS");
  }
  if (!rpb::BlacklistRule::Effect_IsValid(rule->effect())) {
    return InvalidField("effect", "effect must be BLOCK or ALLOW");
  }
  if (rule->effect() == rpb::BlacklistRule::EFFECT_UNSPECIFIED) rule->set_effect(rpb::BlacklistRule::BLOCK);
  return CheckText(rule->note(), "note", 100);
}

}  // namespace sb::routing
