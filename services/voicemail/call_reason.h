#pragma once
// Why a call reached voicemail, read from what the edge put on the INVITE:
// History-Info (RFC 7044) entries whose URI carries an RFC 4458 `cause`
// (486 busy, 408 no answer, 302 unconditional, 480 unavailable/DND), and
// Diversion (RFC 5806) `reason` (user-busy, no-answer, unconditional,
// unavailable, do-not-disturb, ...). History-Info wins when both are there:
// it is the standard one and the edge sends both.
#include <string>
#include <vector>

#include "switchboard/voicemail/v1/voicemail.pb.h"

namespace sb::voicemail {

namespace vpb = ::switchboard::voicemail::v1;

struct CallReason {
  vpb::DepositReason reason = vpb::DIRECT;
  // The number originally called (the diverting party), when the headers say.
  std::string diverted_from;
};

// `history_info` and `diversion`: every value of each header, in message
// order (one header may also hold several comma-separated entries).
CallReason ReadCallReason(const std::vector<std::string>& history_info,
                          const std::vector<std::string>& diversion);

// RFC 4458 cause code → reason; DIRECT for codes that mean nothing here.
vpb::DepositReason ReasonFromCause(int cause);
// RFC 5806 reason token → reason.
vpb::DepositReason ReasonFromDiversion(const std::string& token);

}  // namespace sb::voicemail
