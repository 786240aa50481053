#pragma once
// Publishes events to Redis Streams (see event.h for the format and the
// delivery guarantees).
//
//   sb::events::Publisher publisher(*redis);
//   SB_RETURN_IF_ERROR(publisher.Publish("security", {.type = "security.password_changed",
//                                                     .tenant_id = tenant,
//                                                     .payload = proto.SerializeAsString()}));
//
// Thread-safe (the Client is). Publishing after a database commit is not
// atomic with it: a crash in between loses the event. Publish from the same
// code path that committed, and let consumers tolerate the rare gap.
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "events/event.h"
#include "redis/client.h"

namespace sb::events {

class Publisher {
 public:
  using Clock = std::function<absl::Time()>;

  // `clock` stamps events that have no occurred_at; absl::Now if null.
  explicit Publisher(redis::Client& client, Clock clock = nullptr);

  // XADD events.<topic> MAXLEN ~ 1000000 * id .. type .. tenant .. payload .. at ..
  // Generates the id if empty. INVALID_ARGUMENT for a bad topic or an empty type.
  absl::Status Publish(std::string_view topic, Event event);

  // Like Publish, returning the stream entry id ("1700000000000-0").
  absl::StatusOr<std::string> PublishForId(std::string_view topic, Event event);

 private:
  redis::Client& client_;
  Clock clock_;
};

}  // namespace sb::events
