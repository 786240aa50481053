#pragma once
// The edge's one long-lived CallStream to routing (ARCHITECTURE "One call,
// end to end"): every CallSetup of this process goes on it, multiplexed by
// call id, decisions come back on it, and CallEvents follow.
//
// Threading: Decide/Forget/SendEvent from any thread (the SIP loop calls
// them; they never block: a write is queued). The `done` callback of Decide
// runs on a gRPC thread (or the caller's, when the stream is down), exactly
// once — unless Forget() came first; the proxy posts it into its loop.
//
// Degraded mode: when the stream is down, Decide answers UNAVAILABLE at
// once, and a stream that breaks fails its pending setups the same way. A
// background thread reconnects with backoff (min_backoff doubling up to
// max_backoff); events sent while down are dropped (routing logs those calls
// from its own timeouts) and counted.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
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
  class Stream;
  friend class Stream;

  void ReconnectLoop();
  // From the stream's reactor.
  void OnDecision(rpb::RouteDecision decision);
  void OnStreamDone(Stream* stream, const grpc::Status& status);

  const std::shared_ptr<grpc::Channel> channel_;
  const std::unique_ptr<rpb::Routing::Stub> stub_;
  const RoutingLinkConfig config_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  Stream* stream_ = nullptr;  // the live stream, once its call started
  bool stream_done_ = true;   // no stream, or it ended: reconnect
  bool stopping_ = false;
  absl::flat_hash_map<std::string, DecisionFn> pending_;
  RoutingLinkStats stats_;
  std::thread reconnector_;
};

}  // namespace sb::edge
