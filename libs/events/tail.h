#pragma once
// Broadcast reading of event streams: every copy of a service sees every
// event, from the moment it starts tailing. This is what in-process caches
// need for invalidation (each copy must drop its own entry), unlike
// Consumer, whose group hands each event to one copy only.
//
// Nothing is acknowledged or retried: an event published while a copy was
// disconnected may be missed, so caches fed by a Tail must also expire their
// entries after a bounded time.
#include <functional>
#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "events/event.h"
#include "redis/client.h"

namespace sb::events {

class Tail {
 public:
  using Handler = std::function<void(const Event&)>;

  Tail(redis::Client& client, std::vector<std::string> topics, absl::Duration block = absl::Seconds(1))
      : client_(client), topics_(std::move(topics)), block_(block) {}

  // Reads new events until Stop(); calls `handler` for each, in stream order
  // per topic. `on_gap` (optional) runs after a read failure, when events may
  // have been missed, so the caller can drop everything it cached.
  void Run(const Handler& handler, const std::function<void()>& on_gap = nullptr);
  void Stop() {
    if (!stop_.HasBeenNotified()) stop_.Notify();
  }

 private:
  redis::Client& client_;
  std::vector<std::string> topics_;
  absl::Duration block_;
  absl::Notification stop_;
};

}  // namespace sb::events
