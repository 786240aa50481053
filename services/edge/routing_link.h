#pragma once
// The edge's one long-lived CallStream to routing (ARCHITECTURE "One call,
// end to end"): every CallSetup of this process goes on it, multiplexed by
// call id, decisions come back on it, and CallEvents follow.
//
// Threading: Decide/Forget/SendEvent from any thread (the SIP loop calls
// them; they never block: a message is queued). The `done` callback of
// Decide runs on the link's reader thread (or the caller's, when the stream
// is down), exactly once — unless Forget() came first; the proxy posts it
// into its loop.
//
// Why the synchronous streaming API, with two threads of our own: the
// callback API of this gRPC (1.51) runs every read and write completion on
// its own "nexting" threads, a thread hop (futex wake, context switch) per
// message — measured at a fifth of the edge's CPU per call. Here the reader
// thread blocks in Read() and hands each decision over, and the writer
// thread takes every message queued since its last turn and writes them as
// one EdgeBatch message (routing then answers with DecisionBatch messages),
// so a busy loop pays one wake-up and one gRPC message per burst, not per
// call.
//
// Degraded mode: when the stream is down, Decide answers UNAVAILABLE at
// once, and a stream that breaks fails its pending setups the same way. The
// reader thread reconnects with backoff (min_backoff doubling up to
// max_backoff); events sent while down are dropped (routing logs those calls
// from its own timeouts) and counted.
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "switchboard/routing/v1/routing.grpc.pb.h"

namespace sb::edge {

namespace rpb = ::switchboard::routing::v1;

struct RoutingLinkConfig {
  absl::Duration min_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(2);
};

struct RoutingLinkStats {
  bool connected = false;
  int64_t connects = 0;
  int64_t setups = 0;
  int64_t decisions = 0;
  int64_t events_sent = 0;
  int64_t events_dropped = 0;
};

class RoutingLink {
 public:
  using DecisionFn = std::function<void(absl::StatusOr<rpb::RouteDecision>)>;

  RoutingLink(std::shared_ptr<grpc::Channel> channel, RoutingLinkConfig config);
  ~RoutingLink();  // Stop()

  void Start();
  void Stop();

  void Decide(const rpb::CallSetup& setup, DecisionFn done);
  // Drops the pending setup of `call_id` (its deadline passed): its `done`
  // will not run; a late decision is ignored.
  void Forget(const std::string& call_id);
  void SendEvent(rpb::CallEvent event);

  bool connected() const;
  RoutingLinkStats Stats() const;

 private:
  using ReaderWriter = grpc::ClientReaderWriter<rpb::EdgeMessage, rpb::RoutingMessage>;

  // The reader thread: connects, reads decisions, reconnects.
  void ReconnectLoop();
  // Runs one stream to its end (reads until it breaks or Stop()).
  void RunStream();
  // The writer thread of one stream: drains outbox_ until the stream ends.
  void WriteLoop(ReaderWriter* stream);
  void OnDecision(rpb::RouteDecision decision);
  // Queues a message for the live stream; false when there is none.
  bool Enqueue(rpb::EdgeMessage message) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::shared_ptr<grpc::Channel> channel_;
  const std::unique_ptr<rpb::Routing::Stub> stub_;
  const RoutingLinkConfig config_;

  mutable absl::Mutex mu_;
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;  // of the live stream
  bool up_ ABSL_GUARDED_BY(mu_) = false;      // a stream takes messages
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<rpb::EdgeMessage> outbox_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, DecisionFn> pending_ ABSL_GUARDED_BY(mu_);
  RoutingLinkStats stats_ ABSL_GUARDED_BY(mu_);
  std::thread reconnector_;
};

}  // namespace sb::edge
