#pragma once
// Calls a subscriber makes: outgoing call barring (B10, MetaCentrex 2.5.3,
// Cooptel "appels interurbains / internationaux") and the caller ID it
// presents (B11).
//
// Barring, in this order:
//  1. Emergency numbers are never barred, whatever the settings say.
//  2. barred_categories holds numbering's category names. Two names cover
//     more than their own category, because the MetaCentrex checkboxes they
//     come from do: PREMIUM also bars SHARED_COST and SHORT_CODE ("tous
//     numéros commençant par 08 ou tous numéros courts hors numéros
//     d'urgence"; free 0800 numbers stay reachable unless TOLL_FREE is
//     listed), ACCESS_CODE also bars CONFIG_ACCESS_CODE ("tous numéros
//     commençant par *").
//  3. The Cooptel modes: long_distance governs NATIONAL and MOBILE calls
//     (outside the local area; LOCAL needs the caller's own number in the
//     dial plan), international governs INTERNATIONAL. DISABLED bars;
//     WITH_ACCESS_CODE requires the dialed string to start with
//     access_code, which is stripped before the number is read; UNLIMITED
//     (and unspecified) allows.
//  Both mechanisms apply: a category barred by either is barred.
#include <optional>
#include <string>
#include <string_view>

#include "numbering/numbering.h"
#include "services/routing/engine/engine.h"

namespace sb::routing {

struct OutgoingDestination {
  numbering::Category category = numbering::Category::kInvalid;
  std::string e164;    // phone numbers
  std::string digits;  // what is dialed out (access code stripped)
  bool access_code_used = false;
};

// Reads `dialed` with the caller's dial plan (its country and own number),
// stripping the long-distance access code where a WITH_ACCESS_CODE mode
// expects it.
OutgoingDestination ClassifyOutgoing(std::string_view dialed, const CallerView& caller,
                                     const numbering::Numbering& numbering);

// Why the call is barred ("outgoing calls to PREMIUM numbers are barred on
// this line"), or nullopt when it is allowed.
std::optional<std::string> BarredReason(const OutgoingDestination& destination,
                                        const rpb::OutgoingBarring& barring);

// Whether any barring or long-distance restriction is configured (so that
// classifying an internal call can be skipped when nothing could bar it).
bool HasOutgoingRestrictions(const rpb::OutgoingBarring& barring);

// What the callee is shown (B11). Calls to a colleague show the extension and
// name (Proximus "internal caller display"); other calls show the line's
// number, or the per-extension outgoing name (≤15 characters) and number
// when both are set (Cooptel: both are required). "Withhold my number" hides
// it from the callee (Privacy: id) but the asserted identity stays, for the
// network and emergency services.
rpb::Presentation CallerPresentation(const CallerView& caller, bool to_colleague);

// The decision for a call to a destination that is not ours.
rpb::RouteDecision DecideOutgoing(const rpb::CallSetup& setup, const CallerView& caller,
                                  const numbering::Numbering* numbering);

}  // namespace sb::routing
