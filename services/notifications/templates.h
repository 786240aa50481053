#pragma once
// The texts people receive, in French or English by the user's language
// (anything not "fr…" is English). Pure functions of their inputs; times are
// shown in the user's time zone.
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "switchboard/events/v1/events.pb.h"

namespace sb::notifications {

namespace epb = ::switchboard::events::v1;

struct Rendered {
  std::string subject;
  std::string text;
};

struct Link {
  std::string label_key;  // DELETE, MARK_READ, MARK_ALL_READ, OPEN_MAILBOX
  std::string url;
};

bool IsFrench(const std::string& language);

// security.* (F4, A1, A2). `portal_url` prefixes the reset and confirmation links.
Rendered RenderSecurityNotice(const std::string& event_type, const epb::SecurityNotice& n,
                              const std::string& portal_url, absl::Time occurred_at, absl::TimeZone tz);

// A voice message or fax delivered by e-mail (C5: the content is attached) or
// announced (F2). `sms` gives the one-line text for an e-mail-to-SMS address.
Rendered RenderNewMessage(const epb::MessageDeposited& m, const std::string& language, bool attached,
                          bool sms, const std::vector<Link>& links, absl::TimeZone tz);

// call.missed, when the user asked for missed-call e-mails.
Rendered RenderMissedCall(const epb::CallLogged& c, const std::string& language, absl::TimeZone tz);

// The attachment's file name: "voicemail-20261122-0935-0612345678.wav" / "fax-….pdf".
std::string AttachmentName(const epb::MessageDeposited& m, absl::TimeZone tz);

}  // namespace sb::notifications
