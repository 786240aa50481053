#include "services/routing/engine/outgoing.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "services/routing/engine/absl_view.h"
#include "services/routing/engine/number_keys.h"
#include "services/routing/engine/terminals.h"

namespace sb::routing {
namespace {

using numbering::Category;

// CT: the outgoing name is at most 15 characters; count code points, not
// bytes, so "Hélène Lefèvre-Dupont" is cut between characters.
constexpr size_t kMaxOutgoingNameChars = 15;

std::string TruncateUtf8(std::string_view text, size_t max_chars) {
  size_t chars = 0;
  size_t i = 0;
  for (; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) != 0x80) {  // the first byte of a code point
      if (chars == max_chars) break;
      ++chars;
    }
  }
  return std::string(text.substr(0, i));
}

bool Listed(const rpb::OutgoingBarring& barring, std::string_view name) {
  return std::find(barring.barred_categories().begin(), barring.barred_categories().end(), name) !=
         barring.barred_categories().end();
}

// Which barred_categories names bar `category` (see outgoing.h).
bool BarredByCategory(Category category, const rpb::OutgoingBarring& barring) {
  if (Listed(barring, numbering::CategoryName(category))) return true;
  switch (category) {
    case Category::kSharedCost:
    case Category::kShortCode:
      return Listed(barring, "PREMIUM");
    case Category::kConfigAccessCode:
      return Listed(barring, "ACCESS_CODE");
    default:
      return false;
  }
}

// The Cooptel mode that governs `category`, and the words for it.
struct LongDistance {
  rpb::LongDistanceMode mode = rpb::LONG_DISTANCE_MODE_UNSPECIFIED;
  std::string_view words;
};
LongDistance ModeFor(Category category, const rpb::OutgoingBarring& barring) {
  switch (category) {
    case Category::kNational:
    case Category::kMobile:
      return {barring.long_distance(), "long-distance"};
    case Category::kInternational:
      return {barring.international(), "international"};
    default:
      return {};
  }
}

// Whether a long-distance mode governs `category` at all.
bool IsLongDistance(Category category) {
  return category == Category::kNational || category == Category::kMobile ||
         category == Category::kInternational;
}

}  // namespace

OutgoingDestination ClassifyOutgoing(std::string_view dialed, const CallerView& caller,
                                     const numbering::Numbering& numbering) {
  numbering::DialPlan plan;
  plan.country = caller.country;
  plan.home_e164 = caller.line.number_e164;
  const rpb::OutgoingBarring& barring = caller.settings.outgoing_barring();
  const std::string cleaned = CleanDialString(dialed);
  const std::string code = DigitsOf(barring.access_code());

  OutgoingDestination out;
  const bool any_with_code = barring.long_distance() == rpb::LD_WITH_ACCESS_CODE ||
                             barring.international() == rpb::LD_WITH_ACCESS_CODE;
  if (any_with_code && !code.empty() && cleaned.size() > code.size() && cleaned.starts_with(code)) {
    const std::string stripped = cleaned.substr(code.size());
    const numbering::Classified classified = numbering.Classify(stripped, plan);
    // The code only counts in front of a long-distance call (allowed or
    // not: "international is disabled" beats "not a number"); otherwise the
    // digits are read as dialed (an extension may start like the code).
    if (IsLongDistance(classified.category) || classified.category == Category::kEmergency) {
      out.category = classified.category;
      out.e164 = classified.e164;
      out.digits = classified.digits;
      out.access_code_used = true;
      return out;
    }
  }
  const numbering::Classified classified = numbering.Classify(cleaned, plan);
  out.category = classified.category;
  out.e164 = classified.e164;
  out.digits = classified.digits;
  return out;
}

std::optional<std::string> BarredReason(const OutgoingDestination& destination,
                                        const rpb::OutgoingBarring& barring) {
  // Emergency calls go through whatever an admin configured (and whatever
  // code was or wasn't dialed in front).
  if (destination.category == Category::kEmergency) return std::nullopt;
  const std::string_view name = numbering::CategoryName(destination.category);
  if (BarredByCategory(destination.category, barring)) {
    return absl::StrCat("outgoing calls to ", Av(name), " numbers are barred on this line");
  }
  const LongDistance ld = ModeFor(destination.category, barring);
  if (ld.mode == rpb::LD_DISABLED) {
    return absl::StrCat(Av(ld.words), " calls (", Av(name), ") are disabled on this line");
  }
  if (ld.mode == rpb::LD_WITH_ACCESS_CODE && !destination.access_code_used) {
    if (DigitsOf(barring.access_code()).empty()) {
      return absl::StrCat(Av(ld.words), " calls (", Av(name),
                          ") need an access code and none is configured for this line");
    }
    return absl::StrCat(Av(ld.words), " calls (", Av(name),
                        ") need the access code dialed before the number");
  }
  return std::nullopt;
}

bool HasOutgoingRestrictions(const rpb::OutgoingBarring& barring) {
  auto restrictive = [](rpb::LongDistanceMode mode) {
    return mode == rpb::LD_DISABLED || mode == rpb::LD_WITH_ACCESS_CODE;
  };
  return !barring.barred_categories().empty() || restrictive(barring.long_distance()) ||
         restrictive(barring.international());
}

rpb::Presentation CallerPresentation(const CallerView& caller, bool to_colleague) {
  rpb::Presentation presentation;
  presentation.set_asserted_identity(caller.line.number_e164);
  presentation.set_display_name(caller.line.display_name);
  if (to_colleague) {
    // Inside the company the extension is the number people know and dial
    // back; withholding is for the outside world.
    presentation.set_number(caller.line.extension.empty() ? caller.line.number_e164 : caller.line.extension);
    return presentation;
  }
  const rpb::CallerId& caller_id = caller.settings.caller_id();
  presentation.set_number(caller.line.number_e164);
  if (!caller_id.outgoing_name().empty() && !caller_id.outgoing_number().empty()) {
    presentation.set_display_name(TruncateUtf8(caller_id.outgoing_name(), kMaxOutgoingNameChars));
    presentation.set_number(NumberKey(caller_id.outgoing_number(), DialingRulesFor(caller.country)));
  }
  presentation.set_withhold_number(caller_id.withhold_my_number());
  return presentation;
}

rpb::RouteDecision DecideOutgoing(const rpb::CallSetup& setup, const CallerView& caller,
                                  const numbering::Numbering* numbering) {
  if (numbering == nullptr) {
    return ErrorDecision(setup.call_id(), 500,
                         "no numbering plan configured: the routing service must set "
                         "Snapshot.numbering");
  }
  const OutgoingDestination destination = ClassifyOutgoing(setup.dialed(), caller, *numbering);
  switch (destination.category) {
    case Category::kInvalid:
      return ErrorDecision(setup.call_id(), 484,
                           absl::StrCat("'", CleanDialString(setup.dialed()).substr(0, 32),
                                        "' is not a number this line can dial"));
    case Category::kExtension:
      return ErrorDecision(setup.call_id(), 404,
                           absl::StrCat("no line has extension ", destination.digits, " in this company"));
    case Category::kAccessCode:
    case Category::kConfigAccessCode:
      return ErrorDecision(setup.call_id(), 404, absl::StrCat("unknown service code ", destination.digits));
    default:
      break;
  }

  rpb::RouteDecision decision;
  decision.set_call_id(setup.call_id());
  *decision.mutable_presentation() = CallerPresentation(caller, /*to_colleague=*/false);
  const std::string_view name = numbering::CategoryName(destination.category);
  if (std::optional<std::string> reason = BarredReason(destination, caller.settings.outgoing_barring())) {
    *decision.mutable_final() = Reject(403, "call-barred");
    decision.mutable_final()->set_sip_reason(*reason);
    decision.set_decided_by(absl::StrCat("outgoing call barring (", Av(name), ")"));
    return decision;
  }
  rpb::Step& step = *decision.add_steps();
  rpb::Target& target = *step.add_targets();
  target.set_kind(rpb::Target::EXTERNAL);
  // Service numbers (emergency, directory, short codes) have no E.164 form
  // and leave through the trunk as dialed.
  target.set_number_e164(destination.e164.empty() ? destination.digits : destination.e164);
  step.set_ring_s(0);
  *step.mutable_on_busy() = Busy();
  *step.mutable_on_unreachable() = Reject(480);
  *step.mutable_on_no_answer() = Reject(480);
  *decision.mutable_final() = Reject(480);
  decision.set_decided_by(absl::StrCat("outgoing call to a ", Av(name), " number"));
  return decision;
}

}  // namespace sb::routing
