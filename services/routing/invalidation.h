#pragma once
// Keeps every routing copy's caches honest: tails events.profile (profiles'
// changes) and events.routing (changes made through any routing copy) and
// drops what they name from the Directory and RoutingData.
//
// Broadcast, not a consumer group: a group hands each event to ONE of its
// consumers, which suits work (send this e-mail once) but not cache
// invalidation, where EVERY copy must hear of every change. events::Tail
// reads the streams with plain XREAD; nothing is acknowledged and no state
// is left in Redis when a copy goes away.
//
// When the streams can't be read (Redis down), changes may be missed: both
// caches are cleared (Tail's gap callback), and their TTL bounds staleness
// meanwhile.
#include <thread>

#include "events/event.h"
#include "events/tail.h"
#include "redis/client.h"
#include "services/routing/directory.h"
#include "services/routing/routing_cache.h"

namespace sb::routing {

class InvalidationFeed {
 public:
  InvalidationFeed(redis::Client* redis, Directory* directory, RoutingData* data);
  ~InvalidationFeed();  // Stop()

  // Drops what one event names (public for tests: no Redis needed).
  void Apply(const events::Event& event);
  void Start();  // tails on a thread of its own
  void Stop();

 private:
  Directory* directory_;
  RoutingData* data_;
  events::Tail tail_;
  std::thread thread_;
};

}  // namespace sb::routing
