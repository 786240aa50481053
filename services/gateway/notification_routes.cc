// Routes of the notifications service: a user's notification settings (F2,
// F3, missed-call e-mails) and reminders (B18), tenants' webhooks, the
// operator's dead letters, and the signed action links of voicemail e-mails
// (C5), which work without signing in.
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "services/gateway/gateway.h"

namespace sb::gateway {
namespace {

using NStub = npb::Notifications::Stub;

std::string NParam(const HttpRequest& r, std::string_view name) { return std::string(r.PathParam(name)); }
std::string NQuery(const HttpRequest& r, std::string_view name) { return r.Query(name).value_or(""); }

// ---- action link pages

// A browser navigating (a clicked link, a submitted form) asks for text/html;
// API clients ask for JSON. Without either, `by_default`.
bool WantsHtml(const HttpRequest& r, bool by_default) {
  const std::string accept = absl::AsciiStrToLower(r.Header("accept"));
  if (absl::StrContains(accept, "text/html")) return true;
  if (absl::StrContains(accept, "application/json")) return false;
  return by_default;
}

std::string HtmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

struct ActionText {
  const char* title;
  const char* question;
  const char* button;
  const char* done;  // "%d" is the number of messages (MARK_ALL_READ)
};

const ActionText& TextFor(const std::string& action, bool fr) {
  static const ActionText kDeleteFr{"Supprimer le message",
                                    "Voulez-vous supprimer ce message ? Il ira dans l'onglet Supprimés, "
                                    "d'où vous pourrez le restaurer.",
                                    "Supprimer", "Le message a été supprimé (onglet Supprimés)."};
  static const ActionText kDeleteEn{"Delete the message",
                                    "Do you want to delete this message? It goes to the Deleted tab, "
                                    "where you can restore it.",
                                    "Delete", "The message was deleted (Deleted tab)."};
  static const ActionText kReadFr{"Marquer le message comme lu", "Voulez-vous marquer ce message comme lu ?",
                                  "Marquer comme lu", "Le message est marqué comme lu."};
  static const ActionText kReadEn{"Mark the message as read", "Do you want to mark this message as read?",
                                  "Mark as read", "The message is marked as read."};
  static const ActionText kAllFr{"Marquer tous les messages comme lus",
                                 "Voulez-vous marquer tous vos nouveaux messages comme lus ?",
                                 "Tout marquer comme lu", "Messages marqués comme lus : %d."};
  static const ActionText kAllEn{"Mark all messages as read",
                                 "Do you want to mark all your new messages as read?", "Mark all as read",
                                 "Messages marked as read: %d."};
  if (action == "DELETE") return fr ? kDeleteFr : kDeleteEn;
  if (action == "MARK_READ") return fr ? kReadFr : kReadEn;
  return fr ? kAllFr : kAllEn;
}

HttpResponse HtmlPage(int status, bool fr, const std::string& title, const std::string& body_html) {
  HttpResponse resp;
  resp.status = status;
  resp.content_type = "text/html; charset=utf-8";
  resp.body = absl::StrCat(
      "<!doctype html>\n<html lang=\"", fr ? "fr" : "en",
      "\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, "
      "initial-scale=1\"><meta name=\"robots\" content=\"noindex\"><title>Switchboard — ",
      HtmlEscape(title),
      "</title><style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 "
      "1rem;color:#222}button{font-size:1rem;padding:.6rem 1.4rem;cursor:pointer}</style></head><body><h1>",
      HtmlEscape(title), "</h1>", body_html, "</body></html>\n");
  // The token is in the URL: no referrer, no caching, no framing, no script.
  resp.headers.emplace_back("Cache-Control", "no-store");
  resp.headers.emplace_back("Referrer-Policy", "no-referrer");
  resp.headers.emplace_back("X-Content-Type-Options", "nosniff");
  resp.headers.emplace_back("X-Frame-Options", "DENY");
  resp.headers.emplace_back("Content-Security-Policy",
                            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                            "frame-ancestors 'none'; base-uri 'none'");
  return resp;
}

std::string When(const google::protobuf::Timestamp& t) {
  return absl::FormatTime("%Y-%m-%d %H:%M UTC", absl::FromUnixSeconds(t.seconds()), absl::UTCTimeZone());
}

// The confirmation page (GET) or the result page (POST).
HttpResponse ActionPage(const npb::ExecuteActionResponse& a, bool done) {
  const bool fr = absl::StartsWithIgnoreCase(a.language(), "fr");
  const ActionText& t = TextFor(a.action(), fr);
  std::string body;
  if (a.already_done()) {
    absl::StrAppend(&body, "<p>", fr ? "Ce lien a déjà été utilisé le " : "This link was already used on ",
                    HtmlEscape(When(a.done_at())),
                    fr ? " : rien n'a été changé cette fois." : ": nothing was changed this time.", "</p>");
  } else if (done) {
    std::string text = t.done;
    absl::StrReplaceAll({{"%d", absl::StrCat(a.affected())}}, &text);
    absl::StrAppend(&body, "<p>", HtmlEscape(text), "</p>");
  } else {
    // No action attribute: the form posts back to this very URL, whatever
    // prefix a proxy in front of the gateway adds.
    absl::StrAppend(&body, "<p>", HtmlEscape(t.question),
                    "</p><form method=\"post\"><button type=\"submit\">", HtmlEscape(t.button),
                    "</button></form>");
  }
  if (!a.redirect_url().empty()) {
    absl::StrAppend(&body, "<p><a href=\"", HtmlEscape(a.redirect_url()), "\">",
                    fr ? "Ouvrir la messagerie" : "Open the mailbox", "</a></p>");
  }
  return HtmlPage(200, fr, t.title, body);
}

// Expired links answer 410 Gone (the link was valid: asking again won't help).
int ActionErrorStatus(const absl::Status& st) {
  return st.code() == absl::StatusCode::kFailedPrecondition && core::FieldOf(st) == "token" ? 410 : 0;
}

HttpResponse ActionError(const absl::Status& st) { return ErrorResponse(st, ActionErrorStatus(st)); }

HttpResponse ActionErrorPage(const absl::Status& st, const HttpRequest& r) {
  // A forged or expired token has no trustworthy language: the browser's.
  const bool fr = absl::StartsWithIgnoreCase(r.Header("accept-language"), "fr");
  const int status = ActionErrorStatus(st) > 0 ? ActionErrorStatus(st) : HttpStatusFor(st.code());
  std::string title, text;
  switch (st.code()) {
    case absl::StatusCode::kFailedPrecondition:
      if (status != 410) {
        title = fr ? "Action impossible" : "Action failed";
        text = fr ? "Cette action n'est plus possible sur ce message." : "This action is no longer possible.";
        break;
      }
      title = fr ? "Lien expiré" : "Link expired";
      text = fr ? "Ce lien a expiré. Ouvrez votre messagerie pour gérer vos messages."
                : "This link has expired. Open your mailbox to manage your messages.";
      break;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kPermissionDenied:
      title = fr ? "Lien non valide" : "Invalid link";
      text = fr ? "Ce lien n'est pas valide. Vérifiez qu'il a été copié en entier."
                : "This link is not valid. Check that it was copied whole.";
      break;
    case absl::StatusCode::kNotFound:
      title = fr ? "Introuvable" : "Not found";
      text = fr ? "Ce message n'existe plus." : "This message no longer exists.";
      break;
    default:
      title = fr ? "Action impossible" : "Action failed";
      text = fr ? "L'action n'a pas pu être effectuée. Réessayez dans quelques minutes."
                : "The action could not be done. Try again in a few minutes.";
  }
  return HtmlPage(status, fr, title, absl::StrCat("<p>", HtmlEscape(text), "</p>"));
}

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
          .query = {{.name = "page_size", .type = "integer"}, {.name = "page_token"}}},
         [this](HttpRequest& r, const Caller& c) {
           npb::ListDeadLettersRequest req;
           req.set_page_size(PageSize(r));
           req.set_page_token(NQuery(r, "page_token"));
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
          .query = {{.name = "user_id"},
                    {.name = "event_id"},
                    {.name = "page_size", .type = "integer"},
                    {.name = "page_token"}}},
         [this](HttpRequest& r, const Caller& c) {
           npb::ListDeliveriesRequest req;
           std::string user = NQuery(r, "user_id");
           req.set_user_id(user == "me" ? c.principal.user_id : user);
           req.set_event_id(NQuery(r, "event_id"));
           req.set_page_size(PageSize(r));
           req.set_page_token(NQuery(r, "page_token"));
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
          .response = npb::ListRemindersResponse::descriptor(),
          .query = {{.name = "page_size", .type = "integer"}, {.name = "page_token"}}},
         [this](HttpRequest& r, const Caller& c) {
           npb::ListRemindersRequest req;
           req.set_user_id(NParam(r, "user_id"));
           req.set_page_size(PageSize(r));
           req.set_page_token(NQuery(r, "page_token"));
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
          .query = {{.name = "tenant_id"}, {.name = "page_size", .type = "integer"}, {.name = "page_token"}}},
         [this](HttpRequest& r, const Caller& c) {
           npb::ListWebhooksRequest req;
           req.set_tenant_id(NQuery(r, "tenant_id"));
           req.set_page_size(PageSize(r));
           req.set_page_token(NQuery(r, "page_token"));
           return Answer(Notifications(&NStub::ListWebhooks, c.principal, req));
         });
  Authed("DELETE", "/v1/webhooks/{webhook_id}", {.summary = "Delete a webhook", .tag = tag, .roles = kAdmin},
         [this](HttpRequest& r, const Caller& c) {
           npb::DeleteWebhookRequest req;
           req.set_webhook_id(NParam(r, "webhook_id"));
           return NoContent(Notifications(&NStub::DeleteWebhook, c.principal, req).status());
         });

  // ---- action links from voicemail e-mails: no session, the signed token is
  // the authority (one action, one user's mailbox, until it expires). Mail
  // scanners fetch every link of an e-mail, so GET only shows what the link
  // would do; the page's button POSTs, and POST does it (once).
  Public("GET", "/v1/actions/{token}",
         {.summary = "Show an e-mail's action link: a confirmation page (HTML, in the e-mail's language) "
                     "whose button POSTs to the same URL; nothing changes",
          .tag = tag,
          .response_content_type = "text/html",
          .extra_statuses = {302, 403, 410},
          .description = "OPEN_MAILBOX links redirect (302) to the portal. With `Accept: application/json` "
                         "the answer is the ExecuteActionResponse preview (nothing done; `already_done` "
                         "when the link was used). Expired links answer 410, forged ones 403."},
         [this](HttpRequest& r) {
           npb::ExecuteActionRequest req;
           req.set_token(NParam(r, "token"));
           req.set_preview(true);
           auto out = Notifications(&NStub::ExecuteAction, core::Principal::System(), req);
           if (out.ok() && out->action() == "OPEN_MAILBOX" && !out->redirect_url().empty()) {
             HttpResponse resp;
             resp.status = 302;
             resp.content_type.clear();
             resp.headers.emplace_back("Location", out->redirect_url());
             resp.headers.emplace_back("Referrer-Policy", "no-referrer");
             return resp;
           }
           if (!WantsHtml(r, /*by_default=*/true)) {
             return out.ok() ? JsonResponse(200, *out) : ActionError(out.status());
           }
           return out.ok() ? ActionPage(*out, /*done=*/false) : ActionErrorPage(out.status(), r);
         });
  Public("POST", "/v1/actions/{token}",
         {.summary = "Run an e-mail's action link (delete, mark read, mark all read); a link runs once, "
                     "running it again answers already_done and changes nothing",
          .tag = tag,
          .response = npb::ExecuteActionResponse::descriptor(),
          .extra_statuses = {403, 410},
          .description = "Answers JSON; a browser's form post (`Accept: text/html`) gets a result page "
                         "instead. Expired links answer 410, forged ones 403."},
         [this](HttpRequest& r) {
           npb::ExecuteActionRequest req;
           req.set_token(NParam(r, "token"));
           auto out = Notifications(&NStub::ExecuteAction, core::Principal::System(), req);
           const bool html = WantsHtml(r, /*by_default=*/false);
           if (out.ok() && html && out->action() == "OPEN_MAILBOX") {
             HttpResponse resp;
             resp.status = 303;
             resp.content_type.clear();
             resp.headers.emplace_back("Location", out->redirect_url());
             return resp;
           }
           if (!html) return out.ok() ? JsonResponse(200, *out) : ActionError(out.status());
           return out.ok() ? ActionPage(*out, /*done=*/true) : ActionErrorPage(out.status(), r);
         });
}

}  // namespace sb::gateway
