#include "redis/reply.h"

#include <optional>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace sb::redis {
namespace {

constexpr char kErrorCodePayload[] = "type.switchboard.dev/redis.ErrorCode";

absl::StatusCode CodeFor(const std::string& error_code) {
  if (error_code == "ERR") return absl::StatusCode::kInternal;
  if (error_code == "LOADING" || error_code == "BUSY" || error_code == "TRYAGAIN" ||
      error_code == "MASTERDOWN" || error_code == "READONLY" || error_code == "CLUSTERDOWN" ||
      error_code == "MISCONF" || error_code == "NOREPLICAS") {
    return absl::StatusCode::kUnavailable;
  }
  return absl::StatusCode::kFailedPrecondition;
}

}  // namespace

const char* KindName(Reply::Kind kind) {
  switch (kind) {
    case Reply::Kind::kNil:
      return "nil";
    case Reply::Kind::kInteger:
      return "integer";
    case Reply::Kind::kString:
      return "string";
    case Reply::Kind::kStatus:
      return "status";
    case Reply::Kind::kError:
      return "error";
    case Reply::Kind::kArray:
      return "array";
  }
  return "unknown";
}

absl::Status ErrorReplyStatus(const std::string& command, const std::string& message) {
  const std::string code = message.substr(0, message.find(' '));
  absl::Status status(CodeFor(code), absl::StrCat("redis ", command, ": ", message));
  status.SetPayload(kErrorCodePayload, absl::Cord(code));
  return status;
}

std::string RedisErrorCode(const absl::Status& status) {
  auto code = status.GetPayload(kErrorCodePayload);
  return code.has_value() ? std::string(*code) : std::string();
}

}  // namespace sb::redis
