#pragma once
// Small builders for the shapes of a RouteDecision, shared by the incoming,
// outgoing and star-code paths so that one SIP code always comes with the
// same reason phrase.
#include <string>
#include <string_view>

#include "switchboard/routing/v1/routing.pb.h"

namespace sb::routing {

namespace rpb = ::switchboard::routing::v1;

// The RFC 3261 / RFC 5079 reason phrase of the codes the engine uses.
std::string_view ReasonPhrase(int sip_code);

rpb::Terminal Reject(int sip_code, std::string_view announcement = "");
rpb::Terminal Busy();
rpb::Terminal Voicemail(std::string_view mailbox_user_id, rpb::DiversionReason reason);
rpb::Terminal Announcement(std::string_view name);
rpb::Terminal ForwardTo(const rpb::Target& target, rpb::DiversionReason reason);
rpb::Terminal NextStep();

// A decision that rejects a setup the engine could not evaluate: `error`
// says why (for logs and the Decide RPC), `final` rejects with `sip_code`
// (404 unknown destination, 484 address incomplete, 500 otherwise).
rpb::RouteDecision ErrorDecision(std::string_view call_id, int sip_code, std::string error);

}  // namespace sb::routing
