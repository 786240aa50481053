#pragma once
// Portal sessions in Redis: a bearer token maps to the signed-in principal
// until it expires. Only a hash of the token is stored, so a Redis dump
// gives no usable token. Any copy of the gateway reads the same sessions.
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/principal.h"
#include "redis/client.h"

namespace sb::gateway {

struct Session {
  core::Principal principal;
  bool security_email_required = false;
  absl::Time expires_at;
};

class SessionStore {
 public:
  SessionStore(redis::Client* redis, std::function<absl::Time()> clock = absl::Now)
      : redis_(redis), clock_(std::move(clock)) {}

  // A new session lasting `ttl`; returns its token.
  absl::StatusOr<std::string> Create(Session session, absl::Duration ttl);
  // The live session of a token, or nullopt (unknown, expired, signed out).
  absl::StatusOr<std::optional<Session>> Find(const std::string& token);
  // Rewrites a session's state, keeping its expiry.
  absl::Status Update(const std::string& token, const Session& session);
  absl::Status Delete(const std::string& token);

 private:
  redis::Client* redis_;
  std::function<absl::Time()> clock_;
};

}  // namespace sb::gateway
