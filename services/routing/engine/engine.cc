#include "services/routing/engine/engine.h"

#include <exception>
#include <memory>

#include "absl/strings/str_cat.h"
#include "services/routing/engine/blacklist.h"
#include "services/routing/engine/compiled.h"
#include "services/routing/engine/incoming.h"
#include "services/routing/engine/number_keys.h"
#include "services/routing/engine/outgoing.h"
#include "services/routing/engine/star_codes.h"
#include "services/routing/engine/terminals.h"

namespace sb::routing {
namespace {

bool IsServiceCode(std::string_view dialed) {
  const std::string cleaned = CleanDialString(dialed);
  return !cleaned.empty() && (cleaned[0] == '*' || cleaned[0] == '#');
}

rpb::RouteDecision DecideOrThrow(const rpb::CallSetup& setup, const Snapshot& snapshot, absl::Time now) {
  if (!snapshot.callee && !snapshot.caller) {
    return ErrorDecision(setup.call_id(), 404,
                         absl::StrCat("'", CleanDialString(setup.dialed()).substr(0, 32),
                                      "' is not a line of ours and the caller is not a "
                                      "subscriber: nothing to route"));
  }
  if (!snapshot.callee) {
    if (CleanDialString(setup.dialed()).empty()) {
      return ErrorDecision(setup.call_id(), 484, "nothing was dialed");
    }
    if (IsServiceCode(setup.dialed())) {
      return DecideStarCode(setup, *snapshot.caller, snapshot.numbering);
    }
    return DecideOutgoing(setup, *snapshot.caller, snapshot.numbering);
  }

  const CalleeView& callee = *snapshot.callee;
  if (callee.line.line_id.empty() && callee.line.user_id.empty()) {
    return ErrorDecision(setup.call_id(), 500,
                         "the callee has neither a line nor a user: the snapshot is incomplete");
  }
  // The slow path compiles for this call only; the service caches instead.
  std::shared_ptr<const CompiledSettings> compiled = callee.compiled;
  if (compiled == nullptr) compiled = Compile(callee, snapshot.numbering);
  std::shared_ptr<const CompiledBlacklist> blacklist = snapshot.compiled_blacklist;
  if (blacklist == nullptr) blacklist = CompileBlacklist(snapshot.blacklist);
  return DecideIncoming(setup, snapshot, *compiled, *blacklist, now);
}

}  // namespace

rpb::RouteDecision Decide(const rpb::CallSetup& setup, const Snapshot& snapshot, absl::Time now) {
  // The engine throws nothing itself; this boundary is for what it calls
  // (the service's resolve callback, allocation failure), so that a call
  // gets a 500 instead of taking the routing stream down.
  try {
    return DecideOrThrow(setup, snapshot, now);
  } catch (const std::exception& e) {
    return ErrorDecision(setup.call_id(), 500, absl::StrCat("routing engine failure: ", e.what()));
  }
}

}  // namespace sb::routing
