#include "events/idempotency.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "core/status.h"

namespace sb::events {
namespace {

absl::StatusOr<std::string> ProcessedKey(std::string_view group, std::string_view event_id) {
  if (group.empty()) return absl::InvalidArgumentError("consumer group must not be empty");
  if (event_id.empty()) return absl::InvalidArgumentError("event id must not be empty");
  return absl::StrCat("events.processed.", std::string(group), ".", std::string(event_id));
}

}  // namespace

absl::StatusOr<bool> MarkProcessedOnce(redis::Client& client, std::string_view consumer_group,
                                       std::string_view event_id, absl::Duration ttl) {
  SB_ASSIGN_OR_RETURN(std::string key, ProcessedKey(consumer_group, event_id));
  return client.Set(key, "1", {.ttl = ttl, .only_if_absent = true});
}

absl::Status ForgetProcessed(redis::Client& client, std::string_view consumer_group,
                             std::string_view event_id) {
  SB_ASSIGN_OR_RETURN(std::string key, ProcessedKey(consumer_group, event_id));
  return client.Del(key).status();
}

}  // namespace sb::events
