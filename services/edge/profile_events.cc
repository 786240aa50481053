#include "services/edge/profile_events.h"

#include "absl/strings/match.h"
#include "core/logging.h"
#include "switchboard/events/v1/events.pb.h"

namespace sb::edge {

ProfileEvents::ProfileEvents(redis::Client& redis, CredentialCache* cache, const std::string& group)
    : redis_(redis),
      cache_(cache),
      group_(group),
      consumer_(redis, {.group = group,
                        .topics = {"profile"},
                        .block_timeout = absl::Seconds(1),
                        .retry_backoff = absl::Seconds(1),
                        .max_retry_backoff = absl::Seconds(10)}) {}

ProfileEvents::~ProfileEvents() { Stop(); }

absl::Status ProfileEvents::Start() {
  if (absl::Status st = consumer_.EnsureGroups(); !st.ok()) {
    // Not fatal: Run retries, and the cache TTL bounds staleness meanwhile.
    core::Logger("events")->warn("profile events group not ready ({}): retrying in the background",
                                 st.message());
  }
  thread_ = std::thread([this] {
    absl::Status st = consumer_.Run([this](const events::Event& e) { return Handle(e); });
    if (!st.ok()) core::Logger("events")->error("profile events consumer stopped: {}", st.message());
  });
  return absl::OkStatus();
}

void ProfileEvents::Stop() {
  consumer_.Stop();
  if (!thread_.joinable()) return;
  thread_.join();
  // The cache dies with the process: nothing pending in the group matters.
  if (auto st = redis_.Command({"XGROUP", "DESTROY", events::StreamName("profile"), group_}).status();
      !st.ok()) {
    core::Logger("events")->warn("could not remove consumer group {}: {}", group_, st.message());
  }
}

absl::Status ProfileEvents::Handle(const events::Event& event) {
  if (absl::StartsWith(event.type, "profile.device_")) {
    switchboard::events::v1::ProfileChanged changed;
    if (!changed.ParseFromString(event.payload)) {
      // Malformed: acknowledging it would lose an invalidation; drop it all.
      cache_->Clear();
      return absl::OkStatus();
    }
    if (!changed.sip_username().empty()) {
      cache_->Invalidate(changed.sip_username());
      core::Logger("events")->debug("{}: credentials of {} forgotten", event.type, changed.sip_username());
    }
    return absl::OkStatus();
  }
  // A deleted user or line (its devices' line keys), a tenant renamed or
  // deleted (its SIP domain): rare, so the whole cache goes.
  if (event.type == "profile.user_deleted" || event.type == "profile.line_deleted" ||
      event.type == "profile.tenant_updated" || event.type == "profile.tenant_deleted") {
    cache_->Clear();
    core::Logger("events")->debug("{}: credential cache cleared", event.type);
  }
  return absl::OkStatus();
}

}  // namespace sb::edge
