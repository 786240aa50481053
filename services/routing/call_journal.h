#pragma once
// What the call tracker knows of each open call, kept in Redis so that
// another routing copy (or this one, restarted) can finish the call's log
// entry when the edge's later events reach it: the edge reconnects its
// stream wherever it can, and a crash must not lose the calls in progress.
//
// A call's journal is a Redis list `rcall:{<call_id>}` of records: the setup
// and its decision (one push), then each event; it is deleted once the call
// is logged, and expires after `ttl` whatever happens.
//
// Writes are asynchronous: Append/Forget queue the command and return at
// once (stream reactors call them); a writer thread sends what is queued in
// pipelines every `linger` at most, so a busy edge costs a round trip per
// batch, not per call. A crash can lose the last few milliseconds of records: a call whose setup
// was not yet written is then logged by nobody, as before this journal.
// Load is synchronous: call it from a worker thread.
#include <deque>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "redis/client.h"
#include "switchboard/routing/v1/routing.pb.h"

namespace sb::routing {

namespace rpb = ::switchboard::routing::v1;

// A call as journaled: replay these in order to rebuild its trace.
struct JournaledCall {
  rpb::CallSetup setup;
  bool decided = false;
  rpb::RouteDecision decision;
  std::vector<rpb::CallEvent> events;
};

struct CallJournalConfig {
  absl::Duration ttl = absl::Hours(12);
  size_t max_queue = 100000;  // past this, records are dropped (and counted)
  size_t max_batch = 512;     // commands per pipeline
  absl::Duration linger = absl::Milliseconds(2);  // how long a batch may gather
};

class CallJournal {
 public:
  CallJournal(redis::Client* redis, CallJournalConfig config = {});
  ~CallJournal();  // Stop()

  void Start();
  // Sends what is queued, then stops the writer.
  void Stop();

  // The setup and its decision start the call's journal (and its expiry),
  // in one push; the events follow, and are not written without them.
  void AppendDecided(const rpb::CallSetup& setup, const rpb::RouteDecision& decision);
  void AppendEvent(const rpb::CallEvent& event);
  void Forget(const std::string& call_id);

  // The journal of `call_id`; nullopt when there is none (never set up
  // here, already logged, or expired).
  absl::StatusOr<std::optional<JournaledCall>> Load(const std::string& call_id);

  // Sends what is queued now (tests; Stop does it too).
  void Flush();
  int64_t dropped() const;

  static std::string Key(const std::string& call_id);

 private:
  void Enqueue(std::vector<std::vector<std::string>> commands);
  void WriterLoop();
  bool SendSome();
  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !queue_.empty(); }
  bool BatchReady() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopping_ || queue_.size() >= config_.max_batch;
  }

  redis::Client* redis_;
  const CallJournalConfig config_;
  mutable absl::Mutex mu_;
  std::deque<std::vector<std::string>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Mutex send_mu_;  // one sender at a time keeps the records in order
  std::thread writer_;
};

}  // namespace sb::routing
