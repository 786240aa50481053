#pragma once
// Inter-service events, carried on Redis Streams named `events.<topic>`.
//
// A producer appends with Publisher (publisher.h); each consuming service
// reads through its own consumer group with Consumer (consumer.h). Delivery
// is AT LEAST ONCE: a crash between handling and acknowledging, a retry, or
// an operator replaying a dead letter delivers the same event again. Handlers
// must therefore be idempotent by Event::id — see MarkProcessedOnce in
// idempotency.h.
//
// Stream entry layout (all values are strings):
//   id       Event::id
//   type     Event::type, "<topic>.<what>" by convention ("security.password_changed")
//   tenant   Event::tenant_id
//   payload  Event::payload, opaque bytes (a serialized proto from proto/switchboard/events/v1)
//   at       Event::occurred_at in Unix microseconds
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "redis/reply.h"

namespace sb::events {

struct Event {
  std::string id;    // unique; Publish generates a random 128-bit hex id if empty
  std::string type;  // "security.password_changed"
  std::string tenant_id;
  std::string payload;     // serialized protobuf bytes, opaque here
  absl::Time occurred_at;  // Publish stamps its clock's now if left at the Unix epoch
  int delivery_count = 0;  // set on delivery: 1 the first time, +1 per retry
  std::string stream_id;   // set on delivery: the entry id in events.<topic>
  std::string topic;       // set on delivery
};

// Topics are short lowercase names: [a-z0-9_-]{1,64} ("profile", "security").
absl::Status ValidateTopic(std::string_view topic);
std::string StreamName(std::string_view topic);            // events.<topic>
std::string DeadLetterStreamName(std::string_view topic);  // events.<topic>.dead

// 32 lowercase hex digits from a cryptographically seeded generator.
std::string NewEventId();

// Streams are capped near this many entries (XADD MAXLEN ~): consumers more
// than a million events behind lose the oldest.
inline constexpr int kStreamMaxLen = 1000000;

namespace internal {

// Stream field/value pairs for an event (id, type, tenant, payload, at).
std::vector<std::string> EncodeFields(const Event& event);
// The event in a flat [field, value, ...] list; fields it does not know are
// ignored. INVALID_ARGUMENT if id, type or at is missing or malformed.
absl::StatusOr<Event> DecodeFields(const std::vector<std::string>& flat);
// A stream entry in a reply: [id, [field, value, ...]]. False for the nil
// entries Redis returns for deleted ids.
bool ParseEntry(const redis::Reply& reply, std::string* id, std::vector<std::string>* fields);

}  // namespace internal
}  // namespace sb::events
