#pragma once
// The stateful proxy: INVITE and everything that follows it in a dialog.
// Read like repro's processor chain, one call at a time (call.h):
//
//   INVITE (loop thread)
//     loop detection (482, RFC 3261 §16.3 step 4; Max-Forwards 0 → 483 in SipFront)
//     → trunk? a known inbound source (address:port) needs no digest
//     → else digest, 407 Proxy-Authenticate (Authenticator in proxy mode;
//       the HA1 cache, a worker on a miss)
//     → identify caller (device: its user, first line, tenant; trunk: the
//       asserted or From number, the trunk's tenant) and callee (the
//       Request-URI user as dialed: extension, national or E.164 — routing
//       resolves it in the caller's tenant)
//     → CallSetup on the one CallStream (routing_link.h), with a deadline
//     → execute the RouteDecision (call.h): steps forked in parallel to every
//       binding of each target, timers, CANCEL of losers, busy / no-answer /
//       unreachable fallbacks, terminals (reject, busy, forward through the
//       tenant's trunk, voicemail with History-Info/Diversion)
//     → CallEvents back (ringing, answered, failed, cancelled, diverted, ended)
//
//   In-dialog requests (ACK, BYE, re-INVITE, UPDATE, INFO, REFER, PRACK,
//   NOTIFY, MESSAGE): every INVITE we forward carries our Record-Route
//   (<sip:host:port;lr>), so the dialog's requests come back with our Route
//   on top; we pop it and forward (loose routing, RFC 3261 §16.4, §16.12):
//   ACK statelessly (end to end), the rest in a client transaction whose
//   responses are relayed. Without our Route: 481 (ACK: dropped).
//
//   Degraded mode: routing unreachable (no stream) or slower than
//   routing_timeout → fallback kRing: ring every binding of the line the
//   dialed string reaches (profiles ResolveLine), 480 when nobody answers;
//   otherwise (kReject, or nothing to ring) 503 with Retry-After. Logged at
//   warn with the call id.
//
//   B3: the lines' live calls are counted in Redis (line_calls.h): a LINE
//   target of the callee whose line holds max_concurrent_calls is busy.
//
// Threading: everything here runs on the SIP loop thread; Redis, profiles
// and the stream's writes happen on workers / gRPC threads and come back
// through SipStack::Post, addressed by a call serial (a call that ended in
// the meantime simply isn't found).
#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "core/worker_pool.h"
#include "services/edge/authenticator.h"
#include "services/edge/directory.h"
#include "services/edge/line_calls.h"
#include "services/edge/location.h"
#include "services/edge/nonce_counts.h"
#include "services/edge/redis_batcher.h"
#include "services/edge/routing_link.h"
#include "services/edge/sip_front.h"
#include "services/edge/trunks.h"
#include "sip/message.h"
#include "sip/transaction.h"

namespace sb::edge {

class Call;

enum class RoutingFallback { kRing, kReject };

struct ProxyConfig {
  // Our address as it appears in Record-Route and in the Route of the
  // dialog's requests.
  std::string host = "127.0.0.1";
  std::string port = "5060";
  std::string transport;  // "" (UDP) or "tcp": the Record-Route's transport
  absl::Duration routing_timeout = absl::Milliseconds(1500);
  RoutingFallback fallback = RoutingFallback::kRing;
  absl::Duration fallback_ring = absl::Seconds(60);
  int retry_after_s = 30;  // 503 when neither routing nor the fallback can route
  // The voicemail service's SIP address ("sip:voicemail@127.0.0.1:5070");
  // empty: voicemail targets are answered 480.
  std::string voicemail_uri;
  int default_max_calls = 5;  // when a decision carries no B3 limit
  // An answered call with no BYE is forgotten after this (its line slot
  // lapses in Redis by then too).
  absl::Duration dialog_ttl = absl::Hours(4);
  // Overload control, on queues rather than on time: a new INVITE is
  // answered 503 with Retry-After (statelessly, for almost nothing) while
  // this many calls are still in setup (waiting for routing, Redis or
  // profiles: none of their branches sent yet), or while this much work
  // posted to the SIP loop is waiting there. Past its capacity the edge
  // then serves the calls it took instead of letting every call's setup
  // outlast the caller's retransmission timer (which multiplies the load).
  int max_pending_setups = 300;
  int overload_retry_after_s = 2;
  // … or while this many bytes of datagrams wait unread in the UDP socket
  // (the loop itself is behind: sampled every 10 ms).
  int64_t max_udp_backlog_bytes = 512 << 10;
};

struct ProxyDeps {
  Authenticator* auth = nullptr;
  Location* location = nullptr;
  LineCalls* line_calls = nullptr;
  RoutingLink* routing = nullptr;
  TrunkTable* trunks = nullptr;
  EdgeDirectory* directory = nullptr;
  core::WorkerPool* workers = nullptr;
  NonceCounts* nonce_counts = nullptr;  // null: no nonce-count replay guard
  RedisBatcher* redis_batch = nullptr;  // null: line slot writes on the workers
};

struct ProxyStats {
  int64_t invites = 0;
  int64_t answered = 0;
  int64_t failed = 0;
  int64_t cancelled = 0;
  int64_t fallbacks = 0;
  int64_t overloaded = 0;  // INVITEs refused by overload control
  size_t calls = 0;
  size_t dialogs = 0;
};

class Proxy {
 public:
  Proxy(ProxyConfig config, ProxyDeps deps);
  ~Proxy();

  // Registers INVITE and the in-dialog methods on `front` (before the stack
  // starts). The proxy must outlive the stack.
  void Install(SipFront& front);

  // Loop thread.
  ProxyStats Stats() const;
  // Loop thread, before the stack stops: ends every call in progress (their
  // transactions and timers belong to the agent, which is about to go).
  void Shutdown();

  // For Call (loop thread).
  const ProxyConfig& config() const { return config_; }
  const ProxyDeps& deps() const { return deps_; }
  sip::SipStack* stack() const { return stack_; }
  // Runs `fn` on the loop with the call, if it still exists. Any thread.
  void WithCall(uint64_t serial, std::function<void(Call&)> fn);
  // Destroys the call on a later turn of the loop (never under its own feet).
  void Retire(uint64_t serial);
  // An answered call: its BYE ends it (line slot back, ENDED event).
  void AddDialog(const std::string& sip_call_id, const std::string& routing_id, const std::string& line_id,
                 const std::string& tenant_id);
  void CountAnswered() { ++stats_.answered; }
  void CountFailed() { ++stats_.failed; }
  void CountCancelled() { ++stats_.cancelled; }
  void CountFallback() { ++stats_.fallbacks; }
  // A call left its setup phase (its first branch is sent, or it ended).
  void SetupDone() { --setups_in_flight_; }
  std::string RecordRoute() const;
  // Writes a line slot's change to Redis, batched, nobody waiting: kept
  // for the answered call's lifetime, or given back. Any thread.
  void KeepLineSlot(const std::string& line_id, const std::string& call_id);
  void ReleaseLineSlot(const std::string& line_id, const std::string& call_id);
  // A CallEvent to routing, stamped now.
  void SendEvent(const std::string& routing_id, rpb::CallEvent::Kind kind, int sip_code = 0,
                 const std::string& line_id = "", const std::string& detail = "");

 private:
  struct Dialog {
    std::string routing_id;
    std::string line_id;
    std::string tenant_id;
    absl::Time at;
  };
  // An in-dialog request forwarded in a client transaction.
  struct Forward {
    sip::ServerTransaction server;
    std::unique_ptr<sip::ClientTransaction> client;
  };

  void OnInvite(sip::IncomingRequest request);
  // A call the voicemail service places (call-outs F3, reminders B18): from
  // its SIP address, with X-Sb-Origin: voicemail and the tenant it is for.
  // It is let in without digest, as a trunk of that tenant.
  std::optional<Trunk> VoicemailOrigin(msg_t* msg, const sip::Source& source) const;
  void OnInDialog(sip::IncomingRequest request);
  // Worker thread. The nonce-count replay guard for an authenticated
  // INVITE: the 407 (stale) to answer when its nc was already used.
  std::optional<sip::SipResponse> ReplayedNonce(const AuthRequest& request, const AuthResult& auth);
  void EndDialog(const std::string& sip_call_id, const char* why);
  void PruneDialogs();

  const ProxyConfig config_;
  const ProxyDeps deps_;
  const std::string voicemail_source_;  // "ip:port" of config_.voicemail_uri
  sip::SipStack* stack_ = nullptr;      // known from the first request
  SipFront* front_ = nullptr;

  // Loop thread only.
  uint64_t next_serial_ = 1;
  int setups_in_flight_ = 0;  // calls created whose first branch is not sent yet
  int64_t udp_backlog_ = 0;   // last sample of the UDP receive queue
  absl::Time udp_backlog_at_ = absl::InfinitePast();
  absl::flat_hash_map<uint64_t, std::unique_ptr<Call>> calls_;
  absl::flat_hash_map<std::string, int> routing_ids_;  // SIP Call-ID → calls using it (spirals)
  absl::flat_hash_map<std::string, Dialog> dialogs_;
  absl::flat_hash_map<uint64_t, std::unique_ptr<Forward>> forwards_;
  absl::Time last_prune_ = absl::Now();
  ProxyStats stats_;

  friend class Call;
};

}  // namespace sb::edge
