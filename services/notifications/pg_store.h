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

// Where a page of a list ended (keyset pagination): the last row's sort
// time and id. The zero value starts at the beginning.
struct PageCursor {
  absl::Time at = absl::UnixEpoch();
  std::string id;
  bool start() const { return id.empty(); }
};

// An action link that ran (C5).
struct UsedLink {
  std::string action;
  int affected = 0;
  absl::Time done_at;
};

struct ReminderRow {
  std::string id, tenant_id, user_id;
  std::string data;          // serialized Reminder
  std::string announcement;  // WAV, may be empty
  std::optional<absl::Time> next_run_at;
  absl::Time created_at;
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

  // Forgets accepted deliveries (their copy of the event's payload included,
  // once their after-delivery action ran) and finished call-outs older than
  // `age`, and used action links that have expired; returns how many rows
  // went. Failed deliveries (dead letters) stay until an operator replays
  // them.
  absl::StatusOr<int> Purge(absl::Duration age);

  // Dead letters oldest failure first, after `after` (failed_at, id).
  absl::StatusOr<std::vector<DeliveryRow>> ListFailed(const PageCursor& after, int limit);
  // failed → pending with fresh attempts; NOT_FOUND unless it is failed.
  absl::Status Requeue(int64_t id);
  // Newest first, ids below `before_id` (0: from the newest).
  absl::StatusOr<std::vector<DeliveryRow>> ListDeliveries(const std::string& user_id,
                                                          const std::string& event_id, int64_t before_id,
                                                          int limit);

  absl::StatusOr<std::optional<std::string>> GetSettings(const std::string& user_id);
  absl::Status PutSettings(const std::string& user_id, const std::string& tenant_id, const std::string& data);

  absl::Status CreateWebhook(const WebhookRow& w);
  // Oldest first, after `after` (created_at, id).
  absl::StatusOr<std::vector<WebhookRow>> ListWebhooks(const std::optional<std::string>& tenant_id,
                                                       const PageCursor& after, int limit);
  absl::StatusOr<WebhookRow> GetWebhook(const std::string& id);
  absl::Status DeleteWebhook(const std::string& id);
  // Enabled webhooks of `tenant_id` and the platform-wide ones.
  absl::StatusOr<std::vector<WebhookRow>> WebhooksFor(const std::string& tenant_id);

  absl::Status CreateReminder(const ReminderRow& r);
  // Oldest first, after `after` (created_at, id).
  absl::StatusOr<std::vector<ReminderRow>> ListReminders(const std::string& user_id, const PageCursor& after,
                                                         int limit);
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

  // Action links (C5). ClaimLink records that the link with this token hash
  // runs now and returns nullopt; when it had already run (or is running),
  // it changes nothing and returns that run. FinishLink stores what the run
  // did; ReleaseLink forgets a run that failed, so the link can be tried again.
  absl::StatusOr<std::optional<UsedLink>> ClaimLink(const std::string& token_sha256,
                                                    const std::string& action, const std::string& tenant_id,
                                                    const std::string& user_id, absl::Time expires_at);
  absl::Status FinishLink(const std::string& token_sha256, int affected, absl::Time done_at);
  // The run of that link, if it ran.
  absl::StatusOr<std::optional<UsedLink>> FindLink(const std::string& token_sha256);
  absl::Status ReleaseLink(const std::string& token_sha256);

 private:
  pg::Pool* pool_;
};

}  // namespace sb::notifications
