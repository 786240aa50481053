#include "services/voicemail/line_events.h"

#include "core/logging.h"
#include "switchboard/events/v1/events.pb.h"

namespace sb::voicemail {

LineEvents::LineEvents(redis::Client& redis, VoicemailManager* manager)
    : consumer_(redis, events::ConsumerConfig{.group = "voicemail", .topics = {"profile"}}),
      manager_(manager) {}

void LineEvents::Start() {
  (void)consumer_.EnsureGroups();
  thread_ = std::thread([this] {
    absl::Status st = consumer_.Run([this](const events::Event& e) -> absl::Status {
      if (e.type != "profile.line_created") return absl::OkStatus();
      ::switchboard::events::v1::ProfileChanged p;
      if (!p.ParseFromString(e.payload)) return absl::OkStatus();  // unreadable: retrying won't help
      if (p.line_id().empty()) return absl::OkStatus();
      auto mb = manager_->EnsureForLine(p.tenant_id(), p.user_id(), p.line_id());
      if (!mb.ok() && mb.status().code() == absl::StatusCode::kNotFound)
        return absl::OkStatus();  // line gone since
      if (!mb.ok()) return mb.status();
      core::Logger("voicemail")->info("mailbox {} has line {}", mb->mailbox.id(), p.line_id());
      return absl::OkStatus();
    });
    if (!st.ok()) core::Logger("voicemail")->error("profile events: {}", st.message());
  });
}

void LineEvents::Stop() {
  consumer_.Stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace sb::voicemail
