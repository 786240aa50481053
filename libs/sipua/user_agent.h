#pragma once
// UserAgent: the SIP user agent of the media services (voicemail, later fax
// and conferencing), on sofia-sip's nua, with media on libs/media engines.
//
// THREADING MODEL
//   - The SIP thread: one per UserAgent, runs su_root_run() with the nua
//     agent. Every sofia object (nua, handles, messages) lives on it only.
//     nua callbacks run there; they never block: they parse what arrived
//     into plain C++ values and hand it on (to the media thread by Post, to
//     the call's event queue, or to the IncomingCallHandler, which must
//     return at once).
//   - Media threads: `media_threads` MediaEngines, each on its own thread,
//     carry the RTP sessions (see libs/media/media_engine.h). A call's
//     session, player and recorder are only touched there.
//   - Call flows: whoever drives a call (the voicemail deposit or retrieval
//     script) calls Call's methods from its own thread. They are thread-safe:
//     signalling is posted to the SIP thread, media work to the call's
//     engine; the blocking ones (Answer, StopRecording, Refer, Originate,
//     WaitEvent) wait for the other thread's answer and must not be called
//     from the SIP or media threads.
//   - Events for a call (digits, playback done, recording stopped, hang-up,
//     media timeout) are queued on the Call and read by the flow with
//     WaitEvent, so a flow reads like a script: play, wait for a key, record.
//
// SDP: nua's own media layer (soa) is off (NUTAG_MEDIA_ENABLE(0)); sdp.h does
// the offer/answer for the single audio stream, PCMU/PCMA + telephone-event.
// re-INVITEs (hold, a new address) are answered here and move the RTP
// session; session timers are nua's (RFC 4028), refreshed by whoever the
// offer names. Late offers (INVITE without SDP) get our offer in the 200 and
// the answer is read from the ACK.
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "media/playback.h"
#include "media/rtp_session.h"

namespace sb::sipua {

struct UserAgentConfig {
  // host:port for SIP over UDP and TCP; port 0 picks a free one.
  std::string listen = "127.0.0.1:5070";
  // Address RTP binds to and that SDP announces.
  std::string media_address = "127.0.0.1";
  uint16_t rtp_port_min = 20000;
  uint16_t rtp_port_max = 39999;
  int media_threads = 2;
  size_t max_calls = 2000;
  // Where originated calls are sent (the edge), e.g. "sip:127.0.0.1:5060".
  // Empty: straight to the request URI.
  std::string outbound_proxy;
  std::string user_agent = "Switchboard";
  // Session-Expires we ask for / accept (RFC 4028); 0 disables session timers.
  int session_expires_s = 1800;
  // No RTP for this long: the call gets a kMediaTimeout event.
  absl::Duration media_timeout = absl::Seconds(30);
  std::string log_level = "info";
};

struct SipHeader {
  std::string name;  // as received ("History-Info")
  std::string value;
};

struct CallInfo {
  std::string call_id;
  bool outgoing = false;
  std::string request_uri;
  std::string request_user;  // Request-URI user part ("*318", "4002")
  std::string from_uri;
  std::string from_user;
  std::string from_display;
  std::string to_uri;
  std::string to_user;
  // Headers sofia does not parse itself: History-Info, Diversion, X-*,
  // P-Asserted-Identity, ... in order of appearance.
  std::vector<SipHeader> headers;

  // Values of every header with this name (case-insensitive), in order.
  std::vector<std::string> HeaderValues(std::string_view name) const;
  // The first value, or "".
  std::string Header(std::string_view name) const;
};

enum class CallEventKind {
  kDigit,             // `digit` pressed (RFC 4733)
  kPlaybackDone,      // what Play queued has all been sent
  kRecordingStopped,  // the recorder stopped by itself (silence or max length)
  kHangup,            // the dialog ended (BYE, CANCEL, error)
  kMediaTimeout,      // no RTP from the peer for media_timeout
};

struct CallEvent {
  CallEventKind kind;
  char digit = 0;
};

class UserAgent;

class Call : public std::enable_shared_from_this<Call> {
 public:
  ~Call();
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;

  const CallInfo& info() const { return info_; }
  core::CallCtx ctx() const { return {info_.call_id, tenant_}; }
  // Tenant, for logs only (the UA does not know it).
  void set_tenant(std::string tenant) { tenant_ = std::move(tenant); }

  // Answers an incoming call with 200 and our SDP; returns once the media
  // session exists and the 200 has been handed to nua. FAILED_PRECONDITION
  // if the call is already gone.
  absl::Status Answer();
  // Early media (RFC 3960): answers with 183 Session Progress and our SDP,
  // sent unreliably (no 100rel), and starts the media session, so Play works
  // before (or without ever) answering. Answer or Reject may follow; a CANCEL
  // ends it as usual (487 by nua, then kHangup). Needs the INVITE's offer: a
  // late-offer INVITE gets FAILED_PRECONDITION and is left unanswered.
  absl::Status AnswerEarly();
  // Refuses an incoming call that was not answered (486, 480, 603, ...);
  // an empty phrase gives the status's standard one.
  void Reject(int status, std::string phrase);
  // Ends the call in any state: BYE, CANCEL, or a final response.
  void Hangup();
  // Blind transfer (REFER, RFC 3515) of an answered call; returns the REFER's
  // final status code (202 accepted, or the error), or a status if the call is
  // gone. The caller hangs up the call after a 2xx.
  absl::StatusOr<int> Refer(const std::string& target_uri, absl::Duration timeout = absl::Seconds(8));

  // Media methods act once the call has media (after Answer, or an answered
  // Originate); before that they do nothing.
  // Replaces what is playing with these prompts; kPlaybackDone follows the
  // last one.
  void Play(std::vector<std::shared_ptr<const media::Prompt>> prompts);
  void StopPlayback();
  // Starts recording what the peer sends (replacing any recorder).
  void StartRecording(const media::RecorderConfig& config);
  // Detaches the recorder and returns it; nothing writes to it afterwards.
  std::shared_ptr<media::Recorder> StopRecording();
  absl::Status SendDigits(const std::string& digits);

  // The next event, or nullopt after `timeout`. After kHangup every call
  // returns kHangup again at once.
  std::optional<CallEvent> WaitEvent(absl::Duration timeout);
  // Drops queued digit events (type-ahead the flow does not want).
  void ClearDigits();
  bool ended() const;

  // Media statistics (from the engine thread; blocking), or the last ones
  // once the call has ended.
  std::optional<media::RtpSessionStats> MediaStats();
  absl::Time answered_at() const;

 private:
  friend class UserAgent;
  struct Impl;
  Call(UserAgent* ua, CallInfo info);
  // Answer and AnswerEarly: sends `status` (200 or 183) with our SDP, the
  // media session created on first use.
  absl::Status Respond(int status, const char* phrase);

  void Push(CallEvent event);

  UserAgent* ua_;
  CallInfo info_;
  std::string tenant_;
  std::unique_ptr<Impl> impl_;             // SIP- and media-thread state (user_agent.cc)
  std::function<void(int)> refer_waiter_;  // SIP thread: the pending REFER's final status

  mutable absl::Mutex mu_;
  absl::CondVar cv_;
  std::deque<CallEvent> events_ ABSL_GUARDED_BY(mu_);
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time answered_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  std::optional<media::RtpSessionStats> final_stats_ ABSL_GUARDED_BY(mu_);
};

// Receives new incoming calls on the SIP thread. Must return at once (start
// the flow on another thread), and the flow must answer, reject or hang up
// every call it is given.
class IncomingCallHandler {
 public:
  virtual ~IncomingCallHandler() = default;
  virtual void OnIncomingCall(std::shared_ptr<Call> call) = 0;
};

struct OriginateRequest {
  std::string to_uri;    // sip:0612345678@tenant.example
  std::string from_uri;  // sip:voicemail@tenant.example
  std::string from_display;
  absl::Duration ring_timeout = absl::Seconds(30);
  std::vector<SipHeader> headers;  // extra headers (X-Sb-Tenant, ...)
};

struct OriginateResult {
  int status = 0;  // final SIP status (200 answered; 408 for our ring timeout)
  std::string phrase;
  std::shared_ptr<Call> call;  // set when answered
};

struct UserAgentStats {
  int64_t calls_active = 0;
  int64_t calls_total = 0;
  int64_t calls_rejected_capacity = 0;
};

class UserAgent {
 public:
  static absl::StatusOr<std::unique_ptr<UserAgent>> Start(const UserAgentConfig& config,
                                                          IncomingCallHandler* handler);
  ~UserAgent();
  UserAgent(const UserAgent&) = delete;
  UserAgent& operator=(const UserAgent&) = delete;

  // Places a call and waits until it is answered or fails. Not from the SIP
  // or media threads.
  OriginateResult Originate(const OriginateRequest& request);

  // Ends every call, shuts nua down (BYEs sent), stops the threads. Idempotent.
  void Stop();

  // "127.0.0.1:5070" (the real port when listening on port 0).
  std::string bound_host_port() const;
  UserAgentStats stats() const;

  struct Impl;

 private:
  friend class Call;
  explicit UserAgent(const UserAgentConfig& config, IncomingCallHandler* handler);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sb::sipua
