#pragma once
// Idempotency keys for at-least-once consumers.
//
//   SB_ASSIGN_OR_RETURN(bool first, MarkProcessedOnce(redis, "notifications", event.id,
//                                                     absl::Hours(72)));
//   if (!first) return absl::OkStatus();  // already handled: ack it again
//   if (absl::Status st = SendEmail(...); !st.ok()) {
//     ForgetProcessed(redis, "notifications", event.id).IgnoreError();  // let the retry run
//     return st;
//   }
//
// The mark lives `ttl`: longer than the worst redelivery delay you expect
// (retries, dead-letter replays by an operator), or a late duplicate gets
// through. Where the side effect is a database write, a unique constraint on
// the event id in the same transaction is stronger than this key.
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "redis/client.h"

namespace sb::events {

// True the first time for (consumer_group, event_id) within `ttl`, false
// after. SET events.processed.<group>.<event_id> 1 NX PX <ttl>.
absl::StatusOr<bool> MarkProcessedOnce(redis::Client& client, std::string_view consumer_group,
                                       std::string_view event_id, absl::Duration ttl);

// Removes the mark, so a redelivery is processed again (after a failure that
// happened past MarkProcessedOnce).
absl::Status ForgetProcessed(redis::Client& client, std::string_view consumer_group,
                             std::string_view event_id);

}  // namespace sb::events
