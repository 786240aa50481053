#pragma once
// What the call tracker knows of each open call, kept in Redis so that
// another routing copy (or this one, restarted) can finish the call's log
// entry when the edge's later events reach it: the edge reconnects its
// stream wherever it can, and a crash must not lose the calls in progress.
//
// A call's journal is one Redis string `rcall:{<call_id>}` holding the
// call's trace (call_log.h) in a compact binary record (EncodeTrace): the
// state, not a history to replay. Per call that is
//   SET ... PX ttl      once decided (creates the record, with its expiry)
//   SET ... XX KEEPTTL  when an event changes what the log would say
//                       (answered, diverted); never creates a record, so a
//                       late event for a call already logged leaves nothing
//   SET ... XX KEEPTTL  once more with the final event (ENDED, CANCELLED,
//                       FAILED): the record says the call is finished, with
//                       the time, so that if this copy dies before its log
//                       is committed the recovery sweep (call_recovery.h) of
//                       any copy logs it: no later event would come
//   DEL                 once logged (consecutive forgets, a committed batch
//                       of logs, share one DEL of many keys)
// Events that change nothing the log keeps (ringing) are not written: the
// event that makes another copy adopt the call is replayed there anyway.
// The record expires after `ttl` whatever happens.
//
// Writes are asynchronous: Save/Update/Forget queue a small record and
// return at once (stream reactors call them, under the tracker's shard lock
// for ordering: this lock nests inside); a writer thread, at a lower CPU
// priority than the decision path (`writer_idle`), turns what is queued
// into pipelines every `linger` at most, so a busy edge costs a round trip per batch, not per call, and a
// burst of decisions is not delayed by journal work. A crash can lose the
// last few milliseconds of records: a call whose record was not yet written
// is then logged by nobody, as before this journal.
// Load is synchronous: call it from a worker thread.
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "redis/client.h"
#include "services/routing/call_log.h"

namespace sb::routing {

struct CallJournalConfig {
  absl::Duration ttl = absl::Hours(12);
  size_t max_queue = 100000;                      // past this, records are dropped (and counted)
  size_t max_batch = 512;                         // commands per pipeline
  absl::Duration linger = absl::Milliseconds(2);  // how long a batch may gather
  // The writer thread runs under SCHED_IDLE: it gets the CPU the decision
  // path leaves, and a stream thread that wakes preempts it at once, so a
  // batch being written never delays a decision. On a machine saturated
  // for long the queue grows instead (max_queue bounds it). `writer_nice`
  // is used if SCHED_IDLE is refused, or instead of it (writer_idle false;
  // 0 = the decision path's priority).
  bool writer_idle = true;
  int writer_nice = 5;
};

// The trace as journaled. Everything but `touched_at` (routing's own clock,
// reset by whoever adopts the call), except in a finished (terminal) record,
// where it is when the call finished. Versioned: a record of an unknown
// version, or a truncated one, decodes to nullopt.
std::string EncodeTrace(const CallTrace& trace);
std::optional<CallTrace> DecodeTrace(absl::string_view record);

class CallJournal {
 public:
  CallJournal(redis::Client* redis, CallJournalConfig config = {});
  ~CallJournal();  // Stop()

  void Start();
  // Sends what is queued, then stops the writer.
  void Stop();

  // The decided call's record: starts its journal (and its expiry).
  void Save(const std::string& call_id, std::string record);
  // A newer record of a call already journaled; nothing if it is not.
  void Update(const std::string& call_id, std::string record);
  void Forget(const std::string& call_id);

  // The journaled trace of `call_id`; nullopt when there is none (never set
  // up here, already logged, expired, or unreadable).
  absl::StatusOr<std::optional<CallTrace>> Load(const std::string& call_id);

  // Sends what is queued now (tests; Stop does it too).
  void Flush();
  int64_t dropped() const;

  static std::string Key(absl::string_view call_id);
  // What SCAN MATCH finds every record with, and the call id of a key
  // ("" when it is not a journal key).
  static constexpr absl::string_view kKeyPattern = "rcall:*";
  static std::string CallIdOfKey(absl::string_view key);

 private:
  enum class Op : char { kSave, kUpdate, kForget };
  struct Pending {
    Op op;
    std::string call_id;
    std::string record;
  };

  void Enqueue(Op op, const std::string& call_id, std::string record);
  void WriterLoop();
  bool SendSome();
  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !queue_.empty(); }
  bool BatchReady() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopping_ || queue_.size() >= config_.max_batch;
  }

  redis::Client* redis_;
  const CallJournalConfig config_;
  const std::string ttl_ms_;
  mutable absl::Mutex mu_;
  // Appended by the stream threads, swapped out whole by the sender: no
  // per-record node to allocate, and the lock is held for a move.
  std::vector<Pending> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Mutex send_mu_;                                     // one sender at a time keeps the records in order
  std::vector<Pending> sending_ ABSL_GUARDED_BY(send_mu_);  // reused buffer
  std::thread writer_;
};

}  // namespace sb::routing
