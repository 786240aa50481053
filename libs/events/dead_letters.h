#pragma once
// Dead letters: events a consumer group gave up on.
//
// When a handler has failed an event max_deliveries times (or consumers kept
// crashing on it), the Consumer copies the entry to `events.<topic>.dead`
// with why and where it failed, and acknowledges the original so the group
// moves on. An operator lists them and, once the cause is fixed, replays
// them. The operator API exposes these functions.
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "events/event.h"
#include "redis/client.h"

namespace sb::events {

struct DeadLetter {
  std::string dead_stream_id;      // entry id in events.<topic>.dead
  std::string original_stream_id;  // entry id it had in events.<topic>
  std::string group;               // consumer group that gave up
  std::string consumer;            // consumer that gave up
  std::string error;               // the handler's last error
  int deliveries = 0;
  absl::Time dead_at;
  // The event as published; for an entry that could not be decoded, only
  // the fields that were present.
  Event event;
};

// Oldest first, at most `limit` (1..10000).
absl::StatusOr<std::vector<DeadLetter>> ListDeadLetters(redis::Client& client,
                                                        std::string_view topic, int limit);

// Re-publishes the dead letter's event (same Event::id) into events.<topic>
// and removes it from the dead-letter stream; returns the new stream entry
// id. Every consumer group of the topic sees the event again, so groups that
// had processed it must recognise it by id (idempotency.h). NOT_FOUND if
// there is no such dead letter.
absl::StatusOr<std::string> Replay(redis::Client& client, std::string_view topic,
                                   std::string_view dead_stream_id);

namespace internal {

struct DeadLetterInfo {
  std::string original_stream_id;
  std::string group;
  std::string consumer;
  std::string error;
  int deliveries = 0;
  absl::Time dead_at;
};

// Appends `original_fields` (the entry's flat field/value list, as read)
// plus `info` to events.<topic>.dead.
absl::Status WriteDeadLetter(redis::Client& client, std::string_view topic,
                             const std::vector<std::string>& original_fields,
                             const DeadLetterInfo& info);

}  // namespace internal
}  // namespace sb::events
