#include "services/routing/purger.h"

#include "core/logging.h"
#include "core/status.h"
#include "services/routing/call_log.h"

namespace sb::routing {

absl::StatusOr<int64_t> CallLogPurger::PurgeOnce() {
  return store_->PurgeCallLogs(CallLogRetentionCutoff(clock_()));
}

void CallLogPurger::Start() {
  thread_ = std::thread([this] {
    auto log = core::Logger("purge");
    do {
      auto n = PurgeOnce();
      if (!n.ok()) {
        log->warn("call-log purge failed (next try in {}): {}", absl::FormatDuration(interval_),
                  n.status().message());
      } else if (*n > 0) {
        log->info("purged {} call-log entries older than two months", *n);
      }
    } while (!stop_.WaitForNotificationWithTimeout(interval_));
  });
}

void CallLogPurger::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

}  // namespace sb::routing
