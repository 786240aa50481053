#pragma once
// Throttles digest guessing: a source address that fails authentication
// max_failures times within `window` is blocked for `block`; while blocked,
// its requests are refused (403) before any credential lookup or hashing.
//
// Per edge copy, in memory: a guesser spread over many edges gets
// max_failures per edge per window, which still bounds it. Counted by source
// IP: phones behind one NAT share a budget, so keep max_failures well above
// what a misconfigured phone produces between two REGISTER refreshes.
#include <cstdint>
#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace sb::edge {

struct AuthThrottleConfig {
  int max_failures = 10;  // 0 disables the throttle
  absl::Duration window = absl::Minutes(1);
  absl::Duration block = absl::Minutes(5);
  size_t max_tracked = 100000;  // source addresses remembered at once
};

// Thread-safe.
class AuthThrottle {
 public:
  using Clock = std::function<absl::Time()>;

  explicit AuthThrottle(AuthThrottleConfig config, Clock clock = nullptr);

  bool Blocked(const std::string& ip);
  // Counts a failure; true exactly when this one starts a block (to log it
  // once, not per packet).
  bool RecordFailure(const std::string& ip);
  // Source addresses remembered now.
  size_t tracked();

 private:
  struct Source {
    absl::Time window_start;
    int failures = 0;
    absl::Time blocked_until = absl::InfinitePast();
  };

  const AuthThrottleConfig config_;
  const Clock clock_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Source> sources_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sb::edge
