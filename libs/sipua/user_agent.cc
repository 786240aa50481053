#include "sipua/user_agent.h"

#include <pthread.h>

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <thread>
#include <unordered_map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "core/logging.h"
#include "media/media_engine.h"
#include "sipua/sdp.h"

// Typed sofia contexts for this file only (libs/sip/sofia.h has its own for
// nta; the two never meet in one translation unit).
namespace sb::sipua {
struct Posted;
}  // namespace sb::sipua
#define SU_ROOT_MAGIC_T sb::sipua::UserAgent::Impl
#define SU_MSG_ARG_T sb::sipua::Posted
#define NUA_MAGIC_T sb::sipua::UserAgent::Impl
#define NUA_HMAGIC_T sb::sipua::Call
#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su.h>
#include <sofia-sip/su_log.h>
#include <sofia-sip/su_tag_io.h>
#include <sofia-sip/su_wait.h>

namespace sb::sipua {

struct Posted {
  UserAgent::Impl* ua;
  std::function<void()>* fn;  // owned; null once run
};

namespace {

std::shared_ptr<spdlog::logger> Log() { return core::Logger("sipua"); }

std::string UrlString(const url_t* url) {
  if (url == nullptr) return "";
  char buf[512];
  url_e(buf, sizeof buf, url);
  buf[sizeof buf - 1] = 0;
  return buf;
}

void FillInfo(const sip_t* sip, CallInfo* info) {
  if (sip == nullptr) return;
  if (sip->sip_call_id != nullptr && sip->sip_call_id->i_id != nullptr)
    info->call_id = sip->sip_call_id->i_id;
  if (sip->sip_request != nullptr) {
    info->request_uri = UrlString(sip->sip_request->rq_url);
    if (sip->sip_request->rq_url->url_user != nullptr)
      info->request_user = sip->sip_request->rq_url->url_user;
  }
  if (sip->sip_from != nullptr) {
    info->from_uri = UrlString(sip->sip_from->a_url);
    if (sip->sip_from->a_url->url_user != nullptr) info->from_user = sip->sip_from->a_url->url_user;
    if (sip->sip_from->a_display != nullptr) {
      std::string d = sip->sip_from->a_display;
      if (d.size() >= 2 && d.front() == '"' && d.back() == '"') d = d.substr(1, d.size() - 2);
      info->from_display = d;
    }
  }
  if (sip->sip_to != nullptr) {
    info->to_uri = UrlString(sip->sip_to->a_url);
    if (sip->sip_to->a_url->url_user != nullptr) info->to_user = sip->sip_to->a_url->url_user;
  }
  for (const sip_unknown_t* u = sip->sip_unknown; u != nullptr; u = u->un_next) {
    if (u->un_name != nullptr) info->headers.push_back({u->un_name, u->un_value ? u->un_value : ""});
  }
}

// A recorder that tells the call when it stopped by itself.
class RecordingSink : public media::AudioSink {
 public:
  RecordingSink(const media::RecorderConfig& config, std::function<void()> on_stop)
      : recorder_(std::make_shared<media::Recorder>(config)), on_stop_(std::move(on_stop)) {}
  void Write(std::span<const int16_t> frame, media::FrameKind kind) override {
    recorder_->Write(frame, kind);
    if (!reported_ && recorder_->state() != media::RecorderState::kRecording) {
      reported_ = true;
      on_stop_();
    }
  }
  std::shared_ptr<media::Recorder> recorder() const { return recorder_; }

 private:
  std::shared_ptr<media::Recorder> recorder_;
  std::function<void()> on_stop_;
  bool reported_ = false;
};

}  // namespace

// Sofia's own log (nua, nta, tport) goes to the spdlog logger "sofia", line
// by line (sofia writes fragments), at debug: at the default info level only
// its errors are let through.
void SofiaLogger(void* /*stream*/, char const* fmt, va_list ap) {
  thread_local std::string pending;
  char buf[2048];
  va_list copy;
  va_copy(copy, ap);
  const int n = std::vsnprintf(buf, sizeof buf, fmt, copy);
  va_end(copy);
  if (n < 0) return;
  pending.append(buf, std::min<size_t>(static_cast<size_t>(n), sizeof buf - 1));
  size_t nl;
  while ((nl = pending.find('\n')) != std::string::npos) {
    std::string line = pending.substr(0, nl);
    pending.erase(0, nl + 1);
    if (!line.empty()) core::Logger("sofia")->debug("{}", line);
  }
  if (pending.size() > 8192) pending.clear();
}

void RedirectSofiaLogs(const std::string& level) {
  const unsigned threshold = level == "trace" ? 9 : level == "debug" ? 5 : 1;
  su_log_redirect(su_log_default, &SofiaLogger, nullptr);
  su_log_set_level(su_log_default, threshold);
  su_log_redirect(su_log_global, &SofiaLogger, nullptr);
  su_log_set_level(su_log_global, threshold);
}

// ------------------------------------------------------------------ CallInfo

std::vector<std::string> CallInfo::HeaderValues(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& h : headers) {
    if (absl::EqualsIgnoreCase(h.name, absl::string_view(name.data(), name.size()))) out.push_back(h.value);
  }
  return out;
}

std::string CallInfo::Header(std::string_view name) const {
  for (const auto& h : headers) {
    if (absl::EqualsIgnoreCase(h.name, absl::string_view(name.data(), name.size()))) return h.value;
  }
  return "";
}

// ------------------------------------------------------------------ Impls

struct Call::Impl {
  // SIP thread.
  nua_handle_t* nh = nullptr;
  bool final_sent = false;  // incoming: a final response went out
  // The reason phrase of a Reject: nua may build the response after the
  // signal that carried the phrase is gone (a final after a 183), so the
  // text lives as long as the call.
  std::string final_phrase;
  bool answered = false;    // the dialog is confirmed (either direction)
  bool late_offer = false;  // incoming INVITE without SDP
  SessionDescription offer;
  NegotiatedAudio audio;
  LocalMedia local;
  // Outgoing: the originator waits on this.
  absl::Notification* originate_done = nullptr;
  OriginateResult* originate_result = nullptr;

  // Media.
  media::MediaEngine* engine = nullptr;
  std::atomic<uint64_t> session_id{0};
  // Engine thread only.
  std::shared_ptr<RecordingSink> sink;
};

struct UserAgent::Impl {
  UserAgentConfig config;
  UserAgent* owner = nullptr;
  IncomingCallHandler* handler = nullptr;
  std::thread thread;
  su_home_t home[1] = {};
  su_root_t* root = nullptr;
  nua_t* nua = nullptr;
  bool shutting_down = false;  // SIP thread

  std::vector<std::unique_ptr<media::MediaEngine>> engines;
  std::vector<std::thread> engine_threads;
  std::atomic<size_t> next_engine{0};

  absl::Mutex mu;
  bool accepting ABSL_GUARDED_BY(mu) = false;
  bool stopped ABSL_GUARDED_BY(mu) = false;

  // SIP thread only.
  std::unordered_map<nua_handle_t*, std::shared_ptr<Call>> calls;
  uint64_t next_session_id = 1;

  std::atomic<int64_t> active{0}, total{0}, rejected_capacity{0};

  bool Post(std::function<void()> fn);
  absl::Status RunInLoop(std::function<void()> fn);
  static void OnPosted(Impl* self, su_msg_r msg, Posted* work);
  static void OnPostedDropped(Posted* work);
  void Loop(absl::Status* status, absl::Notification* started);

  static void Callback(nua_event_t event, int status, char const* phrase, nua_t* nua, Impl* magic,
                       nua_handle_t* nh, Call* hmagic, sip_t const* sip, tagi_t tags[]);
  void OnEvent(nua_event_t event, int status, const char* phrase, nua_handle_t* nh, Call* call,
               const sip_t* sip, tagi_t tags[]);
  void OnIncomingInvite(nua_handle_t* nh, const sip_t* sip);
  void OnReinvite(Call* call, const sip_t* sip);
  void OnTerminated(nua_handle_t* nh, Call* call, int status, const char* phrase);
  void OnInviteResponse(Call* call, int status, const char* phrase, const sip_t* sip);
  media::MediaEngine* PickEngine() {
    return engines[next_engine.fetch_add(1, std::memory_order_relaxed) % engines.size()].get();
  }
  // Runs fn on the engine thread and waits.
  static void RunOnEngine(media::MediaEngine* engine, std::function<void()> fn) {
    absl::Notification done;
    engine->Post([&] {
      fn();
      done.Notify();
    });
    done.WaitForNotification();
  }
  absl::StatusOr<uint16_t> CreateMedia(const std::shared_ptr<Call>& call);
};

// ------------------------------------------------------------------ Call

Call::Call(UserAgent* ua, CallInfo info) : ua_(ua), info_(std::move(info)), impl_(std::make_unique<Impl>()) {}
Call::~Call() = default;

void Call::Push(CallEvent event) {
  absl::MutexLock lock(&mu_);
  if (event.kind == CallEventKind::kHangup) {
    if (ended_) return;
    ended_ = true;
  }
  events_.push_back(event);
  cv_.SignalAll();
}

bool Call::ended() const {
  absl::MutexLock lock(&mu_);
  return ended_;
}

absl::Time Call::answered_at() const {
  absl::MutexLock lock(&mu_);
  return answered_at_;
}

std::optional<CallEvent> Call::WaitEvent(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  absl::MutexLock lock(&mu_);
  while (events_.empty()) {
    if (ended_) return CallEvent{CallEventKind::kHangup};
    if (cv_.WaitWithDeadline(&mu_, deadline)) {
      if (events_.empty())
        return ended_ ? std::optional<CallEvent>(CallEvent{CallEventKind::kHangup}) : std::nullopt;
    }
  }
  CallEvent e = events_.front();
  events_.pop_front();
  return e;
}

void Call::ClearDigits() {
  absl::MutexLock lock(&mu_);
  std::erase_if(events_, [](const CallEvent& e) { return e.kind == CallEventKind::kDigit; });
}

absl::StatusOr<uint16_t> UserAgent::Impl::CreateMedia(const std::shared_ptr<Call>& call) {
  Call::Impl& ci = *call->impl_;
  ci.engine = PickEngine();
  media::RtpSessionConfig rc;
  rc.law = ci.audio.law;
  rc.telephone_event_payload_type =
      ci.audio.telephone_event_pt >= 0 ? static_cast<uint8_t>(ci.audio.telephone_event_pt) : 0;
  if (!ci.late_offer && ci.audio.remote_port != 0) {
    auto ep = media::Endpoint::Parse(ci.audio.remote_address, ci.audio.remote_port);
    if (ep.ok()) {
      rc.remote_rtp = *ep;
      if (ci.audio.remote_rtcp_port) rc.remote_rtcp = ep->WithPort(*ci.audio.remote_rtcp_port);
    }
  }
  rc.inactivity_timeout = config.media_timeout;
  rc.call = call->ctx();
  std::weak_ptr<Call> weak = call;
  media::RtpSessionCallbacks cb;
  cb.on_digit = [weak](const media::DtmfDigit& d) {
    if (auto c = weak.lock(); c && d.digit != 0) c->Push({CallEventKind::kDigit, d.digit});
  };
  cb.on_source_finished = [weak] {
    if (auto c = weak.lock()) c->Push({CallEventKind::kPlaybackDone});
  };
  cb.on_inactivity = [weak] {
    if (auto c = weak.lock()) c->Push({CallEventKind::kMediaTimeout});
  };
  absl::StatusOr<media::RtpSession*> session = absl::InternalError("not run");
  RunOnEngine(ci.engine, [&] { session = ci.engine->CreateSession(rc, cb); });
  if (!session.ok()) return session.status();
  ci.session_id = (*session)->id();
  return (*session)->local_rtp_port();
}

absl::Status Call::Answer() { return Respond(200, "OK"); }

absl::Status Call::AnswerEarly() {
  // An offer in an unreliable 183 could only be answered in a PRACK: we do
  // not do 100rel, so early media needs the caller's offer.
  if (impl_->late_offer) return absl::FailedPreconditionError("early media needs an SDP offer in the INVITE");
  return Respond(183, "Session Progress");
}

absl::Status Call::Respond(int status, const char* phrase) {
  if (ended()) return absl::FailedPreconditionError("the caller hung up");
  auto self = shared_from_this();
  UserAgent::Impl* ua = ua_->impl_.get();
  if (impl_->late_offer) impl_->audio.law = media::G711Law::kUlaw;
  // After early media the session exists already and goes on into the call.
  std::optional<uint16_t> port;
  if (impl_->session_id == 0) {
    absl::StatusOr<uint16_t> created = ua->CreateMedia(self);
    if (!created.ok()) {
      Reject(503, "Media Unavailable");
      return created.status();
    }
    port = *created;
  }
  bool sent = false;
  absl::Status run = ua->RunInLoop([&] {
    Impl& ci = *impl_;
    if (ci.nh == nullptr || ci.final_sent) return;
    if (port) {
      ci.local.rtp_port = *port;
      ci.local.version++;
    }
    // The 200 after a 183 repeats the same answer (RFC 3261 13.2.1: the
    // early answer is the answer), hence no version bump then.
    std::string sdp = ci.late_offer ? BuildOffer(ci.local) : BuildAnswer(ci.offer, ci.audio, ci.local);
    nua_respond(ci.nh, status, phrase, SIPTAG_CONTENT_TYPE_STR("application/sdp"),
                SIPTAG_PAYLOAD_STR(sdp.c_str()), TAG_END());
    if (status >= 200) ci.final_sent = true;
    sent = true;
  });
  if (!run.ok()) return run;
  if (!sent) return absl::FailedPreconditionError("the caller hung up before the answer");
  if (status >= 200) {
    absl::MutexLock lock(&mu_);
    answered_at_ = absl::Now();
  }
  return absl::OkStatus();
}

void Call::Reject(int status, std::string phrase) {
  auto self = shared_from_this();
  ua_->impl_->Post([self, status, phrase] {
    Impl& ci = *self->impl_;
    if (ci.nh == nullptr || ci.final_sent || self->info_.outgoing) return;
    ci.final_phrase = phrase;
    // No phrase given: the status's standard one ("" would go out as is).
    if (ci.final_phrase.empty() && sip_status_phrase(status) != nullptr) ci.final_phrase = sip_status_phrase(status);
    nua_respond(ci.nh, status, ci.final_phrase.c_str(), TAG_END());
    ci.final_sent = true;
  });
}

void Call::Hangup() {
  auto self = shared_from_this();
  ua_->impl_->Post([self] {
    Impl& ci = *self->impl_;
    if (ci.nh == nullptr) return;
    if (!self->info_.outgoing && !ci.final_sent) {
      nua_respond(ci.nh, 480, "Temporarily Unavailable", TAG_END());
      ci.final_sent = true;
    } else if (self->info_.outgoing && !ci.answered) {
      nua_cancel(ci.nh, TAG_END());
    } else {
      nua_bye(ci.nh, TAG_END());
    }
  });
  Push({CallEventKind::kHangup});
}

absl::StatusOr<int> Call::Refer(const std::string& target_uri, absl::Duration timeout) {
  if (ended()) return absl::FailedPreconditionError("the call has ended");
  auto self = shared_from_this();
  auto done = std::make_shared<absl::Notification>();
  auto code = std::make_shared<std::atomic<int>>(0);
  // The REFER's response arrives as nua_r_refer on this handle; the SIP
  // thread reports it through refer_waiter.
  absl::Status run = ua_->impl_->RunInLoop([&] {
    Impl& ci = *impl_;
    if (ci.nh == nullptr) return;
    refer_waiter_ = [done, code](int status) {
      code->store(status);
      if (!done->HasBeenNotified()) done->Notify();
    };
    nua_refer(ci.nh, SIPTAG_REFER_TO_STR(target_uri.c_str()), TAG_END());
  });
  if (!run.ok()) return run;
  if (!done->WaitForNotificationWithTimeout(timeout)) return 408;
  return code->load();
}

void Call::Play(std::vector<std::shared_ptr<const media::Prompt>> prompts) {
  media::MediaEngine* engine = impl_->engine;
  if (engine == nullptr) return;
  if (prompts.empty()) {
    Push({CallEventKind::kPlaybackDone});
    return;
  }
  const uint64_t id = impl_->session_id;
  engine->Post([engine, id, prompts = std::move(prompts)] {
    media::RtpSession* s = engine->FindSession(id);
    if (s == nullptr) return;
    auto player = std::make_shared<media::PromptPlayer>();
    for (const auto& p : prompts) player->Enqueue(p);
    s->SetSource(player);
  });
}

void Call::StopPlayback() {
  media::MediaEngine* engine = impl_->engine;
  if (engine == nullptr) return;
  const uint64_t id = impl_->session_id;
  engine->Post([engine, id] {
    if (media::RtpSession* s = engine->FindSession(id)) s->SetSource(nullptr);
  });
}

void Call::StartRecording(const media::RecorderConfig& config) {
  media::MediaEngine* engine = impl_->engine;
  if (engine == nullptr) return;
  const uint64_t id = impl_->session_id;
  std::weak_ptr<Call> weak = shared_from_this();
  Impl* ci = impl_.get();
  engine->Post([engine, id, config, weak, ci] {
    ci->sink = std::make_shared<RecordingSink>(config, [weak] {
      if (auto c = weak.lock()) c->Push({CallEventKind::kRecordingStopped});
    });
    if (media::RtpSession* s = engine->FindSession(id)) s->SetSink(ci->sink);
  });
}

std::shared_ptr<media::Recorder> Call::StopRecording() {
  media::MediaEngine* engine = impl_->engine;
  if (engine == nullptr) return nullptr;
  const uint64_t id = impl_->session_id;
  std::shared_ptr<RecordingSink> sink;
  UserAgent::Impl::RunOnEngine(engine, [&] {
    if (media::RtpSession* s = engine->FindSession(id)) s->SetSink(nullptr);
    sink = std::move(impl_->sink);
  });
  return sink ? sink->recorder() : nullptr;
}

absl::Status Call::SendDigits(const std::string& digits) {
  media::MediaEngine* engine = impl_->engine;
  if (engine == nullptr) return absl::FailedPreconditionError("no media");
  const uint64_t id = impl_->session_id;
  absl::Status st = absl::NotFoundError("the media session is gone");
  UserAgent::Impl::RunOnEngine(engine, [&] {
    if (media::RtpSession* s = engine->FindSession(id)) st = s->SendDigits(digits);
  });
  return st;
}

std::optional<media::RtpSessionStats> Call::MediaStats() {
  {
    absl::MutexLock lock(&mu_);
    if (final_stats_) return final_stats_;
  }
  media::MediaEngine* engine = impl_->engine;
  if (engine == nullptr) return std::nullopt;
  const uint64_t id = impl_->session_id;
  std::optional<media::RtpSessionStats> out;
  UserAgent::Impl::RunOnEngine(engine, [&] {
    if (media::RtpSession* s = engine->FindSession(id)) out = s->stats();
  });
  if (!out) {
    // The session went while we asked: its last figures were kept.
    absl::MutexLock lock(&mu_);
    out = final_stats_;
  }
  return out;
}

// ------------------------------------------------------------------ UA loop

bool UserAgent::Impl::Post(std::function<void()> fn) {
  absl::ReaderMutexLock lock(&mu);
  if (!accepting) return false;
  su_msg_r msg = SU_MSG_R_INIT;
  if (su_msg_create(msg, su_root_task(root), su_task_null, &Impl::OnPosted, sizeof(Posted)) != 0) {
    Log()->error("su_msg_create failed: posted work dropped");
    return false;
  }
  su_msg_deinitializer(msg, &Impl::OnPostedDropped);
  Posted* work = su_msg_data(msg);
  work->ua = this;
  work->fn = new std::function<void()>(std::move(fn));
  return su_msg_send(msg) == 0;
}

void UserAgent::Impl::OnPosted(Impl* /*self*/, su_msg_r /*msg*/, Posted* work) {
  std::unique_ptr<std::function<void()>> fn(std::exchange(work->fn, nullptr));
  if (!fn) return;
  try {
    (*fn)();
  } catch (const std::exception& e) {
    Log()->error("posted work failed: {}", e.what());
  }
}

void UserAgent::Impl::OnPostedDropped(Posted* work) { delete std::exchange(work->fn, nullptr); }

absl::Status UserAgent::Impl::RunInLoop(std::function<void()> fn) {
  absl::Notification done;
  if (!Post([&] {
        fn();
        done.Notify();
      })) {
    return absl::UnavailableError("the SIP user agent is stopped");
  }
  done.WaitForNotification();
  return absl::OkStatus();
}

void UserAgent::Impl::Callback(nua_event_t event, int status, char const* phrase, nua_t* /*nua*/, Impl* magic,
                               nua_handle_t* nh, Call* hmagic, sip_t const* sip, tagi_t tags[]) {
  try {
    magic->OnEvent(event, status, phrase, nh, hmagic, sip, tags);
  } catch (const std::exception& e) {
    Log()->error("nua event {} failed: {}", nua_event_name(event), e.what());
  }
}

void UserAgent::Impl::OnEvent(nua_event_t event, int status, const char* phrase, nua_handle_t* nh, Call* call,
                              const sip_t* sip, tagi_t tags[]) {
  switch (event) {
    case nua_i_invite:
      if (call == nullptr) {
        OnIncomingInvite(nh, sip);
      } else {
        OnReinvite(call, sip);
      }
      break;
    case nua_i_ack:
      if (call != nullptr && call->impl_->late_offer && sip != nullptr && sip->sip_payload != nullptr) {
        auto sd = ParseSdp(absl::string_view(sip->sip_payload->pl_data, sip->sip_payload->pl_len));
        if (sd.ok()) {
          auto a = ReadAnswer(*sd);
          if (a.ok() && a->remote_port != 0) {
            auto ep = media::Endpoint::Parse(a->remote_address, a->remote_port);
            media::MediaEngine* engine = call->impl_->engine;
            const uint64_t id = call->impl_->session_id;
            if (ep.ok() && engine != nullptr) {
              // Our offer (in the 200) had PCMU and PCMA: the ACK's answer picks.
              engine->Post([engine, id, remote = *ep, law = a->law] {
                if (media::RtpSession* s = engine->FindSession(id)) {
                  s->SetLaw(law);
                  s->SetRemote(remote);
                }
              });
            }
          }
        }
      }
      break;
    case nua_i_state: {
      int state = nua_callstate_init;
      tl_gets(tags, NUTAG_CALLSTATE_REF(state), TAG_END());
      if (call != nullptr && state == nua_callstate_ready) call->impl_->answered = true;
      if (state == nua_callstate_terminated) OnTerminated(nh, call, status, phrase);
      break;
    }
    case nua_r_invite:
      if (call != nullptr) OnInviteResponse(call, status, phrase, sip);
      break;
    case nua_r_refer:
      if (call != nullptr && status >= 200 && call->refer_waiter_) {
        auto w = std::move(call->refer_waiter_);
        call->refer_waiter_ = nullptr;
        w(status);
      }
      break;
    case nua_i_bye:
    case nua_i_cancel:
      if (call != nullptr) call->Push({CallEventKind::kHangup});
      break;
    case nua_r_shutdown:
      if (status >= 200) su_root_break(root);
      break;
    default:
      // Anything on a handle nobody owns (OPTIONS, a stray NOTIFY) is
      // answered by nua itself; handles it created for them are freed here.
      if (call == nullptr && nh != nullptr && event != nua_r_set_params && event != nua_r_get_params &&
          event >= nua_i_error && event < nua_r_set_params) {
        // nua_i_* events without an owner: nothing to keep.
      }
      break;
  }
}

void UserAgent::Impl::OnIncomingInvite(nua_handle_t* nh, const sip_t* sip) {
  CallInfo info;
  FillInfo(sip, &info);
  auto log = Log();
  if (shutting_down) {
    nua_respond(nh, 503, "Shutting Down", TAG_END());
    nua_handle_destroy(nh);
    return;
  }
  if (calls.size() >= config.max_calls) {
    rejected_capacity++;
    log->warn("call={} refused: {} calls in progress (max_calls)", info.call_id, calls.size());
    nua_respond(nh, 503, "Too Many Calls", SIPTAG_RETRY_AFTER_STR("5"), TAG_END());
    nua_handle_destroy(nh);
    return;
  }
  auto call = std::shared_ptr<Call>(new Call(owner, std::move(info)));
  Call::Impl& ci = *call->impl_;
  ci.nh = nh;
  ci.local.address = config.media_address;
  ci.local.session_id = next_session_id++ + static_cast<uint64_t>(absl::ToUnixSeconds(absl::Now()));
  ci.local.version = ci.local.session_id;
  if (sip->sip_payload != nullptr && sip->sip_payload->pl_len > 0) {
    auto sd = ParseSdp(absl::string_view(sip->sip_payload->pl_data, sip->sip_payload->pl_len));
    absl::StatusOr<NegotiatedAudio> audio =
        sd.ok() ? NegotiateOffer(*sd) : absl::StatusOr<NegotiatedAudio>(sd.status());
    if (!audio.ok()) {
      log->info("call={} refused: {}", call->info().call_id, audio.status().message());
      nua_respond(
          nh, 488, "Not Acceptable Here",
          SIPTAG_WARNING_STR(absl::StrCat("399 switchboard \"", audio.status().message(), "\"").c_str()),
          TAG_END());
      nua_handle_destroy(nh);
      return;
    }
    ci.offer = *sd;
    ci.audio = *audio;
  } else {
    ci.late_offer = true;
  }
  nua_handle_bind(nh, call.get());
  calls[nh] = call;
  active++;
  total++;
  handler->OnIncomingCall(call);
}

void UserAgent::Impl::OnReinvite(Call* call, const sip_t* sip) {
  Call::Impl& ci = *call->impl_;
  if (sip == nullptr || sip->sip_payload == nullptr || sip->sip_payload->pl_len == 0) {
    // An offerless re-INVITE (a session refresh): offer what we have.
    ci.local.version++;
    std::string sdp = BuildOffer(ci.local);
    nua_respond(ci.nh, 200, "OK", SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(sdp.c_str()),
                TAG_END());
    return;
  }
  auto sd = ParseSdp(absl::string_view(sip->sip_payload->pl_data, sip->sip_payload->pl_len));
  absl::StatusOr<NegotiatedAudio> audio =
      sd.ok() ? NegotiateOffer(*sd) : absl::StatusOr<NegotiatedAudio>(sd.status());
  if (!audio.ok()) {
    // RFC 3261 14.2: a refused re-INVITE leaves the session as it was.
    nua_respond(ci.nh, 488, "Not Acceptable Here", TAG_END());
    return;
  }
  ci.offer = *sd;
  ci.audio = *audio;
  ci.local.version++;
  if (audio->remote_port != 0 && ci.engine != nullptr) {
    auto ep = media::Endpoint::Parse(audio->remote_address, audio->remote_port);
    const uint64_t id = ci.session_id;
    media::MediaEngine* engine = ci.engine;
    if (ep.ok()) {
      std::optional<media::Endpoint> rtcp;
      if (audio->remote_rtcp_port) rtcp = ep->WithPort(*audio->remote_rtcp_port);
      engine->Post([engine, id, remote = *ep, rtcp] {
        if (media::RtpSession* s = engine->FindSession(id)) s->SetRemote(remote, rtcp);
      });
    }
  }
  Log()->info("call={} re-INVITE: {} {}:{}", call->info().call_id, DirectionName(audio->remote_direction),
              audio->remote_address, audio->remote_port);
  std::string sdp = BuildAnswer(ci.offer, ci.audio, ci.local);
  nua_respond(ci.nh, 200, "OK", SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(sdp.c_str()),
              TAG_END());
}

void UserAgent::Impl::OnInviteResponse(Call* call, int status, const char* phrase, const sip_t* sip) {
  Call::Impl& ci = *call->impl_;
  if (status < 200) return;
  if (status < 300) {
    ci.answered = true;
    if (sip != nullptr && sip->sip_payload != nullptr) {
      auto sd = ParseSdp(absl::string_view(sip->sip_payload->pl_data, sip->sip_payload->pl_len));
      auto a = sd.ok() ? ReadAnswer(*sd) : absl::StatusOr<NegotiatedAudio>(sd.status());
      if (a.ok()) {
        // We offered PCMU and PCMA: send in whichever the callee kept.
        ci.audio = *a;
        if (a->remote_port != 0 && ci.engine != nullptr) {
          auto ep = media::Endpoint::Parse(a->remote_address, a->remote_port);
          const uint64_t id = ci.session_id;
          media::MediaEngine* engine = ci.engine;
          if (ep.ok()) {
            engine->Post([engine, id, remote = *ep, law = a->law] {
              if (media::RtpSession* s = engine->FindSession(id)) {
                s->SetLaw(law);
                s->SetRemote(remote);
              }
            });
          }
        }
      } else {
        Log()->warn("call={} answer SDP unusable: {}", call->info().call_id, a.status().message());
      }
    }
  }
  if (ci.originate_result != nullptr) {
    if (sip != nullptr && sip->sip_call_id != nullptr) call->info_.call_id = sip->sip_call_id->i_id;
    ci.originate_result->status = status;
    ci.originate_result->phrase = phrase != nullptr ? phrase : "";
    if (status < 300) {
      absl::MutexLock lock(&call->mu_);
      call->answered_at_ = absl::Now();
    }
    ci.originate_result = nullptr;
    std::exchange(ci.originate_done, nullptr)->Notify();
  }
}

void UserAgent::Impl::OnTerminated(nua_handle_t* nh, Call* call, int status, const char* phrase) {
  if (call == nullptr) {
    nua_handle_destroy(nh);
    return;
  }
  auto it = calls.find(nh);
  std::shared_ptr<Call> keep = it != calls.end() ? it->second : nullptr;
  Call::Impl& ci = *call->impl_;
  if (ci.originate_result != nullptr) {
    ci.originate_result->status = status >= 300 ? status : 487;
    ci.originate_result->phrase = phrase != nullptr ? phrase : "";
    ci.originate_result = nullptr;
    std::exchange(ci.originate_done, nullptr)->Notify();
  }
  if (call->refer_waiter_) {
    auto w = std::move(call->refer_waiter_);
    call->refer_waiter_ = nullptr;
    w(481);
  }
  if (ci.engine != nullptr && ci.session_id != 0) {
    // The session's last statistics are kept on the call (for the flow's
    // logs and benchmarks), then the session goes.
    ci.engine->Post([e = ci.engine, id = ci.session_id.load(), keep] {
      if (media::RtpSession* s = e->FindSession(id); s != nullptr && keep != nullptr) {
        absl::MutexLock lock(&keep->mu_);
        keep->final_stats_ = s->stats();
      }
      e->DestroySession(id);
    });
  }
  call->Push({CallEventKind::kHangup});
  nua_handle_bind(nh, nullptr);
  ci.nh = nullptr;
  nua_handle_destroy(nh);
  if (it != calls.end()) {
    calls.erase(it);
    active--;
  }
}

}  // namespace sb::sipua

namespace sb::sipua {

// ------------------------------------------------------------------ UserAgent

UserAgent::UserAgent(const UserAgentConfig& config, IncomingCallHandler* handler)
    : impl_(std::make_unique<Impl>()) {
  impl_->config = config;
  impl_->handler = handler;
  impl_->owner = this;
}

absl::StatusOr<std::unique_ptr<UserAgent>> UserAgent::Start(const UserAgentConfig& config,
                                                            IncomingCallHandler* handler) {
  if (handler == nullptr) return absl::InvalidArgumentError("a UserAgent needs an incoming-call handler");
  if (config.media_threads < 1) return absl::InvalidArgumentError("media_threads must be at least 1");
  auto ua = std::unique_ptr<UserAgent>(new UserAgent(config, handler));
  Impl& impl = *ua->impl_;
  // Split the RTP port range between the engines so they never race for a port.
  const int n = config.media_threads;
  const uint32_t span = (static_cast<uint32_t>(config.rtp_port_max) - config.rtp_port_min + 1) / n;
  if (span < 4) return absl::InvalidArgumentError("the RTP port range is too small for the media threads");
  for (int i = 0; i < n; ++i) {
    media::MediaEngineConfig mc;
    mc.bind_address = config.media_address;
    mc.port_min = static_cast<uint16_t>(config.rtp_port_min + i * span);
    mc.port_max = static_cast<uint16_t>(config.rtp_port_min + (i + 1) * span - 1);
    mc.max_sessions = config.max_calls;
    auto engine = media::MediaEngine::Create(mc);
    if (!engine.ok()) return engine.status();
    impl.engines.push_back(std::move(*engine));
  }
  for (int i = 0; i < n; ++i) {
    media::MediaEngine* e = impl.engines[i].get();
    impl.engine_threads.emplace_back([e, i] {
      pthread_setname_np(pthread_self(), absl::StrCat("media-", i).c_str());
      absl::Status st = e->Run();
      if (!st.ok()) Log()->error("media engine {} stopped: {}", i, st.message());
    });
  }
  absl::Status status;
  absl::Notification started;
  impl.thread = std::thread([&status, &started, p = &impl] { p->Loop(&status, &started); });
  started.WaitForNotification();
  if (!status.ok()) {
    impl.thread.join();
    for (auto& e : impl.engines) e->Stop();
    for (auto& t : impl.engine_threads) t.join();
    impl.engine_threads.clear();
    return status;
  }
  return ua;
}

void UserAgent::Impl::Loop(absl::Status* start_status, absl::Notification* started) {
  pthread_setname_np(pthread_self(), "sipua");
  su_init();
  RedirectSofiaLogs(config.log_level);
  su_home_init(home);
  root = su_root_create(this);
  absl::Status status;
  if (root == nullptr) status = absl::InternalError("su_root_create failed");
  if (status.ok()) {
    const std::string url = absl::StrCat("sip:", config.listen);
    nua = nua_create(root, &Impl::Callback, this, NUTAG_URL(url.c_str()), NUTAG_MEDIA_ENABLE(0),
                     NUTAG_AUTOANSWER(0), NUTAG_AUTOACK(1), NUTAG_AUTOALERT(0), NUTAG_ENABLEMESSAGE(0),
                     NUTAG_SESSION_TIMER(static_cast<unsigned>(config.session_expires_s)), NUTAG_MIN_SE(90),
                     NUTAG_SESSION_REFRESHER(nua_any_refresher),
                     NUTAG_ALLOW("INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, REFER, NOTIFY, INFO"),
                     SIPTAG_USER_AGENT_STR(config.user_agent.c_str()),
                     NUTAG_OUTBOUND("no-options-keepalive, no-validate"), TAG_END());
    if (nua == nullptr) status = absl::UnavailableError(absl::StrCat("SIP user agent can't listen on ", url));
  }
  if (status.ok()) {
    absl::MutexLock lock(&mu);
    accepting = true;
  }
  *start_status = status;
  started->Notify();
  if (status.ok()) {
    Log()->info("SIP user agent listening on {}", config.listen);
    su_root_run(root);  // until nua_r_shutdown
    nua_destroy(nua);
    nua = nullptr;
  }
  if (root != nullptr) su_root_destroy(root);
  root = nullptr;
  su_home_deinit(home);
  su_deinit();
}

UserAgent::~UserAgent() { Stop(); }

void UserAgent::Stop() {
  Impl& impl = *impl_;
  bool run_shutdown = false;
  {
    absl::MutexLock lock(&impl.mu);
    if (impl.stopped) return;
    impl.stopped = true;
    run_shutdown = impl.accepting;
  }
  if (run_shutdown) {
    // BYE every call, then let nua finish its transactions; nua_r_shutdown
    // breaks the loop.
    impl.Post([p = &impl] {
      p->shutting_down = true;
      for (auto& [nh, call] : p->calls) {
        if (call->impl_->answered || call->info().outgoing) {
          nua_bye(nh, TAG_END());
        } else if (!call->impl_->final_sent) {
          nua_respond(nh, 503, "Shutting Down", TAG_END());
        }
        call->Push({CallEventKind::kHangup});
      }
      nua_shutdown(p->nua);
    });
    {
      absl::MutexLock lock(&impl.mu);
      impl.accepting = false;
    }
  }
  if (impl.thread.joinable()) impl.thread.join();
  for (auto& e : impl.engines) e->Stop();
  for (auto& t : impl.engine_threads) t.join();
  impl.engine_threads.clear();
  impl.calls.clear();
}

OriginateResult UserAgent::Originate(const OriginateRequest& request) {
  OriginateResult result;
  Impl& impl = *impl_;
  CallInfo info;
  info.outgoing = true;
  info.request_uri = request.to_uri;
  info.to_uri = request.to_uri;
  info.from_uri = request.from_uri;
  info.from_display = request.from_display;
  info.headers = request.headers;
  auto call = std::shared_ptr<Call>(new Call(this, std::move(info)));
  Call::Impl& ci = *call->impl_;
  ci.audio.law = media::G711Law::kUlaw;
  ci.audio.telephone_event_pt = 101;
  ci.late_offer = true;  // no remote address until the answer
  absl::StatusOr<uint16_t> port = impl.CreateMedia(call);
  if (!port.ok()) {
    result.status = 503;
    result.phrase = std::string(port.status().message());
    return result;
  }
  absl::Notification done;
  absl::Status run = impl.RunInLoop([&] {
    if (impl.shutting_down) {
      result.status = 503;
      result.phrase = "shutting down";
      done.Notify();
      return;
    }
    std::string from = request.from_display.empty()
                           ? request.from_uri
                           : absl::StrCat("\"", request.from_display, "\" <", request.from_uri, ">");
    nua_handle_t* nh = nullptr;
    if (!impl.config.outbound_proxy.empty()) {
      nh = nua_handle(impl.nua, call.get(), SIPTAG_TO_STR(request.to_uri.c_str()),
                      SIPTAG_FROM_STR(from.c_str()), NUTAG_PROXY(impl.config.outbound_proxy.c_str()),
                      TAG_END());
    } else {
      nh = nua_handle(impl.nua, call.get(), SIPTAG_TO_STR(request.to_uri.c_str()),
                      SIPTAG_FROM_STR(from.c_str()), TAG_END());
    }
    if (nh == nullptr) {
      result.status = 500;
      result.phrase = "nua_handle failed";
      done.Notify();
      return;
    }
    ci.nh = nh;
    ci.local.address = impl.config.media_address;
    ci.local.rtp_port = *port;
    ci.local.session_id = impl.next_session_id++ + static_cast<uint64_t>(absl::ToUnixSeconds(absl::Now()));
    ci.local.version = ci.local.session_id;
    ci.originate_done = &done;
    ci.originate_result = &result;
    impl.calls[nh] = call;
    impl.active++;
    impl.total++;
    std::string extra;
    for (const auto& h : request.headers) absl::StrAppend(&extra, h.name, ": ", h.value, "\r\n");
    std::string sdp = BuildOffer(ci.local);
    nua_invite(nh, SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(sdp.c_str()),
               TAG_IF(!extra.empty(), SIPTAG_HEADER_STR(extra.c_str())), TAG_END());
  });
  if (!run.ok()) {
    result.status = 503;
    result.phrase = std::string(run.message());
    return result;
  }
  if (!done.WaitForNotificationWithTimeout(request.ring_timeout)) {
    call->Hangup();  // CANCEL; the terminated state still reports to `done`
    done.WaitForNotification();
    if (result.status == 487 || result.status == 0) {
      result.status = 408;
      result.phrase = "No Answer";
    }
  }
  if (result.status >= 200 && result.status < 300) result.call = call;
  return result;
}

std::string UserAgent::bound_host_port() const { return impl_->config.listen; }

UserAgentStats UserAgent::stats() const {
  return {impl_->active.load(), impl_->total.load(), impl_->rejected_capacity.load()};
}

}  // namespace sb::sipua
