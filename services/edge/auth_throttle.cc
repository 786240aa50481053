#include "services/edge/auth_throttle.h"

namespace sb::edge {

AuthThrottle::AuthThrottle(AuthThrottleConfig config, Clock clock)
    : config_(config), clock_(clock ? std::move(clock) : Clock([] { return absl::Now(); })) {}

bool AuthThrottle::Blocked(const std::string& ip) {
  if (config_.max_failures <= 0) return false;
  absl::MutexLock lock(&mu_);
  auto it = sources_.find(ip);
  return it != sources_.end() && clock_() < it->second.blocked_until;
}

size_t AuthThrottle::tracked() {
  absl::MutexLock lock(&mu_);
  return sources_.size();
}

bool AuthThrottle::RecordFailure(const std::string& ip) {
  if (config_.max_failures <= 0) return false;
  const absl::Time now = clock_();
  absl::MutexLock lock(&mu_);
  if (sources_.size() >= config_.max_tracked && !sources_.contains(ip)) {
    // Forget sources whose window and block are over; if a flood of
    // distinct addresses keeps the map full, start over rather than grow.
    absl::erase_if(sources_, [&](const auto& kv) {
      return now - kv.second.window_start >= config_.window && now >= kv.second.blocked_until;
    });
    if (sources_.size() >= config_.max_tracked) sources_.clear();
  }
  Source& s = sources_[ip];
  if (now < s.blocked_until) return false;  // already blocked
  if (s.failures == 0 || now - s.window_start >= config_.window) {
    s.window_start = now;
    s.failures = 0;
  }
  if (++s.failures < config_.max_failures) return false;
  s.blocked_until = now + config_.block;
  s.failures = 0;
  return true;
}

}  // namespace sb::edge
