#pragma once
// Star codes a subscriber dials on its own phone (B13; MetaCentrex 2.5.2:
// *72 unconditional, *90 busy, *92 no answer; *318 voicemail; plus the DND
// and anonymous-rejection codes numbering lists as configuration codes).
//
// The split between engine and service (also in PRECEDENCE.md):
//  - ParseStarCode / ApplyStarCode (engine.h) are pure: what the code means
//    and what the settings become, exactly as the portal would change them.
//  - Decide describes: for a settings-changing code it returns
//    feature_applied ("forward_unconditional on to +33612345678") and a
//    final ANNOUNCEMENT "feature-confirmed", and changes nothing.
//  - The routing service persists: when feature_applied is set, it calls
//    ApplyStarCode(ParseStarCode(dialed), stored settings, numbering,
//    country), stores the result as an UpdateCallSettings would (events,
//    cache invalidation), and only then lets the edge play the confirmation.
//    When the code can't be applied (no number known) the decision carries
//    no feature_applied and plays "feature-number-required" instead.
#include "absl/time/time.h"
#include "services/routing/engine/engine.h"

namespace sb::routing {

// The decision for a star code dialed by `caller` (a subscriber's device).
// `numbering` may be null (numbers are then stored as dialed).
rpb::RouteDecision DecideStarCode(const rpb::CallSetup& setup, const CallerView& caller,
                                  const numbering::Numbering* numbering);

// Whether a star code changes stored settings (numbering's "configuration
// access codes", barred separately from plain access codes, MC 2.5.3).
bool ChangesConfiguration(StarCode::Kind kind);

}  // namespace sb::routing
