#pragma once
// SipStack: the one owner of sofia-sip's su_root, su_home and nta agent.
//
// THREADING MODEL
//   - One thread per SipStack, the loop thread, runs su_root_run(). Every
//     sofia object (agent, legs, transactions, msg_t, timers) is created,
//     used and destroyed on that thread only: sofia is not thread-safe.
//   - Incoming requests outside any transaction reach RequestHandler::OnRequest
//     on the loop thread, statelessly (nta's message callback, no default
//     leg): the handler answers at once with IncomingRequest::ReplyStateless
//     (challenges, errors: no state kept) or makes it a ServerTransaction.
//     Retransmissions of a request in a transaction never reach the handler.
//     The handler must not block the loop (no Redis, no gRPC): it copies what
//     it needs into plain C++ values, hands the work to another thread, and
//     answers later through the ServerTransaction.
//   - Other threads (workers, gRPC callbacks) talk to the loop only through
//     Post(fn), which queues fn as an su_msg to the root's task; fns run in
//     the order they were posted. ServerTransaction::Respond() and the
//     destructor of an unanswered ServerTransaction do this for you, so a
//     worker may answer directly.
//   - Stop() (any thread but the loop) stops accepting posts, runs the ones
//     already queued, then destroys the agent on the loop thread — which
//     frees pending transactions — and joins the thread. Everything that may
//     still Post must have stopped before: a post after Stop() is dropped.
//   - No exception crosses a sofia callback: every trampoline catches and
//     logs.
//
// Sofia's own log (nta, tport, su) goes to the spdlog logger "sofia"; how
// much of it depends on the process log level (see SofiaLogThreshold).
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "sip/sofia.h"
#include "sip/transaction.h"

namespace sb::sip {

struct SipStackConfig {
  // host:port the agent listens on; both UDP and TCP unless disabled.
  std::string listen = "127.0.0.1:5060";
  bool udp = true;
  bool tcp = true;
  // Larger messages are refused (413 over UDP; the TCP connection is
  // closed): a hostile peer can't make us buffer megabytes.
  int max_message_bytes = 64 * 1024;
  // UDP socket buffers. Bursts of thousands of datagrams a second overflow
  // the kernel's default (~200 KiB) whenever the loop thread is descheduled
  // for a few milliseconds, and every drop costs a retransmission later.
  // Capped by net.core.rmem_max / wmem_max.
  int udp_buffer_bytes = 4 << 20;
  // Requests larger than this go over TCP instead of UDP (RFC 3261 §18.1.1
  // says 1300 bytes); 0 keeps sofia's default. Many phones listen on UDP
  // only, and a proxy's INVITE with Record-Route, History-Info and SDP
  // easily passes 1300 bytes, so the edge sends UDP up to 64 KiB.
  unsigned udp_mtu = 0;
  // How long a UDP server transaction outlives its final response to absorb
  // retransmissions (RFC 3261 Timer J = 64·T1 = 32 s) — and the timeout of
  // client transactions (Timer B/F). At thousands of REGISTERs a second, 32 s
  // of completed transactions is hundreds of thousands of messages kept
  // in memory; a client retransmits at T1, 2·T1, 4·T1… so 8 s still absorbs
  // four lost responses in a row.
  absl::Duration t1x64 = absl::Seconds(32);
  // Server header of every response we send.
  std::string server_header = "Switchboard";
  // A stateful proxy's duty (RFC 3261 §16.7 step 10, RFC 6026): a 2xx to an
  // INVITE that matches no client transaction any more — the callee's UA
  // retransmitting its 200 until the caller's ACK arrives, after the branch
  // was closed — is forwarded statelessly along its Via, when the topmost
  // Via is ours. Otherwise (and for any other stray response) it is
  // discarded.
  bool relay_stray_2xx = false;
  // The process's spdlog level ("info", "debug", ...), to pick sofia's
  // verbosity.
  std::string log_level = "info";
};

// Receives every request that does not belong to an existing transaction.
class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  // Loop thread. Reply statelessly, or keep request.Transaction() (move it
  // anywhere) to answer later; a dropped transaction is answered 500.
  virtual void OnRequest(IncomingRequest request) = 0;
};

class SipStack {
 public:
  // Starts the loop thread, binds the transports, and returns once the
  // agent serves (or failed to bind). `handler` must outlive the stack.
  static absl::StatusOr<std::unique_ptr<SipStack>> Start(const SipStackConfig& config,
                                                         RequestHandler* handler);
  ~SipStack();
  SipStack(const SipStack&) = delete;
  SipStack& operator=(const SipStack&) = delete;

  // Runs `fn` on the loop thread, after the work posted before it. Any
  // thread. Returns false (and destroys fn unrun, on the calling thread) once
  // the stack stops.
  bool Post(std::function<void()> fn);
  // Runs `fn` on the loop thread and waits for it. Not from the loop thread.
  absl::Status RunInLoop(std::function<void()> fn);
  // See the threading model above. Idempotent.
  void Stop();

  bool InLoopThread() const { return std::this_thread::get_id() == loop_thread_id_.load(); }
  // Posted work not yet run: a measure of how far behind the loop is.
  int64_t posts_pending() const { return posts_pending_.load(std::memory_order_relaxed); }
  // Bytes of datagrams waiting in the UDP socket's receive queue, not yet
  // read by the loop (0 without UDP): how far behind the loop is before
  // any of our own queues sees the work. A syscall: sample it, don't spin.
  int64_t udp_backlog_bytes() const;
  // Stray 2xx responses forwarded (relay_stray_2xx).
  int64_t stray_2xx_relayed() const { return stray_2xx_relayed_.load(std::memory_order_relaxed); }

  // Loop thread only.
  nta_agent_t* agent() const { return agent_; }
  su_root_t* root() const { return root_; }
  const SipStackConfig& config() const { return config_; }
  RequestHandler* handler() const { return handler_; }

  // The SIP URI the agent is bound to ("sip:127.0.0.1:5060"). Any thread.
  const std::string& bound_uri() const { return bound_uri_; }
  // "127.0.0.1:5060": useful when listening on port 0.
  const std::string& bound_host_port() const { return bound_host_port_; }

 private:
  SipStack(const SipStackConfig& config, RequestHandler* handler);

  void Loop(absl::Status* start_status, absl::Notification* started);
  absl::Status Bind();

  // Trampolines: sofia → C++.
  static int OnMessage(SipStack* self, nta_agent_t* agent, msg_t* msg, sip_t* sip);
  // A response no client transaction takes: relayed (see relay_stray_2xx)
  // or discarded. Consumes msg.
  void OnStrayResponse(msg_t* msg, sip_t* sip);
  static void OnPosted(SipStack* self, su_msg_r msg, internal::PostedWork* work);
  static void OnPostedDropped(internal::PostedWork* work);

  const SipStackConfig config_;
  RequestHandler* const handler_;
  std::string bound_uri_;
  std::string bound_host_port_;
  int udp_fd_ = -1;  // our UDP socket, found after binding (for its backlog)

  std::thread thread_;
  std::atomic<std::thread::id> loop_thread_id_;
  std::atomic<int64_t> posts_pending_ = 0;
  std::atomic<int64_t> stray_2xx_relayed_ = 0;

  // Owned by the loop thread.
  su_home_t home_[1] = {};
  su_root_t* root_ = nullptr;
  nta_agent_t* agent_ = nullptr;

  // Guards the root against posts racing with its destruction.
  absl::Mutex mu_;
  bool accepting_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
};

// The sofia log level (0 = critical only … 9 = everything) for a process
// log level; sofia's logger has no per-line level, so one threshold is all.
unsigned SofiaLogThreshold(const std::string& spdlog_level);

}  // namespace sb::sip
