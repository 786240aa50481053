#include "services/notifications/notifications_server.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/handler.h"
#include "core/logging.h"
#include "core/status.h"
#include "events/dead_letters.h"
#include "events/event.h"
#include "services/notifications/planner.h"
#include "services/notifications/schedule.h"
#include "services/notifications/signing.h"
#include "services/notifications/webhook_target.h"

namespace sb::notifications {
namespace {

using core::InvalidField;
using core::Principal;

google::protobuf::Timestamp Ts(absl::Time t) {
  google::protobuf::Timestamp ts;
  if (t == absl::UnixEpoch()) return ts;
  ts.set_seconds(absl::ToUnixSeconds(t));
  ts.set_nanos(static_cast<int32_t>((t - absl::FromUnixSeconds(ts.seconds())) / absl::Nanoseconds(1)));
  return ts;
}

int Limit(int requested, int fallback, int max) {
  if (requested <= 0) return fallback;
  return std::min(requested, max);
}

// ---- page tokens (keyset pagination: where the last page ended, so rows
// added or removed meanwhile never shift a page).

absl::Status BadPageToken() { return InvalidField("page_token", "page_token is not one this list returned"); }

// "<sort time µs>.<id>" of a list sorted by (time, id).
std::string TimeIdToken(absl::Time at, const std::string& id) {
  return absl::StrCat(absl::ToUnixMicros(at), ".", id);
}
absl::StatusOr<PageCursor> TimeIdCursor(absl::string_view token) {
  PageCursor c;
  if (token.empty()) return c;
  const size_t dot = token.find('.');
  int64_t us = 0;
  if (dot == absl::string_view::npos || dot + 1 == token.size() ||
      !absl::SimpleAtoi(token.substr(0, dot), &us)) {
    return BadPageToken();
  }
  c.at = absl::FromUnixMicros(us);
  c.id = std::string(token.substr(dot + 1));
  return c;
}

// A Redis stream entry id "<ms>-<seq>", comparable.
std::optional<std::pair<uint64_t, uint64_t>> StreamId(absl::string_view id) {
  const size_t dash = id.find('-');
  std::pair<uint64_t, uint64_t> out;
  if (dash == absl::string_view::npos || !absl::SimpleAtoi(id.substr(0, dash), &out.first) ||
      !absl::SimpleAtoi(id.substr(dash + 1), &out.second)) {
    return std::nullopt;
  }
  return out;
}

// Where a dead-letter page ended: the list is the failed deliveries, then
// each consumed topic's dead events in turn.
//   "d.<failed_at µs>.<delivery id>"   inside the deliveries
//   "e.<topic>.<dead stream id>"       inside that topic's dead events
struct DeadLetterPosition {
  bool in_events = false;
  PageCursor delivery;
  size_t topic = 0;
  std::pair<uint64_t, uint64_t> stream_id{0, 0};
};

absl::StatusOr<DeadLetterPosition> DeadLetterPositionOf(absl::string_view token,
                                                        const std::vector<std::string>& topics) {
  DeadLetterPosition pos;
  if (token.empty()) return pos;
  if (absl::StartsWith(token, "d.")) {
    SB_ASSIGN_OR_RETURN(pos.delivery, TimeIdCursor(token.substr(2)));
    int64_t id = 0;
    if (!absl::SimpleAtoi(pos.delivery.id, &id) || id <= 0) return BadPageToken();
    return pos;
  }
  if (!absl::StartsWith(token, "e.")) return BadPageToken();
  const absl::string_view rest = token.substr(2);
  const size_t dot = rest.find('.');
  if (dot == absl::string_view::npos) return BadPageToken();
  auto it = std::find(topics.begin(), topics.end(), rest.substr(0, dot));
  auto sid = StreamId(rest.substr(dot + 1));
  if (it == topics.end() || !sid) return BadPageToken();
  pos.in_events = true;
  pos.topic = static_cast<size_t>(it - topics.begin());
  pos.stream_id = *sid;
  return pos;
}

std::string ToUpperState(const std::string& s) {
  std::string out = s;
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool ValidEmail(const std::string& a) {
  const size_t at = a.find('@');
  return at != std::string::npos && at > 0 && at + 1 < a.size() && a.size() <= 254 &&
         a.find_first_of(" \r\n<>,;\"") == std::string::npos;
}

absl::Status ValidateSettings(const npb::NotificationSettings& s) {
  if (s.email_notifications_size() > 10) {
    return InvalidField("email_notifications", "at most 10 notification addresses");
  }
  for (int i = 0; i < s.email_notifications_size(); ++i) {
    if (!ValidEmail(s.email_notifications(i).address())) {
      const std::string f = absl::StrCat("email_notifications[", i, "].address");
      return InvalidField(f, absl::StrCat(f, " must be an e-mail address"));
    }
  }
  if (!s.missed_call_address().empty() && !ValidEmail(s.missed_call_address())) {
    return InvalidField("missed_call_address", "missed_call_address must be an e-mail address");
  }
  return ValidateCallOut(s.call_out());
}

void ToProto(const DeliveryRow& d, npb::Delivery* out) {
  out->set_id(absl::StrCat(d.id));
  out->set_event_id(d.event_id);
  out->set_event_type(d.event_type);
  out->set_channel(d.channel);
  out->set_recipient(d.recipient);
  out->set_purpose(d.purpose);
  out->set_state(ToUpperState(d.state));
  out->set_attempts(d.attempts);
  out->set_last_error(d.last_error);
  *out->mutable_created_at() = Ts(d.created_at);
  *out->mutable_accepted_at() = Ts(d.accepted_at);
  *out->mutable_next_attempt_at() = Ts(d.next_attempt_at);
}

void ToProto(const WebhookRow& w, npb::Webhook* out) {
  out->set_id(w.id);
  out->set_tenant_id(w.tenant_id);
  out->set_url(w.url);
  for (const auto& t : w.event_types) out->add_event_types(t);
  out->set_enabled(w.enabled);
  *out->mutable_created_at() = Ts(w.created_at);
  out->set_secret_hint(w.secret.size() >= 4 ? w.secret.substr(w.secret.size() - 4) : "");
}

absl::StatusOr<npb::Reminder> ReminderOut(const ReminderRow& r) {
  npb::Reminder out;
  if (!out.ParseFromString(r.data)) return absl::DataLossError("stored reminder does not decode");
  out.set_has_announcement(!r.announcement.empty());
  if (r.next_run_at)
    *out.mutable_next_run_at() = Ts(*r.next_run_at);
  else
    out.clear_next_run_at();
  return out;
}

}  // namespace

NotificationsServer::NotificationsServer(ServerConfig config, PgStore* store, redis::Client* redis,
                                         VoicemailClient* voicemail, ProfilesClient* profiles,
                                         std::function<void()> wake)
    : config_(std::move(config)),
      store_(store),
      redis_(redis),
      voicemail_(voicemail),
      profiles_(profiles),
      wake_(std::move(wake)) {}

absl::StatusOr<ppb::User> NotificationsServer::VisibleUser(const Principal& p, const std::string& user_id) {
  if (user_id.empty()) return InvalidField("user_id", "user_id is required");
  return profiles_->GetUser(p, user_id);
}

grpc::Status NotificationsServer::ListDeadLetters(grpc::ServerContext* ctx,
                                                  const npb::ListDeadLettersRequest* req,
                                                  npb::ListDeadLettersResponse* resp) {
  return core::WithPrincipal(
      "notifications", "ListDeadLetters", ctx, [&](const Principal& p) -> absl::Status {
        if (!p.IsPlatformWide()) return absl::NotFoundError("dead letters are an operator's view");
        const size_t size = static_cast<size_t>(Limit(req->page_size(), 100, 1000));
        SB_ASSIGN_OR_RETURN(DeadLetterPosition pos, DeadLetterPositionOf(req->page_token(), config_.topics));
        // One row more than the page: whether there is a next page.
        std::vector<std::pair<npb::DeadLetter, std::string>> items;  // with the token of its position
        if (!pos.in_events) {
          SB_ASSIGN_OR_RETURN(auto failed, store_->ListFailed(pos.delivery, static_cast<int>(size) + 1));
          for (const auto& d : failed) {
            npb::DeadLetter x;
            x.set_id(absl::StrCat("d-", d.id));
            x.set_kind(npb::DeadLetter::DELIVERY);
            x.set_event_id(d.event_id);
            x.set_event_type(d.event_type);
            x.set_tenant_id(d.tenant_id);
            x.set_user_id(d.user_id);
            x.set_channel(d.channel);
            x.set_recipient(d.recipient);
            x.set_error(d.last_error);
            x.set_attempts(d.attempts);
            *x.mutable_failed_at() = Ts(d.failed_at);
            items.emplace_back(std::move(x),
                               absl::StrCat("d.", TimeIdToken(d.failed_at, absl::StrCat(d.id))));
          }
        }
        for (size_t t = pos.in_events ? pos.topic : 0; t < config_.topics.size() && items.size() <= size;
             ++t) {
          const std::string& topic = config_.topics[t];
          // The events library reads a dead stream from its start; the
          // streams hold only what consumers gave up on (and what operators
          // have not replayed), so reading up to its 10000 per call is cheap.
          SB_ASSIGN_OR_RETURN(auto dead, events::ListDeadLetters(*redis_, topic, 10000));
          for (const auto& d : dead) {
            if (d.group != config_.group) continue;  // another service's
            if (pos.in_events && t == pos.topic) {
              auto sid = StreamId(d.dead_stream_id);
              if (!sid || *sid <= pos.stream_id) continue;  // on an earlier page
            }
            npb::DeadLetter x;
            x.set_id(absl::StrCat("e-", topic, "-", d.dead_stream_id));
            x.set_kind(npb::DeadLetter::EVENT);
            x.set_event_id(d.event.id);
            x.set_event_type(d.event.type);
            x.set_tenant_id(d.event.tenant_id);
            x.set_error(d.error);
            x.set_attempts(d.deliveries);
            *x.mutable_failed_at() = Ts(d.dead_at);
            items.emplace_back(std::move(x), absl::StrCat("e.", topic, ".", d.dead_stream_id));
            if (items.size() > size) break;
          }
        }
        if (items.size() > size) {
          items.resize(size);
          resp->set_next_page_token(items.back().second);
        }
        for (auto& [x, token] : items) *resp->add_items() = std::move(x);
        return absl::OkStatus();
      });
}

grpc::Status NotificationsServer::ReplayDeadLetter(grpc::ServerContext* ctx,
                                                   const npb::ReplayDeadLetterRequest* req,
                                                   npb::ReplayDeadLetterResponse* resp) {
  return core::WithPrincipal(
      "notifications", "ReplayDeadLetter", ctx, [&](const Principal& p) -> absl::Status {
        if (!p.IsPlatformWide()) return absl::NotFoundError("no such dead letter");
        const std::string& id = req->id();
        if (absl::StartsWith(id, "d-")) {
          int64_t n = 0;
          if (!absl::SimpleAtoi(id.substr(2), &n)) return InvalidField("id", "id is not a dead letter id");
          SB_RETURN_IF_ERROR(store_->Requeue(n));
          if (wake_) wake_();
        } else if (absl::StartsWith(id, "e-")) {
          // e-<topic>-<stream id>; topics have no '-' in the ones we consume.
          const std::string rest = id.substr(2);
          const size_t dash = rest.find('-');
          if (dash == std::string::npos) return InvalidField("id", "id is not a dead letter id");
          const std::string topic = rest.substr(0, dash);
          bool ours = false;
          for (const auto& t : config_.topics) ours |= t == topic;
          if (!ours) return absl::NotFoundError("no such dead letter");
          SB_RETURN_IF_ERROR(events::Replay(*redis_, topic, rest.substr(dash + 1)).status());
        } else {
          return InvalidField("id", "id is not a dead letter id");
        }
        core::Logger("server")->info("dead letter {} replayed by an operator", id);
        resp->set_id(id);
        resp->set_status("REQUEUED");
        return absl::OkStatus();
      });
}

grpc::Status NotificationsServer::ListDeliveries(grpc::ServerContext* ctx,
                                                 const npb::ListDeliveriesRequest* req,
                                                 npb::ListDeliveriesResponse* resp) {
  return core::WithPrincipal("notifications", "ListDeliveries", ctx, [&](const Principal& p) -> absl::Status {
    if (req->user_id().empty()) {
      if (!p.IsPlatformWide()) return InvalidField("user_id", "user_id is required");
    } else {
      SB_RETURN_IF_ERROR(VisibleUser(p, req->user_id()).status());
    }
    // Newest first; the token is the last id shown.
    int64_t before = 0;
    if (!req->page_token().empty() && (!absl::SimpleAtoi(req->page_token(), &before) || before <= 0)) {
      return BadPageToken();
    }
    const int size = Limit(req->page_size(), 100, 1000);
    SB_ASSIGN_OR_RETURN(auto rows, store_->ListDeliveries(req->user_id(), req->event_id(), before, size + 1));
    if (static_cast<int>(rows.size()) > size) {
      rows.resize(size);
      resp->set_next_page_token(absl::StrCat(rows.back().id));
    }
    for (const auto& d : rows) ToProto(d, resp->add_items());
    return absl::OkStatus();
  });
}

grpc::Status NotificationsServer::GetNotificationSettings(grpc::ServerContext* ctx,
                                                          const npb::GetNotificationSettingsRequest* req,
                                                          npb::NotificationSettings* resp) {
  return core::WithPrincipal("notifications", "GetNotificationSettings", ctx,
                             [&](const Principal& p) -> absl::Status {
                               SB_ASSIGN_OR_RETURN(auto user, VisibleUser(p, req->user_id()));
                               SB_ASSIGN_OR_RETURN(*resp, LoadSettings(*store_, user.id()));
                               return absl::OkStatus();
                             });
}

grpc::Status NotificationsServer::UpdateNotificationSettings(
    grpc::ServerContext* ctx, const npb::UpdateNotificationSettingsRequest* req,
    npb::NotificationSettings* resp) {
  return core::WithPrincipal(
      "notifications", "UpdateNotificationSettings", ctx, [&](const Principal& p) -> absl::Status {
        SB_ASSIGN_OR_RETURN(auto user, VisibleUser(p, req->user_id()));
        SB_ASSIGN_OR_RETURN(npb::NotificationSettings s, LoadSettings(*store_, user.id()));
        const auto& in = req->settings();
        std::vector<std::string> paths(req->update_mask().paths().begin(), req->update_mask().paths().end());
        if (paths.empty())
          paths = {"email_notifications", "missed_call_email", "missed_call_address", "call_out"};
        for (const auto& path : paths) {
          if (path == "email_notifications")
            *s.mutable_email_notifications() = in.email_notifications();
          else if (path == "missed_call_email")
            s.set_missed_call_email(in.missed_call_email());
          else if (path == "missed_call_address")
            s.set_missed_call_address(in.missed_call_address());
          else if (path == "call_out")
            *s.mutable_call_out() = in.call_out();
          else if (path == "user_id" || path == "updated_at")
            return InvalidField(path, absl::StrCat(path, " is output only"));
          else
            return InvalidField(path, absl::StrCat("field '", path, "' can't be changed"));
        }
        SB_RETURN_IF_ERROR(ValidateSettings(s));
        s.set_user_id(user.id());
        *s.mutable_updated_at() = Ts(absl::Now());
        SB_RETURN_IF_ERROR(store_->PutSettings(user.id(), user.tenant_id(), s.SerializeAsString()));
        *resp = s;
        return absl::OkStatus();
      });
}

grpc::Status NotificationsServer::ListReminders(grpc::ServerContext* ctx,
                                                const npb::ListRemindersRequest* req,
                                                npb::ListRemindersResponse* resp) {
  return core::WithPrincipal("notifications", "ListReminders", ctx, [&](const Principal& p) -> absl::Status {
    SB_ASSIGN_OR_RETURN(auto user, VisibleUser(p, req->user_id()));
    SB_ASSIGN_OR_RETURN(PageCursor after, TimeIdCursor(req->page_token()));
    const int size = Limit(req->page_size(), 100, 1000);
    SB_ASSIGN_OR_RETURN(auto rows, store_->ListReminders(user.id(), after, size + 1));
    if (static_cast<int>(rows.size()) > size) {
      rows.resize(size);
      resp->set_next_page_token(TimeIdToken(rows.back().created_at, rows.back().id));
    }
    for (const auto& r : rows) {
      SB_ASSIGN_OR_RETURN(*resp->add_items(), ReminderOut(r));
    }
    return absl::OkStatus();
  });
}

grpc::Status NotificationsServer::CreateReminder(grpc::ServerContext* ctx,
                                                 const npb::CreateReminderRequest* req, npb::Reminder* resp) {
  return core::WithPrincipal("notifications", "CreateReminder", ctx, [&](const Principal& p) -> absl::Status {
    SB_ASSIGN_OR_RETURN(auto user, VisibleUser(p, req->user_id()));
    npb::Reminder r = req->reminder();
    SB_RETURN_IF_ERROR(ValidateReminder(r));
    if (r.recurrence() == npb::Reminder::RECURRENCE_UNSPECIFIED) r.set_recurrence(npb::Reminder::ONCE);
    if (r.time_zone().empty())
      r.set_time_zone(user.timezone().empty() ? config_.default_time_zone : user.timezone());
    absl::TimeZone tz;
    if (!absl::LoadTimeZone(r.time_zone(), &tz)) {
      return InvalidField("time_zone",
                          absl::StrCat("time_zone '", r.time_zone(), "' is not an IANA time zone"));
    }
    if (r.number().empty()) r.set_number(user.number_e164().empty() ? user.number() : user.number_e164());
    if (r.number().empty())
      return InvalidField("number", "number is required: the user has no number of their own");
    const absl::Time now = absl::Now();
    std::optional<absl::Time> next = NextReminderRun(r, tz, now);
    if (!next) return InvalidField("time", "the reminder's date and time are in the past");
    ReminderRow row;
    row.id = events::NewEventId();
    row.tenant_id = user.tenant_id();
    row.user_id = user.id();
    row.announcement = r.announcement_wav();
    r.clear_announcement_wav();
    r.set_id(row.id);
    r.set_user_id(user.id());
    *r.mutable_created_at() = Ts(now);
    *r.mutable_next_run_at() = Ts(*next);
    r.clear_last_run_at();
    r.clear_last_result();
    r.clear_has_announcement();
    row.data = r.SerializeAsString();
    row.next_run_at = next;
    SB_RETURN_IF_ERROR(store_->CreateReminder(row));
    SB_ASSIGN_OR_RETURN(*resp, ReminderOut(row));
    return absl::OkStatus();
  });
}

grpc::Status NotificationsServer::DeleteReminder(grpc::ServerContext* ctx,
                                                 const npb::DeleteReminderRequest* req, npb::Empty*) {
  return core::WithPrincipal("notifications", "DeleteReminder", ctx, [&](const Principal& p) -> absl::Status {
    SB_ASSIGN_OR_RETURN(auto user, VisibleUser(p, req->user_id()));
    return store_->DeleteReminder(user.id(), req->reminder_id());
  });
}

grpc::Status NotificationsServer::CreateWebhook(grpc::ServerContext* ctx,
                                                const npb::CreateWebhookRequest* req,
                                                npb::CreateWebhookResponse* resp) {
  return core::WithPrincipal("notifications", "CreateWebhook", ctx, [&](const Principal& p) -> absl::Status {
    const auto& in = req->webhook();
    std::string tenant = in.tenant_id();
    if (tenant.empty() && !p.IsPlatformWide()) tenant = p.tenant_id;  // an admin's own tenant
    if (tenant.empty() ? !p.IsPlatformWide() : !p.CanManageTenant(tenant)) {
      return absl::NotFoundError("no such tenant");
    }
    if (auto target = CheckWebhookUrl(in.url(), config_.webhook_allow_private); !target.ok()) {
      if (target.status().code() != absl::StatusCode::kUnavailable) return target.status();
      return InvalidField("url", target.status().message());  // does not resolve
    }
    if (in.event_types().empty()) {
      return InvalidField("event_types", "event_types lists the event types to send (\"*\" for all)");
    }
    WebhookRow w;
    w.id = events::NewEventId();
    w.tenant_id = tenant;
    w.url = in.url();
    w.secret = in.secret().empty() ? events::NewEventId() + events::NewEventId() : in.secret();
    if (w.secret.size() < 16) return InvalidField("secret", "secret must be at least 16 characters");
    w.event_types.assign(in.event_types().begin(), in.event_types().end());
    w.enabled = true;
    w.created_at = absl::Now();
    SB_RETURN_IF_ERROR(store_->CreateWebhook(w));
    ToProto(w, resp->mutable_webhook());
    resp->set_secret(w.secret);
    return absl::OkStatus();
  });
}

grpc::Status NotificationsServer::ListWebhooks(grpc::ServerContext* ctx, const npb::ListWebhooksRequest* req,
                                               npb::ListWebhooksResponse* resp) {
  return core::WithPrincipal("notifications", "ListWebhooks", ctx, [&](const Principal& p) -> absl::Status {
    std::optional<std::string> tenant;
    if (!req->tenant_id().empty()) tenant = req->tenant_id();
    if (!p.IsPlatformWide()) {
      if (p.role != core::PrincipalRole::kAdmin) return absl::NotFoundError("webhooks are managed by admins");
      if (tenant && *tenant != p.tenant_id) return absl::NotFoundError("no such tenant");
      tenant = p.tenant_id;
    }
    SB_ASSIGN_OR_RETURN(PageCursor after, TimeIdCursor(req->page_token()));
    const int size = Limit(req->page_size(), 100, 1000);
    SB_ASSIGN_OR_RETURN(auto rows, store_->ListWebhooks(tenant, after, size + 1));
    if (static_cast<int>(rows.size()) > size) {
      rows.resize(size);
      resp->set_next_page_token(TimeIdToken(rows.back().created_at, rows.back().id));
    }
    for (const auto& w : rows) ToProto(w, resp->add_items());
    return absl::OkStatus();
  });
}

grpc::Status NotificationsServer::DeleteWebhook(grpc::ServerContext* ctx,
                                                const npb::DeleteWebhookRequest* req, npb::Empty*) {
  return core::WithPrincipal("notifications", "DeleteWebhook", ctx, [&](const Principal& p) -> absl::Status {
    SB_ASSIGN_OR_RETURN(auto w, store_->GetWebhook(req->webhook_id()));
    if (w.tenant_id.empty() ? !p.IsPlatformWide() : !p.CanManageTenant(w.tenant_id)) {
      return absl::NotFoundError("no such webhook");
    }
    return store_->DeleteWebhook(w.id);
  });
}

grpc::Status NotificationsServer::ExecuteAction(grpc::ServerContext* ctx,
                                                const npb::ExecuteActionRequest* req,
                                                npb::ExecuteActionResponse* resp) {
  return core::WithPrincipal("notifications", "ExecuteAction", ctx, [&](const Principal&) -> absl::Status {
    if (config_.link_secret.empty()) return absl::NotFoundError("action links are not enabled");
    // Malformed: INVALID_ARGUMENT, forged: PERMISSION_DENIED, expired:
    // FAILED_PRECONDITION, each naming the field "token".
    auto verified = VerifyLink(config_.link_secret, req->token(), absl::Now());
    if (!verified.ok()) return core::WithField(verified.status(), "token");
    const LinkClaims& c = *verified;
    resp->set_action(std::string(LinkActionName(c.action)));
    resp->set_user_id(c.user_id);
    resp->set_message_id(c.message_id);
    resp->set_redirect_url(absl::StrCat(config_.public_url, "/#/messages"));
    *resp->mutable_expires_at() = Ts(c.expires_at);
    std::string language = c.language;
    if (language.empty() && profiles_ != nullptr) {
      // Links of e-mails sent before links carried their language: the user's.
      if (auto u = profiles_->GetUser(core::Principal::System(), c.user_id); u.ok()) language = u->language();
    }
    resp->set_language(language);
    // Opening the mailbox changes nothing: it is never "used up".
    if (c.action == LinkAction::kOpenMailbox) return absl::OkStatus();

    const std::string key = Sha256Hex(req->token());
    auto already = [&](const UsedLink& u) {
      resp->set_already_done(true);
      resp->set_affected(u.affected);
      *resp->mutable_done_at() = Ts(u.done_at);
      return absl::OkStatus();
    };
    if (req->preview()) {
      SB_ASSIGN_OR_RETURN(auto used, store_->FindLink(key));
      if (used) return already(*used);
      return absl::OkStatus();
    }
    // Recorded before it runs, so two clicks at once run it once.
    SB_ASSIGN_OR_RETURN(auto used,
                        store_->ClaimLink(key, resp->action(), c.tenant_id, c.user_id, c.expires_at));
    if (used) return already(*used);
    // The link acts as its user and nothing more: voicemail checks that the
    // message is that user's.
    const Principal as_user = UserPrincipal(c.tenant_id, c.user_id);
    absl::StatusOr<int> affected = 0;
    switch (c.action) {
      case LinkAction::kDelete:
        if (auto st = voicemail_->Trash(as_user, c.message_id); st.ok())
          affected = 1;
        else
          affected = st;
        break;
      case LinkAction::kMarkRead:
        if (auto st = voicemail_->MarkRead(as_user, c.message_id); st.ok())
          affected = 1;
        else
          affected = st;
        break;
      case LinkAction::kMarkAllRead:
        affected = voicemail_->MarkAllRead(as_user, c.user_id);
        break;
      case LinkAction::kOpenMailbox:
        break;
    }
    if (!affected.ok()) {
      // Not run: the link stays usable.
      if (auto st = store_->ReleaseLink(key); !st.ok()) {
        core::Logger("server")->warn("action link for user {} (tenant={}): releasing after a failure: {}",
                                     c.user_id, c.tenant_id, st.message());
      }
      return affected.status();
    }
    resp->set_affected(*affected);
    // Microseconds, as stored: a second run reports the very same time.
    const absl::Time done_at = absl::FromUnixMicros(absl::ToUnixMicros(absl::Now()));
    *resp->mutable_done_at() = Ts(done_at);
    SB_RETURN_IF_ERROR(store_->FinishLink(key, *affected, done_at));
    core::Logger("server")->info("action link {} for user {} (tenant={}) executed: {} affected",
                                 resp->action(), c.user_id, c.tenant_id, *affected);
    return absl::OkStatus();
  });
}

}  // namespace sb::notifications
