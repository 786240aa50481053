#pragma once
// Writes finished calls' entries (call_log.h) with the names their parties
// know each other by, and the call.missed / call.rejected events.
//
// Batched: Submit builds a call's entries (resolving names, which may ask
// profiles: call it from the worker pool) and queues them; a writer thread
// writes what gathered in the last `linger` (up to `max_batch` calls) in one
// transaction — one multi-row INSERT and one commit for many calls instead
// of a transaction each, which is most of what PostgreSQL spends per call.
// Only once the transaction is committed is each call's journal (Redis,
// call_journal.h) forgotten: a crash before that leaves the journal to the
// copy that hears of the call next, and a call logged twice (a retried
// batch, an adopted call) is written once (the store is idempotent per call
// and user).
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/routing/call_journal.h"
#include "services/routing/call_log.h"
#include "services/routing/directory.h"
#include "services/routing/store.h"

namespace sb::routing {

struct CallLogWriterConfig {
  size_t max_batch = 256;                         // calls per transaction
  absl::Duration linger = absl::Milliseconds(5);  // how long a batch may gather
  size_t max_queue = 100000;                      // calls waiting; past it, refused (logged)
  int attempts = 3;                               // per batch, PostgreSQL restarting
  absl::Duration retry_delay = absl::Milliseconds(500);
  // TESTS ONLY: each batch waits this long before its transaction, so that a
  // test can kill routing between a call's final event and its commit.
  absl::Duration testonly_commit_delay = absl::ZeroDuration();
};

class CallLogWriter {
 public:
  // `journal` may be null (no journal: nothing to forget).
  CallLogWriter(Store* store, Directory* directory, CallJournal* journal = nullptr,
                CallLogWriterConfig config = {});
  ~CallLogWriter();  // Stop()

  void Start();
  // Writes what is queued, then stops the writer thread.
  void Stop();

  // Builds the call's entries and queues them for the next batch; returns
  // without waiting for PostgreSQL. Blocks only on name lookups.
  void Submit(const CallTrace& trace);

  // Writes what is queued now, on the calling thread (tests; Stop does it).
  void Flush();

  int64_t written() const;  // calls committed
  int64_t failed() const;   // calls given up after `attempts`

 private:
  struct Pending {
    std::string call_id;
    std::string tenant_id;
    bool journaled = false;
    std::vector<CallLogRecord> records;
  };

  void WriterLoop();
  bool WriteSome();
  absl::Status WriteBatch(const std::vector<Pending>& batch);
  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !queue_.empty(); }
  bool BatchReady() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopping_ || queue_.size() >= config_.max_batch;
  }

  Store* store_;
  Directory* directory_;
  CallJournal* journal_;
  const CallLogWriterConfig config_;

  mutable absl::Mutex mu_;
  std::vector<Pending> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t written_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t failed_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t refused_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Mutex write_mu_;  // one batch at a time
  std::thread writer_;
};

}  // namespace sb::routing
