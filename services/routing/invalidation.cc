#include "services/routing/invalidation.h"

#include "core/logging.h"
#include "switchboard/events/v1/events.pb.h"

namespace sb::routing {

InvalidationFeed::InvalidationFeed(redis::Client* redis, Directory* directory, RoutingData* data)
    : directory_(directory), data_(data), tail_(*redis, {"profile", "routing"}) {}

InvalidationFeed::~InvalidationFeed() { Stop(); }

void InvalidationFeed::Apply(const events::Event& event) {
  if (event.topic == "profile") {
    ::switchboard::events::v1::ProfileChanged change;
    if (!change.ParseFromString(event.payload)) {
      directory_->Clear();  // unreadable: drop everything rather than guess
      return;
    }
    // Compiled settings follow: they are keyed by the identity of the
    // entries they were built from, so a dropped entry means a recompile.
    directory_->OnProfileEvent(event.type, change);
    return;
  }
  ::switchboard::events::v1::RoutingChanged change;
  if (!change.ParseFromString(event.payload)) {
    data_->Clear();
    return;
  }
  core::Logger("cache")->debug("invalidating after {} (tenant={} user={})", event.type, change.tenant_id(),
                               change.user_id());
  if (!change.user_id().empty()) {
    data_->InvalidateUser(change.user_id());
  } else {
    data_->InvalidateTenant(change.tenant_id());
  }
}

void InvalidationFeed::Start() {
  thread_ = std::thread([this] {
    // Tail reports a gap after every failed read (every half second while
    // Redis is down). Clearing once in a while is enough: between clears,
    // entries can't outlive their TTL, and clearing on every retry would turn
    // each decision into a round trip to profiles and PostgreSQL.
    absl::Time last_clear = absl::InfinitePast();
    tail_.Run(
        [this](const events::Event& e) { Apply(e); },
        [this, &last_clear] {
          const absl::Time now = absl::Now();
          if (now - last_clear < absl::Seconds(5)) return;
          last_clear = now;
          core::Logger("cache")->warn("change events unreadable: caches cleared, expiring by TTL meanwhile");
          directory_->Clear();
          data_->Clear();
        });
  });
}

void InvalidationFeed::Stop() {
  tail_.Stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace sb::routing
