#include "services/routing/engine/star_codes.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "core/status.h"
#include "services/routing/engine/absl_view.h"
#include "services/routing/engine/number_keys.h"
#include "services/routing/engine/outgoing.h"
#include "services/routing/engine/terminals.h"

namespace sb::routing {
namespace {

using Kind = StarCode::Kind;

struct CodeRow {
  std::string_view code;
  Kind kind;
  bool takes_number;
};

// Longest codes first, so "*318" is never read as a shorter code.
constexpr CodeRow kCodes[] = {
    {"*318", Kind::kVoicemailAccess, false},        {"*72", Kind::kForwardUnconditionalOn, true},
    {"*73", Kind::kForwardUnconditionalOff, false}, {"*90", Kind::kForwardBusyOn, true},
    {"*91", Kind::kForwardBusyOff, false},          {"*92", Kind::kForwardNoAnswerOn, true},
    {"*93", Kind::kForwardNoAnswerOff, false},      {"*78", Kind::kDoNotDisturbOn, false},
    {"*79", Kind::kDoNotDisturbOff, false},         {"*77", Kind::kRejectAnonymousOn, false},
    {"*87", Kind::kRejectAnonymousOff, false},
};

// MetaCentrex's default no-answer delay (API.md: "after_s": 36), used when
// *92 turns on a forward whose delay was never set.
constexpr int kDefaultNoAnswerAfterS = 36;
// Extensions are dialed as is; longer strings are phone numbers.
constexpr size_t kMaxExtensionDigits = 6;

bool IsNumber(std::string_view s) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  return !s.empty() && std::all_of(s.begin(), s.end(), absl::ascii_isdigit);
}

absl::Status NeedsNumber(std::string_view code) {
  return sb::core::InvalidField(
      "number", absl::StrCat(Av(code), ": which number? Dial ", Av(code),
                             " followed by the number, or save a forward number in the portal"));
}

// The number to forward to: the one dialed, else the stored one unless the
// subscriber asked to be asked each time (MC 2.5.2).
absl::StatusOr<std::string> ForwardNumber(const StarCode& code, std::string_view code_text,
                                          const std::string& stored, bool ask_each_time) {
  if (!code.number.empty()) return code.number;
  if (ask_each_time || stored.empty()) return NeedsNumber(code_text);
  return stored;
}

std::string_view CodeText(Kind kind) {
  for (const CodeRow& row : kCodes) {
    if (row.kind == kind) return row.code;
  }
  return "";
}

}  // namespace

bool ChangesConfiguration(Kind kind) { return kind != Kind::kNone && kind != Kind::kVoicemailAccess; }

StarCode ParseStarCode(std::string_view dialed) {
  const std::string cleaned = CleanDialString(dialed);
  for (const CodeRow& row : kCodes) {
    if (!std::string_view(cleaned).starts_with(row.code)) continue;
    std::string_view rest = std::string_view(cleaned).substr(row.code.size());
    // "*72*0612345678#" and "*720612345678" are both in use.
    if (!rest.empty() && rest[0] == '*') rest.remove_prefix(1);
    StarCode code;
    if (rest.empty()) {
      code.kind = row.kind;
      return code;
    }
    if (!row.takes_number || !IsNumber(rest)) return {};
    code.kind = row.kind;
    code.number = std::string(rest);
    return code;
  }
  return {};
}

absl::StatusOr<rpb::CallSettings> ApplyStarCode(const StarCode& code, rpb::CallSettings settings) {
  const std::string_view text = CodeText(code.kind);
  switch (code.kind) {
    case Kind::kNone:
      return sb::core::InvalidField("dialed", "not a star code this platform handles");
    case Kind::kVoicemailAccess:
      return settings;  // reaches the mailbox, changes nothing
    case Kind::kForwardUnconditionalOn: {
      rpb::ForwardUnconditional& forward = *settings.mutable_forward_unconditional();
      absl::StatusOr<std::string> number =
          ForwardNumber(code, text, forward.number(), forward.ask_number_each_time());
      if (!number.ok()) return number.status();
      forward.set_number(*number);
      forward.set_enabled(true);
      return settings;
    }
    case Kind::kForwardUnconditionalOff:
      settings.mutable_forward_unconditional()->set_enabled(false);
      return settings;
    case Kind::kForwardBusyOn: {
      rpb::ForwardBusy& forward = *settings.mutable_forward_busy();
      absl::StatusOr<std::string> number =
          ForwardNumber(code, text, forward.number(), forward.ask_number_each_time());
      if (!number.ok()) return number.status();
      forward.set_number(*number);
      forward.set_to_voicemail(false);
      forward.set_enabled(true);
      return settings;
    }
    case Kind::kForwardBusyOff:
      settings.mutable_forward_busy()->set_enabled(false);
      return settings;
    case Kind::kForwardNoAnswerOn: {
      rpb::ForwardNoAnswer& forward = *settings.mutable_forward_no_answer();
      absl::StatusOr<std::string> number =
          ForwardNumber(code, text, forward.number(), forward.ask_number_each_time());
      if (!number.ok()) return number.status();
      forward.set_number(*number);
      if (forward.after_s() == 0) forward.set_after_s(kDefaultNoAnswerAfterS);
      forward.set_enabled(true);
      return settings;
    }
    case Kind::kForwardNoAnswerOff:
      settings.mutable_forward_no_answer()->set_enabled(false);
      return settings;
    case Kind::kDoNotDisturbOn:
      settings.set_availability(rpb::DND);
      return settings;
    case Kind::kDoNotDisturbOff:
      settings.set_availability(rpb::AVAILABLE);
      return settings;
    case Kind::kRejectAnonymousOn:
      settings.set_reject_anonymous(true);
      return settings;
    case Kind::kRejectAnonymousOff:
      settings.set_reject_anonymous(false);
      return settings;
  }
  return sb::core::InvalidField("dialed", "not a star code this platform handles");
}

absl::StatusOr<rpb::CallSettings> ApplyStarCode(const StarCode& code, rpb::CallSettings settings,
                                                const numbering::Numbering& numbering,
                                                std::string_view country) {
  StarCode normalized = code;
  // Extensions are short and never start like a national or international
  // number; everything else must be a valid phone number.
  const bool extension = DigitsOf(code.number).size() <= kMaxExtensionDigits &&
                         !code.number.starts_with('0') && !code.number.starts_with('+');
  if (!code.number.empty() && !extension) {
    absl::StatusOr<numbering::Normalized> number = numbering.Normalize(code.number, country);
    if (!number.ok()) return number.status();
    normalized.number = number->e164;
  }
  return ApplyStarCode(normalized, std::move(settings));
}

std::string DescribeStarCode(const StarCode& code, const rpb::CallSettings& applied) {
  switch (code.kind) {
    case Kind::kNone:
      return "";
    case Kind::kVoicemailAccess:
      return "voicemail access";
    case Kind::kForwardUnconditionalOn:
      return absl::StrCat("forward_unconditional on to ", applied.forward_unconditional().number());
    case Kind::kForwardUnconditionalOff:
      return "forward_unconditional off";
    case Kind::kForwardBusyOn:
      return absl::StrCat("forward_busy on to ", applied.forward_busy().number());
    case Kind::kForwardBusyOff:
      return "forward_busy off";
    case Kind::kForwardNoAnswerOn:
      return absl::StrCat("forward_no_answer on to ", applied.forward_no_answer().number(), " after ",
                          applied.forward_no_answer().after_s(), " s");
    case Kind::kForwardNoAnswerOff:
      return "forward_no_answer off";
    case Kind::kDoNotDisturbOn:
      return "do_not_disturb on";
    case Kind::kDoNotDisturbOff:
      return "do_not_disturb off";
    case Kind::kRejectAnonymousOn:
      return "reject_anonymous on";
    case Kind::kRejectAnonymousOff:
      return "reject_anonymous off";
  }
  return "";
}

rpb::RouteDecision DecideStarCode(const rpb::CallSetup& setup, const CallerView& caller,
                                  const numbering::Numbering* numbering) {
  const StarCode code = ParseStarCode(setup.dialed());
  if (code.kind == Kind::kNone) {
    return ErrorDecision(
        setup.call_id(), 404,
        absl::StrCat("unknown service code ", CleanDialString(setup.dialed()).substr(0, 32)));
  }
  rpb::RouteDecision decision;
  decision.set_call_id(setup.call_id());
  decision.set_decided_by(absl::StrCat("star code ", Av(CodeText(code.kind))));

  // MC 2.5.3: access codes, and separately the ones that change the
  // configuration, can be barred like any destination.
  OutgoingDestination destination;
  destination.category = ChangesConfiguration(code.kind) ? numbering::Category::kConfigAccessCode
                                                         : numbering::Category::kAccessCode;
  destination.digits = CleanDialString(setup.dialed());
  if (std::optional<std::string> reason = BarredReason(destination, caller.settings.outgoing_barring())) {
    *decision.mutable_final() = Reject(403, "call-barred");
    decision.mutable_final()->set_sip_reason(*reason);
    return decision;
  }

  if (code.kind == Kind::kVoicemailAccess) {
    rpb::Terminal& final = *decision.mutable_final();
    final = Voicemail(caller.line.user_id, rpb::DIVERSION_REASON_UNSPECIFIED);
    final.set_retrieval(true);
    return decision;
  }

  absl::StatusOr<rpb::CallSettings> applied =
      numbering != nullptr ? ApplyStarCode(code, caller.settings, *numbering, caller.country)
                           : ApplyStarCode(code, caller.settings);
  if (!applied.ok()) {
    // Nothing to store: the caller hears why and can dial again with the
    // number ("*72 0612345678").
    const bool missing = code.number.empty();
    *decision.mutable_final() = Announcement(missing ? "feature-number-required" : "feature-invalid-number");
    return decision;
  }
  decision.set_feature_applied(DescribeStarCode(code, *applied));
  *decision.mutable_final() = Announcement("feature-confirmed");
  return decision;
}

}  // namespace sb::routing
