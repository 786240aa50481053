#include "services/routing/settings.h"

#include <google/protobuf/util/field_mask_util.h>

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/status.h"

namespace sb::routing {
namespace {

using core::InvalidField;
using google::protobuf::util::FieldMaskUtil;

std::string Path(absl::string_view prefix, absl::string_view name) {
  return prefix.empty() ? std::string(name) : absl::StrCat(prefix, ".", name);
}
std::string Item(absl::string_view field, int index) { return absl::StrCat(field, "[", index, "]"); }

bool AllDigits(absl::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isdigit(c); });
}

// The digits and a leading '+' of what a person typed, separators dropped.
std::string Compact(absl::string_view s) {
  std::string out;
  for (char c : s) {
    if (absl::ascii_isdigit(c) || (c == '+' && out.empty())) out += c;
  }
  return out;
}

bool IsSeparator(char c) { return c == ' ' || c == '.' || c == '-' || c == '(' || c == ')' || c == '/'; }

bool LooksLikeExtension(absl::string_view s) { return AllDigits(s) && s.size() >= 2 && s.size() <= 6; }

size_t CodePoints(absl::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

absl::Status CheckRange(int value, int lo, int hi, absl::string_view field) {
  if (value < lo || value > hi) {
    return InvalidField(field, absl::StrCat(field, " must be between ", lo, " and ", hi));
  }
  return absl::OkStatus();
}

template <typename Enum>
absl::Status CheckEnum(bool valid, absl::string_view field) {
  if (!valid) return InvalidField(field, absl::StrCat(field, " has an unknown value"));
  return absl::OkStatus();
}

absl::Status CheckNumbers(google::protobuf::RepeatedPtrField<std::string>* numbers, absl::string_view field,
                          const SettingsContext& ctx, int max = kMaxListNumbers) {
  if (numbers->size() > max) {
    return InvalidField(field, absl::StrCat(field, " takes at most ", max, " numbers"));
  }
  for (int i = 0; i < numbers->size(); ++i) {
    SB_ASSIGN_OR_RETURN(std::string n, NormalizeTarget((*numbers)[i], Item(field, i), ctx));
    (*numbers)[i] = std::move(n);
  }
  return absl::OkStatus();
}

// A forward: a number is needed when it is on, unless something else says
// where the call goes (voicemail, a number asked at activation).
absl::Status CheckForward(bool enabled, std::string* number, bool number_optional, absl::string_view field,
                          const SettingsContext& ctx) {
  const std::string number_field = Path(field, "number");
  if (!number->empty()) {
    SB_ASSIGN_OR_RETURN(*number, NormalizeTarget(*number, number_field, ctx));
  } else if (enabled && !number_optional) {
    return InvalidField(number_field, absl::StrCat(number_field, " is required to turn ", field, " on"));
  }
  return absl::OkStatus();
}

absl::Status CheckSelective(rpb::SelectiveList* list, absl::string_view field, const SettingsContext& ctx,
                            bool needs_destination) {
  SB_RETURN_IF_ERROR(NormalizeCallerMatch(list->mutable_callers(), Path(field, "callers"), ctx));
  SB_RETURN_IF_ERROR(CheckText(list->ring_tone(), Path(field, "ring_tone"), 32));
  if (needs_destination) {
    const std::string to = Path(field, "to");
    if (!list->to().empty()) {
      SB_ASSIGN_OR_RETURN(*list->mutable_to(), NormalizeTarget(list->to(), to, ctx));
    } else if (list->enabled()) {
      return InvalidField(to, absl::StrCat(to, " is required to turn ", field, " on"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckCriteria(rpb::RingCriteria* criteria, absl::string_view field, const SettingsContext& ctx) {
  return NormalizeCallerMatch(criteria->mutable_callers(), Path(field, "callers"), ctx);
}

absl::Status CheckCallerId(rpb::CallerId* id, const SettingsContext& ctx) {
  SB_RETURN_IF_ERROR(CheckText(id->outgoing_name(), "caller_id.outgoing_name", kMaxOutgoingNameChars));
  // CT: an outgoing identity is a name and a number, or nothing.
  const bool has_name = !id->outgoing_name().empty();
  const bool has_number = !id->outgoing_number().empty();
  if (has_name && !has_number) {
    return InvalidField("caller_id.outgoing_number",
                        "caller_id.outgoing_number is required with caller_id.outgoing_name");
  }
  if (has_number && !has_name) {
    return InvalidField("caller_id.outgoing_name",
                        "caller_id.outgoing_name is required with caller_id.outgoing_number");
  }
  if (has_number) {
    SB_ASSIGN_OR_RETURN(*id->mutable_outgoing_number(),
                        NormalizeTarget(id->outgoing_number(), "caller_id.outgoing_number", ctx));
    if (LooksLikeExtension(id->outgoing_number())) {
      return InvalidField("caller_id.outgoing_number",
                          "caller_id.outgoing_number must be a phone number, not an extension");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckBarring(rpb::OutgoingBarring* b) {
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < b->barred_categories_size(); ++i) {
    const std::string field = Item("outgoing_barring.barred_categories", i);
    std::string name = absl::AsciiStrToUpper(b->barred_categories(i));
    auto category = numbering::CategoryFromName(name);
    if (!category || *category == numbering::Category::kInvalid ||
        *category == numbering::Category::kExtension) {
      return InvalidField(field,
                          absl::StrCat(field, ": '", b->barred_categories(i),
                                       "' is not a call category (LOCAL, NATIONAL, MOBILE, INTERNATIONAL, "
                                       "PREMIUM, OPERATOR, DIRECTORY, ACCESS_CODE, CONFIG_ACCESS_CODE)"));
    }
    if (*category == numbering::Category::kEmergency) {
      return InvalidField(field, absl::StrCat(field, ": emergency calls are never barred"));
    }
    if (!seen.insert(name).second) {
      return InvalidField(field, absl::StrCat(field, ": ", name, " is listed twice"));
    }
    b->set_barred_categories(i, name);
  }
  SB_RETURN_IF_ERROR(CheckEnum<rpb::LongDistanceMode>(rpb::LongDistanceMode_IsValid(b->long_distance()),
                                                      "outgoing_barring.long_distance"));
  SB_RETURN_IF_ERROR(CheckEnum<rpb::LongDistanceMode>(rpb::LongDistanceMode_IsValid(b->international()),
                                                      "outgoing_barring.international"));
  const bool needs_code =
      b->long_distance() == rpb::LD_WITH_ACCESS_CODE || b->international() == rpb::LD_WITH_ACCESS_CODE;
  if (!b->access_code().empty() &&
      (!AllDigits(b->access_code()) || b->access_code().size() < 2 || b->access_code().size() > 8)) {
    return InvalidField("outgoing_barring.access_code", "outgoing_barring.access_code must be 2 to 8 digits");
  }
  if (needs_code && b->access_code().empty()) {
    return InvalidField("outgoing_barring.access_code",
                        "outgoing_barring.access_code is required when calls are allowed WITH_ACCESS_CODE");
  }
  return absl::OkStatus();
}

bool Contains(const std::vector<std::string>& v, absl::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

rpb::CallSettings DefaultCallSettings(const std::string& user_id, bool has_voicemail) {
  rpb::CallSettings s;
  s.set_user_id(user_id);
  s.set_availability(rpb::AVAILABLE);
  s.mutable_forward_busy()->set_to_voicemail(has_voicemail);
  s.mutable_forward_no_answer()->set_after_s(36);
  s.set_voicemail_after_s(24);
  s.set_max_concurrent_calls(kDefaultMaxConcurrentCalls);
  s.set_call_waiting(true);
  s.set_voicemail_enabled(has_voicemail);
  s.set_ring_time_s(24);
  s.set_recording(rpb::RECORDING_OFF);
  return s;
}

std::vector<std::string> TopLevelFields(const google::protobuf::FieldMask& mask) {
  std::vector<std::string> out;
  for (const auto& path : mask.paths()) {
    std::string top(path.substr(0, path.find('.')));
    if (top == "user_id" || top == "updated_at") continue;
    if (!Contains(out, top)) out.push_back(top);
  }
  return out;
}

absl::StatusOr<rpb::CallSettings> MergeCallSettings(const rpb::CallSettings& current,
                                                    const rpb::CallSettings& update,
                                                    const google::protobuf::FieldMask& mask) {
  google::protobuf::FieldMask effective;
  for (const auto& path : mask.paths()) {
    if (path == "user_id" || path == "updated_at") continue;
    google::protobuf::FieldMask one;
    one.add_paths(path);
    if (!FieldMaskUtil::IsValidFieldMask<rpb::CallSettings>(one)) {
      return InvalidField("update_mask",
                          absl::StrCat("update_mask: '", path, "' is not a call-settings field"));
    }
    effective.add_paths(path);
  }
  if (effective.paths_size() == 0) return InvalidField("update_mask", "update_mask names no field to change");
  rpb::CallSettings out = current;
  FieldMaskUtil::MergeOptions options;
  options.set_replace_message_fields(true);
  options.set_replace_repeated_fields(true);
  FieldMaskUtil::MergeMessageTo(update, effective, options, &out);
  return out;
}

absl::Status CheckText(absl::string_view value, absl::string_view field, int max, bool required) {
  if (required && absl::StripAsciiWhitespace(value).empty()) {
    return InvalidField(field, absl::StrCat(field, " is required"));
  }
  if (CodePoints(value) > static_cast<size_t>(max)) {
    return InvalidField(field, absl::StrCat(field, " must be at most ", max, " characters"));
  }
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f)
      return InvalidField(field, absl::StrCat(field, " must not contain control characters"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> NormalizeNumber(absl::string_view input, absl::string_view field,
                                            const SettingsContext& ctx, bool forward_target) {
  std::string trimmed(absl::StripAsciiWhitespace(input));
  if (trimmed.empty()) return InvalidField(field, absl::StrCat(field, " must not be empty"));
  if (LooksLikeExtension(trimmed)) return trimmed;
  auto n = ctx.numbering->Normalize(trimmed, ctx.country);
  if (!n.ok()) {
    return InvalidField(field, absl::StrCat(field, ": ", n.status().message()));
  }
  // Forwarding to a premium-rate number would bill the subscriber for every
  // call it receives; listing one as a caller (to reject it) is fine.
  if (forward_target && n->category == numbering::Category::kPremium) {
    return InvalidField(field, absl::StrCat(field, ": premium-rate numbers can't be forward targets"));
  }
  return n->region == ctx.country ? n->national : n->e164;
}

absl::StatusOr<std::string> NormalizeTarget(absl::string_view input, absl::string_view field,
                                            const SettingsContext& ctx) {
  return NormalizeNumber(input, field, ctx, /*forward_target=*/true);
}

absl::Status NormalizeCallerMatch(rpb::CallerMatch* match, absl::string_view field,
                                  const SettingsContext& ctx) {
  const std::string numbers_field = Path(field, "numbers");
  if (match->numbers_size() > kMaxListNumbers) {
    return InvalidField(numbers_field,
                        absl::StrCat(numbers_field, " takes at most ", kMaxListNumbers, " numbers"));
  }
  for (int i = 0; i < match->numbers_size(); ++i) {
    const std::string item = Item(numbers_field, i);
    std::string raw(absl::StripAsciiWhitespace(match->numbers(i)));
    if (absl::EndsWith(raw, "*")) {
      // A prefix ("02*", "+3322*") is kept as typed, separators dropped.
      std::string body = raw.substr(0, raw.size() - 1);
      for (char c : body) {
        if (!absl::ascii_isdigit(c) && c != '+' && !IsSeparator(c)) {
          return InvalidField(item, absl::StrCat(item, ": a prefix is digits followed by '*'"));
        }
      }
      std::string prefix = Compact(body);
      if (prefix.empty() || prefix == "+") {
        return InvalidField(item, absl::StrCat(item, ": a prefix needs at least one digit before '*'"));
      }
      match->set_numbers(i, prefix + "*");
      continue;
    }
    SB_ASSIGN_OR_RETURN(std::string n, NormalizeNumber(raw, item, ctx, /*forward_target=*/false));
    match->set_numbers(i, std::move(n));
  }
  for (int i = 0; i < match->extensions_size(); ++i) {
    if (!LooksLikeExtension(match->extensions(i))) {
      const std::string item = Item(Path(field, "extensions"), i);
      return InvalidField(item, absl::StrCat(item, " must be an extension of 2 to 6 digits"));
    }
  }
  for (int i = 0; i < match->contact_ids_size(); ++i) {
    if (match->contact_ids(i).empty() || match->contact_ids(i).size() > 64) {
      const std::string item = Item(Path(field, "contact_ids"), i);
      return InvalidField(item, absl::StrCat(item, " must be a contact id"));
    }
  }
  for (int i = 0; i < match->group_ids_size(); ++i) {
    if (match->group_ids(i).empty() || match->group_ids(i).size() > 64) {
      const std::string item = Item(Path(field, "group_ids"), i);
      return InvalidField(item, absl::StrCat(item, " must be a contact group id"));
    }
  }
  return absl::OkStatus();
}

absl::Status NormalizeRingTargets(google::protobuf::RepeatedPtrField<rpb::RingTarget>* targets,
                                  absl::string_view field, const SettingsContext& ctx) {
  if (targets->size() > kMaxRingSteps) {
    return InvalidField(field, absl::StrCat(field, " takes at most ", kMaxRingSteps, " numbers"));
  }
  for (int i = 0; i < targets->size(); ++i) {
    auto* t = targets->Mutable(i);
    const std::string item = Item(field, i);
    SB_ASSIGN_OR_RETURN(*t->mutable_number(), NormalizeTarget(t->number(), Path(item, "number"), ctx));
    SB_RETURN_IF_ERROR(CheckRange(t->delay_s(), 0, 300, Path(item, "delay_s")));
    // 0 leaves the ringing time to the line's own (ring_time_s).
    if (t->ring_s() != 0) SB_RETURN_IF_ERROR(CheckRange(t->ring_s(), 5, 300, Path(item, "ring_s")));
  }
  return absl::OkStatus();
}

absl::Status ValidateCallSettings(rpb::CallSettings* s, const SettingsContext& ctx,
                                  const std::vector<std::string>& changed) {
  // Availability (B1).
  SB_RETURN_IF_ERROR(
      CheckEnum<rpb::Availability>(rpb::Availability_IsValid(s->availability()), "availability"));
  if (s->availability() == rpb::AVAILABILITY_UNSPECIFIED) s->set_availability(rpb::AVAILABLE);
  SB_RETURN_IF_ERROR(NormalizeCallerMatch(s->mutable_dnd_priority_callers(), "dnd_priority_callers", ctx));

  // Forwarding (B2).
  auto* fu = s->mutable_forward_unconditional();
  SB_RETURN_IF_ERROR(
      CheckEnum<rpb::ForwardMode>(rpb::ForwardMode_IsValid(fu->mode()), "forward_unconditional.mode"));
  SB_RETURN_IF_ERROR(CheckForward(fu->enabled(), fu->mutable_number(), fu->ask_number_each_time(),
                                  "forward_unconditional", ctx));
  auto* fb = s->mutable_forward_busy();
  SB_RETURN_IF_ERROR(CheckForward(fb->enabled(), fb->mutable_number(),
                                  fb->to_voicemail() || fb->ask_number_each_time(), "forward_busy", ctx));
  auto* fna = s->mutable_forward_no_answer();
  SB_RETURN_IF_ERROR(CheckForward(fna->enabled(), fna->mutable_number(), fna->ask_number_each_time(),
                                  "forward_no_answer", ctx));
  // 0 is what an update that didn't mention the delay carries: the default.
  if (fna->after_s() == 0) fna->set_after_s(36);
  SB_RETURN_IF_ERROR(
      CheckRange(fna->after_s(), kMinForwardNoAnswerS, kMaxForwardNoAnswerS, "forward_no_answer.after_s"));
  SB_RETURN_IF_ERROR(CheckRange(s->voicemail_after_s(), 0, kMaxVoicemailAfterS, "voicemail_after_s"));
  auto* fun = s->mutable_forward_unreachable();
  SB_RETURN_IF_ERROR(CheckForward(fun->enabled(), fun->mutable_number(), false, "forward_unreachable", ctx));
  SB_RETURN_IF_ERROR(CheckNumbers(s->mutable_saved_forward_numbers(), "saved_forward_numbers", ctx, 10));
  if (!s->temporary_forward_number().empty()) {
    SB_ASSIGN_OR_RETURN(*s->mutable_temporary_forward_number(),
                        NormalizeTarget(s->temporary_forward_number(), "temporary_forward_number", ctx));
  }

  // Lists (B4).
  SB_RETURN_IF_ERROR(CheckSelective(s->mutable_selective_forward(), "selective_forward", ctx, true));
  SB_RETURN_IF_ERROR(CheckSelective(s->mutable_selective_reject(), "selective_reject", ctx, false));
  SB_RETURN_IF_ERROR(CheckSelective(s->mutable_distinctive_ring(), "distinctive_ring", ctx, false));

  // Concurrent calls (B3): 1 up to the account's limit.
  const int limit = ctx.tenant_max_concurrent_calls > 0 ? ctx.tenant_max_concurrent_calls : 1000;
  if (s->max_concurrent_calls() < 1 || s->max_concurrent_calls() > limit) {
    return InvalidField("max_concurrent_calls",
                        absl::StrCat("max_concurrent_calls must be between 1 and ", limit,
                                     ctx.tenant_max_concurrent_calls > 0 ? " (the account's limit)" : ""));
  }

  // Ringing several phones (B5, B6).
  auto* sim = s->mutable_simultaneous_ring();
  SB_RETURN_IF_ERROR(NormalizeRingTargets(sim->mutable_targets(), "simultaneous_ring.targets", ctx));
  SB_RETURN_IF_ERROR(CheckCriteria(sim->mutable_criteria(), "simultaneous_ring.criteria", ctx));
  if (sim->enabled() && sim->targets_size() == 0) {
    return InvalidField("simultaneous_ring.targets", "simultaneous_ring.targets needs a number to ring");
  }
  auto* seq = s->mutable_sequential_ring();
  SB_RETURN_IF_ERROR(NormalizeRingTargets(seq->mutable_steps(), "sequential_ring.steps", ctx));
  SB_RETURN_IF_ERROR(CheckCriteria(seq->mutable_criteria(), "sequential_ring.criteria", ctx));
  if (seq->enabled() && seq->steps_size() == 0) {
    return InvalidField("sequential_ring.steps", "sequential_ring.steps needs a number to ring");
  }
  auto* fm = s->mutable_find_me_follow_me();
  SB_RETURN_IF_ERROR(NormalizeRingTargets(fm->mutable_targets(), "find_me_follow_me.targets", ctx));
  SB_RETURN_IF_ERROR(CheckRange(fm->extra_attempts(), 0, 3, "find_me_follow_me.extra_attempts"));
  if (fm->enabled() && fm->targets_size() == 0) {
    return InvalidField("find_me_follow_me.targets", "find_me_follow_me.targets needs a number to ring");
  }
  // CT: find-me/follow-me only works while forwarding is off. Name the field
  // this update turned on, so the portal points at what the person just did.
  if (fm->enabled() && s->forward_unconditional().enabled()) {
    if (Contains(changed, "forward_unconditional") && !Contains(changed, "find_me_follow_me")) {
      return InvalidField(
          "forward_unconditional.enabled",
          "forward_unconditional.enabled: forwarding can't be turned on while find-me/follow-me "
          "is on; turn find_me_follow_me off first");
    }
    return InvalidField(
        "find_me_follow_me.enabled",
        "find_me_follow_me.enabled: find-me/follow-me works only while forwarding is off; turn "
        "forward_unconditional off first");
  }

  // When busy, caller ID, barring (B10–B12).
  SB_RETURN_IF_ERROR(CheckEnum<rpb::WhenBusy>(rpb::WhenBusy_IsValid(s->when_busy()), "when_busy"));
  SB_RETURN_IF_ERROR(CheckCallerId(s->mutable_caller_id(), ctx));
  SB_RETURN_IF_ERROR(CheckBarring(s->mutable_outgoing_barring()));

  // Rule lists by period (B8): ids are checked against the store by the caller.
  for (int i = 0; i < s->active_rule_lists_size(); ++i) {
    const auto& a = s->active_rule_lists(i);
    const std::string item = Item("active_rule_lists", i);
    if (a.schedule_id().empty())
      return InvalidField(Path(item, "schedule_id"), absl::StrCat(item, ".schedule_id is required"));
    if (a.rule_list_id().empty()) {
      return InvalidField(Path(item, "rule_list_id"), absl::StrCat(item, ".rule_list_id is required"));
    }
  }
  if (s->active_rule_lists_size() > 10) {
    return InvalidField("active_rule_lists", "active_rule_lists takes at most 10 entries");
  }

  // Ringing and extension options (A10).
  if (s->ring_time_s() != 0) SB_RETURN_IF_ERROR(CheckRange(s->ring_time_s(), 5, 300, "ring_time_s"));
  SB_RETURN_IF_ERROR(CheckEnum<rpb::CallRecording>(rpb::CallRecording_IsValid(s->recording()), "recording"));
  if (s->recording() == rpb::CALL_RECORDING_UNSPECIFIED) s->set_recording(rpb::RECORDING_OFF);
  return absl::OkStatus();
}

}  // namespace sb::routing
