#include "events/publisher.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/status.h"

namespace sb::events {

Publisher::Publisher(redis::Client& client, Clock clock)
    : client_(client), clock_(clock ? std::move(clock) : Clock([] { return absl::Now(); })) {}

absl::Status Publisher::Publish(std::string_view topic, Event event) {
  return PublishForId(topic, std::move(event)).status();
}

absl::StatusOr<std::string> Publisher::PublishForId(std::string_view topic, Event event) {
  SB_RETURN_IF_ERROR(ValidateTopic(topic));
  if (event.type.empty()) return absl::InvalidArgumentError("event type must not be empty");
  if (event.id.empty()) event.id = NewEventId();
  if (event.occurred_at == absl::UnixEpoch()) event.occurred_at = clock_();

  std::vector<std::string> argv = {"XADD", StreamName(topic),           "MAXLEN",
                                   "~",    absl::StrCat(kStreamMaxLen), "*"};
  for (std::string& f : internal::EncodeFields(event)) argv.push_back(std::move(f));
  SB_ASSIGN_OR_RETURN(redis::Reply reply, client_.Command(argv));
  if (reply.kind != redis::Reply::Kind::kString) {
    return absl::InternalError(absl::StrCat("XADD ", StreamName(topic), ": unexpected ",
                                            redis::KindName(reply.kind), " reply"));
  }
  return std::move(reply.str);
}

}  // namespace sb::events
