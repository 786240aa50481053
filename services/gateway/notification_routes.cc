// Routes of the notifications service: a user's notification settings (F2,
// F3, missed-call e-mails) and reminders (B18), tenants' webhooks, the
// operator's dead letters, and the signed action links of voicemail e-mails
// (C5), which work without signing in.
#include "absl/strings/str_cat.h"
#include "services/gateway/gateway.h"

namespace sb::gateway {
namespace {

using NStub = npb::Notifications::Stub;

std::string NParam(const HttpRequest& r, std::string_view name) { return std::string(r.PathParam(name)); }
std::string NQuery(const HttpRequest& r, std::string_view name) { return r.Query(name).value_or(""); }

}  // namespace

void Gateway::AddNotificationRoutes() {
  const std::vector<std::string> kOperator = {"OPERATOR"};
  const std::vector<std::string> kAdmin = {"ADMIN", "OPERATOR"};
  const std::string tag = "notifications";

  // ---- dead letters (operator)
  Authed("GET", "/v1/notifications/dead-letters",
         {.summary = "Deliveries and events the notifications service gave up on",
          .tag = tag,
          .response = npb::ListDeadLettersResponse::descriptor(),
          .roles = kOperator,
          .query = {{.name = "page_size", .type = "integer"}}},
         [this](HttpRequest& r, const Caller& c) {
           npb::ListDeadLettersRequest req;
           req.set_page_size(PageSize(r));
           return Answer(Notifications(&NStub::ListDeadLetters, c.principal, req));
         });
  Authed("POST", "/v1/notifications/dead-letters/{dead_letter_id}/replay",
         {.summary = "Send a dead letter again (the delivery is re-queued, the event re-published)",
          .tag = tag,
          .response = npb::ReplayDeadLetterResponse::descriptor(),
          .roles = kOperator},
         [this](HttpRequest& r, const Caller& c) {
           npb::ReplayDeadLetterRequest req;
           req.set_id(NParam(r, "dead_letter_id"));
           return Answer(Notifications(&NStub::ReplayDeadLetter, c.principal, req));
         });
  Authed("GET", "/v1/notifications/deliveries",
         {.summary = "Deliveries (e-mails, webhooks) and their state; a user's with user_id",
          .tag = tag,
          .response = npb::ListDeliveriesResponse::descriptor(),
          .query = {{.name = "user_id"}, {.name = "event_id"}, {.name = "page_size", .type = "integer"}}},
         [this](HttpRequest& r, const Caller& c) {
           npb::ListDeliveriesRequest req;
           std::string user = NQuery(r, "user_id");
           req.set_user_id(user == "me" ? c.principal.user_id : user);
           req.set_event_id(NQuery(r, "event_id"));
           req.set_page_size(PageSize(r));
           return Answer(Notifications(&NStub::ListDeliveries, c.principal, req));
         });

  // ---- a user's settings and reminders
  Authed("GET", "/v1/users/{user_id}/notification-settings",
         {.summary = "New-message e-mails and SMS (F2), missed-call e-mails, call-out (F3)",
          .tag = tag,
          .response = npb::NotificationSettings::descriptor()},
         [this](HttpRequest& r, const Caller& c) {
           npb::GetNotificationSettingsRequest req;
           req.set_user_id(NParam(r, "user_id"));
           return Answer(Notifications(&NStub::GetNotificationSettings, c.principal, req));
         });
  Authed("PATCH", "/v1/users/{user_id}/notification-settings",
         {.summary = "Change notification settings (only the fields sent)",
          .tag = tag,
          .request = npb::NotificationSettings::descriptor(),
          .response = npb::NotificationSettings::descriptor()},
         [this](HttpRequest& r, const Caller& c) {
           npb::UpdateNotificationSettingsRequest req;
           req.set_user_id(NParam(r, "user_id"));
           if (auto st = ParsePatch(r, req.mutable_settings(), req.mutable_update_mask()); !st.ok()) {
             return ErrorResponse(st);
           }
           return Answer(Notifications(&NStub::UpdateNotificationSettings, c.principal, req));
         });
  Authed("GET", "/v1/users/{user_id}/reminders",
         {.summary = "Reminders / alarm calls (B18)",
          .tag = tag,
          .response = npb::ListRemindersResponse::descriptor()},
         [this](HttpRequest& r, const Caller& c) {
           npb::ListRemindersRequest req;
           req.set_user_id(NParam(r, "user_id"));
           return Answer(Notifications(&NStub::ListReminders, c.principal, req));
         });
  Authed(
      "POST", "/v1/users/{user_id}/reminders",
      {.summary =
           "Create a reminder: once at a date and time, every workday or every day, in the line's time zone",
       .tag = tag,
       .request = npb::Reminder::descriptor(),
       .response = npb::Reminder::descriptor(),
       .success_status = 201,
       .max_body_bytes = 8 << 20},
      [this](HttpRequest& r, const Caller& c) {
        npb::CreateReminderRequest req;
        req.set_user_id(NParam(r, "user_id"));
        if (auto st = ParseBody(r, req.mutable_reminder()); !st.ok()) return ErrorResponse(st);
        return Answer(Notifications(&NStub::CreateReminder, c.principal, req), 201);
      });
  Authed("DELETE", "/v1/users/{user_id}/reminders/{reminder_id}",
         {.summary = "Delete a reminder", .tag = tag}, [this](HttpRequest& r, const Caller& c) {
           npb::DeleteReminderRequest req;
           req.set_user_id(NParam(r, "user_id"));
           req.set_reminder_id(NParam(r, "reminder_id"));
           return NoContent(Notifications(&NStub::DeleteReminder, c.principal, req).status());
         });

  // ---- webhooks (tenant admins, operators)
  Authed("POST", "/v1/webhooks",
         {.summary = "Register a webhook; the signing secret is only in this answer",
          .tag = tag,
          .request = npb::Webhook::descriptor(),
          .response = npb::CreateWebhookResponse::descriptor(),
          .roles = kAdmin,
          .success_status = 201},
         [this](HttpRequest& r, const Caller& c) {
           npb::CreateWebhookRequest req;
           if (auto st = ParseBody(r, req.mutable_webhook()); !st.ok()) return ErrorResponse(st);
           return Answer(Notifications(&NStub::CreateWebhook, c.principal, req), 201);
         });
  Authed("GET", "/v1/webhooks",
         {.summary = "List webhooks (an admin sees its tenant's)",
          .tag = tag,
          .response = npb::ListWebhooksResponse::descriptor(),
          .roles = kAdmin,
          .query = {{.name = "tenant_id"}}},
         [this](HttpRequest& r, const Caller& c) {
           npb::ListWebhooksRequest req;
           req.set_tenant_id(NQuery(r, "tenant_id"));
           return Answer(Notifications(&NStub::ListWebhooks, c.principal, req));
         });
  Authed("DELETE", "/v1/webhooks/{webhook_id}", {.summary = "Delete a webhook", .tag = tag, .roles = kAdmin},
         [this](HttpRequest& r, const Caller& c) {
           npb::DeleteWebhookRequest req;
           req.set_webhook_id(NParam(r, "webhook_id"));
           return NoContent(Notifications(&NStub::DeleteWebhook, c.principal, req).status());
         });

  // ---- action links from voicemail e-mails: no session, the signed token is
  // the authority (one action, one user's mailbox, until it expires).
  Public(
      "GET", "/v1/actions/{token}",
      {.summary = "Run a voicemail e-mail's action link (delete, mark read, mark all read, open the mailbox)",
       .tag = tag,
       .response = npb::ExecuteActionResponse::descriptor(),
       .extra_statuses = {302}},
      [this](HttpRequest& r) {
        npb::ExecuteActionRequest req;
        req.set_token(NParam(r, "token"));
        auto out = Notifications(&NStub::ExecuteAction, core::Principal::System(), req);
        if (out.ok() && out->action() == "OPEN_MAILBOX" && !out->redirect_url().empty()) {
          HttpResponse resp;
          resp.status = 302;
          resp.content_type.clear();
          resp.headers.emplace_back("Location", out->redirect_url());
          return resp;
        }
        return Answer(out);
      });
}

}  // namespace sb::gateway
