#pragma once
// Writes a finished call's entries (call_log.h) with the names its parties
// know each other by, and the call.missed / call.rejected events, in one
// transaction. Blocking: runs on the worker pool.
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/routing/call_log.h"
#include "services/routing/directory.h"
#include "services/routing/store.h"

namespace sb::routing {

class CallLogWriter {
 public:
  CallLogWriter(Store* store, Directory* directory, int attempts = 3,
                absl::Duration retry_delay = absl::Milliseconds(500))
      : store_(store), directory_(directory), attempts_(attempts), retry_delay_(retry_delay) {}

  // Retries a failed write a few times (PostgreSQL restarting); after that
  // the entries are lost, and logged at error with the call id.
  absl::Status Write(const CallTrace& trace);

 private:
  Store* store_;
  Directory* directory_;
  const int attempts_;
  const absl::Duration retry_delay_;
};

}  // namespace sb::routing
