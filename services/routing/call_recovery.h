#pragma once
// Logs the calls whose routing copy died between their final event and the
// commit of their log entries.
//
// The tracker marks a call's journal record finished when its final event
// arrives, or when its sweep logs a call silent past call_timeout
// (call_journal.h); the record is deleted once the entries are
// committed. A copy that dies in between leaves a finished record that no
// later event will make another copy adopt. This sweep, run by every copy at
// start and then every `interval`, walks the journal (SCAN in batches of
// `scan_count`, never KEYS: a busy Redis holds many records) and logs the
// finished records older than `grace` — by then the copy that owned the call,
// if alive, has committed and deleted it. Per call, a short Redis lock
// (SET NX PX `lock_ttl`, `rcall-lock:{call_id}`) keeps two copies' sweeps
// from both logging it; should both still do (the lock expired before the
// commit), the store writes a call's entries once (idempotent per call and
// user), so a duplicate costs a transaction, not an entry. The log function
// (CallLogWriter::Submit) deletes the record once the entries are committed.
//
// Records not finished are left alone: the call may still be up, and the
// edge's next event for it makes some copy adopt it; their TTL bounds them.
//
// Threading: Start() runs the passes on a thread of its own (name lookups of
// the log function block it, not the decision path); RunOnce() may be called
// from any thread (tests).
#include <functional>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "redis/client.h"
#include "services/routing/call_log.h"

namespace sb::routing {

struct CallRecoveryConfig {
  absl::Duration interval = absl::Seconds(30);
  // How old a finished record must be (by its writer's clock) before the
  // sweep takes it: the owning copy's commit normally takes milliseconds.
  absl::Duration grace = absl::Seconds(10);
  absl::Duration lock_ttl = absl::Seconds(60);
  int scan_count = 500;  // keys per SCAN step (and GETs per pipeline)
};

struct CallRecoveryPass {
  int recovered = 0;  // finished records handed to the log
  int open = 0;       // records of calls not finished: left alone
  int locked = 0;     // finished records another copy is logging
};

class CallRecovery {
 public:
  // Writes the call's log entries and, once they are committed, forgets its
  // journal (CallLogWriter::Submit with trace.journaled set).
  using LogFn = std::function<void(const CallTrace&)>;

  CallRecovery(redis::Client* redis, LogFn log, CallRecoveryConfig config = {},
               std::function<absl::Time()> clock = absl::Now);
  ~CallRecovery();  // Stop()

  // A pass now, then one every `interval`.
  void Start();
  void Stop();

  // One pass over the whole journal.
  absl::StatusOr<CallRecoveryPass> RunOnce();

  static std::string LockKey(absl::string_view call_id);

 private:
  redis::Client* redis_;
  LogFn log_;
  const CallRecoveryConfig config_;
  std::function<absl::Time()> clock_;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace sb::routing
