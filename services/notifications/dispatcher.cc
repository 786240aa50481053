#include "services/notifications/dispatcher.h"

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "core/logging.h"
#include "core/status.h"
#include "services/notifications/options.h"
#include "services/notifications/signing.h"
#include "services/notifications/templates.h"
#include "services/notifications/webhook.h"
#include "switchboard/events/v1/events.pb.h"

namespace sb::notifications {
namespace {

namespace epb = ::switchboard::events::v1;

bool Permanent(const absl::Status& st) {
  switch (st.code()) {
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kDataLoss:
      return true;
    default:
      return false;
  }
}

absl::TimeZone LoadZone(const std::string& name) {
  absl::TimeZone tz;
  if (name.empty() || !absl::LoadTimeZone(name, &tz)) return absl::UTCTimeZone();
  return tz;
}

}  // namespace

Dispatcher::Dispatcher(DispatcherConfig config, PgStore* store, VoicemailClient* voicemail)
    : config_(std::move(config)), store_(store), voicemail_(voicemail) {
  std::string from = AddressOf(config_.smtp.from);
  size_t at = from.find('@');
  domain_ = at == std::string::npos ? "switchboard.local" : from.substr(at + 1);
}

Dispatcher::~Dispatcher() { Stop(); }

void Dispatcher::Start() {
  for (int i = 0; i < config_.senders; ++i) threads_.emplace_back([this] { SenderLoop(); });
  threads_.emplace_back([this] { AfterAcceptLoop(); });
}

void Dispatcher::Stop() {
  {
    absl::MutexLock l(&mu_);
    stopping_ = true;
    cv_.SignalAll();
  }
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void Dispatcher::Wake() {
  absl::MutexLock l(&mu_);
  ++wakeups_;
  cv_.SignalAll();
}

bool Dispatcher::WaitForWork(uint64_t& seen, absl::Duration timeout) {
  absl::MutexLock l(&mu_);
  const absl::Time deadline = absl::Now() + timeout;
  while (!stopping_ && wakeups_ == seen) {
    if (cv_.WaitWithDeadline(&mu_, deadline)) break;
  }
  seen = wakeups_;
  return !stopping_;
}

absl::Duration Dispatcher::Backoff(int attempts) const {
  absl::Duration d = config_.retry_base;
  for (int i = 1; i < attempts && d < config_.retry_max; ++i) d *= 2;
  d = std::min(d, config_.retry_max);
  // ±20 % so a burst that failed together does not retry together.
  static thread_local absl::BitGen gen;
  return d * absl::Uniform(gen, 0.8, 1.2);
}

void Dispatcher::SenderLoop() {
  auto log = core::Logger("dispatcher");
  SmtpClient smtp(config_.smtp);
  uint64_t seen = 0;
  while (true) {
    auto rows = store_->ClaimDue(config_.batch, config_.lease);
    if (!rows.ok()) {
      log->warn("claiming deliveries: {}", rows.status().message());
      if (!WaitForWork(seen, absl::Seconds(1))) return;
      continue;
    }
    for (const auto& d : *rows) Record(d, Send(d, smtp));
    if (rows->size() == static_cast<size_t>(config_.batch)) {
      absl::MutexLock l(&mu_);
      if (stopping_) return;
      continue;  // more may be due: no sleep
    }
    if (!WaitForWork(seen, config_.poll)) return;
  }
}

void Dispatcher::Record(const DeliveryRow& d, const absl::Status& outcome) {
  auto log = core::Logger("dispatcher");
  absl::Status st;
  if (outcome.ok()) {
    // The server has the e-mail: recording it is what keeps it from being sent
    // twice, so it is retried for a while before the lease gives up on it.
    for (int i = 0; i < 30; ++i) {
      st = store_->MarkAccepted(d.id);
      if (st.ok()) break;
      absl::SleepFor(absl::Milliseconds(200 * (i + 1)));
    }
    log->info("delivery {} ({} {} for event {}, tenant={}) accepted", d.id, d.channel, d.purpose, d.event_id,
              d.tenant_id);
    if (!d.after_accept.empty()) {
      absl::MutexLock l(&mu_);
      after_accept_due_ = true;
      cv_.SignalAll();
    }
  } else if (Permanent(outcome) || d.attempts >= d.max_attempts) {
    log->warn("delivery {} ({} {} for event {}, tenant={}) failed for good after {} attempts: {}", d.id,
              d.channel, d.purpose, d.event_id, d.tenant_id, d.attempts, outcome.message());
    st = store_->MarkFailed(d.id, std::string(outcome.message()));
  } else {
    absl::Duration wait = Backoff(d.attempts);
    log->info("delivery {} ({} for event {}, tenant={}) attempt {} failed, retry in {}: {}", d.id, d.channel,
              d.event_id, d.tenant_id, d.attempts, absl::FormatDuration(wait), outcome.message());
    st = store_->MarkRetry(d.id, absl::Now() + wait, std::string(outcome.message()));
  }
  // Unrecorded, the row stays leased and is retried when the lease expires.
  if (!st.ok()) log->error("delivery {}: recording the outcome: {}", d.id, st.message());
}

absl::StatusOr<Email> Dispatcher::BuildEmail(const DeliveryRow& d) {
  const Options o = DecodeOptions(d.options);
  const absl::TimeZone tz = LoadZone(Opt(o, "tz"));
  Email e;
  e.from = config_.smtp.from;
  e.to = {d.recipient};
  e.date = absl::Now();
  e.message_id = absl::StrCat("sb.", d.event_id, ".", d.id, "@", domain_);
  e.headers = {{"X-Switchboard-Event", d.event_id}, {"X-Switchboard-Delivery", absl::StrCat(d.id)}};
  Rendered r;
  if (d.purpose == "SECURITY") {
    epb::SecurityNotice n;
    if (!n.ParseFromString(d.payload)) return absl::DataLossError("stored payload does not decode");
    r = RenderSecurityNotice(d.event_type, n, config_.public_url, d.event_at, tz);
  } else if (d.purpose == "FORWARD" || d.purpose == "NEW_MESSAGE" || d.purpose == "SMS") {
    epb::MessageDeposited m;
    if (!m.ParseFromString(d.payload)) return absl::DataLossError("stored payload does not decode");
    const bool attach = Opt(o, "attach") == "1";
    std::vector<Link> links;
    const std::string language = Opt(o, "lang", m.language());
    if (Opt(o, "links") == "1" && !config_.link_secret.empty()) {
      const absl::Time exp = absl::Now() + config_.link_ttl;
      static thread_local absl::BitGen gen;
      for (LinkAction a :
           {LinkAction::kDelete, LinkAction::kMarkRead, LinkAction::kMarkAllRead, LinkAction::kOpenMailbox}) {
        // The nonce makes each link its own: using the "mark all read" of
        // one e-mail does not use up another e-mail's.
        LinkClaims c{a,
                     m.tenant_id(),
                     m.user_id(),
                     a == LinkAction::kDelete || a == LinkAction::kMarkRead ? m.message_id() : "",
                     exp,
                     IsFrench(language) ? "fr" : "en",
                     absl::StrCat(absl::Hex(absl::Uniform<uint64_t>(gen), absl::kZeroPad16))};
        links.push_back({std::string(LinkActionName(a)),
                         absl::StrCat(config_.public_url, "/v1/actions/", SignLink(config_.link_secret, c))});
      }
    }
    r = RenderNewMessage(m, language, attach, d.purpose == "SMS", links, tz);
    if (attach) {
      // Fetched at send time, not copied into the outbox: the stored audio is
      // the one truth, attached byte for byte.
      SB_ASSIGN_OR_RETURN(vpb::MessageContent content, voicemail_->GetMessageContent(m.message_id()));
      e.attachments.push_back({AttachmentName(m, tz),
                               content.content_type().empty()
                                   ? (m.type() == "FAX" ? "application/pdf" : "audio/wav")
                                   : content.content_type(),
                               content.data()});
    }
  } else if (d.purpose == "MISSED_CALL") {
    epb::CallLogged c;
    if (!c.ParseFromString(d.payload)) return absl::DataLossError("stored payload does not decode");
    r = RenderMissedCall(c, Opt(o, "lang"), tz);
  } else if (d.purpose == "REQUESTED") {
    epb::EmailRequested q;
    if (!q.ParseFromString(d.payload)) return absl::DataLossError("stored payload does not decode");
    r = {q.subject(), q.text()};
    e.reply_to = q.reply_to();
    for (const auto& a : q.attachments()) e.attachments.push_back({a.filename(), a.content_type(), a.data()});
  } else {
    return absl::InvalidArgumentError(absl::StrCat("unknown delivery purpose ", d.purpose));
  }
  e.subject = std::move(r.subject);
  e.text = std::move(r.text);
  return e;
}

absl::Status Dispatcher::Send(const DeliveryRow& d, SmtpClient& smtp) {
  if (d.channel == "WEBHOOK") {
    auto hook = store_->GetWebhook(d.recipient);
    if (!hook.ok()) return hook.status();  // deleted since: NOT_FOUND, permanent
    SB_ASSIGN_OR_RETURN(std::string body,
                        EventJson(d.event_id, d.event_type, d.tenant_id, d.event_at, d.payload));
    return PostWebhook(hook->url, hook->secret, absl::StrCat(d.id), d.event_type, body, absl::Now(),
                       config_.webhook_timeout, config_.webhook_allow_private);
  }
  SB_ASSIGN_OR_RETURN(Email e, BuildEmail(d));
  const std::string boundary = absl::StrCat("=_sb_", d.id, "_", d.event_id);
  return smtp.Send({d.recipient}, BuildMime(e, boundary));
}

absl::Status Dispatcher::RunAfterAccept() {
  SB_ASSIGN_OR_RETURN(auto ready, store_->ReadyAfterAccept(100));
  for (const auto& a : ready) {
    const core::Principal p = core::Principal::System();
    absl::Status st =
        a.action == "PURGE" ? voicemail_->Purge(p, a.message_id) : voicemail_->Trash(p, a.message_id);
    if (!st.ok() && st.code() != absl::StatusCode::kNotFound) {
      core::Logger("dispatcher")
          ->warn("message {} (tenant={}): {} after delivery failed, will retry: {}", a.message_id,
                 a.tenant_id, a.action, st.message());
      continue;
    }
    core::Logger("dispatcher")
        ->info("message {} (tenant={}): {} once its e-mail was accepted", a.message_id, a.tenant_id,
               a.action);
    SB_RETURN_IF_ERROR(store_->MarkAfterAcceptDone(a.event_id));
  }
  return absl::OkStatus();
}

void Dispatcher::AfterAcceptLoop() {
  while (true) {
    {
      absl::MutexLock l(&mu_);
      const absl::Time deadline = absl::Now() + absl::Seconds(2);
      while (!stopping_ && !after_accept_due_) {
        if (cv_.WaitWithDeadline(&mu_, deadline)) break;
      }
      if (stopping_) return;
      after_accept_due_ = false;
    }
    if (auto st = RunAfterAccept(); !st.ok()) {
      core::Logger("dispatcher")->warn("after-delivery actions: {}", st.message());
    }
    if (absl::Now() - last_purge_ > config_.purge_interval) {
      last_purge_ = absl::Now();
      auto n = store_->Purge(config_.retention);
      if (!n.ok())
        core::Logger("dispatcher")->warn("purging old deliveries: {}", n.status().message());
      else if (*n > 0)
        core::Logger("dispatcher")
            ->info("purged {} deliveries older than {}", *n, absl::FormatDuration(config_.retention));
    }
  }
}

}  // namespace sb::notifications
