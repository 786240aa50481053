#pragma once
// Brute-force protection for sign-in: failed attempts are counted per login
// and per client address in Redis (shared by every gateway copy) over a
// window; past the limit, sign-in answers 429 with Retry-After until the
// window ends. Checked before the password is verified, so a flood of
// guesses doesn't make the service hash passwords.
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "redis/client.h"

namespace sb::gateway {

struct SignInLimits {
  int per_login = 5;
  int per_address = 30;
  absl::Duration window = absl::Minutes(15);
};

class SignInLimiter {
 public:
  SignInLimiter(redis::Client* redis, SignInLimits limits) : redis_(redis), limits_(limits) {}

  // How long the caller must wait, or nullopt when it may try.
  absl::StatusOr<std::optional<absl::Duration>> Blocked(const std::string& login, const std::string& address);
  absl::Status RecordFailure(const std::string& login, const std::string& address);
  // A successful sign-in clears the login's count (not the address's).
  absl::Status RecordSuccess(const std::string& login);

 private:
  redis::Client* redis_;
  SignInLimits limits_;
};

}  // namespace sb::gateway
