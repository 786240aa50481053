#include "services/routing/engine/terminals.h"

#include <utility>

namespace sb::routing {

std::string_view ReasonPhrase(int sip_code) {
  switch (sip_code) {
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 433:
      return "Anonymity Disallowed";  // RFC 5079
    case 480:
      return "Temporarily Unavailable";
    case 484:
      return "Address Incomplete";
    case 486:
      return "Busy Here";
    case 500:
      return "Server Internal Error";
    case 603:
      return "Decline";
    default:
      return "";
  }
}

rpb::Terminal Reject(int sip_code, std::string_view announcement) {
  rpb::Terminal terminal;
  terminal.set_kind(rpb::Terminal::REJECT);
  terminal.set_sip_code(sip_code);
  terminal.set_sip_reason(std::string(ReasonPhrase(sip_code)));
  if (!announcement.empty()) terminal.set_announcement(std::string(announcement));
  return terminal;
}

rpb::Terminal Busy() {
  rpb::Terminal terminal;
  terminal.set_kind(rpb::Terminal::BUSY);
  terminal.set_sip_code(486);
  terminal.set_sip_reason(std::string(ReasonPhrase(486)));
  return terminal;
}

rpb::Terminal Voicemail(std::string_view mailbox_user_id, rpb::DiversionReason reason) {
  rpb::Terminal terminal;
  terminal.set_kind(rpb::Terminal::VOICEMAIL);
  terminal.set_mailbox_user_id(std::string(mailbox_user_id));
  terminal.set_reason(reason);
  return terminal;
}

rpb::Terminal Announcement(std::string_view name) {
  rpb::Terminal terminal;
  terminal.set_kind(rpb::Terminal::ANNOUNCEMENT);
  terminal.set_announcement(std::string(name));
  return terminal;
}

rpb::Terminal ForwardTo(const rpb::Target& target, rpb::DiversionReason reason) {
  rpb::Terminal terminal;
  terminal.set_kind(rpb::Terminal::FORWARD);
  terminal.set_reason(reason);
  *terminal.mutable_forward() = target;
  terminal.mutable_forward()->set_diversion(reason);
  return terminal;
}

rpb::Terminal NextStep() {
  rpb::Terminal terminal;
  terminal.set_kind(rpb::Terminal::NEXT_STEP);
  return terminal;
}

rpb::RouteDecision ErrorDecision(std::string_view call_id, int sip_code, std::string error) {
  rpb::RouteDecision decision;
  decision.set_call_id(std::string(call_id));
  decision.set_error(std::move(error));
  *decision.mutable_final() = Reject(sip_code);
  return decision;
}

}  // namespace sb::routing
