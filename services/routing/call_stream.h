#pragma once
// The edge's long-lived CallStream: setups and events in, decisions out,
// multiplexed by call id. One reactor per stream (gRPC callback API).
//
// Threading model:
//  - gRPC runs the reactions (OnReadDone, OnWriteDone, OnCancel, OnDone) on
//    its callback threads, possibly two at once (a read and a write
//    completing together). They take `mu_` briefly and never block on I/O.
//  - A setup is decided inline when every piece of data is in the caches
//    (Decider::TryDecideCached: hash lookups and the engine, microseconds);
//    otherwise it goes to the worker pool (profiles or PostgreSQL round
//    trips, star codes that save settings), which sends the decision when
//    done. Decisions therefore leave in the order they are ready, not in
//    the order of the setups: each carries its call id.
//  - Events update the call tracker inline (in memory); the call log is
//    written on the pool when a call ends.
//  - Batches: an edge may send many setups and events in one message
//    (EdgeBatch); the decisions made inline for it leave in one message.
//    Once an edge has batched, every write packs all the decisions waiting
//    (DecisionBatch), so a busy stream costs one read, one write and their
//    completions per burst, not per call.
//  - Writes: one outstanding StartWrite at a time (gRPC's rule); decisions
//    ready meanwhile wait in `queue_`, sent from OnWriteDone.
//  - Flow control: when the pool work and the write queue of this stream
//    pass `max_backlog`, the next read waits until they drain, so a flood
//    from the edge can't grow memory without bound.
//  - Lifetime: Finish is called once the edge has half-closed (or the
//    stream is cancelled) and no read, write or pool task is outstanding;
//    the reactor deletes itself in OnDone.
#include <grpcpp/support/server_callback.h>

#include <deque>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "services/routing/call_tracker.h"
#include "services/routing/decider.h"
#include "core/worker_pool.h"

namespace sb::routing {

struct StreamDeps {
  Decider* decider = nullptr;
  CallTracker* tracker = nullptr;
  core::WorkerPool* pool = nullptr;
  size_t max_backlog = 10000;
};

class CallStreamReactor final : public grpc::ServerBidiReactor<rpb::EdgeMessage, rpb::RoutingMessage> {
 public:
  CallStreamReactor(StreamDeps deps, std::string peer);

  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  // Decides inline into `ready` when the caches allow, else on the pool.
  void HandleSetup(const rpb::CallSetup& setup, std::vector<rpb::RouteDecision>* ready);
  // Queues decisions for the edge (any thread).
  void Send(std::vector<rpb::RouteDecision> decisions);
  void TaskDone();
  // Resumes a paused read and finishes the stream when it is time; call
  // without holding mu_.
  void Progress();
  // Moves what is queued into out_ (one decision, or a batch) and says how
  // to write it.
  grpc::WriteOptions NextWriteLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  size_t BacklogLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return queue_.size() + tasks_; }

  const StreamDeps deps_;
  const std::string peer_;
  rpb::EdgeMessage in_;  // the read buffer, owned by gRPC between StartRead and OnReadDone

  absl::Mutex mu_;
  rpb::RoutingMessage out_ ABSL_GUARDED_BY(mu_);  // the message being written
  std::deque<rpb::RouteDecision> queue_ ABSL_GUARDED_BY(mu_);
  bool batches_ ABSL_GUARDED_BY(mu_) = false;  // the edge has sent a batch: answer in batches
  bool reading_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool reads_done_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  int tasks_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t setups_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace sb::routing
