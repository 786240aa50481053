#include "services/edge/proxy.h"

#include <google/protobuf/util/time_util.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "core/logging.h"
#include "services/edge/call.h"
#include "sip/message.h"
#include "sip/proxy.h"
#include "sip/sip_stack.h"

namespace sb::edge {
namespace {

// Looked up once: Logger() costs a registry lookup under a lock, and the
// hot path asks for it several times per call (mostly for debug lines).
spdlog::logger* Log() {
  static const std::shared_ptr<spdlog::logger> log = core::Logger("proxy");
  return log.get();
}

bool HasToTag(const sip_t& sip) { return sip.sip_to != nullptr && sip.sip_to->a_tag != nullptr; }

}  // namespace

namespace {

// "ip:port" of a SIP URI ("sip:voicemail@127.0.0.1:5070;transport=udp"),
// 5060 when it names no port; "" when there is no URI.
std::string HostPortOf(absl::string_view uri) {
  if (uri.empty()) return "";
  absl::ConsumePrefix(&uri, "<");
  if (!absl::ConsumePrefix(&uri, "sip:")) return "";
  if (size_t at = uri.find('@'); at != absl::string_view::npos) uri.remove_prefix(at + 1);
  uri = uri.substr(0, uri.find_first_of(";>?"));
  if (uri.find(':') == absl::string_view::npos) return absl::StrCat(uri, ":5060");
  return std::string(uri);
}

}  // namespace

Proxy::Proxy(ProxyConfig config, ProxyDeps deps)
    : config_(std::move(config)), deps_(deps), voicemail_source_(HostPortOf(config_.voicemail_uri)) {}

std::optional<Trunk> Proxy::VoicemailOrigin(msg_t* msg, const sip::Source& source) const {
  if (voicemail_source_.empty() || source.HostPort() != voicemail_source_) return std::nullopt;
  const auto origin = sip::HeaderValues(msg, "X-Sb-Origin");
  const auto tenant = sip::HeaderValues(msg, "X-Sb-Tenant");
  if (origin.empty() || origin[0] != "voicemail" || tenant.empty() || tenant[0].empty()) return std::nullopt;
  return Trunk{.id = "voicemail", .name = "voicemail call-outs", .tenant_id = tenant[0]};
}

Proxy::~Proxy() = default;

void Proxy::Install(SipFront& front) {
  front_ = &front;
  front.Handle("INVITE", [this](sip::IncomingRequest r) {
    stack_ = r.stack();
    if (HasToTag(r.sip())) {
      OnInDialog(std::move(r));  // a re-INVITE
    } else {
      OnInvite(std::move(r));
    }
  });
  for (const char* method :
       {"ACK", "BYE", "CANCEL", "UPDATE", "INFO", "REFER", "PRACK", "NOTIFY", "MESSAGE"}) {
    front.Handle(method, [this](sip::IncomingRequest r) {
      stack_ = r.stack();
      OnInDialog(std::move(r));
    });
  }
}

std::string Proxy::RecordRoute() const {
  return absl::StrCat("<sip:", config_.host, ":", config_.port,
                      config_.transport.empty() ? "" : ";transport=" + config_.transport, ";lr>");
}

void Proxy::WithCall(uint64_t serial, std::function<void(Call&)> fn) {
  sip::SipStack* stack = stack_;
  if (stack == nullptr) return;
  stack->Post([this, serial, fn = std::move(fn)] {
    auto it = calls_.find(serial);
    if (it != calls_.end()) fn(*it->second);
  });
}

void Proxy::Retire(uint64_t serial) {
  stack_->Post([this, serial] {
    auto it = calls_.find(serial);
    if (it == calls_.end()) return;
    const std::string sip_call_id = it->second->sip_call_id();
    calls_.erase(it);
    // An answered call keeps its Call-ID in use until its BYE.
    if (!dialogs_.contains(sip_call_id)) {
      if (auto used = routing_ids_.find(sip_call_id); used != routing_ids_.end() && --used->second <= 0) {
        routing_ids_.erase(used);
      }
    }
  });
}

void Proxy::SendEvent(const std::string& routing_id, rpb::CallEvent::Kind kind, int sip_code,
                      const std::string& line_id, const std::string& detail) {
  rpb::CallEvent event;
  event.set_call_id(routing_id);
  event.set_kind(kind);
  *event.mutable_at() = google::protobuf::util::TimeUtil::GetCurrentTime();
  event.set_sip_code(sip_code);
  event.set_answered_by_line_id(line_id);
  event.set_detail(detail);
  deps_.routing->SendEvent(std::move(event));
}

void Proxy::Shutdown() {
  // Calls first (they answer their callers 500 and cancel their branches),
  // then the in-dialog forwards.
  calls_.clear();
  forwards_.clear();
}

ProxyStats Proxy::Stats() const {
  ProxyStats s = stats_;
  s.calls = calls_.size();
  s.dialogs = dialogs_.size();
  return s;
}

// ---------------------------------------------------------------- INVITE

void Proxy::OnInvite(sip::IncomingRequest incoming) {
  const sip_t& sip = incoming.sip();
  ++stats_.invites;
  const std::string call_id = sip::CallId(sip);
  if (sip.sip_from == nullptr || sip.sip_to == nullptr || sip.sip_cseq == nullptr || call_id.empty() ||
      sip.sip_via == nullptr) {
    incoming.ReplyStateless(sip::SipResponse(400, "Missing mandatory header"));
    return;
  }
  if (sip.sip_contact == nullptr) {
    incoming.ReplyStateless(sip::SipResponse(400, "Missing Contact"));
    return;
  }
  if (sip.sip_request->rq_url->url_type != url_sip && sip.sip_request->rq_url->url_type != url_sips) {
    incoming.ReplyStateless(sip::SipResponse(416, "Unsupported URI Scheme"));
    return;
  }
  // RFC 3261 §16.4: a phone using us as its outbound proxy pre-loads our
  // Route; it is ours to remove, or the copies would be sent back to us.
  while (sip::PopOwnRoute(incoming.msg(), config_.host, config_.port)) {
  }
  // RFC 3261 §16.3 step 4: our own Via with this request's key means it came
  // back to us unchanged.
  const std::string key = sip::LoopKey(sip);
  if (sip::HasOwnLoopVia(sip, config_.host, config_.port, key)) {
    Log()->info("{} loop detected", core::CallCtx{call_id, ""});
    incoming.ReplyStateless(sip::SipResponse(482, "Loop Detected"));
    return;
  }

  if (const absl::Time now = absl::Now(); now - udp_backlog_at_ > absl::Milliseconds(10)) {
    udp_backlog_at_ = now;
    udp_backlog_ = incoming.stack()->udp_backlog_bytes();
  }
  if (setups_in_flight_ >= config_.max_pending_setups ||
      incoming.stack()->posts_pending() >= config_.max_pending_setups ||
      udp_backlog_ >= config_.max_udp_backlog_bytes) {
    ++stats_.overloaded;
    if (stats_.overloaded % 1000 == 1) {
      Log()->warn("{} overloaded ({} calls in setup, {} posts waiting, {} KiB unread): answering 503 ({} so far)",
                  core::CallCtx{call_id, ""}, setups_in_flight_, incoming.stack()->posts_pending(),
                  udp_backlog_ >> 10, stats_.overloaded);
    }
    incoming.ReplyStateless(
        sip::SipResponse(503, "Overloaded").Header("Retry-After", absl::StrCat(config_.overload_retry_after_s)));
    return;
  }

  const sip::Source source = sip::RequestSource(incoming.stack()->agent(), incoming.msg());
  std::optional<Trunk> trunk = deps_.trunks->BySource(source.ip, source.port);
  if (!trunk) trunk = VoicemailOrigin(incoming.msg(), source);
  std::optional<AuthResult> auth;
  std::shared_ptr<AuthRequest> auth_request;
  if (!trunk) {
    auth_request = std::make_shared<AuthRequest>();
    auth_request->method = "INVITE";
    auth_request->realm =
        sip.sip_from->a_url->url_host != nullptr ? absl::AsciiStrToLower(sip.sip_from->a_url->url_host) : "";
    auth_request->call_id = call_id;
    auth_request->source_ip = source.ip;
    auth_request->proxy = true;
    if (sip::MalformedHeader(sip, {"Proxy-Authorization"})) {
      auth_request->credentials_error = absl::InvalidArgumentError("Bad Proxy-Authorization header");
    } else if (auto c = sip::DigestCredentialsFor(sip.sip_proxy_authorization, auth_request->realm); c.ok()) {
      auth_request->credentials = *std::move(c);
    } else {
      auth_request->credentials_error = c.status();
    }
    auth = deps_.auth->AuthenticateCached(*auth_request);
    if (auth && !auth->authenticated) {
      // Challenges and refusals keep no state.
      incoming.ReplyStateless(auth->response);
      return;
    }
  }

  sip::ServerTransaction txn = incoming.Transaction();
  if (!txn) return;
  txn.Respond(sip::SipResponse(100, "Trying"));
  // The routing call id is the SIP Call-ID, unless this Call-ID is already
  // in progress here (a spiral through a trunk back to us).
  int& uses = routing_ids_[call_id];
  const std::string routing_id = uses++ == 0 ? call_id : absl::StrCat(call_id, "~", uses);
  const uint64_t serial = next_serial_++;
  ++setups_in_flight_;  // until Call::LeaveSetup
  auto call = std::make_unique<Call>(this, serial, std::move(txn), routing_id);
  Call* c = call.get();
  calls_.emplace(serial, std::move(call));

  if (trunk) {
    c->Start({.trunk = true, .trunk_info = *std::move(trunk)});
    return;
  }
  if (auth && (auth->nc == 0 || deps_.nonce_counts == nullptr)) {
    c->Start({.trunk = false, .trunk_info = {}, .device = std::move(auth->device)});
    return;
  }
  // A worker asks profiles (the HA1 is not cached) and Redis (the
  // nonce-count guard, with qop).
  std::optional<AuthResult> cached = std::move(auth);
  const bool queued = deps_.workers->Submit([this, serial, auth_request, cached = std::move(cached)] {
    AuthResult result = cached ? *cached : deps_.auth->Authenticate(*auth_request);
    if (result.authenticated) {
      if (std::optional<sip::SipResponse> replayed = ReplayedNonce(*auth_request, result); replayed) {
        result.authenticated = false;
        result.response = *std::move(replayed);
      }
    }
    WithCall(serial, [result = std::move(result)](Call& call) mutable {
      if (!result.authenticated) {
        std::vector<std::pair<std::string, std::string>> headers = result.response.headers;
        call.Fail(result.response.status, result.response.reason, headers);
        return;
      }
      call.Start({.trunk = false, .trunk_info = {}, .device = std::move(result.device)});
    });
  });
  if (!queued) c->Fail(503, "Overloaded", {{"Retry-After", absl::StrCat(config_.retry_after_s)}});
}

std::optional<sip::SipResponse> Proxy::ReplayedNonce(const AuthRequest& request, const AuthResult& auth) {
  if (auth.nc == 0 || deps_.nonce_counts == nullptr) return std::nullopt;
  const std::string aor = absl::StrCat("sip:", auth.device.sip_username, "@", request.realm);
  absl::StatusOr<bool> accepted = deps_.nonce_counts->Accept(aor, auth.nonce, auth.nc);
  if (!accepted.ok()) {
    // Redis down: the call goes on (the digest itself was right), logged.
    Log()->warn("{} nonce-count of {} not checked: {}", core::CallCtx{request.call_id, auth.device.tenant_id}, aor,
                accepted.status().message());
    return std::nullopt;
  }
  if (*accepted) return std::nullopt;
  Log()->info("{} {}: nonce-count replayed from {}", core::CallCtx{request.call_id, auth.device.tenant_id}, aor,
              request.source_ip);
  return deps_.auth->Challenge(request.realm, /*stale=*/true, /*proxy=*/true);
}

// ---------------------------------------------------------------- in dialog

void Proxy::AddDialog(const std::string& sip_call_id, const std::string& routing_id,
                      const std::string& line_id, const std::string& tenant_id) {
  dialogs_[sip_call_id] = Dialog{routing_id, line_id, tenant_id, absl::Now()};
  if (absl::Now() - last_prune_ > absl::Minutes(1)) PruneDialogs();
}

void Proxy::PruneDialogs() {
  last_prune_ = absl::Now();
  const absl::Time cutoff = absl::Now() - config_.dialog_ttl;
  for (auto it = dialogs_.begin(); it != dialogs_.end();) {
    if (it->second.at < cutoff) {
      dialogs_.erase(it++);
    } else {
      ++it;
    }
  }
}

void Proxy::EndDialog(const std::string& sip_call_id, const char* why) {
  auto it = dialogs_.find(sip_call_id);
  if (it == dialogs_.end()) return;
  Dialog d = std::move(it->second);
  dialogs_.erase(it);
  routing_ids_.erase(sip_call_id);
  SendEvent(d.routing_id, rpb::CallEvent::ENDED, 0, d.line_id, why);
  Log()->debug("{} ended ({})", core::CallCtx{d.routing_id, d.tenant_id}, why);
  if (!d.line_id.empty()) ReleaseLineSlot(d.line_id, d.routing_id);
}

void Proxy::KeepLineSlot(const std::string& line_id, const std::string& call_id) {
  if (deps_.redis_batch != nullptr && deps_.redis_batch->Submit(deps_.line_calls->AnsweredCommand(line_id, call_id))) {
    return;
  }
  deps_.workers->Submit([this, line_id, call_id] { deps_.line_calls->Answered(line_id, call_id).IgnoreError(); });
}

void Proxy::ReleaseLineSlot(const std::string& line_id, const std::string& call_id) {
  if (deps_.redis_batch != nullptr && deps_.redis_batch->Submit(LineCalls::ReleaseCommand(line_id, call_id))) {
    return;
  }
  deps_.workers->Submit([this, line_id, call_id] { deps_.line_calls->Release(line_id, call_id).IgnoreError(); });
}

void Proxy::OnInDialog(sip::IncomingRequest incoming) {
  const sip_t& sip = incoming.sip();
  const sip_method_t method = sip.sip_request->rq_method;
  const std::string call_id = sip::CallId(sip);
  if (method == sip_method_cancel) {
    // A CANCEL nta matched to no transaction of ours.
    incoming.ReplyStateless(sip::SipResponse(481, "Call/Transaction Does Not Exist"));
    return;
  }
  if (sip.sip_route == nullptr || !sip::IsOwnUri(sip.sip_route->r_url, config_.host, config_.port)) {
    if (method == sip_method_ack) return;  // an ACK for a response we sent ourselves, or stray
    if (!HasToTag(sip) && method != sip_method_bye) {
      // Out of dialog: MESSAGE (pager mode), REFER, INFO… are not served here.
      incoming.ReplyStateless(sip::SipResponse(405).Header("Allow", front_->AllowHeader()));
      return;
    }
    incoming.ReplyStateless(sip::SipResponse(481, "Call/Transaction Does Not Exist"));
    return;
  }
  if (method == sip_method_bye) EndDialog(call_id, "BYE");

  if (method == sip_method_ack) {
    // The ACK of a 2xx is end to end (RFC 3261 §13.2.2.4): no transaction.
    sip::PopOwnRoute(incoming.msg(), config_.host, config_.port);
    absl::StatusOr<sip::MsgRef> copy = sip::PrepareForward(incoming.msg(), {});
    if (!copy.ok()) return;
    auto txn = sip::ClientTransaction::Send(*incoming.stack(), *std::move(copy), "", nullptr);
    if (!txn.ok())
      Log()->debug("{} ACK not forwarded: {}", core::CallCtx{call_id, ""}, txn.status().message());
    return;  // the ACK "transaction" is done once sent
  }

  sip::ServerTransaction server = incoming.Transaction();
  if (!server) return;
  sip::MsgRef request = server.Request();
  absl::StatusOr<sip::MsgRef> copy = sip::PrepareForward(request.get(), {});
  if (!copy.ok()) {
    server.Respond(sip::SipResponse(400, std::string(copy.status().message())));
    return;
  }
  sip::PopOwnRoute(copy->get(), config_.host, config_.port);
  const uint64_t serial = next_serial_++;
  auto forward = std::make_unique<Forward>();
  forward->server = std::move(server);
  Forward* f = forward.get();
  auto client = sip::ClientTransaction::Send(
      *incoming.stack(), *std::move(copy), "", [this, serial, f](const sip_t& response) {
        if (response.sip_status == nullptr) return;
        const int status = response.sip_status->st_status;
        if (status == 100) return;
        f->server.Relay(sip::DuplicateMessage(f->client->Response().get()));
        if (status >= 200) {
          stack_->Post([this, serial] { forwards_.erase(serial); });
        }
      });
  if (!client.ok()) {
    f->server.Respond(sip::SipResponse(503, "Cannot forward"));
    return;
  }
  f->client = *std::move(client);
  forwards_.emplace(serial, std::move(forward));
}

}  // namespace sb::edge
