#pragma once
// A call to a subscriber of ours: the precedence chain of PRECEDENCE.md
// (blacklist → anonymous rejection → selective reject → do not disturb →
// rule lists → selective forward → unconditional forward → extra ringing →
// my line with its busy / no-answer / unreachable fallbacks).
#include "absl/time/time.h"
#include "services/routing/engine/blacklist.h"
#include "services/routing/engine/compiled.h"
#include "services/routing/engine/engine.h"

namespace sb::routing {

rpb::RouteDecision DecideIncoming(const rpb::CallSetup& setup, const Snapshot& snapshot,
                                  const CompiledSettings& compiled, const CompiledBlacklist& blacklist,
                                  absl::Time now);

// The Alert-Info value for a ring tone of the settings: a URN or a bracketed
// URI as is ("<urn:alert:source:internal>"), a bare name in the convention
// desk phones read ("<http://127.0.0.1>;info=Bellcore-dr2"), and RFC 7462's
// "priority" indication when no tone is named.
std::string AlertInfoFor(std::string_view ring_tone);

}  // namespace sb::routing
