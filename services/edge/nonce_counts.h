#pragma once
// The digest nonce-count replay guard (RFC 7616 §3.4, RFC 2617 "nc") for
// requests other than REGISTER — INVITE, SUBSCRIBE — shared by every edge
// copy through Redis. A nonce may be reused with a higher nonce-count; the
// same or a lower count with that nonce is a captured request played again,
// answered with a fresh challenge (stale=true: a genuine client retries
// with a new nonce without asking its user).
//
// The counter lives on the registrar's key (location.h:
// reg:{<aor>}:nc:<nonce>), so a nonce first used for REGISTER and then for
// INVITE keeps one count, as the client keeps one.
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "redis/client.h"

namespace sb::edge {

// Thread-safe; blocks on Redis (worker threads).
class NonceCounts {
 public:
  // `nonce_ttl`: how long a nonce is valid; a counter outlives it a minute.
  NonceCounts(redis::Client& redis, absl::Duration nonce_ttl);

  // True when `nc` is higher than any count accepted with `nonce` for the
  // device `aor` ("sip:user@domain"), and is now the one remembered.
  absl::StatusOr<bool> Accept(const std::string& aor, const std::string& nonce, uint32_t nc);

  static std::string Key(const std::string& aor, const std::string& nonce);

 private:
  redis::Client& redis_;
  const absl::Duration ttl_;
};

}  // namespace sb::edge
