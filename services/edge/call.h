#pragma once
// One incoming INVITE, from its server transaction to the caller's final
// response: identify → ask routing → run the decision's steps → answer.
// Loop thread only (see proxy.h for the threading model); blocking work
// (Redis bindings and line slots, profiles lookups) goes to the proxy's
// workers and comes back through Proxy::WithCall.
//
// A step rings its targets in parallel: every binding of a LINE target
// (Location::LookupLine) and the trunk URI of an EXTERNAL one become
// branches (client transactions), started at once or after their delay_s.
// The step ends when
//   - a branch answers (2xx): relayed; the others are CANCELled with
//     Reason: SIP;cause=200 (RFC 3326); the call is answered;
//   - ring_s passes: the branches are CANCELled, on_no_answer applies;
//   - every branch has failed: on_busy when every target was busy (its
//     line full, B3, or the devices answered 486/600/603), on_unreachable
//     when none rang (no binding, 404/408/480/503), else on_no_answer.
// The caller's CANCEL cancels every branch and answers 487 (a missed call).
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "services/edge/location.h"
#include "services/edge/proxy.h"
#include "services/edge/trunks.h"
#include "sip/timer.h"
#include "sip/transaction.h"
#include "switchboard/routing/v1/routing.pb.h"

namespace sb::edge {

// What identified the caller.
struct CallOrigin {
  bool trunk = false;
  Trunk trunk_info;
  DeviceCredentials device;  // when !trunk
};

class Call : public sip::IncomingListener {
 public:
  Call(Proxy* proxy, uint64_t serial, sip::ServerTransaction txn, std::string routing_id);
  ~Call() override;

  // The caller is known (authenticated device, or trunk): build the setup
  // and ask routing.
  void Start(CallOrigin origin);
  // Answers the caller with `response` and ends the call (before routing).
  void Fail(int status, const std::string& reason, const std::vector<std::pair<std::string, std::string>>& headers = {});

  void OnAckOrCancel(nta_incoming_t* irq, const sip_t* request) override;

  const std::string& routing_id() const { return routing_id_; }
  const std::string& sip_call_id() const { return sip_call_id_; }
  uint64_t serial() const { return serial_; }

 private:
  // A target of the running step, once resolved on a worker.
  struct Resolved {
    rpb::Target target;
    enum class State { kRing, kBusy, kUnreachable, kSkipped } state = State::kUnreachable;
    std::vector<Binding> bindings;  // LINE
    std::string uri;                // EXTERNAL / voicemail: the Request-URI
    bool slot = false;              // a line slot was taken for this call
  };
  struct Branch {
    std::unique_ptr<sip::ClientTransaction> txn;
    std::unique_ptr<sip::Timer> delay;  // a target with delay_s, not started yet
    std::string line_id;
    std::string request_uri;
    std::string route;
    std::string headers;
    int delay_s = 0;
    int status = 0;
    bool rang = false;
    bool done = false;
    // B5: this number's own forwarding may take the call (a 181 is relayed,
    // a 3xx followed); off, a 181 stops this branch and a 3xx fails it.
    bool allow_remote_forwarding = false;
    bool redirected = false;  // started from a 3xx's Contact: its own 3xx is not followed
    // B6 "music instead of ringback": the voicemail UA's early-media branch,
    // not a target; its answers never decide the step.
    bool music = false;
  };
  // The step being rung: one of the decision's, or a terminal's (forward,
  // voicemail) whose failure is relayed to the caller.
  struct ActiveStep {
    std::vector<rpb::Target> targets;
    int ring_s = 0;
    std::optional<rpb::Terminal> on_no_answer, on_busy, on_unreachable;
    bool terminal = false;      // forward / voicemail: failure → relay the best response
    bool voicemail = false;
    bool music = false;         // B6: the caller hears music while it rings
    // A reject told first (B8 "reject with message", anonymous rejection):
    // the voicemail plays the message as early media, and the call ends with
    // this status whatever the voicemail answered or if it could not play.
    int reject_code = 0;
    std::string reject_reason;
    std::string extra_headers;  // History-Info, Diversion, X-Sb-* (voicemail, forward)
  };

  void AskRouting();
  void OnDecision(absl::StatusOr<rpb::RouteDecision> decision);
  void Fallback(const std::string& why);
  void Execute();
  // The first branch is sent (or the call ends): no longer counted by the
  // proxy's overload control.
  void LeaveSetup();
  // Execute's lookups are done: ring the first step, or apply the final.
  void Proceed(const std::string& domain, const std::string& number, const std::string& line_id);
  void RunDecisionStep(size_t index);
  void RunStep(ActiveStep step);
  void OnResolved(int generation, std::vector<Resolved> resolved);
  void StartBranch(size_t index);
  void OnBranchResponse(int generation, size_t index, const sip_t& response);
  // A branch says its number forwards the call (181, or a 3xx when
  // `redirect`): applied or refused as the target allows (B5). True when
  // the response was dealt with.
  bool OnRemoteForwarding(size_t index, const sip_t& response, bool redirect);
  void OnStepTimeout(int generation);
  void MaybeStepDone();
  void ApplyTerminal(const rpb::Terminal& terminal, int depth = 0);
  // ANNOUNCEMENT (answered, then hung up), or a REJECT's message (early
  // media, then the reject) when `reject_code` is set: a step to the
  // voicemail's user agent. False when no voicemail service is configured.
  bool Announce(const rpb::Terminal& terminal, int reject_code = 0, const std::string& reject_reason = "");
  void Divert(const rpb::Target& target, rpb::DiversionReason reason, bool voicemail,
              const std::string& mailbox_user_id, bool retrieval);
  // Every branch still ringing; the music one too unless `keep_music`.
  void CancelBranches(const std::string& reason, bool keep_music = false);
  // The early-media music branch (always branches_[0]) is up.
  bool MusicPlaying() const { return !branches_.empty() && branches_[0].music && !branches_[0].done; }
  void Answered(size_t index);
  void Finish(int status, const std::string& reason);
  void RelayFinal(sip::MsgRef response, int status);
  void ReleaseSlots(const std::string& keep_line);
  std::string DivertingUri() const;
  std::string PresentationHeaders() const;
  rpb::Target CalleeLineTarget() const;

  Proxy* const proxy_;
  const uint64_t serial_;
  sip::ServerTransaction txn_;
  const std::string routing_id_;
  std::string sip_call_id_;
  std::string tenant_id_;  // for logs: the caller's (or trunk's), then the callee's
  std::string loop_key_;
  CallOrigin origin_;
  rpb::CallSetup setup_;
  rpb::RouteDecision decision_;
  std::vector<std::string> incoming_history_;  // History-Info entries received
  int incoming_diversions_ = 0;
  std::string request_domain_;  // Request-URI host (or the tenant's domain)

  // Known after the decision (a worker asks profiles once).
  std::string callee_domain_;
  std::string callee_number_;
  std::string callee_line_id_;

  std::unique_ptr<sip::Timer> decision_timer_;
  std::unique_ptr<sip::Timer> step_timer_;
  int generation_ = 0;  // of the running step: late results of older ones are ignored
  size_t step_index_ = 0;
  ActiveStep step_;
  std::vector<Resolved> resolved_;
  std::vector<Branch> branches_;
  bool resolving_ = false;
  int branch_counter_ = 0;

  std::set<std::string> slots_;  // lines this call holds a slot on
  int best_status_ = 0;
  sip::MsgRef best_response_;
  // A phone's 18x held back while the music branch plays; relayed if the
  // music fails, so that the caller hears ringback after all.
  sip::MsgRef held_ringing_;
  bool ringing_sent_ = false;
  bool answered_ = false;
  bool finished_ = false;
  bool deciding_ = false;
  bool fallback_ = false;
  bool in_setup_ = true;
};

}  // namespace sb::edge
