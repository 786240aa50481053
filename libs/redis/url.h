#pragma once
// Parsing of redis://[[user]:password@]host[:port][/db] URLs.
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace sb::redis {

struct RedisUrl {
  std::string host;
  int port = 6379;
  std::string user;      // ACL user (Redis 6+); empty means "default"
  std::string password;  // empty: no AUTH
  int db = 0;
};

// INVALID_ARGUMENT for anything else (other schemes, rediss:// — TLS is not
// supported by this client —, bad ports or db numbers). Error messages never
// include the password.
absl::StatusOr<RedisUrl> ParseRedisUrl(std::string_view url);

}  // namespace sb::redis
