#include "services/notifications/pg_store.h"

#include <pqxx/pqxx>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/status.h"

namespace sb::notifications {
namespace {

// Times cross the wire as Unix microseconds.

std::string TsParam(int n) {
  return absl::StrCat("(timestamptz 'epoch' + $", n, "::bigint * interval '1 microsecond')");
}
std::string Micros(const char* column) {
  return absl::StrCat("coalesce((extract(epoch from ", column, ")*1000000)::bigint, 0)");
}
int64_t ToMicros(absl::Time t) { return absl::ToUnixMicros(t); }
absl::Time FromMicros(const pqxx::field& f) {
  return f.is_null() ? absl::UnixEpoch() : absl::FromUnixMicros(f.as<int64_t>());
}
std::string Bytes(const pqxx::field& f) { return f.is_null() ? "" : pqxx::binarystring(f).str(); }

// For writes whose loss in a database crash only means "send again": a
// lease (the row stays pending) and an accepted mark (at-least-once, the
// e-mail is re-sent with the same Message-ID). They skip waiting for the WAL
// flush, which is most of the cost of a delivery at hundreds per second. The
// outbox rows themselves (InsertPlan) are always committed durably before
// the event is acknowledged.
void RelaxedCommit(pqxx::work& w) { w.exec("SET LOCAL synchronous_commit = off"); }

const std::string& DeliveryCols() {
  static const std::string* cols = new std::string(
      absl::StrCat("id, event_id, event_type, tenant_id, user_id, channel, recipient, purpose, payload, "
                   "options, state, attempts, "
                   "max_attempts, last_error, after_accept, message_id, ",
                   Micros("event_at"), ", ", Micros("created_at"), ", ", Micros("next_attempt_at"), ", ",
                   Micros("accepted_at"), ", ", Micros("failed_at")));
  return *cols;
}

DeliveryRow ReadDelivery(const pqxx::row& r) {
  DeliveryRow d;
  d.id = r[0].as<int64_t>();
  d.event_id = r[1].as<std::string>();
  d.event_type = r[2].as<std::string>();
  d.tenant_id = r[3].as<std::string>();
  d.user_id = r[4].as<std::string>();
  d.channel = r[5].as<std::string>();
  d.recipient = r[6].as<std::string>();
  d.purpose = r[7].as<std::string>();
  d.payload = Bytes(r[8]);
  d.options = r[9].as<std::string>();
  d.state = r[10].as<std::string>();
  d.attempts = r[11].as<int>();
  d.max_attempts = r[12].as<int>();
  d.last_error = r[13].as<std::string>();
  d.after_accept = r[14].as<std::string>();
  d.message_id = r[15].as<std::string>();
  d.event_at = FromMicros(r[16]);
  d.created_at = FromMicros(r[17]);
  d.next_attempt_at = FromMicros(r[18]);
  d.accepted_at = FromMicros(r[19]);
  d.failed_at = FromMicros(r[20]);
  return d;
}

std::string PgArray(const std::vector<std::string>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ",";
    out += "\"";
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += "\"";
  }
  return out + "}";
}

WebhookRow ReadWebhook(const pqxx::row& r) {
  WebhookRow w;
  w.id = r[0].as<std::string>();
  w.tenant_id = r[1].as<std::string>();
  w.url = r[2].as<std::string>();
  w.secret = r[3].as<std::string>();
  auto arr = r[4].as_array();
  for (auto item = arr.get_next(); item.first != pqxx::array_parser::juncture::done; item = arr.get_next()) {
    if (item.first == pqxx::array_parser::juncture::string_value) w.event_types.push_back(item.second);
  }
  w.enabled = r[5].as<bool>();
  w.created_at = FromMicros(r[6]);
  return w;
}

const std::string& WebhookCols() {
  static const std::string* cols = new std::string(
      absl::StrCat("id, tenant_id, url, secret, event_types, enabled, ", Micros("created_at")));
  return *cols;
}

ReminderRow ReadReminder(const pqxx::row& r) {
  ReminderRow x;
  x.id = r[0].as<std::string>();
  x.tenant_id = r[1].as<std::string>();
  x.user_id = r[2].as<std::string>();
  x.data = Bytes(r[3]);
  x.announcement = Bytes(r[4]);
  if (!r[5].is_null()) x.next_run_at = absl::FromUnixMicros(r[5].as<int64_t>());
  x.created_at = FromMicros(r[6]);
  return x;
}

const std::string& ReminderCols() {
  static const std::string* cols =
      new std::string(absl::StrCat("id, tenant_id, user_id, data, announcement, "
                                   "(extract(epoch from next_run_at)*1000000)::bigint, ",
                                   Micros("created_at")));
  return *cols;
}

// The keyset condition "(<time column>, id) > cursor"; `n` is the number of
// the first of its two parameters (micros, id). At the start every row passes.
std::string After(const char* time_column, int n) {
  return absl::StrCat("($", n + 1, " = '' OR (", time_column, ", id) > (", TsParam(n), ", $", n + 1, "))");
}

}  // namespace

absl::StatusOr<int> PgStore::InsertPlan(const std::vector<NewDelivery>& deliveries,
                                        const std::optional<NewCallOut>& callout) {
  return pool_->TransactValue([&](pqxx::work& w) -> absl::StatusOr<int> {
    int inserted = 0;
    for (const auto& d : deliveries) {
      auto r = w.exec_params(
          absl::StrCat("INSERT INTO deliveries (event_id, event_type, tenant_id, user_id, channel, "
                       "recipient, purpose, "
                       "payload, options, max_attempts, event_at, after_accept, message_id) "
                       "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, ",
                       TsParam(11),
                       ", $12, $13) ON CONFLICT (event_id, channel, recipient, purpose) DO NOTHING"),
          d.event_id, d.event_type, d.tenant_id, d.user_id, d.channel, d.recipient, d.purpose,
          pqxx::binarystring(d.payload), d.options, d.max_attempts, ToMicros(d.event_at), d.after_accept,
          d.message_id);
      inserted += r.affected_rows();
    }
    if (callout) {
      w.exec_params(
          absl::StrCat("INSERT INTO callouts (event_id, tenant_id, user_id, message_id, urgent, calls_left, "
                       "next_run_at) VALUES ($1, $2, $3, $4, $5, $6, ",
                       TsParam(7), ") ON CONFLICT (event_id) DO NOTHING"),
          callout->event_id, callout->tenant_id, callout->user_id, callout->message_id, callout->urgent,
          callout->calls, ToMicros(callout->first_at));
    }
    return inserted;
  });
}

absl::StatusOr<std::vector<DeliveryRow>> PgStore::ClaimDue(int limit, absl::Duration lease) {
  return pool_->TransactValue([&](pqxx::work& w) -> absl::StatusOr<std::vector<DeliveryRow>> {
    std::vector<DeliveryRow> out;
    RelaxedCommit(w);
    auto r = w.exec_params(
        absl::StrCat(
            "UPDATE deliveries SET state = 'sending', attempts = attempts + 1, "
            "lease_until = now() + $2::bigint * interval '1 microsecond' "
            "WHERE id IN (SELECT id FROM deliveries WHERE (state = 'pending' AND next_attempt_at <= now()) "
            "OR (state = 'sending' AND lease_until < now()) ORDER BY next_attempt_at LIMIT $1 "
            "FOR UPDATE SKIP LOCKED) RETURNING ",
            DeliveryCols()),
        limit, absl::ToInt64Microseconds(lease));
    for (const auto& row : r) out.push_back(ReadDelivery(row));
    return out;
  });
}

absl::Status PgStore::MarkAccepted(int64_t id) {
  return pool_->Transact([&](pqxx::work& w) -> absl::Status {
    RelaxedCommit(w);
    w.exec_params(
        "UPDATE deliveries SET state = 'accepted', accepted_at = now(), lease_until = NULL, "
        "last_error = '' WHERE id = $1",
        id);
    return absl::OkStatus();
  });
}

absl::Status PgStore::MarkRetry(int64_t id, absl::Time next_at, const std::string& error) {
  return pool_->Transact([&](pqxx::work& w) -> absl::Status {
    w.exec_params(
        absl::StrCat("UPDATE deliveries SET state = 'pending', lease_until = NULL, last_error = $2, "
                     "next_attempt_at = ",
                     TsParam(3), " WHERE id = $1 AND state = 'sending'"),
        id, error.substr(0, 2000), ToMicros(next_at));
    return absl::OkStatus();
  });
}

absl::Status PgStore::MarkFailed(int64_t id, const std::string& error) {
  return pool_->Transact([&](pqxx::work& w) -> absl::Status {
    w.exec_params(
        "UPDATE deliveries SET state = 'failed', failed_at = now(), lease_until = NULL, last_error = $2 "
        "WHERE id = $1",
        id, error.substr(0, 2000));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::optional<absl::Time>> PgStore::NextDue() {
  return pool_->QueryValue([&](pqxx::nontransaction& w) -> absl::StatusOr<std::optional<absl::Time>> {
    auto r = w.exec(
        absl::StrCat("SELECT ", Micros("min(next_attempt_at)"), " FROM deliveries WHERE state = 'pending'"));
    int64_t v = r[0][0].as<int64_t>();
    return v == 0 ? std::nullopt : std::optional<absl::Time>(absl::FromUnixMicros(v));
  });
}

absl::StatusOr<std::vector<AfterAccept>> PgStore::ReadyAfterAccept(int limit) {
  return pool_->QueryValue([&](pqxx::nontransaction& w) -> absl::StatusOr<std::vector<AfterAccept>> {
    std::vector<AfterAccept> out;
    // Every delivery of the event that carries the action must be accepted:
    // one address refusing the e-mail keeps the message.
    auto r = w.exec_params(
        "SELECT event_id, min(tenant_id), min(user_id), min(message_id), min(after_accept) FROM deliveries "
        "WHERE after_accept <> '' AND NOT after_accept_done GROUP BY event_id "
        "HAVING bool_and(state = 'accepted') LIMIT $1",
        limit);
    for (const auto& row : r) {
      out.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
                     row[3].as<std::string>(), row[4].as<std::string>()});
    }
    return out;
  });
}

absl::Status PgStore::MarkAfterAcceptDone(const std::string& event_id) {
  return pool_->Transact([&](pqxx::work& w) -> absl::Status {
    w.exec_params("UPDATE deliveries SET after_accept_done = true WHERE event_id = $1 AND after_accept <> ''",
                  event_id);
    return absl::OkStatus();
  });
}

absl::StatusOr<int> PgStore::Purge(absl::Duration age) {
  return pool_->TransactValue([&](pqxx::work& w) -> absl::StatusOr<int> {
    const int64_t us = absl::ToInt64Microseconds(age);
    int n = 0;
    n = w.exec_params(
             "DELETE FROM deliveries WHERE state = 'accepted' AND (after_accept = '' OR after_accept_done) "
             "AND accepted_at < now() - $1::bigint * interval '1 microsecond'",
             us)
            .affected_rows();
    n += w.exec_params(
              "DELETE FROM callouts WHERE next_run_at IS NULL AND "
              "created_at < now() - $1::bigint * interval '1 microsecond'",
              us)
             .affected_rows();
    n += w.exec("DELETE FROM action_links_used WHERE expires_at < now()").affected_rows();
    return n;
  });
}

absl::StatusOr<std::vector<DeliveryRow>> PgStore::ListFailed(const PageCursor& after, int limit) {
  return pool_->QueryValue([&](pqxx::nontransaction& w) -> absl::StatusOr<std::vector<DeliveryRow>> {
    std::vector<DeliveryRow> out;
    int64_t after_id = 0;
    if (!after.start() && !absl::SimpleAtoi(after.id, &after_id)) {
      return absl::InvalidArgumentError("page_token: not a dead letter position");
    }
    auto r = w.exec_params(
        absl::StrCat("SELECT ", DeliveryCols(),
                     " FROM deliveries WHERE state = 'failed' AND ($2 = 0 OR (failed_at, id) > (", TsParam(3),
                     ", $2)) ORDER BY failed_at, id LIMIT $1"),
        limit, after_id, ToMicros(after.at));
    for (const auto& row : r) out.push_back(ReadDelivery(row));
    return out;
  });
}

absl::Status PgStore::Requeue(int64_t id) {
  return pool_->Transact([&](pqxx::work& w) -> absl::Status {
    auto r = w.exec_params(
        "UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = now(), "
        "failed_at = NULL WHERE id = $1 AND state = 'failed'",
        id);
    if (r.affected_rows() == 0) return absl::NotFoundError("no such dead letter");
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<DeliveryRow>> PgStore::ListDeliveries(const std::string& user_id,
                                                                 const std::string& event_id,
                                                                 int64_t before_id, int limit) {
  return pool_->QueryValue([&](pqxx::nontransaction& w) -> absl::StatusOr<std::vector<DeliveryRow>> {
    std::vector<DeliveryRow> out;
    auto r = w.exec_params(
        absl::StrCat("SELECT ", DeliveryCols(),
                     " FROM deliveries WHERE ($1 = '' OR user_id = $1) AND ($2 = '' OR event_id = $2) "
                     "AND ($4 = 0 OR id < $4) ORDER BY id DESC LIMIT $3"),
        user_id, event_id, limit, before_id);
    for (const auto& row : r) out.push_back(ReadDelivery(row));
    return out;
  });
}

absl::StatusOr<std::optional<std::string>> PgStore::GetSettings(const std::string& user_id) {
  return pool_->QueryValue([&](pqxx::nontransaction& w) -> absl::StatusOr<std::optional<std::string>> {
    auto r = w.exec_params("SELECT data FROM settings WHERE user_id = $1", user_id);
    return r.empty() ? std::nullopt : std::optional<std::string>(Bytes(r[0][0]));
  });
}

absl::Status PgStore::PutSettings(const std::string& user_id, const std::string& tenant_id,
                                  const std::string& data) {
  return pool_->Transact([&](pqxx::work& w) -> absl::Status {
    w.exec_params(
        "INSERT INTO settings (user_id, tenant_id, data) VALUES ($1, $2, $3) ON CONFLICT (user_id) "
        "DO UPDATE SET data = EXCLUDED.data, tenant_id = EXCLUDED.tenant_id, updated_at = now()",
        user_id, tenant_id, pqxx::binarystring(data));
    return absl::OkStatus();
  });
}

absl::Status PgStore::CreateWebhook(const WebhookRow& x) {
  return pool_->Transact([&](pqxx::work& w) -> absl::Status {
    w.exec_params(
        "INSERT INTO webhooks (id, tenant_id, url, secret, event_types, enabled) "
        "VALUES ($1, $2, $3, $4, $5::text[], $6)",
        x.id, x.tenant_id, x.url, x.secret, PgArray(x.event_types), x.enabled);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<WebhookRow>> PgStore::ListWebhooks(const std::optional<std::string>& tenant_id,
                                                              const PageCursor& after, int limit) {
  return pool_->QueryValue([&](pqxx::nontransaction& w) -> absl::StatusOr<std::vector<WebhookRow>> {
    std::vector<WebhookRow> out;
    auto r = w.exec_params(
        absl::StrCat("SELECT ", WebhookCols(), " FROM webhooks WHERE ($1 OR tenant_id = $2) AND ",
                     After("created_at", 3), " ORDER BY created_at, id LIMIT $5"),
        !tenant_id.has_value(), tenant_id.value_or(""), ToMicros(after.at), after.id, limit);
    for (const auto& row : r) out.push_back(ReadWebhook(row));
    return out;
  });
}

absl::StatusOr<WebhookRow> PgStore::GetWebhook(const std::string& id) {
  return pool_->QueryValue([&](pqxx::nontransaction& w) -> absl::StatusOr<WebhookRow> {
    auto r = w.exec_params(absl::StrCat("SELECT ", WebhookCols(), " FROM webhooks WHERE id = $1"), id);
    if (r.empty()) return absl::NotFoundError("no such webhook");
    return ReadWebhook(r[0]);
  });
}

absl::Status PgStore::DeleteWebhook(const std::string& id) {
  return pool_->Transact([&](pqxx::work& w) -> absl::Status {
    if (w.exec_params("DELETE FROM webhooks WHERE id = $1", id).affected_rows() == 0) {
      return absl::NotFoundError("no such webhook");
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<WebhookRow>> PgStore::WebhooksFor(const std::string& tenant_id) {
  return pool_->QueryValue([&](pqxx::nontransaction& w) -> absl::StatusOr<std::vector<WebhookRow>> {
    std::vector<WebhookRow> out;
    auto r =
        w.exec_params(absl::StrCat("SELECT ", WebhookCols(),
                                   " FROM webhooks WHERE enabled AND (tenant_id = '' OR tenant_id = $1)"),
                      tenant_id);
    for (const auto& row : r) out.push_back(ReadWebhook(row));
    return out;
  });
}

absl::Status PgStore::CreateReminder(const ReminderRow& x) {
  return pool_->Transact([&](pqxx::work& w) -> absl::Status {
    w.exec_params(
        absl::StrCat("INSERT INTO reminders (id, tenant_id, user_id, data, announcement, next_run_at) "
                     "VALUES ($1, $2, $3, $4, $5, ",
                     TsParam(6), ")"),
        x.id, x.tenant_id, x.user_id, pqxx::binarystring(x.data), pqxx::binarystring(x.announcement),
        ToMicros(x.next_run_at.value_or(absl::UnixEpoch())));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<ReminderRow>> PgStore::ListReminders(const std::string& user_id,
                                                                const PageCursor& after, int limit) {
  return pool_->QueryValue([&](pqxx::nontransaction& w) -> absl::StatusOr<std::vector<ReminderRow>> {
    std::vector<ReminderRow> out;
    auto r = w.exec_params(absl::StrCat("SELECT ", ReminderCols(), " FROM reminders WHERE user_id = $1 AND ",
                                        After("created_at", 2), " ORDER BY created_at, id LIMIT $4"),
                           user_id, ToMicros(after.at), after.id, limit);
    for (const auto& row : r) out.push_back(ReadReminder(row));
    return out;
  });
}

absl::Status PgStore::DeleteReminder(const std::string& user_id, const std::string& id) {
  return pool_->Transact([&](pqxx::work& w) -> absl::Status {
    if (w.exec_params("DELETE FROM reminders WHERE id = $1 AND user_id = $2", id, user_id).affected_rows() ==
        0) {
      return absl::NotFoundError("no such reminder");
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<ReminderRow>> PgStore::ClaimDueReminders(int limit, absl::Duration lease) {
  return pool_->TransactValue([&](pqxx::work& w) -> absl::StatusOr<std::vector<ReminderRow>> {
    std::vector<ReminderRow> out;
    auto r = w.exec_params(
        absl::StrCat("UPDATE reminders SET lease_until = now() + $2::bigint * interval '1 microsecond' "
                     "WHERE id IN (SELECT id FROM reminders WHERE next_run_at <= now() "
                     "AND (lease_until IS NULL OR lease_until < now()) ORDER BY next_run_at LIMIT $1 "
                     "FOR UPDATE SKIP LOCKED) RETURNING ",
                     ReminderCols()),
        limit, absl::ToInt64Microseconds(lease));
    for (const auto& row : r) out.push_back(ReadReminder(row));
    return out;
  });
}

absl::Status PgStore::FinishReminder(const std::string& id, std::optional<absl::Time> next,
                                     const std::string& data, bool remove) {
  return pool_->Transact([&](pqxx::work& w) -> absl::Status {
    if (remove) {
      w.exec_params("DELETE FROM reminders WHERE id = $1", id);
    } else if (next) {
      w.exec_params(absl::StrCat("UPDATE reminders SET lease_until = NULL, data = $2, next_run_at = ",
                                 TsParam(3), " WHERE id = $1"),
                    id, pqxx::binarystring(data), ToMicros(*next));
    } else {
      w.exec_params("UPDATE reminders SET lease_until = NULL, data = $2, next_run_at = NULL WHERE id = $1",
                    id, pqxx::binarystring(data));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<CallOutRow>> PgStore::ClaimDueCallOuts(int limit, absl::Duration lease) {
  return pool_->TransactValue([&](pqxx::work& w) -> absl::StatusOr<std::vector<CallOutRow>> {
    std::vector<CallOutRow> out;
    auto r = w.exec_params(
        "UPDATE callouts SET lease_until = now() + $2::bigint * interval '1 microsecond' "
        "WHERE id IN (SELECT id FROM callouts WHERE next_run_at <= now() "
        "AND (lease_until IS NULL OR lease_until < now()) ORDER BY next_run_at LIMIT $1 FOR UPDATE SKIP "
        "LOCKED) "
        "RETURNING id, event_id, tenant_id, user_id, message_id, urgent, calls_left",
        limit, absl::ToInt64Microseconds(lease));
    for (const auto& row : r) {
      CallOutRow c;
      c.id = row[0].as<int64_t>();
      c.event_id = row[1].as<std::string>();
      c.tenant_id = row[2].as<std::string>();
      c.user_id = row[3].as<std::string>();
      c.message_id = row[4].as<std::string>();
      c.urgent = row[5].as<bool>();
      c.calls_left = row[6].as<int>();
      out.push_back(std::move(c));
    }
    return out;
  });
}

absl::Status PgStore::FinishCallOut(int64_t id, std::optional<absl::Time> next, int calls_left,
                                    const std::string& result) {
  return pool_->Transact([&](pqxx::work& w) -> absl::Status {
    if (next) {
      w.exec_params(absl::StrCat("UPDATE callouts SET lease_until = NULL, calls_left = $2, last_result = $3, "
                                 "next_run_at = ",
                                 TsParam(4), " WHERE id = $1"),
                    id, calls_left, result, ToMicros(*next));
    } else {
      w.exec_params(
          "UPDATE callouts SET lease_until = NULL, calls_left = $2, last_result = $3, next_run_at = NULL "
          "WHERE id = $1",
          id, calls_left, result);
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::optional<UsedLink>> PgStore::ClaimLink(const std::string& token_sha256,
                                                           const std::string& action,
                                                           const std::string& tenant_id,
                                                           const std::string& user_id,
                                                           absl::Time expires_at) {
  return pool_->TransactValue([&](pqxx::work& w) -> absl::StatusOr<std::optional<UsedLink>> {
    auto ins = w.exec_params(absl::StrCat("INSERT INTO action_links_used (token_sha256, action, tenant_id, "
                                          "user_id, expires_at) VALUES ($1, $2, $3, $4, ",
                                          TsParam(5), ") ON CONFLICT (token_sha256) DO NOTHING"),
                             token_sha256, action, tenant_id, user_id, ToMicros(expires_at));
    if (ins.affected_rows() == 1) return std::nullopt;
    auto r = w.exec_params(absl::StrCat("SELECT action, affected, ", Micros("done_at"),
                                        " FROM action_links_used WHERE token_sha256 = $1"),
                           token_sha256);
    if (r.empty()) return absl::AbortedError("action link: claimed and released concurrently; try again");
    return UsedLink{r[0][0].as<std::string>(), r[0][1].as<int>(), FromMicros(r[0][2])};
  });
}

absl::Status PgStore::FinishLink(const std::string& token_sha256, int affected, absl::Time done_at) {
  return pool_->Transact([&](pqxx::work& w) -> absl::Status {
    w.exec_params(absl::StrCat("UPDATE action_links_used SET affected = $2, done_at = ", TsParam(3),
                               " WHERE token_sha256 = $1"),
                  token_sha256, affected, ToMicros(done_at));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::optional<UsedLink>> PgStore::FindLink(const std::string& token_sha256) {
  return pool_->QueryValue([&](pqxx::nontransaction& w) -> absl::StatusOr<std::optional<UsedLink>> {
    std::optional<UsedLink> out;
    auto r = w.exec_params(absl::StrCat("SELECT action, affected, ", Micros("done_at"),
                                        " FROM action_links_used WHERE token_sha256 = $1"),
                           token_sha256);
    if (!r.empty()) out = UsedLink{r[0][0].as<std::string>(), r[0][1].as<int>(), FromMicros(r[0][2])};
    return out;
  });
}

absl::Status PgStore::ReleaseLink(const std::string& token_sha256) {
  return pool_->Transact([&](pqxx::work& w) -> absl::Status {
    w.exec_params("DELETE FROM action_links_used WHERE token_sha256 = $1", token_sha256);
    return absl::OkStatus();
  });
}

absl::StatusOr<int> PgStore::StopCallOuts(const std::string& user_id, const std::string& message_id) {
  return pool_->TransactValue([&](pqxx::work& w) -> absl::StatusOr<int> {
    auto r = w.exec_params(
        "UPDATE callouts SET next_run_at = NULL, last_result = 'STOPPED' "
        "WHERE user_id = $1 AND ($2 = '' OR message_id = $2) AND next_run_at IS NOT NULL",
        user_id, message_id);
    return r.affected_rows();
  });
}

}  // namespace sb::notifications
