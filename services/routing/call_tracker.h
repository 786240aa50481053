#pragma once
// The calls routing has decided and not yet logged, by call id, for the
// whole process (not per stream: an edge that reconnects on a new stream to
// this copy goes on sending events for its calls).
//
// A call is logged (call_log.h) when the edge says it is over (ENDED,
// CANCELLED, FAILED), at once when the decision itself settles it (a reject,
// a star code, an error), or when it times out:
//   - no event at all `setup_timeout` after the setup: the edge never acted
//     on it (it failed, or its call was torn down before ringing): dropped
//     without an entry, since nothing says the call happened;
//   - no event for `call_timeout` after the last one: logged with what is
//     known (answered calls get the duration up to their last event).
// Logging runs on the worker pool (it resolves names and writes PostgreSQL);
// the log function forgets a journaled call's journal once its entries are
// durable (CallLogWriter does), so that a crash in between loses nothing.
//
// With a CallJournal (call_journal.h), the trace of every decided call is
// also written to Redis (again when an event changes what its log entry
// would say), and an event for a call this copy doesn't know —
// set up on another copy, or before a restart — makes it load the call's
// journal on the pool and carry on from there: the edge's stream may move
// between copies without losing the log of the calls in progress. Events
// arriving while the journal loads wait for it, in order. The final event
// marks the journal record finished: if this copy dies before the log is
// committed, no event will come to make another copy adopt the call, and
// the recovery sweep (call_recovery.h) logs it instead.
//
// Threading: every method may be called from any thread; OnSetup/OnEvent
// take one short lock and never block on I/O (reactor threads call them).
#include <array>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/node_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "services/routing/call_journal.h"
#include "services/routing/call_log.h"
#include "core/worker_pool.h"

namespace sb::routing {

struct CallTrackerConfig {
  absl::Duration setup_timeout = absl::Minutes(2);
  absl::Duration call_timeout = absl::Hours(4);
  // Past this many open calls new setups are decided but not tracked (and
  // logged at warn): memory stays bounded whatever the edge sends.
  size_t max_calls = 200000;
  absl::Duration sweep_interval = absl::Seconds(10);
};

struct CallTrackerStats {
  size_t open = 0;
  int64_t logged = 0;
  int64_t dropped = 0;    // setups with no event before setup_timeout
  int64_t untracked = 0;  // refused past max_calls
  int64_t adopted = 0;    // calls picked up from the journal
};

class CallTracker {
 public:
  // Runs on the pool. When `trace.journaled`, it forgets the call's journal
  // once the entries are written (CallLogWriter::Submit does).
  using LogFn = std::function<void(const CallTrace&)>;

  CallTracker(CallTrackerConfig config, core::WorkerPool* pool, LogFn log,
              std::function<absl::Time()> clock = absl::Now);
  ~CallTracker();  // Stop()

  // Journals the open calls there (optional; before any call arrives).
  void set_journal(CallJournal* journal) { journal_ = journal; }

  void OnSetup(const rpb::CallSetup& setup);
  // With a journal, the decided call's trace is journaled here (unless the
  // decision settles it at once).
  void OnDecision(const rpb::RouteDecision& decision);
  void OnEvent(const rpb::CallEvent& event);

  // Logs or drops the calls that timed out; Start() runs it periodically,
  // one shard (a 64th of the calls) at a time.
  void Sweep();
  void Start();
  void Stop();

  CallTrackerStats Stats() const;

 private:
  // Calls are spread over shards by call id, each with its own lock: a
  // sweep holds one shard at a time, so a stream waits at most for a 64th
  // of a pass, and streams rarely contend with each other. 64 rather than
  // fewer: what one sweep step drops (and deletes from the journal) is a
  // 64th of the calls that expired over an interval, small enough not to
  // hold Redis and a core for a millisecond at a time under load.
  // Node-based maps: a trace is a few hundred bytes, and growing a table
  // moves pointers, not traces.
  struct Shard {
    mutable absl::Mutex mu;
    absl::node_hash_map<std::string, CallTrace> calls ABSL_GUARDED_BY(mu);
    // Calls whose journal is loading, with the events that came meanwhile.
    absl::node_hash_map<std::string, std::vector<rpb::CallEvent>> adopting ABSL_GUARDED_BY(mu);
    int64_t adopted ABSL_GUARDED_BY(mu) = 0;
    int64_t logged ABSL_GUARDED_BY(mu) = 0;
    int64_t dropped ABSL_GUARDED_BY(mu) = 0;
    int64_t untracked ABSL_GUARDED_BY(mu) = 0;
  };
  static constexpr size_t kShards = 64;

  Shard& ShardOf(const std::string& call_id);
  void SweepShard(size_t index);
  // The trace, moved out of the shard, when the call is settled.
  static std::optional<CallTrace> TakeIfSettled(Shard& shard, const std::string& call_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu);
  void Log(CallTrace trace);
  // Journals a call that its final event settled as finished (call_journal.h),
  // for the recovery sweep should this copy die before its log is committed.
  // Under the call's shard lock, for the order of its records.
  void MarkFinished(const std::optional<CallTrace>& ready);
  // Logs a settled trace and forgets its journal.
  void Finish(std::optional<CallTrace> ready);
  // On the pool: loads `call_id`'s journal and tracks the call from it.
  void Adopt(const std::string& call_id);

  const CallTrackerConfig config_;
  core::WorkerPool* pool_;
  LogFn log_;
  std::function<absl::Time()> clock_;
  CallJournal* journal_ = nullptr;
  std::array<Shard, kShards> shards_;

  absl::Notification stop_;
  std::thread sweeper_;
};

}  // namespace sb::routing
