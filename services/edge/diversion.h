#pragma once
// The headers that tell the next hop why a call was diverted, for the
// voicemail service and for forwards:
//
//   History-Info (RFC 7044), with the RFC 4458 cause in the diverted-to URI:
//     History-Info: <sip:+33222969570@demo.example>;index=1,
//       <sip:voicemail@127.0.0.1:5070;target=sip:%2B33222969570%40demo.example;cause=486>;index=1.1;mp=1
//   Diversion (RFC 5806), which most carriers and voicemail systems still read:
//     Diversion: <sip:+33222969570@demo.example>;reason=user-busy;counter=1
//
//   cause / reason by routing's DiversionReason:
//     USER_BUSY 486 user-busy · NO_ANSWER 408 no-answer · UNCONDITIONAL,
//     TIME_OF_DAY, DEFLECTION, FOLLOW_ME 302 unconditional · UNAVAILABLE,
//     DO_NOT_DISTURB 480 unavailable (X-Sb-Diversion-Reason below has the
//     exact one: do-not-disturb, time-of-day, deflection, follow-me).
//
// INVITEs to the voicemail service also carry, so it needs no parsing:
//   X-Sb-Mailbox-User: <user id of the mailbox owner>
//   X-Sb-Tenant: <tenant id>
//   X-Sb-Diversion-Reason: user-busy | no-answer | unconditional | unavailable | do-not-disturb …
// and, for a caller retrieving their own messages (*318), X-Sb-Retrieval: 1;
// for the greeting variants (C6), X-Sb-Caller-Internal: 1 (a subscriber of
// the same tenant calls) and X-Sb-Out-Of-Hours: 1 (routing's out_of_hours).
// Announcements carry X-Sb-Announcement instead (see README.md).
#include <string>
#include <vector>

#include "switchboard/routing/v1/routing.pb.h"

namespace sb::edge {

namespace rpb = ::switchboard::routing::v1;

// RFC 4458 cause code for a diversion reason (302 when unknown).
int DiversionCause(rpb::DiversionReason reason);
// RFC 5806 Diversion reason token, one of the four the voicemail service
// reads: user-busy, no-answer, unconditional, unavailable.
std::string DiversionToken(rpb::DiversionReason reason);
// The precise reason (do-not-disturb, time-of-day, …) for X-Sb-Diversion-Reason.
std::string ExactDiversionToken(rpb::DiversionReason reason);

struct DiversionInput {
  std::string diverting_uri;  // "sip:+33222969570@demo.example": the user whose setting diverted
  std::string target_uri;     // where the call goes now (voicemail or the forward target)
  rpb::DiversionReason reason = rpb::DIVERSION_REASON_UNSPECIFIED;
  // History-Info entries of the incoming INVITE: the new ones continue them.
  std::vector<std::string> previous_history;
  int previous_diversions = 0;  // Diversion counter so far
};

// The RFC 4458 form of a voicemail target: target and cause as URI params.
std::string VoicemailRequestUri(const std::string& voicemail_uri, const std::string& diverting_uri,
                                rpb::DiversionReason reason);

// "History-Info: …\r\nDiversion: …\r\n" lines.
std::string DiversionHeaders(const DiversionInput& in);

// %-escapes what a URI parameter value can't hold.
std::string EscapeParam(const std::string& value);

}  // namespace sb::edge
