#pragma once
// The service's PostgreSQL state (schema `notifications`, see
// migrations/0001_deliveries.sql): the outbox of deliveries, settings,
// webhooks, reminders and call-outs. libpqxx lives only here; every method
// returns a status and may be called from any thread.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pg/pool.h"

namespace sb::notifications {

struct NewDelivery {
  std::string event_id;
  std::string event_type;
  std::string tenant_id;
  std::string user_id;
  std::string channel;    // EMAIL, WEBHOOK
  std::string recipient;  // address, or webhook id
  std::string purpose;    // SECURITY, FORWARD, NEW_MESSAGE, SMS, MISSED_CALL, REQUESTED, WEBHOOK
  std::string payload;    // the event's payload bytes
  std::string options;    // "key=value;…" for the renderer (language, links, attach…)
  int max_attempts = 12;
  absl::Time event_at;
  std::string after_accept;  // "", TRASH, PURGE
  std::string message_id;
};

struct DeliveryRow : NewDelivery {
  int64_t id = 0;
  std::string state;
  int attempts = 0;
  std::string last_error;
  absl::Time created_at, next_attempt_at, accepted_at, failed_at;
};

struct NewCallOut {
  std::string event_id;
  std::string tenant_id;
  std::string user_id;
  std::string message_id;
  bool urgent = false;
  int calls = 1;
  absl::Time first_at;
};

struct CallOutRow : NewCallOut {
  int64_t id = 0;
  int calls_left = 0;
};

// Something to do once every delivery of an event was accepted (C5).
struct AfterAccept {
  std::string event_id;
  std::string tenant_id;
  std::string user_id;
  std::string message_id;
  std::string action;  // TRASH, PURGE
};

struct WebhookRow {
  std::string id, tenant_id, url, secret;
  std::vector<std::string> event_types;
  bool enabled = true;
  absl::Time created_at;
};

struct ReminderRow {
  std::string id, tenant_id, user_id;
  std::string data;          // serialized Reminder
  std::string announcement;  // WAV, may be empty
  std::optional<absl::Time> next_run_at;
};

class PgStore {
 public:
  explicit PgStore(pg::Pool* pool) : pool_(pool) {}

  // One transaction: the deliveries (a redelivered event's are already there
  // and are skipped) and the call-out, if any. Returns how many deliveries
  // were new.
  absl::StatusOr<int> InsertPlan(const std::vector<NewDelivery>& deliveries,
                                 const std::optional<NewCallOut>& callout);

  // Leases up to `limit` due deliveries (pending and due, or sending with an
  // expired lease) for `lease`, counting the attempt.
  absl::StatusOr<std::vector<DeliveryRow>> ClaimDue(int limit, absl::Duration lease);
  absl::Status MarkAccepted(int64_t id);
  absl::Status MarkRetry(int64_t id, absl::Time next_at, const std::string& error);
  absl::Status MarkFailed(int64_t id, const std::string& error);
  // The soonest next_attempt_at of a pending delivery, if any.
  absl::StatusOr<std::optional<absl::Time>> NextDue();

  absl::StatusOr<std::vector<AfterAccept>> ReadyAfterAccept(int limit);
  absl::Status MarkAfterAcceptDone(const std::string& event_id);

  // Forgets accepted deliveries (their copy of the event's payload included)
  // and finished call-outs older than `age`; returns how many rows went.
  absl::StatusOr<int> Purge(absl::Duration age);

  absl::StatusOr<std::vector<DeliveryRow>> ListFailed(int limit);
  // failed → pending with fresh attempts; NOT_FOUND unless it is failed.
  absl::Status Requeue(int64_t id);
  absl::StatusOr<std::vector<DeliveryRow>> ListDeliveries(const std::string& user_id,
                                                          const std::string& event_id, int limit);

  absl::StatusOr<std::optional<std::string>> GetSettings(const std::string& user_id);
  absl::Status PutSettings(const std::string& user_id, const std::string& tenant_id, const std::string& data);

  absl::Status CreateWebhook(const WebhookRow& w);
  absl::StatusOr<std::vector<WebhookRow>> ListWebhooks(const std::optional<std::string>& tenant_id);
  absl::StatusOr<WebhookRow> GetWebhook(const std::string& id);
  absl::Status DeleteWebhook(const std::string& id);
  // Enabled webhooks of `tenant_id` and the platform-wide ones.
  absl::StatusOr<std::vector<WebhookRow>> WebhooksFor(const std::string& tenant_id);

  absl::Status CreateReminder(const ReminderRow& r);
  absl::StatusOr<std::vector<ReminderRow>> ListReminders(const std::string& user_id);
  absl::Status DeleteReminder(const std::string& user_id, const std::string& id);
  absl::StatusOr<std::vector<ReminderRow>> ClaimDueReminders(int limit, absl::Duration lease);
  // Stores the outcome: the next run (nullopt: none) and the updated data;
  // `remove` deletes it (a one-off reminder that was done).
  absl::Status FinishReminder(const std::string& id, std::optional<absl::Time> next, const std::string& data,
                              bool remove);

  absl::StatusOr<std::vector<CallOutRow>> ClaimDueCallOuts(int limit, absl::Duration lease);
  absl::Status FinishCallOut(int64_t id, std::optional<absl::Time> next, int calls_left,
                             const std::string& result);
  // The mailbox was accessed or the message read: no more calls for the user.
  absl::StatusOr<int> StopCallOuts(const std::string& user_id, const std::string& message_id);

 private:
  pg::Pool* pool_;
};

}  // namespace sb::notifications
