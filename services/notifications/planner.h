#pragma once
// Turns each consumed event into the deliveries it calls for and writes them
// to the outbox (PgStore::InsertPlan) before the event is acknowledged:
//   security.*                      the notice to each address (F4, A1, A2)
//   mailbox.message_deposited/_composed
//                                   C5 forward (content attached, action links,
//                                   "do not keep the original"), F2 notices
//                                   and e-mail-to-SMS, F3 call-out
//   mailbox.changed                 nothing new is left: pending call-outs stop
//   mailbox.accessed                the owner opened the mailbox: pending call-outs stop (F3)
//   call.missed                     the missed-call e-mail, when asked for
//   notify.email_requested          the requested e-mail (F5)
//   any type                        the matching webhooks
// Handle is idempotent by event id (the outbox's unique key): a redelivered
// or replayed event adds nothing. A failure (database, voicemail or profiles
// unreachable) is returned, so the consumer retries the event later.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "events/event.h"
#include "services/notifications/clients.h"
#include "services/notifications/pg_store.h"
#include "switchboard/notifications/v1/notifications.pb.h"

namespace sb::notifications {

namespace npb = ::switchboard::notifications::v1;

struct PlannerConfig {
  int max_attempts = 12;
  std::string default_time_zone = "Europe/Paris";
};

// The user's settings, or the defaults (nothing on) when never saved.
absl::StatusOr<npb::NotificationSettings> LoadSettings(PgStore& store, const std::string& user_id);

class Planner {
 public:
  Planner(PlannerConfig config, PgStore* store, VoicemailClient* voicemail, ProfilesClient* profiles,
          std::function<void()> on_new_work);

  // The consumer's handler.
  absl::Status Handle(const events::Event& event);

 private:
  struct Plan {
    std::vector<NewDelivery> deliveries;
    std::optional<NewCallOut> callout;
  };

  NewDelivery Base(const events::Event& e, const std::string& user_id) const;
  absl::Status PlanSecurity(const events::Event& e, Plan& plan);
  absl::Status PlanMessage(const events::Event& e, Plan& plan);
  absl::Status PlanMissedCall(const events::Event& e, Plan& plan);
  absl::Status PlanRequested(const events::Event& e, Plan& plan);
  absl::Status PlanWebhooks(const events::Event& e, Plan& plan);
  // The user's time zone, best effort (the default when profiles can't say).
  std::string TimeZoneOf(const std::string& user_id);

  PlannerConfig config_;
  PgStore* store_;
  VoicemailClient* voicemail_;
  ProfilesClient* profiles_;
  std::function<void()> on_new_work_;
};

}  // namespace sb::notifications
