#pragma once
// Deletes call-log entries older than the retention (two calendar months,
// call_log.h) every `interval`. Several routing copies may purge at once:
// a DELETE by date is idempotent.
#include <functional>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "services/routing/store.h"

namespace sb::routing {

class CallLogPurger {
 public:
  CallLogPurger(Store* store, absl::Duration interval, std::function<absl::Time()> clock = absl::Now)
      : store_(store), interval_(interval), clock_(std::move(clock)) {}
  ~CallLogPurger() { Stop(); }

  // Purges once, now; returns how many entries went.
  absl::StatusOr<int64_t> PurgeOnce();
  void Start();  // PurgeOnce at start, then every interval
  void Stop();

 private:
  Store* store_;
  const absl::Duration interval_;
  std::function<absl::Time()> clock_;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace sb::routing
