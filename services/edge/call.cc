#include "services/edge/call.h"

#include <google/protobuf/util/time_util.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/logging.h"
#include "services/edge/diversion.h"
#include "sip/message.h"
#include "sip/proxy.h"
#include "sip/sip_stack.h"

namespace sb::edge {
namespace {

// A reject's message is a short prompt; past this the voicemail is taken to
// have failed and the reject goes out anyway.
constexpr int kRejectMessageMaxS = 30;

// RFC 3325 P-Asserted-Identity for a number (and its display name).
std::string AssertedIdentity(const std::string& number, std::string name, const std::string& domain) {
  name.erase(std::remove(name.begin(), name.end(), '"'), name.end());
  return absl::StrCat("P-Asserted-Identity: ", name.empty() ? "" : absl::StrCat("\"", name, "\" "), "<sip:", number,
                      "@", domain, ">\r\n");
}

// Looked up once: Logger() costs a registry lookup under a lock, and the
// hot path asks for it several times per call (mostly for debug lines).
spdlog::logger* Log() {
  static const std::shared_ptr<spdlog::logger> log = core::Logger("proxy");
  return log.get();
}

bool IsBusyCode(int status) { return status == 486 || status == 600 || status == 603; }
bool IsUnreachableCode(int status) {
  return status == 404 || status == 408 || status == 410 || status == 480 || status == 503 || status == 0;
}

// RFC 3261 §16.7 step 6: the best of the final responses collected.
int Rank(int status) {
  if (status >= 600) return 0;
  if (status == 486 || status == 480 || status == 487) return 2;
  if (status >= 400 && status < 500) return 3;
  if (status >= 500) return 4;
  return 5;
}

std::string UserPart(const url_t* url) {
  return url != nullptr && url->url_user != nullptr ? url->url_user : "";
}

bool IsIpLiteral(absl::string_view host) {
  if (host.empty()) return true;
  if (host.front() == '[') return true;
  for (char c : host) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)) && c != '.') return false;
  }
  return true;
}

// "<sip:+33…@domain>" URIs of History-Info / Diversion entries, for routing's
// loop protection.
std::vector<std::string> DivertedFrom(msg_t* msg) {
  std::vector<std::string> out;
  for (const char* name : {"History-Info", "Diversion"}) {
    for (const std::string& value : sip::HeaderValues(msg, name)) {
      size_t pos = 0;
      while ((pos = value.find('<', pos)) != std::string::npos) {
        const size_t end = value.find('>', pos);
        if (end == std::string::npos) break;
        out.push_back(value.substr(pos + 1, end - pos - 1));
        pos = end;
      }
    }
  }
  return out;
}

// Where to send a request for a binding. Over TCP/TLS, back through the
// connection the device registered on (its `received` address). Over UDP,
// to `received` when the Contact names another host (behind NAT, RFC 3581:
// only the public address and port reach it), else to the Contact itself —
// a device may register on behalf of another socket (third-party
// registration, a separate UAS), which only the Contact's port reaches.
std::string BindingRoute(const Binding& b) {
  if (b.received.empty()) return "";
  const std::string transport = absl::AsciiStrToLower(b.transport);
  const std::string via = absl::StrCat("sip:", b.received, transport.empty() ? "" : ";transport=", transport);
  if (transport == "tcp" || transport == "tls") return via;
  absl::string_view contact = b.contact;
  const size_t at = contact.find('@');
  contact = contact.substr(at == absl::string_view::npos ? contact.find(':') + 1 : at + 1);
  const size_t end = contact.find_first_of(":;>");
  const absl::string_view host = contact.substr(0, end);
  const size_t colon = b.received.rfind(':');
  const absl::string_view received_ip = absl::string_view(b.received).substr(0, colon);
  return host == received_ip ? "" : via;
}

}  // namespace

Call::Call(Proxy* proxy, uint64_t serial, sip::ServerTransaction txn, std::string routing_id)
    : proxy_(proxy), serial_(serial), txn_(std::move(txn)), routing_id_(std::move(routing_id)) {
  txn_.Listen(this);
  sip::MsgRef request = txn_.Request();
  const sip_t& sip = *request.sip();
  sip_call_id_ = sip::CallId(sip);
  loop_key_ = sip::LoopKey(sip);
  incoming_history_ = sip::HeaderValues(request.get(), "History-Info");
  incoming_diversions_ = static_cast<int>(sip::HeaderValues(request.get(), "Diversion").size());
  if (sip.sip_request->rq_url->url_host != nullptr && !IsIpLiteral(sip.sip_request->rq_url->url_host)) {
    request_domain_ = absl::AsciiStrToLower(sip.sip_request->rq_url->url_host);
  }
}

void Call::LeaveSetup() {
  if (!in_setup_) return;
  in_setup_ = false;
  proxy_->SetupDone();
}

Call::~Call() {
  LeaveSetup();
  // Branches still ringing (the call was torn down abruptly) are cancelled;
  // nta completes them on its own.
  for (Branch& b : branches_) {
    if (b.txn && !b.done) b.txn->Cancel();
  }
  if (!slots_.empty()) ReleaseSlots("");
}

void Call::Fail(int status, const std::string& reason,
                const std::vector<std::pair<std::string, std::string>>& headers) {
  if (finished_) return;
  finished_ = true;
  sip::SipResponse response(status, reason);
  for (const auto& [name, value] : headers) response.Header(name, value);
  txn_.Respond(std::move(response));
  proxy_->CountFailed();
  proxy_->Retire(serial_);
}

void Call::Start(CallOrigin origin) {
  origin_ = std::move(origin);
  sip::MsgRef request = txn_.Request();
  const sip_t& sip = *request.sip();
  setup_.set_call_id(routing_id_);
  *setup_.mutable_at() = google::protobuf::util::TimeUtil::GetCurrentTime();
  setup_.set_dialed(UserPart(sip.sip_request->rq_url));
  rpb::Party* caller = setup_.mutable_caller();
  const std::string from_user = sip.sip_from != nullptr ? UserPart(sip.sip_from->a_url) : "";
  const std::string from_host =
      sip.sip_from != nullptr && sip.sip_from->a_url->url_host != nullptr ? sip.sip_from->a_url->url_host : "";
  if (sip.sip_from != nullptr && sip.sip_from->a_display != nullptr) {
    std::string name = sip.sip_from->a_display;
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') name = name.substr(1, name.size() - 2);
    caller->set_display_name(name.substr(0, 64));
  }
  // RFC 3323 / RFC 3325: a caller withholding their identity says so with
  // Privacy: id or an anonymous From.
  bool anonymous = absl::EqualsIgnoreCase(from_user, "anonymous") ||
                   absl::EndsWithIgnoreCase(from_host, "anonymous.invalid");
  for (const std::string& privacy : sip::HeaderValues(request.get(), "Privacy")) {
    if (absl::StrContains(absl::AsciiStrToLower(privacy), "id")) anonymous = true;
  }
  caller->set_anonymous(anonymous);
  if (origin_.trunk) {
    setup_.set_origin(rpb::TRUNK);
    setup_.set_tenant_id(origin_.trunk_info.tenant_id);
    setup_.set_trunk_id(origin_.trunk_info.id);
    // The network's asserted identity wins over the From a carrier relays.
    std::string number = from_user;
    if (const auto pai = sip::HeaderValues(request.get(), "P-Asserted-Identity"); !pai.empty()) {
      const std::string& v = pai.front();
      const size_t colon = v.find(':');
      const size_t at = v.find('@');
      if (colon != std::string::npos && at != std::string::npos && at > colon) {
        number = v.substr(colon + 1, at - colon - 1);
      }
    }
    if (!anonymous) caller->set_number(number);
  } else {
    setup_.set_origin(rpb::DEVICE);
    setup_.set_tenant_id(origin_.device.tenant_id);
    caller->set_tenant_id(origin_.device.tenant_id);
    caller->set_user_id(origin_.device.user_id);
    if (!origin_.device.line_ids.empty()) caller->set_line_id(origin_.device.line_ids.front());
    caller->set_number(from_user);
  }
  tenant_id_ = setup_.tenant_id();
  for (std::string& uri : DivertedFrom(request.get())) setup_.add_diverted_from(std::move(uri));
  if (setup_.dialed().empty()) {
    Fail(404, "No user in the Request-URI");
    return;
  }
  AskRouting();
}

// ---------------------------------------------------------------- routing

void Call::AskRouting() {
  deciding_ = true;
  decision_timer_ = std::make_unique<sip::Timer>(*proxy_->stack());
  decision_timer_->Start(proxy_->config().routing_timeout, [this] {
    if (!deciding_) return;
    proxy_->deps().routing->Forget(routing_id_);
    Fallback("routing did not answer in time");
  });
  Proxy* proxy = proxy_;
  const uint64_t serial = serial_;
  proxy_->deps().routing->Decide(setup_, [proxy, serial](absl::StatusOr<rpb::RouteDecision> decision) {
    proxy->WithCall(serial, [d = std::move(decision)](Call& call) mutable { call.OnDecision(std::move(d)); });
  });
}

void Call::OnDecision(absl::StatusOr<rpb::RouteDecision> decision) {
  if (!deciding_ || finished_) return;
  deciding_ = false;
  decision_timer_->Cancel();
  if (!decision.ok()) {
    Fallback(std::string(decision.status().message()));
    return;
  }
  decision_ = *std::move(decision);
  if (!decision_.callee_tenant_id().empty()) tenant_id_ = decision_.callee_tenant_id();
  if (!decision_.error().empty()) {
    Log()->info("{} routing could not decide: {}", core::CallCtx{routing_id_, tenant_id_}, decision_.error());
  } else {
    Log()->debug("{} decided: {} step(s){}", core::CallCtx{routing_id_, tenant_id_}, decision_.steps_size(),
                 decision_.decided_by().empty() ? "" : ", by " + decision_.decided_by());
  }
  Execute();
}

void Call::Fallback(const std::string& why) {
  deciding_ = false;
  fallback_ = true;
  proxy_->CountFallback();
  const core::CallCtx ctx{routing_id_, tenant_id_};
  if (proxy_->config().fallback == RoutingFallback::kReject) {
    Log()->warn("{} degraded mode ({}): answering 503", ctx, why);
    Fail(503, "Routing unavailable", {{"Retry-After", absl::StrCat(proxy_->config().retry_after_s)}});
    return;
  }
  // Ring what the dialed string reaches, as if routing had said "my line".
  Proxy* proxy = proxy_;
  const uint64_t serial = serial_;
  const std::string tenant = setup_.tenant_id();
  const std::string dialed = setup_.dialed();
  const bool queued = proxy_->deps().workers->Submit([proxy, serial, tenant, dialed, why] {
    absl::StatusOr<ResolvedLine> line = proxy->deps().directory->Resolve(tenant, dialed);
    proxy->WithCall(serial, [line = std::move(line), why](Call& call) {
      const core::CallCtx ctx{call.routing_id_, call.tenant_id_};
      if (!line.ok()) {
        Log()->warn("{} degraded mode ({}): {} reaches no line ({}): answering 503", ctx, why,
                    call.setup_.dialed(), line.status().message());
        call.Fail(503, "Routing unavailable",
                  {{"Retry-After", absl::StrCat(call.proxy_->config().retry_after_s)}});
        return;
      }
      Log()->warn("{} degraded mode ({}): ringing line {} directly", ctx, why, line->line_id);
      rpb::RouteDecision& d = call.decision_;
      d.Clear();
      d.set_call_id(call.routing_id_);
      d.set_callee_user_id(line->user_id);
      d.set_callee_tenant_id(line->tenant_id);
      d.set_decided_by("edge fallback: routing unavailable");
      rpb::Step* step = d.add_steps();
      rpb::Target* t = step->add_targets();
      t->set_kind(rpb::Target::LINE);
      t->set_line_id(line->line_id);
      t->set_user_id(line->user_id);
      t->set_number_e164(line->number_e164);
      step->set_ring_s(static_cast<int>(absl::ToInt64Seconds(call.proxy_->config().fallback_ring)));
      for (rpb::Terminal* term : {step->mutable_on_no_answer(), step->mutable_on_unreachable()}) {
        term->set_kind(rpb::Terminal::REJECT);
        term->set_sip_code(480);
      }
      step->mutable_on_busy()->set_kind(rpb::Terminal::BUSY);
      d.mutable_final()->set_kind(rpb::Terminal::REJECT);
      d.mutable_final()->set_sip_code(480);
      call.Execute();
    });
  });
  if (!queued) Fail(503, "Overloaded", {{"Retry-After", absl::StrCat(proxy_->config().retry_after_s)}});
}

rpb::Target Call::CalleeLineTarget() const {
  for (const rpb::Step& step : decision_.steps()) {
    for (const rpb::Target& t : step.targets()) {
      if (t.kind() == rpb::Target::LINE && t.user_id() == decision_.callee_user_id()) return t;
    }
  }
  return rpb::Target();
}

void Call::Execute() {
  // Who is called, for the diversion headers and the B3 count: the
  // callee's own line target, else what the dialed string reaches.
  const rpb::Target callee = CalleeLineTarget();
  callee_line_id_ = callee.line_id();
  callee_number_ = callee.number_e164();
  if (decision_.steps_size() == 0 && decision_.final().kind() != rpb::Terminal::VOICEMAIL &&
      decision_.final().kind() != rpb::Terminal::FORWARD) {
    ApplyTerminal(decision_.final());
    return;
  }
  // Immediate diversions and ringing need the tenant's domain and the
  // callee's number: profiles lookups, cached — read here when they are,
  // else on a worker.
  Proxy* proxy = proxy_;
  const uint64_t serial = serial_;
  const std::string tenant = decision_.callee_tenant_id().empty() ? setup_.tenant_id() : decision_.callee_tenant_id();
  const std::string dialed = setup_.dialed();
  const bool need_number = callee_number_.empty();
  const bool need_domain = request_domain_.empty() || origin_.trunk;
  if (!need_number && !need_domain) {
    Proceed(request_domain_, "", "");
    return;
  }
  const std::string setup_tenant = setup_.tenant_id();
  EdgeDirectory* directory = proxy_->deps().directory;
  std::optional<std::string> cached_domain = need_domain ? directory->PeekTenantDomain(tenant) : std::string();
  std::optional<absl::StatusOr<ResolvedLine>> cached_line;
  if (need_number) cached_line = directory->PeekResolve(setup_tenant, dialed);
  if (cached_domain && (!need_number || cached_line)) {
    const bool found = need_number && cached_line->ok();
    Proceed(*cached_domain, found ? (*cached_line)->number_e164 : "", found ? (*cached_line)->line_id : "");
    return;
  }
  const bool queued = proxy_->deps().workers->Submit([=] {
    std::string domain, number, line_id;
    if (need_domain) {
      if (auto d = proxy->deps().directory->TenantDomain(tenant); d.ok()) domain = *d;
    }
    if (need_number) {
      if (auto line = proxy->deps().directory->Resolve(setup_tenant, dialed); line.ok()) {
        number = line->number_e164;
        line_id = line->line_id;
      }
    }
    proxy->WithCall(serial, [=](Call& call) { call.Proceed(domain, number, line_id); });
  });
  if (!queued) Fail(503, "Overloaded", {{"Retry-After", absl::StrCat(proxy_->config().retry_after_s)}});
}

void Call::Proceed(const std::string& domain, const std::string& number, const std::string& line_id) {
  callee_domain_ = !domain.empty() ? domain : request_domain_;
  if (callee_domain_.empty()) callee_domain_ = proxy_->config().host;
  if (!number.empty()) callee_number_ = number;
  if (callee_line_id_.empty()) callee_line_id_ = line_id;
  if (decision_.steps_size() > 0) {
    RunDecisionStep(0);
  } else {
    ApplyTerminal(decision_.final());
  }
}

// ---------------------------------------------------------------- steps

void Call::RunDecisionStep(size_t index) {
  step_index_ = index;
  const rpb::Step& s = decision_.steps(static_cast<int>(index));
  ActiveStep step;
  step.targets.assign(s.targets().begin(), s.targets().end());
  step.ring_s = s.ring_s();
  step.on_no_answer = s.on_no_answer();
  step.on_busy = s.on_busy();
  step.on_unreachable = s.on_unreachable();
  step.music = s.music_instead_of_ringback();
  RunStep(std::move(step));
}

void Call::RunStep(ActiveStep step) {
  if (finished_) return;
  // A new step: the old one's branches are over (cancelled or failed). The
  // music goes on when this step wants it too: a second INVITE to the
  // voicemail UA, with this call's Call-ID, From tag and CSeq, would be a
  // merged request (482, RFC 3261 §8.2.2.2), and the music would restart.
  const bool keep_music = step.music && MusicPlaying();
  CancelBranches("", keep_music);
  if (step_timer_) step_timer_->Cancel();
  step_ = std::move(step);
  ++generation_;
  if (keep_music) {
    Branch music = std::move(branches_.front());  // index 0: its callback's index
    branches_.clear();
    branches_.push_back(std::move(music));
  } else {
    branches_.clear();
  }
  resolved_.clear();
  resolving_ = true;

  const int limit =
      decision_.max_concurrent_calls() > 0 ? decision_.max_concurrent_calls() : proxy_->config().default_max_calls;
  Proxy* proxy = proxy_;
  const uint64_t serial = serial_;
  const int generation = generation_;
  const std::string call_id = routing_id_;
  const std::string callee_user = decision_.callee_user_id();
  const std::string callee_line = callee_line_id_;
  const std::string tenant = decision_.callee_tenant_id().empty() ? setup_.tenant_id() : decision_.callee_tenant_id();
  std::vector<rpb::Target> targets = step_.targets;
  const bool voicemail = step_.voicemail;
  std::set<std::string> held = slots_;
  const bool queued = proxy_->deps().workers->Submit([=]() mutable {
    std::vector<Resolved> out;
    const ProxyDeps& deps = proxy->deps();
    for (rpb::Target& target : targets) {
      Resolved r;
      r.target = target;
      if (voicemail || target.kind() == rpb::Target::EXTERNAL || !target.uri().empty()) {
        if (!target.uri().empty()) {
          r.uri = target.uri();
          r.state = Resolved::State::kRing;
        } else if (auto trunk = deps.trunks->OutboundFor(tenant); trunk) {
          r.uri = OutboundRequestUri(*trunk, target.number_e164());
          r.state = Resolved::State::kRing;
        }
        out.push_back(std::move(r));
        continue;
      }
      if (target.skip_if_on_call() && !callee_line.empty()) {
        if (auto n = deps.line_calls->Count(callee_line); n.ok() && *n > 0) {
          r.state = Resolved::State::kSkipped;
          out.push_back(std::move(r));
          continue;
        }
      }
      // B3 counts the callee's line against its limit; other lines rung
      // (simultaneous ring, forwards) are counted without a limit of ours.
      // The slot is taken in the round trip that reads the bindings.
      const bool held_already = held.contains(target.line_id());
      std::optional<absl::StatusOr<redis::Reply>> took;
      auto bindings =
          held_already
              ? deps.location->LookupLine(target.line_id())
              : deps.location->LookupLine(
                    target.line_id(),
                    deps.line_calls->AcquireCommand(target.line_id(), call_id,
                                                    target.user_id() == callee_user ? limit : 0),
                    &took);
      if (!bindings.ok()) {
        Log()->warn("{} bindings of line {} unavailable: {}", core::CallCtx{call_id, tenant}, target.line_id(),
                    bindings.status().message());
      } else {
        r.bindings = *std::move(bindings);
      }
      const bool slot_taken = took && took->ok() && (*took)->integer == 1;
      if (r.bindings.empty()) {
        // Nothing to ring: a slot taken with the lookup goes back.
        if (slot_taken) deps.line_calls->Release(target.line_id(), call_id).IgnoreError();
        out.push_back(std::move(r));
        continue;
      }
      if (held_already) {
        r.state = Resolved::State::kRing;
      } else if (!took || !took->ok()) {
        // Redis down: ring anyway (a call beats a limit), logged.
        Log()->warn("{} live calls of line {} unknown ({}): not enforcing the limit", core::CallCtx{call_id, tenant},
                    target.line_id(), took ? took->status().message() : "not asked");
        r.state = Resolved::State::kRing;
      } else if (!slot_taken) {
        r.state = Resolved::State::kBusy;
      } else {
        r.state = Resolved::State::kRing;
        r.slot = true;
        held.insert(target.line_id());
      }
      out.push_back(std::move(r));
    }
    proxy->WithCall(serial, [generation, out = std::move(out)](Call& call) mutable {
      call.OnResolved(generation, std::move(out));
    });
  });
  if (!queued) Fail(503, "Overloaded", {{"Retry-After", absl::StrCat(proxy_->config().retry_after_s)}});
}

void Call::OnResolved(int generation, std::vector<Resolved> resolved) {
  for (const Resolved& r : resolved) {
    if (r.slot) slots_.insert(r.target.line_id());
  }
  if (generation != generation_ || finished_) return;
  resolving_ = false;
  resolved_ = std::move(resolved);
  const std::string presentation = PresentationHeaders();
  const std::string domain = callee_domain_.empty() ? proxy_->config().host : callee_domain_;
  const bool music_kept = MusicPlaying();  // from the previous step, at index 0
  for (const Resolved& r : resolved_) {
    if (r.state != Resolved::State::kRing) continue;
    // B6 without "pass original caller ID": the phone found is shown the
    // subscriber looking for it, not the caller.
    std::string headers = (r.target.present_number().empty()
                               ? presentation
                               : AssertedIdentity(r.target.present_number(), r.target.present_name(), domain)) +
                          step_.extra_headers;
    if (!r.target.alert_info().empty()) absl::StrAppend(&headers, "Alert-Info: ", r.target.alert_info(), "\r\n");
    // A target rung because of a diversion (simultaneous ring of a forward
    // number, find-me) tells why, like a forward does.
    if (!step_.terminal && r.target.diversion() != rpb::DIVERSION_REASON_UNSPECIFIED &&
        r.target.kind() == rpb::Target::EXTERNAL) {
      absl::StrAppend(&headers, DiversionHeaders({.diverting_uri = DivertingUri(),
                                                  .target_uri = r.uri,
                                                  .reason = r.target.diversion(),
                                                  .previous_history = incoming_history_,
                                                  .previous_diversions = incoming_diversions_}));
    }
    auto add = [&](std::string uri, std::string route, std::string line_id) {
      Branch b;
      b.request_uri = std::move(uri);
      b.route = std::move(route);
      b.line_id = std::move(line_id);
      b.headers = headers;
      b.delay_s = r.target.delay_s();
      b.allow_remote_forwarding = r.target.allow_remote_forwarding();
      branches_.push_back(std::move(b));
    };
    if (!r.uri.empty()) {
      add(r.uri, "", "");
    } else {
      for (const Binding& binding : r.bindings) add(binding.contact, BindingRoute(binding), r.target.line_id());
    }
  }
  // B6 "music instead of ringback": one more branch, to the voicemail UA,
  // which answers 183 with music as early media and never 200; it is
  // cancelled with the others. Without a voicemail service the caller
  // hears ringback as usual.
  // It goes first, so that its index stays 0 while later steps keep it.
  const bool has_targets = branches_.size() > (music_kept ? 1u : 0u);
  if (step_.music && !music_kept && has_targets && !proxy_->config().voicemail_uri.empty()) {
    const std::string tenant =
        decision_.callee_tenant_id().empty() ? setup_.tenant_id() : decision_.callee_tenant_id();
    Branch b;
    b.request_uri = proxy_->config().voicemail_uri;
    b.music = true;
    b.headers = absl::StrCat(presentation, "X-Sb-Early-Media: music\r\nX-Sb-Tenant: ", tenant, "\r\n");
    if (!decision_.callee_user_id().empty()) {
      absl::StrAppend(&b.headers, "X-Sb-User: ", decision_.callee_user_id(), "\r\n");
    }
    branches_.insert(branches_.begin(), std::move(b));
  }
  // Start now, or after the target's delay.
  for (size_t i = 0; i < branches_.size(); ++i) {
    if (branches_[i].txn) continue;  // the music kept from the previous step
    if (branches_[i].delay_s > 0) {
      branches_[i].delay = std::make_unique<sip::Timer>(*proxy_->stack());
      const int gen = generation_;
      branches_[i].delay->Start(absl::Seconds(branches_[i].delay_s), [this, i, gen] {
        if (gen == generation_ && !finished_ && !answered_) StartBranch(i);
      });
    } else {
      StartBranch(i);
    }
  }
  if (step_.ring_s > 0) {
    step_timer_ = std::make_unique<sip::Timer>(*proxy_->stack());
    const int gen = generation_;
    step_timer_->Start(absl::Seconds(step_.ring_s), [this, gen] { OnStepTimeout(gen); });
  }
  MaybeStepDone();
}

void Call::StartBranch(size_t index) {
  if (index >= branches_.size() || finished_) return;
  Branch& b = branches_[index];
  b.delay.reset();
  sip::MsgRef request = txn_.Request();
  sip::ForwardSpec spec;
  spec.request_uri = b.request_uri;
  spec.record_route = proxy_->RecordRoute();
  // Every X-Sb-* header is ours: whatever a caller sent is dropped before
  // the edge adds the ones it vouches for (extra_headers below).
  spec.remove_headers = {"Proxy-Authorization", "X-Sb-*"};
  if (absl::StrContains(b.headers, "Alert-Info:")) spec.remove_headers.push_back("Alert-Info");
  if (absl::StrContains(b.headers, "Privacy:")) spec.remove_headers.push_back("Privacy");
  if (absl::StrContains(b.headers, "P-Asserted-Identity:")) spec.remove_headers.push_back("P-Asserted-Identity");
  if (absl::StrContains(b.headers, "History-Info:")) spec.remove_headers.push_back("History-Info");
  spec.extra_headers = b.headers;
  absl::StatusOr<sip::MsgRef> copy = sip::PrepareForward(request.get(), spec);
  const int generation = generation_;
  if (copy.ok()) {
    const std::string branch = absl::StrCat("z9hG4bK", loop_key_, ".", ++branch_counter_);
    auto txn = sip::ClientTransaction::Send(
        *proxy_->stack(), *std::move(copy), b.route,
        [this, generation, index](const sip_t& response) { OnBranchResponse(generation, index, response); },
        branch);
    if (txn.ok()) {
      b.txn = *std::move(txn);
      LeaveSetup();
      Log()->debug("{} ringing {} via {}", core::CallCtx{routing_id_, tenant_id_}, b.request_uri,
                   b.route.empty() ? "its host" : b.route);
      return;
    }
    Log()->warn("{} cannot send to {}: {}", core::CallCtx{routing_id_, tenant_id_}, b.request_uri,
                txn.status().message());
  } else {
    Log()->warn("{} cannot forward to {}: {}", core::CallCtx{routing_id_, tenant_id_}, b.request_uri,
                copy.status().message());
  }
  b.done = true;
  b.status = 503;
  MaybeStepDone();
}

void Call::OnBranchResponse(int generation, size_t index, const sip_t& response) {
  if (index >= branches_.size() || response.sip_status == nullptr) return;
  const int status = response.sip_status->st_status;
  Branch& b = branches_[index];
  const bool current = generation == generation_;
  if (b.music) {
    // The music's 183 (with its SDP) goes to the caller; its end, whatever
    // it is, decides nothing.
    // (It may be a previous step's: relayed whatever its generation.)
    if (status > 100 && status < 200 && !finished_) {
      txn_.Relay(sip::DuplicateMessage(b.txn->Response().get()));
    } else if (status >= 200) {
      b.done = true;
      if (status < 300) {
        Log()->warn("{} the music branch answered {}: ignored", core::CallCtx{routing_id_, tenant_id_}, status);
      } else if (held_ringing_ && !finished_) {
        txn_.Relay(std::move(held_ringing_));  // no music after all: the ringback
      }
    }
    return;
  }
  if (status < 200) {
    if (status == 100 || !current || finished_) return;
    if (status == 181 && OnRemoteForwarding(index, response, /*redirect=*/false)) return;
    b.rang = true;
    if (!ringing_sent_) {
      ringing_sent_ = true;
      proxy_->SendEvent(routing_id_, rpb::CallEvent::RINGING, status, b.line_id);
    }
    // With music instead of ringback the caller keeps the music: a phone's
    // 180 would make its UA play ringback instead.
    if (MusicPlaying()) {
      held_ringing_ = sip::DuplicateMessage(b.txn->Response().get());
    } else {
      txn_.Relay(sip::DuplicateMessage(b.txn->Response().get()));
    }
    return;
  }
  if (status >= 300 && status < 400 && current && !b.done && OnRemoteForwarding(index, response, true)) return;
  if (status < 300) {
    // An answer wins even from a branch of an older step (cancelled, but it
    // answered first): relay it, the rest is cancelled.
    if (finished_) return;  // a second answer: its UA gets our ACK-less silence, then times out
    if (!current) {
      generation_ = generation;  // adopt it
    }
    b.done = true;
    b.status = status;
    Answered(index);
    return;
  }
  if (!current || b.done) return;
  b.done = true;
  b.status = status;
  if (best_status_ == 0 || Rank(status) < Rank(best_status_)) {
    best_status_ = status;
    best_response_ = sip::DuplicateMessage(b.txn->Response().get());
  }
  Log()->debug("{} {} answered {}", core::CallCtx{routing_id_, tenant_id_}, b.request_uri, status);
  if (status >= 600) {
    // RFC 3261 §16.7 step 5: a 6xx ends the search.
    CancelBranches("");
  }
  MaybeStepDone();
}

void Call::OnStepTimeout(int generation) {
  if (generation != generation_ || finished_ || answered_) return;
  Log()->debug("{} no answer after {}s", core::CallCtx{routing_id_, tenant_id_}, step_.ring_s);
  CancelBranches("", /*keep_music=*/true);  // the next step (RunStep) decides about the music
  ++generation_;  // late failures of this step are ignored
  if (step_.terminal) {
    if (step_.reject_code > 0) {
      Finish(step_.reject_code, step_.reject_reason);
    } else {
      Finish(480, "No answer");
    }
    return;
  }
  ApplyTerminal(step_.on_no_answer.value_or(rpb::Terminal()));
}

void Call::MaybeStepDone() {
  if (finished_ || answered_ || resolving_) return;
  bool any_ringing = false, any_rang = false;
  int busy = 0, unreachable = 0, total = 0;
  for (const Resolved& r : resolved_) {
    if (r.state == Resolved::State::kBusy) ++busy, ++total;
    if (r.state == Resolved::State::kUnreachable || r.state == Resolved::State::kSkipped) ++unreachable, ++total;
  }
  for (const Branch& b : branches_) {
    if (b.music) continue;  // not a target
    ++total;
    if (!b.done) {
      any_ringing = true;
      continue;
    }
    any_rang = any_rang || b.rang;
    if (IsBusyCode(b.status)) ++busy;
    if (!b.rang && IsUnreachableCode(b.status)) ++unreachable;
  }
  if (any_ringing) return;
  if (step_timer_) step_timer_->Cancel();
  ++generation_;
  if (step_.terminal) {
    if (step_.reject_code > 0) {
      Finish(step_.reject_code, step_.reject_reason);
    } else if (best_response_) {
      RelayFinal(std::move(best_response_), best_status_);
    } else {
      Finish(best_status_ != 0 ? best_status_ : 480, "");
    }
    return;
  }
  rpb::Terminal next;
  if (total > 0 && busy == total) {
    next = step_.on_busy.value_or(rpb::Terminal());
  } else if (!any_rang && busy == 0) {
    next = step_.on_unreachable.value_or(rpb::Terminal());
  } else if (busy > 0 && !any_rang) {
    next = step_.on_busy.value_or(rpb::Terminal());
  } else {
    next = step_.on_no_answer.value_or(rpb::Terminal());
  }
  ApplyTerminal(next);
}

// ---------------------------------------------------------------- terminals

void Call::ApplyTerminal(const rpb::Terminal& t, int depth) {
  if (finished_) return;
  if (depth > 8) {
    Finish(480, "");
    return;
  }
  switch (t.kind()) {
    case rpb::Terminal::NEXT_STEP:
      if (step_index_ + 1 < static_cast<size_t>(decision_.steps_size()) && !step_.terminal) {
        RunDecisionStep(step_index_ + 1);
      } else {
        const rpb::Terminal& final = decision_.final();
        if (final.kind() == rpb::Terminal::NEXT_STEP || final.kind() == rpb::Terminal::KIND_UNSPECIFIED) {
          Finish(best_status_ >= 400 ? best_status_ : 480, "");
        } else {
          ApplyTerminal(final, depth + 1);
        }
      }
      return;
    case rpb::Terminal::VOICEMAIL: {
      rpb::Target none;
      Divert(none, t.reason(), /*voicemail=*/true, t.mailbox_user_id(), t.retrieval());
      return;
    }
    case rpb::Terminal::FORWARD:
      Divert(t.forward(), t.reason() != rpb::DIVERSION_REASON_UNSPECIFIED ? t.reason() : t.forward().diversion(),
             /*voicemail=*/false, "", false);
      return;
    case rpb::Terminal::REJECT: {
      const int code = t.sip_code() > 0 ? t.sip_code() : 603;
      // With a message (the rule's, or "anonymous-rejected"): the caller
      // hears it before the reject, unanswered.
      if (!t.announcement().empty() && Announce(t, code, t.sip_reason())) return;
      Finish(code, t.sip_reason());
      return;
    }
    case rpb::Terminal::BUSY:
      Finish(486, "");
      return;
    case rpb::Terminal::ANNOUNCEMENT:
      if (!Announce(t)) {
        // No media server: the announcement's meaning as a status
        // ("on-the-phone" is busy), its name as the reason phrase.
        Finish(t.announcement() == "on-the-phone" ? 486 : 480, t.announcement());
      }
      return;
    default:
      Finish(best_status_ >= 400 ? best_status_ : 480, "");
      return;
  }
}

bool Call::Announce(const rpb::Terminal& t, int reject_code, const std::string& reject_reason) {
  const std::string& vm = proxy_->config().voicemail_uri;
  if (vm.empty()) return false;
  // The voicemail's user agent plays the prompt named by X-Sb-Announcement
  // (in the language of X-Sb-User): answered then hung up, or, for a
  // reject, as early media (183) followed by the X-Sb-Reject status.
  ActiveStep step;
  step.terminal = true;
  step.voicemail = true;
  rpb::Target target;
  target.set_kind(rpb::Target::EXTERNAL);
  target.set_uri(vm);
  step.targets.push_back(target);
  const std::string tenant =
      decision_.callee_tenant_id().empty() ? setup_.tenant_id() : decision_.callee_tenant_id();
  const std::string user =
      !decision_.callee_user_id().empty() ? decision_.callee_user_id() : setup_.caller().user_id();
  step.extra_headers = absl::StrCat("X-Sb-Announcement: ", t.announcement().empty() ? "none" : t.announcement(),
                                    "\r\nX-Sb-Tenant: ", tenant, "\r\n");
  if (!user.empty()) absl::StrAppend(&step.extra_headers, "X-Sb-User: ", user, "\r\n");
  if (reject_code > 0) {
    step.reject_code = reject_code;
    step.reject_reason = reject_reason;
    step.ring_s = kRejectMessageMaxS;
    absl::StrAppend(&step.extra_headers, "X-Sb-Early-Media: announcement\r\nX-Sb-Reject: ", reject_code,
                    reject_reason.empty() ? "" : " ", reject_reason, "\r\n");
  }
  // "press-1-to-forward": where 1 sends the caller (the voicemail REFERs them there).
  if (reject_code == 0 && !t.forward().number_e164().empty()) {
    absl::StrAppend(&step.extra_headers, "X-Sb-Forward-To: sip:", t.forward().number_e164(), "@",
                    callee_domain_.empty() ? proxy_->config().host : callee_domain_, "\r\n");
  }
  Log()->info("{} announcement {} by the voicemail{}", core::CallCtx{routing_id_, tenant_id_}, t.announcement(),
              reject_code > 0 ? absl::StrCat(", then ", reject_code) : "");
  RunStep(std::move(step));
  return true;
}

std::string Call::DivertingUri() const {
  const std::string user = !callee_number_.empty() ? callee_number_ : setup_.dialed();
  return absl::StrCat("sip:", user, "@", callee_domain_.empty() ? proxy_->config().host : callee_domain_);
}

void Call::Divert(const rpb::Target& target, rpb::DiversionReason reason, bool voicemail,
                  const std::string& mailbox_user_id, bool retrieval) {
  ActiveStep step;
  step.terminal = true;
  step.voicemail = voicemail;
  const core::CallCtx ctx{routing_id_, tenant_id_};
  if (voicemail) {
    const std::string& vm = proxy_->config().voicemail_uri;
    if (vm.empty()) {
      Log()->info("{} voicemail decided but no voicemail service configured: 480", ctx);
      Finish(480, "Voicemail unavailable");
      return;
    }
    const std::string diverting = DivertingUri();
    rpb::Target t;
    t.set_kind(rpb::Target::EXTERNAL);
    t.set_uri(retrieval ? vm : VoicemailRequestUri(vm, diverting, reason));
    step.targets.push_back(t);
    const std::string mailbox = !mailbox_user_id.empty() ? mailbox_user_id : decision_.callee_user_id();
    const std::string tenant = decision_.callee_tenant_id().empty() ? setup_.tenant_id() : decision_.callee_tenant_id();
    if (!retrieval) {
      step.extra_headers = DiversionHeaders({.diverting_uri = diverting,
                                             .target_uri = t.uri(),
                                             .reason = reason,
                                             .previous_history = incoming_history_,
                                             .previous_diversions = incoming_diversions_});
      absl::StrAppend(&step.extra_headers, "X-Sb-Diversion-Reason: ", ExactDiversionToken(reason), "\r\n");
    } else {
      absl::StrAppend(&step.extra_headers, "X-Sb-Retrieval: 1\r\n");
    }
    absl::StrAppend(&step.extra_headers, "X-Sb-Mailbox-User: ", mailbox, "\r\nX-Sb-Tenant: ", tenant, "\r\n");
    if (!retrieval) {
      // The greeting variants (C6): a colleague of the same tenant calling,
      // and voicemail because the office is closed (routing says so on the
      // final VOICEMAIL terminal of a closed-hours or special-day list).
      const rpb::Party& caller = setup_.caller();
      if (setup_.origin() == rpb::DEVICE && !caller.user_id().empty() && caller.tenant_id() == tenant) {
        absl::StrAppend(&step.extra_headers, "X-Sb-Caller-Internal: 1\r\n");
      }
      if (decision_.final().kind() == rpb::Terminal::VOICEMAIL && decision_.final().out_of_hours()) {
        absl::StrAppend(&step.extra_headers, "X-Sb-Out-Of-Hours: 1\r\n");
      }
    }
    Log()->info("{} to voicemail of {} ({})", ctx, mailbox, retrieval ? "retrieval" : DiversionToken(reason));
    proxy_->SendEvent(routing_id_, rpb::CallEvent::DIVERTED, 0, "", retrieval ? "voicemail retrieval" : "voicemail");
  } else {
    if (target.kind() == rpb::Target::KIND_UNSPECIFIED) {
      Finish(480, "");
      return;
    }
    step.targets.push_back(target);
    // The forward target's INVITE tells why (History-Info/Diversion);
    // for a LINE target the Request-URI is its contact, so name the number.
    const std::string target_uri =
        absl::StrCat("sip:", target.number_e164().empty() ? target.line_id() : target.number_e164(), "@",
                     callee_domain_.empty() ? proxy_->config().host : callee_domain_);
    step.extra_headers = DiversionHeaders({.diverting_uri = DivertingUri(),
                                           .target_uri = target_uri,
                                           .reason = reason,
                                           .previous_history = incoming_history_,
                                           .previous_diversions = incoming_diversions_});
    Log()->info("{} forwarded to {} ({})", ctx, target.number_e164().empty() ? target.line_id() : target.number_e164(),
                DiversionToken(reason));
    proxy_->SendEvent(routing_id_, rpb::CallEvent::DIVERTED, 0, target.line_id(),
                      absl::StrCat("forward ", target.number_e164()));
  }
  RunStep(std::move(step));
}

std::string Call::PresentationHeaders() const {
  const rpb::Presentation& p = decision_.presentation();
  const std::string domain = callee_domain_.empty() ? proxy_->config().host : callee_domain_;
  std::string out;
  if (p.withhold_number()) {
    // RFC 3323/3325: the number stays in the trusted network's
    // P-Asserted-Identity; the callee's phone shows nothing.
    absl::StrAppend(&out, "Privacy: id\r\n");
    if (!p.asserted_identity().empty()) {
      absl::StrAppend(&out, "P-Asserted-Identity: <sip:", p.asserted_identity(), "@", domain, ">\r\n");
    }
    return out;
  }
  if (!p.number().empty()) absl::StrAppend(&out, AssertedIdentity(p.number(), p.display_name(), domain));
  return out;
}

bool Call::OnRemoteForwarding(size_t index, const sip_t& response, bool redirect) {
  Branch& b = branches_[index];
  const core::CallCtx ctx{routing_id_, tenant_id_};
  if (!b.allow_remote_forwarding) {
    // The number's own forwarding is not for this call: a 181 stops the
    // branch (before its forward answers), a 3xx fails it as usual.
    if (redirect) return false;
    Log()->info("{} {} forwards the call: refused (remote forwarding not allowed), that branch stops", ctx,
                b.request_uri);
    b.txn->Cancel("SIP;cause=480;text=\"Remote forwarding not allowed\"");
    b.done = true;
    b.status = 480;
    MaybeStepDone();
    return true;
  }
  // Allowed: the forward takes the call and the other phones stop ringing.
  std::string contact;
  if (redirect && b.redirected) return false;  // one redirect is followed, not a chain
  if (redirect) {
    if (response.sip_contact == nullptr || response.sip_contact->m_url == nullptr) return false;
    contact = sip::UriString(response.sip_contact->m_url);
  }
  Log()->info("{} {} forwards the call{}{}: allowed, the others stop ringing", ctx, b.request_uri,
              redirect ? " to " : "", contact);
  for (size_t i = 0; i < branches_.size(); ++i) {
    Branch& other = branches_[i];
    if (i == index || other.music) continue;
    other.delay.reset();
    if (other.txn && !other.done) other.txn->Cancel("");
    other.done = true;
    other.status = 487;
  }
  if (!redirect) {
    b.rang = true;
    txn_.Relay(sip::DuplicateMessage(b.txn->Response().get()));
    return true;
  }
  // RFC 3261 §16.5: the 3xx's Contact becomes a new branch, sent the same
  // way (no further redirects from it are followed).
  b.done = true;
  b.status = response.sip_status->st_status;
  Branch next;
  next.request_uri = contact;  // sent where the Contact says, not along the old branch's route
  next.headers = b.headers;
  next.allow_remote_forwarding = true;  // its 181 is relayed as before
  next.redirected = true;
  branches_.push_back(std::move(next));
  StartBranch(branches_.size() - 1);
  return true;
}

// ---------------------------------------------------------------- endings

void Call::CancelBranches(const std::string& reason, bool keep_music) {
  for (Branch& b : branches_) {
    if (keep_music && b.music) continue;
    if (b.delay) b.delay.reset();
    if (b.txn && !b.done) {
      b.txn->Cancel(reason);
      b.done = true;
      b.status = 487;
    }
  }
}

void Call::Answered(size_t index) {
  answered_ = true;
  finished_ = true;
  if (step_timer_) step_timer_->Cancel();
  Branch& winner = branches_[index];
  // Everyone else stops ringing (RFC 3326: "Call completed elsewhere", so
  // phones don't log a missed call).
  for (size_t i = 0; i < branches_.size(); ++i) {
    if (i == index) continue;
    Branch& b = branches_[i];
    b.delay.reset();
    if (b.txn && !b.done) {
      b.txn->Cancel("SIP;cause=200;text=\"Call completed elsewhere\"");
      b.done = true;
    }
  }
  const std::string line = winner.line_id;
  txn_.Relay(sip::DuplicateMessage(winner.txn->Response().get()));
  proxy_->CountAnswered();
  proxy_->SendEvent(routing_id_, rpb::CallEvent::ANSWERED, 200, line);
  Log()->debug("{} answered by {}", core::CallCtx{routing_id_, tenant_id_}, winner.request_uri);
  proxy_->AddDialog(sip_call_id_, routing_id_, line, tenant_id_);
  ReleaseSlots(line);
  if (!line.empty()) proxy_->KeepLineSlot(line, routing_id_);
  proxy_->Retire(serial_);
}

void Call::RelayFinal(sip::MsgRef response, int status) {
  if (finished_) return;
  finished_ = true;
  CancelBranches("");
  if (decision_timer_) decision_timer_->Cancel();
  if (step_timer_) step_timer_->Cancel();
  txn_.Relay(std::move(response));
  proxy_->CountFailed();
  proxy_->SendEvent(routing_id_, rpb::CallEvent::FAILED, status);
  Log()->debug("{} failed: {}", core::CallCtx{routing_id_, tenant_id_}, status);
  ReleaseSlots("");
  proxy_->Retire(serial_);
}

void Call::Finish(int status, const std::string& reason) {
  if (finished_) return;
  finished_ = true;
  CancelBranches("");
  if (decision_timer_) decision_timer_->Cancel();
  if (step_timer_) step_timer_->Cancel();
  txn_.Respond(sip::SipResponse(status, reason));
  proxy_->CountFailed();
  proxy_->SendEvent(routing_id_, rpb::CallEvent::FAILED, status, "", reason);
  Log()->debug("{} answered {} {}", core::CallCtx{routing_id_, tenant_id_}, status, reason);
  ReleaseSlots("");
  proxy_->Retire(serial_);
}

void Call::ReleaseSlots(const std::string& keep_line) {
  std::vector<std::string> lines;
  for (const std::string& line : slots_) {
    if (line != keep_line) lines.push_back(line);
  }
  slots_.clear();
  for (const std::string& line : lines) proxy_->ReleaseLineSlot(line, routing_id_);
}

void Call::OnAckOrCancel(nta_incoming_t* /*irq*/, const sip_t* request) {
  if (request == nullptr || request->sip_request == nullptr) return;
  if (request->sip_request->rq_method != sip_method_cancel || finished_) return;
  // The caller hung up before an answer: a missed call.
  finished_ = true;
  if (deciding_) proxy_->deps().routing->Forget(routing_id_);
  deciding_ = false;
  if (decision_timer_) decision_timer_->Cancel();
  if (step_timer_) step_timer_->Cancel();
  CancelBranches("");
  txn_.Respond(sip::SipResponse(487, "Request Terminated"));
  proxy_->CountCancelled();
  proxy_->SendEvent(routing_id_, rpb::CallEvent::CANCELLED, 487);
  Log()->debug("{} cancelled by the caller", core::CallCtx{routing_id_, tenant_id_});
  ReleaseSlots("");
  proxy_->Retire(serial_);
}

}  // namespace sb::edge
