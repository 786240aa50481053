#pragma once
// gRPC handlers: principal checks, proto ⇄ store, statuses ⇄ grpc::Status.
// Who may do what:
//   dead letters, deliveries of everyone     OPERATOR / SYSTEM
//   a user's settings, reminders, deliveries whoever profiles lets see that user
//   a tenant's webhooks                      its ADMIN, OPERATOR; platform-wide ones: OPERATOR
//   ExecuteAction                            anyone holding a valid link; it acts as
//                                            the link's user, on that user's mailbox only
#include <string>

#include "redis/client.h"
#include "services/notifications/clients.h"
#include "services/notifications/pg_store.h"
#include "switchboard/notifications/v1/notifications.grpc.pb.h"

namespace sb::notifications {

namespace npb = ::switchboard::notifications::v1;

struct ServerConfig {
  std::string link_secret;
  std::string public_url;
  std::string default_time_zone = "Europe/Paris";
  std::vector<std::string> topics;  // consumed topics, for event dead letters
  std::string group = "notifications";
  bool webhook_allow_private = false;  // webhook_target.h
};

class NotificationsServer final : public npb::Notifications::Service {
 public:
  NotificationsServer(ServerConfig config, PgStore* store, redis::Client* redis, VoicemailClient* voicemail,
                      ProfilesClient* profiles, std::function<void()> wake);

  grpc::Status ListDeadLetters(grpc::ServerContext*, const npb::ListDeadLettersRequest*,
                               npb::ListDeadLettersResponse*) override;
  grpc::Status ReplayDeadLetter(grpc::ServerContext*, const npb::ReplayDeadLetterRequest*,
                                npb::ReplayDeadLetterResponse*) override;
  grpc::Status ListDeliveries(grpc::ServerContext*, const npb::ListDeliveriesRequest*,
                              npb::ListDeliveriesResponse*) override;
  grpc::Status GetNotificationSettings(grpc::ServerContext*, const npb::GetNotificationSettingsRequest*,
                                       npb::NotificationSettings*) override;
  grpc::Status UpdateNotificationSettings(grpc::ServerContext*, const npb::UpdateNotificationSettingsRequest*,
                                          npb::NotificationSettings*) override;
  grpc::Status ListReminders(grpc::ServerContext*, const npb::ListRemindersRequest*,
                             npb::ListRemindersResponse*) override;
  grpc::Status CreateReminder(grpc::ServerContext*, const npb::CreateReminderRequest*,
                              npb::Reminder*) override;
  grpc::Status DeleteReminder(grpc::ServerContext*, const npb::DeleteReminderRequest*, npb::Empty*) override;
  grpc::Status CreateWebhook(grpc::ServerContext*, const npb::CreateWebhookRequest*,
                             npb::CreateWebhookResponse*) override;
  grpc::Status ListWebhooks(grpc::ServerContext*, const npb::ListWebhooksRequest*,
                            npb::ListWebhooksResponse*) override;
  grpc::Status DeleteWebhook(grpc::ServerContext*, const npb::DeleteWebhookRequest*, npb::Empty*) override;
  grpc::Status ExecuteAction(grpc::ServerContext*, const npb::ExecuteActionRequest*,
                             npb::ExecuteActionResponse*) override;

 private:
  // The user as `p` may see it (NOT_FOUND otherwise).
  absl::StatusOr<ppb::User> VisibleUser(const core::Principal& p, const std::string& user_id);

  ServerConfig config_;
  PgStore* store_;
  redis::Client* redis_;
  VoicemailClient* voicemail_;
  ProfilesClient* profiles_;
  std::function<void()> wake_;
};

}  // namespace sb::notifications
