#pragma once
// Creates a mailbox with every line (profile.line_created, consumer group
// "voicemail" on topic "profile"): at-least-once delivery is fine, EnsureMailbox
// is idempotent. Lines created while voicemail was down are also caught up on
// demand (VoicemailManager::MailboxForUser/ForLine).
#include <thread>

#include "events/consumer.h"
#include "services/voicemail/voicemail_manager.h"

namespace sb::voicemail {

class LineEvents {
 public:
  LineEvents(redis::Client& redis, VoicemailManager* manager);
  ~LineEvents() { Stop(); }
  void Start();
  void Stop();

 private:
  events::Consumer consumer_;
  VoicemailManager* manager_;
  std::thread thread_;
};

}  // namespace sb::voicemail
