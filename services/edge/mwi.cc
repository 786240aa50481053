#include "services/edge/mwi.h"

#include <pthread.h>

#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/logging.h"
#include "sip/message.h"
#include "sip/sip_stack.h"

namespace sb::edge {
namespace epb = ::switchboard::events::v1;
namespace {

auto Log() { return core::Logger("mwi"); }

constexpr absl::Duration kStateTtl = absl::Hours(24 * 30);

std::string SubsKey(const std::string& line) { return absl::StrCat("mwi:subs:{", line, "}"); }
std::string CseqKey(const std::string& line) { return absl::StrCat("mwi:cseq:{", line, "}"); }
std::string StateKey(const std::string& line) { return absl::StrCat("mwi:state:{", line, "}"); }

std::string RandomTag() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return absl::StrFormat("%012x", gen() & 0xffffffffffffull);
}

std::string NoMessages() { return "Messages-Waiting: no\r\nVoice-Message: 0/0 (0/0)\r\n"; }

}  // namespace

std::string MessageSummaryBody(const epb::MailboxChanged& m) {
  const std::string mode = m.mwi_mode().empty() ? "ALL_VOICEMAIL" : m.mwi_mode();
  bool waiting = false;
  if (mode == "URGENT_VOICEMAIL") {
    waiting = m.voice_urgent_new() > 0;
  } else if (mode == "ALL_FAXES") {
    waiting = m.fax_new() > 0;
  } else if (mode == "ALL") {
    waiting = m.voice_new() + m.fax_new() > 0;
  } else {
    waiting = m.voice_new() > 0;
  }
  std::string body = absl::StrCat("Messages-Waiting: ", waiting ? "yes" : "no", "\r\n");
  if (!m.mailbox_address().empty()) absl::StrAppend(&body, "Message-Account: ", m.mailbox_address(), "\r\n");
  if (mode != "ALL_FAXES") {
    absl::StrAppend(&body, "Voice-Message: ", m.voice_new(), "/", m.voice_old(), " (", m.voice_urgent_new(), "/",
                    m.voice_urgent_old(), ")\r\n");
  }
  if (mode == "ALL_FAXES" || mode == "ALL") {
    absl::StrAppend(&body, "Fax-Message: ", m.fax_new(), "/", m.fax_old(), "\r\n");
  }
  return body;
}

// One message-summary subscription (a dialog where we are the notifier).
struct Mwi::Subscription {
  std::string id;  // Call-ID
  int64_t expires_ms = 0;
  std::string local_tag, remote_tag, remote_uri, contact, received, transport, aor;

  std::string Encode() const {
    return absl::StrJoin({absl::StrCat(expires_ms), local_tag, remote_tag, remote_uri, contact, received, transport,
                          aor},
                         "|");
  }
  static std::optional<Subscription> Decode(const std::string& id, const std::string& v) {
    std::vector<std::string> f = absl::StrSplit(v, '|');
    if (f.size() != 8) return std::nullopt;
    Subscription s;
    s.id = id;
    if (!absl::SimpleAtoi(f[0], &s.expires_ms)) return std::nullopt;
    s.local_tag = f[1];
    s.remote_tag = f[2];
    s.remote_uri = f[3];
    s.contact = f[4];
    s.received = f[5];
    s.transport = f[6];
    s.aor = f[7];
    return s;
  }
};

Mwi::Mwi(MwiConfig config, redis::Client& redis, Location* location, Authenticator* auth, core::WorkerPool* workers)
    : config_(std::move(config)), redis_(redis), location_(location), auth_(auth), workers_(workers) {}

Mwi::~Mwi() { Stop(); }

void Mwi::Start(sip::SipStack* stack) {
  stack_ = stack;
  events::ConsumerConfig cc;
  cc.group = config_.group;
  if (!config_.consumer.empty()) cc.consumer = config_.consumer;
  cc.topics = {"mailbox"};
  consumer_ = std::make_unique<events::Consumer>(redis_, cc);
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "mwi");
    consumer_
        ->Run([this](const events::Event& e) -> absl::Status {
          if (e.type != "mailbox.changed") return absl::OkStatus();
          epb::MailboxChanged m;
          if (!m.ParseFromString(e.payload)) {
            Log()->warn("mailbox.changed {} unreadable: dropped", e.id);
            return absl::OkStatus();
          }
          return Handle(m);
        })
        .IgnoreError();
  });
}

void Mwi::Stop() {
  if (consumer_) consumer_->Stop();
  if (thread_.joinable()) thread_.join();
}

absl::Status Mwi::Handle(const epb::MailboxChanged& m) {
  const std::string body = MessageSummaryBody(m);
  const int64_t now_ms = absl::ToUnixMillis(absl::Now());
  std::vector<Binding> devices;
  std::vector<std::pair<Subscription, uint32_t>> subs;
  for (const std::string& line : m.line_ids()) {
    if (auto st = redis_.Set(StateKey(line), body, {.ttl = kStateTtl}); !st.ok()) return st.status();
    auto bindings = location_->LookupLine(line);
    if (!bindings.ok()) return bindings.status();  // retried by the consumer
    for (Binding& b : *bindings) devices.push_back(std::move(b));
    auto all = redis_.HGetAll(SubsKey(line));
    if (!all.ok()) return all.status();
    for (const auto& [id, value] : *all) {
      std::optional<Subscription> s = Subscription::Decode(id, value);
      if (!s || s->expires_ms < now_ms) {
        redis_.Command({"HDEL", SubsKey(line), id}).IgnoreError();
        redis_.Command({"HDEL", CseqKey(line), id}).IgnoreError();
        continue;
      }
      auto cseq = redis_.Command({"HINCRBY", CseqKey(line), id, "1"});
      if (!cseq.ok()) return cseq.status();
      subs.emplace_back(*std::move(s), static_cast<uint32_t>(cseq->integer));
    }
  }
  Log()->info("{} mailbox of {} changed: {} device(s), {} subscription(s) to notify",
              core::CallCtx{"", m.tenant_id()}, m.user_id(), devices.size(), subs.size());
  if (stack_ == nullptr) return absl::OkStatus();
  const std::string account = m.mailbox_address();
  stack_->Post([this, devices = std::move(devices), subs = std::move(subs), body, account] {
    for (const Binding& b : devices) {
      Subscription s;  // unsolicited: a dialog of one request
      s.id = "";
      s.local_tag = RandomTag();
      s.remote_uri = b.aor;
      s.aor = account.empty() ? b.aor : account;
      s.contact = b.contact;
      s.received = b.received;
      s.transport = b.transport;
      SendNotify(s, body, 1, "active");
    }
    for (const auto& [s, cseq] : subs) {
      SendNotify(s, body, cseq,
                 absl::StrCat("active;expires=",
                              std::max<int64_t>(0, (s.expires_ms - absl::ToUnixMillis(absl::Now())) / 1000)));
    }
  });
  return absl::OkStatus();
}

void Mwi::SendNotify(const Subscription& s, const std::string& body, uint32_t cseq, const std::string& state) {
  const std::string from = absl::StrCat("<", s.aor, ">;tag=", s.local_tag);
  const std::string to = s.remote_tag.empty() ? absl::StrCat("<", s.remote_uri, ">")
                                              : absl::StrCat("<", s.remote_uri, ">;tag=", s.remote_tag);
  const std::string headers = absl::StrCat("Event: message-summary\r\nSubscription-State: ", state,
                                           "\r\nContent-Type: application/simple-message-summary\r\n");
  auto request = sip::MakeRequest(*stack_, "NOTIFY", s.contact, from, to, s.id, headers, cseq, body);
  if (!request.ok()) {
    Log()->warn("NOTIFY to {} not built: {}", s.contact, request.status().message());
    return;
  }
  const std::string route =
      s.received.empty() ? "" : absl::StrCat("sip:", s.received, s.transport.empty() ? "" : ";transport=", s.transport);
  // The transaction frees itself with its final response.
  auto holder = std::make_shared<std::unique_ptr<sip::ClientTransaction>>();
  auto txn = sip::ClientTransaction::Send(*stack_, *std::move(request), route,
                                          [this, holder, contact = s.contact](const sip_t& response) {
                                            if (response.sip_status == nullptr ||
                                                response.sip_status->st_status < 200) {
                                              return;
                                            }
                                            Log()->debug("NOTIFY to {}: {}", contact,
                                                         response.sip_status->st_status);
                                            stack_->Post([holder] { holder->reset(); });
                                          });
  if (!txn.ok()) {
    Log()->warn("NOTIFY to {} not sent: {}", s.contact, txn.status().message());
    return;
  }
  *holder = *std::move(txn);
}

void Mwi::Install(SipFront& front) {
  front.Handle("SUBSCRIBE", [this](sip::IncomingRequest r) {
    if (stack_ == nullptr) stack_ = r.stack();
    OnSubscribe(std::move(r));
  });
}

void Mwi::OnSubscribe(sip::IncomingRequest incoming) {
  const sip_t& sip = incoming.sip();
  const std::string call_id = sip::CallId(sip);
  if (sip.sip_event == nullptr || sip.sip_event->o_type == nullptr ||
      !absl::EqualsIgnoreCase(sip.sip_event->o_type, "message-summary")) {
    incoming.ReplyStateless(sip::SipResponse(489, "Bad Event").Header("Allow-Events", "message-summary"));
    return;
  }
  if (sip.sip_from == nullptr || sip.sip_to == nullptr || sip.sip_contact == nullptr ||
      sip.sip_from->a_url->url_host == nullptr || sip.sip_from->a_tag == nullptr) {
    incoming.ReplyStateless(sip::SipResponse(400, "Missing From, To or Contact"));
    return;
  }
  const bool in_dialog = sip.sip_to->a_tag != nullptr;
  auto request = std::make_shared<AuthRequest>();
  request->method = "SUBSCRIBE";
  request->realm = absl::AsciiStrToLower(sip.sip_from->a_url->url_host);
  request->call_id = call_id;
  const sip::Source source = sip::RequestSource(incoming.stack()->agent(), incoming.msg());
  request->source_ip = source.ip;
  if (auto c = sip::DigestCredentialsFor(sip.sip_authorization, request->realm); c.ok()) {
    request->credentials = *std::move(c);
  } else {
    request->credentials_error = c.status();
  }
  std::optional<AuthResult> cached = auth_->AuthenticateCached(*request);
  if (cached && !cached->authenticated) {
    incoming.ReplyStateless(cached->response);
    return;
  }
  int64_t expires = config_.default_subscription_s;
  if (auto e = sip::ExpiresHeader(sip); e) expires = *e;
  if (expires > 0 && expires < config_.min_subscription_s) {
    incoming.ReplyStateless(
        sip::SipResponse(423, "Interval Too Brief").Header("Min-Expires", absl::StrCat(config_.min_subscription_s)));
    return;
  }
  expires = std::min<int64_t>(expires, config_.max_subscription_s);

  Subscription s;
  s.id = call_id;
  s.local_tag = in_dialog ? sip.sip_to->a_tag : RandomTag();
  s.remote_tag = sip.sip_from->a_tag;
  s.remote_uri = sip::UriString(sip.sip_from->a_url);
  s.aor = sip::UriString(sip.sip_to->a_url);
  s.contact = sip::UriString(sip.sip_contact->m_url);
  s.received = source.HostPort();
  s.transport = source.transport;
  s.expires_ms = absl::ToUnixMillis(absl::Now() + absl::Seconds(expires));

  auto txn = std::make_shared<sip::ServerTransaction>(incoming.Transaction());
  if (!*txn) return;
  txn->SetTag(s.local_tag);
  const bool queued = workers_->Submit([this, txn, request, cached, s, expires]() mutable {
    AuthResult auth = cached ? *cached : auth_->Authenticate(*request);
    if (!auth.authenticated) {
      txn->Respond(auth.response);
      return;
    }
    if (auth.nc > 0 && config_.nonce_counts != nullptr) {
      const std::string aor = absl::StrCat("sip:", auth.device.sip_username, "@", request->realm);
      absl::StatusOr<bool> accepted = config_.nonce_counts->Accept(aor, auth.nonce, auth.nc);
      if (accepted.ok() && !*accepted) {
        Log()->info("{} {}: nonce-count replayed from {}", core::CallCtx{s.id, auth.device.tenant_id}, aor,
                    request->source_ip);
        txn->Respond(auth_->Challenge(request->realm, /*stale=*/true, /*proxy=*/false));
        return;
      }
      if (!accepted.ok()) {
        Log()->warn("{} nonce-count of {} not checked: {}", core::CallCtx{s.id, auth.device.tenant_id}, aor,
                    accepted.status().message());
      }
    }
    std::string body = NoMessages();
    for (const std::string& line : auth.device.line_ids) {
      if (expires == 0) {
        redis_.Command({"HDEL", SubsKey(line), s.id}).IgnoreError();
        redis_.Command({"HDEL", CseqKey(line), s.id}).IgnoreError();
      } else {
        redis_.HSet(SubsKey(line), {{s.id, s.Encode()}}).IgnoreError();
        redis_.Command({"HSETNX", CseqKey(line), s.id, "1"}).IgnoreError();
        redis_.Command({"PEXPIRE", SubsKey(line), absl::StrCat(config_.max_subscription_s * 1000)}).IgnoreError();
      }
      if (auto state = redis_.Get(StateKey(line)); state.ok() && *state) body = **state;
    }
    uint32_t cseq = 1;
    if (!auth.device.line_ids.empty()) {
      if (auto n = redis_.Command({"HINCRBY", CseqKey(auth.device.line_ids.front()), s.id, "1"}); n.ok()) {
        cseq = static_cast<uint32_t>(n->integer);
      }
    }
    txn->Respond(sip::SipResponse(200)
                     .Header("Expires", absl::StrCat(expires))
                     .Header("Contact", absl::StrCat("<", s.aor, ">")));
    Log()->info("{} message-summary subscription of {} for {}s", core::CallCtx{s.id, auth.device.tenant_id},
                auth.device.sip_username, expires);
    // RFC 6665: the NOTIFY with the current state follows the 200 at once.
    const std::string state = expires == 0 ? "terminated;reason=timeout" : absl::StrCat("active;expires=", expires);
    stack_->Post([this, s, body, cseq, state] { SendNotify(s, body, cseq, state); });
  });
  if (!queued) txn->Respond(sip::SipResponse(503, "Overloaded").Header("Retry-After", "5"));
}

}  // namespace sb::edge
