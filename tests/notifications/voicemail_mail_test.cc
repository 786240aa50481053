// Voicemail to e-mail (C5), action links and reminders (B18) end to end:
// the real voicemail service (messages deposited through its DepositMessage
// API, as the fax service and the UA's recordings do), notifications, an
// aiosmtpd sink, and a SIPp UAS answering the reminder's call.
#include <grpcpp/client_context.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/principal.h"
#include "core/server.h"
#include "core/status.h"
#include "events/event.h"
#include "events/publisher.h"
#include "redis/client.h"
#include "switchboard/events/v1/events.pb.h"
#include "switchboard/voicemail/v1/voicemail.grpc.pb.h"
#include "tests/notifications/notify_env.h"

using sb::testing::HttpClient;
using sb::testing::HttpResult;
using sb::testing::Json;
using sb::testing::Mail;
using sb::testing::NotifyEnv;
using sb::testing::WaitFor;
namespace vpb = switchboard::voicemail::v1;

namespace {

NotifyEnv& Env() {
  static NotifyEnv env({}, sb::testing::StackOptions{.voicemail = true});
  return env;
}

struct Ids {
  std::string tenant, user;
};

const Ids& Alice() {
  static Ids ids = [] {
    HttpClient http = Env().SignedIn("0222969569", "Alice!Portal42");
    Json me = Json::Parse(http.Get("/v1/users/me").body);
    return Ids{me["tenant_id"].str(), me["id"].str()};
  }();
  return ids;
}

std::unique_ptr<vpb::Voicemail::Stub> Voicemail() {
  return vpb::Voicemail::NewStub(sb::core::MakeChannel(Env().stack().voicemail_addr()));
}

template <typename Req, typename Resp>
Resp Call(grpc::Status (vpb::Voicemail::Stub::*m)(grpc::ClientContext*, const Req&, Resp*), const Req& req) {
  auto stub = Voicemail();
  grpc::ClientContext ctx;
  ctx.set_deadline(sb::core::DeadlineIn(absl::Seconds(10)));
  sb::core::AttachPrincipal(&ctx, sb::core::Principal::System());
  Resp resp;
  grpc::Status st = (stub.get()->*m)(&ctx, req, &resp);
  INFO(st.error_message());
  REQUIRE(st.ok());
  return resp;
}

std::string Md5Hex(const std::string& s) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(s.data(), s.size(), d, &n, EVP_md5(), nullptr);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(d), n));
}

// One second of a 440 Hz tone, 8 kHz 16-bit mono PCM.
std::string ToneWav() {
  auto le32 = [](uint32_t v) { return std::string{char(v), char(v >> 8), char(v >> 16), char(v >> 24)}; };
  auto le16 = [](uint16_t v) { return std::string{char(v), char(v >> 8)}; };
  std::string pcm;
  for (int i = 0; i < 8000; ++i)
    pcm += le16(static_cast<uint16_t>(static_cast<int16_t>(6000 * ((i / 9) % 2 ? 1 : -1))));
  return "RIFF" + le32(36 + pcm.size()) + "WAVEfmt " + le32(16) + le16(1) + le16(1) + le32(8000) +
         le32(16000) + le16(2) + le16(16) + "data" + le32(pcm.size()) + pcm;
}

void SetForward(const std::string& address, bool keep_original) {
  vpb::UpdateMessageSettingsRequest req;
  req.set_user_id(Alice().user);
  auto* f = req.mutable_settings()->mutable_forward_to_email();
  f->set_enabled(true);
  auto* a = f->add_addresses();
  a->set_email(address);
  a->set_voice(true);
  a->set_fax(false);
  f->set_keep_original(keep_original);
  f->set_include_action_links(true);
  req.mutable_update_mask()->add_paths("forward_to_email");
  Call(&vpb::Voicemail::Stub::UpdateMessageSettings, req);
}

vpb::Message Deposit(const std::string& from, bool urgent = false) {
  vpb::DepositMessageRequest req;
  req.set_tenant_id(Alice().tenant);
  req.set_user_id(Alice().user);
  req.set_type(vpb::VOICE);
  req.set_from(from);
  req.set_from_name("Hélène Dupré");
  req.set_content_type("audio/wav");
  req.set_data(ToneWav());
  req.set_duration_ms(1000);
  req.set_reason(vpb::NO_ANSWER);
  req.set_urgent(urgent);
  return Call(&vpb::Voicemail::Stub::DepositMessage, req);
}

vpb::Message GetMessage(const std::string& id) {
  vpb::GetMessageRequest req;
  req.set_message_id(id);
  return Call(&vpb::Voicemail::Stub::GetMessage, req);
}

std::string Link(const Mail& m, const std::string& label) {
  // "<label> :\n  <url>"
  size_t at = m.text.find(label);
  if (at == std::string::npos) return "";
  size_t url = m.text.find("http", at);
  // Text parts are CRLF-canonical (RFC 2045), so a line may end with '\r'.
  return m.text.substr(url, m.text.find_first_of("\r\n", url) - url);
}

std::string PathOf(const std::string& url) { return url.substr(url.find("/v1/")); }

bool QuietMailbox() {
  return Env().QueryOne(
             "SELECT count(*) FROM notifications.deliveries WHERE state IN ('pending','sending') OR "
             "(after_accept <> '' AND NOT after_accept_done AND state = 'accepted')") == "0";
}

}  // namespace

TEST_CASE("a deposited voicemail is e-mailed once, its WAV byte-identical to the stored audio") {
  const std::string to = "vm-" + sb::events::NewEventId().substr(0, 8) + "@example.com";
  SetForward(to, /*keep_original=*/true);
  vpb::Message msg = Deposit("0612345678");
  auto mail = Env().WaitMail(to, "Nouveau message vocal de Hélène Dupré");
  INFO(Env().notifications().LogTail());
  REQUIRE(mail);
  REQUIRE(mail->attachments.size() == 1);
  vpb::GetMessageContentRequest creq;
  creq.set_message_id(msg.id());
  vpb::MessageContent stored = Call(&vpb::Voicemail::Stub::GetMessageContent, creq);
  CHECK(mail->attachments[0].content_type == "audio/wav");
  CHECK(mail->attachments[0].size == static_cast<int>(stored.data().size()));
  CHECK(mail->attachments[0].md5 == Md5Hex(stored.data()));
  CHECK(absl::EndsWith(mail->attachments[0].filename, ".wav"));
  CHECK(absl::StrContains(mail->text, "0612345678"));
  REQUIRE(WaitFor(QuietMailbox));
  CHECK(Env().MailsFor(to).size() == 1);
  CHECK(GetMessage(msg.id()).folder() == vpb::INBOX);  // kept
}

TEST_CASE("do not keep the original: removed only once the SMTP server accepted the e-mail") {
  const std::string to = "nokeep-" + sb::events::NewEventId().substr(0, 8) + "@example.com";
  SetForward(to, /*keep_original=*/false);
  Env().SetSmtpRejecting("4xx", true);
  vpb::Message msg = Deposit("0698765432");
  REQUIRE(WaitFor([&] {
    return Env().QueryOne(absl::StrCat("SELECT attempts FROM notifications.deliveries WHERE recipient = '",
                                       to, "' AND attempts >= 2 AND state = 'pending'")) != "";
  }));
  // Refused so far: the message is still in the inbox.
  CHECK(GetMessage(msg.id()).folder() == vpb::INBOX);
  Env().SetSmtpRejecting("4xx", false);
  auto mail = Env().WaitMail(to, "Nouveau message vocal");
  REQUIRE(mail);
  REQUIRE(WaitFor([&] { return GetMessage(msg.id()).folder() == vpb::DELETED; }));
  CHECK(mail->attachments.size() == 1);
}

TEST_CASE("action links: GET only shows a confirmation page, POST runs the action once") {
  const std::string to = "links-" + sb::events::NewEventId().substr(0, 8) + "@example.com";
  SetForward(to, /*keep_original=*/true);
  vpb::Message msg = Deposit("0611223344");
  auto mail = Env().WaitMail(to, "Nouveau message vocal");
  REQUIRE(mail);
  const std::string mark = Link(*mail, "Marquer comme lu");
  const std::string del = Link(*mail, "Supprimer ce message");
  REQUIRE(absl::StrContains(mark, "/v1/actions/"));
  REQUIRE(absl::StrContains(del, "/v1/actions/"));
  HttpClient http(Env().stack().http_base());  // no session: the link is the authority
  CHECK(GetMessage(msg.id()).new_());

  // What a mail scanner (or the user's click) does: GET. A page in the
  // e-mail's language naming the action, with a form that posts back.
  HttpResult page = http.Request("GET", PathOf(mark), "", {"Accept: text/html"});
  INFO(page.body);
  REQUIRE(page.status == 200);
  CHECK(absl::StartsWith(page.Header("content-type"), "text/html"));
  CHECK(absl::StrContains(page.body, "<html lang=\"fr\""));
  CHECK(absl::StrContains(page.body, "Marquer le message comme lu"));
  CHECK(absl::StrContains(page.body, "<form method=\"post\">"));
  CHECK(page.Header("referrer-policy") == "no-referrer");
  CHECK(page.Header("cache-control") == "no-store");
  // Fetched twice, as scanners do: still new.
  CHECK(http.Get(PathOf(mark)).status == 200);
  CHECK(GetMessage(msg.id()).new_());
  // The preview as JSON says what it would do.
  Json preview = Json::Parse(http.Request("GET", PathOf(mark), "", {"Accept: application/json"}).body);
  CHECK(preview["action"].str() == "MARK_READ");
  CHECK(preview["language"].str() == "fr");
  CHECK(preview["message_id"].str() == msg.id());
  CHECK_FALSE(preview["already_done"].boolean());

  // The button: POST runs it.
  HttpResult r = http.Request("POST", PathOf(mark), "", {"Accept: application/json"});
  INFO(mark << " → " << r.error << " " << r.body);
  REQUIRE(r.status == 200);
  Json done = Json::Parse(r.body);
  CHECK(done["action"].str() == "MARK_READ");
  CHECK(done["affected"].num() == 1);
  CHECK_FALSE(done["already_done"].boolean());
  CHECK_FALSE(GetMessage(msg.id()).new_());
  // Again: answered clearly, nothing done.
  HttpResult again = http.Request("POST", PathOf(mark), "", {"Accept: application/json"});
  INFO(again.body);
  REQUIRE(again.status == 200);
  CHECK(Json::Parse(again.body)["already_done"].boolean());
  CHECK(Json::Parse(again.body)["done_at"].str() == done["done_at"].str());
  HttpResult again_page = http.Request("POST", PathOf(mark), "", {"Accept: text/html"});
  CHECK(again_page.status == 200);
  CHECK(absl::StrContains(again_page.body, "Ce lien a déjà été utilisé"));
  HttpResult used_preview = http.Request("GET", PathOf(mark), "", {"Accept: text/html"});
  CHECK(absl::StrContains(used_preview.body, "Ce lien a déjà été utilisé"));
  CHECK_FALSE(absl::StrContains(used_preview.body, "<form"));

  // A tampered token is refused, by GET and POST, and changes nothing.
  std::string forged = PathOf(del);
  forged[forged.size() - 3] = forged[forged.size() - 3] == 'A' ? 'B' : 'A';
  HttpResult bad_page = http.Request("GET", forged, "", {"Accept: text/html", "Accept-Language: fr-FR"});
  CHECK(bad_page.status == 403);
  CHECK(absl::StrContains(bad_page.body, "Lien non valide"));
  HttpResult bad = http.Request("POST", forged, "", {"Accept: application/json"});
  CHECK(bad.status == 403);
  CHECK(Json::Parse(bad.body)["error.field"].str() == "token");
  CHECK(GetMessage(msg.id()).folder() == vpb::INBOX);

  // Delete, through the page's form as a browser posts it.
  r = http.Request("POST", PathOf(del), "",
                   {"Accept: text/html", "Content-Type: application/x-www-form-urlencoded"});
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(absl::StrContains(r.body, "Le message a été supprimé"));
  CHECK(GetMessage(msg.id()).folder() == vpb::DELETED);

  // Open the mailbox: changes nothing, so a GET may redirect at once.
  const std::string open = Link(*mail, "Ouvrir la messagerie");
  HttpResult redirect = http.Get(PathOf(open));
  CHECK(redirect.status == 302);
  CHECK(absl::StrContains(redirect.Header("location"), "/#/messages"));
}

TEST_CASE("an expired action link answers 410 and changes nothing") {
  vpb::Message msg = Deposit("0611229988");
  // Signed with the platform's link secret, expired a minute ago.
  const std::string claims =
      absl::StrCat("v2|MARK_READ|", Alice().tenant, "|", Alice().user, "|", msg.id(), "|",
                   absl::ToUnixSeconds(absl::Now() - absl::Minutes(1)), "|en|00ff");
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), NotifyEnv::kLinkSecret, static_cast<int>(std::strlen(NotifyEnv::kLinkSecret)),
       reinterpret_cast<const unsigned char*>(claims.data()), claims.size(), mac, &mac_len);
  const std::string token =
      absl::WebSafeBase64Escape(claims) + "." +
      absl::WebSafeBase64Escape(absl::string_view(reinterpret_cast<char*>(mac), mac_len));
  HttpClient http(Env().stack().http_base());
  HttpResult page = http.Request("GET", "/v1/actions/" + token, "", {"Accept: text/html"});
  CHECK(page.status == 410);
  CHECK(absl::StrContains(page.body, "This link has expired"));
  HttpResult r = http.Request("POST", "/v1/actions/" + token, "", {"Accept: application/json"});
  INFO(r.body);
  CHECK(r.status == 410);
  CHECK(Json::Parse(r.body)["error.field"].str() == "token");
  CHECK(GetMessage(msg.id()).new_());
  // Garbage is a 400.
  CHECK(http.Request("POST", "/v1/actions/not-a-token", "", {"Accept: application/json"}).status == 400);
}

TEST_CASE("the mark-all-read link marks every new message heard in one call") {
  const std::string to = "all-" + sb::events::NewEventId().substr(0, 8) + "@example.com";
  SetForward(to, /*keep_original=*/true);
  vpb::Message first = Deposit("0611000001");
  vpb::Message second = Deposit("0611000002");
  // The e-mails of these two messages (an earlier case's deposit may still
  // be planned with this address).
  std::vector<Mail> mails;
  REQUIRE(WaitFor([&] {
    mails.clear();
    for (auto& m : Env().MailsFor(to)) {
      if (absl::StrContains(m.text, "0611000001") || absl::StrContains(m.text, "0611000002"))
        mails.push_back(std::move(m));
    }
    return mails.size() == 2;
  }));
  const std::string all = Link(mails[0], "Marquer tous les messages comme lus");
  REQUIRE(absl::StrContains(all, "/v1/actions/"));
  CHECK(GetMessage(first.id()).new_());
  CHECK(GetMessage(second.id()).new_());
  HttpClient http(Env().stack().http_base());
  HttpResult r = http.Request("POST", PathOf(all), "", {"Accept: application/json"});
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(Json::Parse(r.body)["action"].str() == "MARK_ALL_READ");
  CHECK(Json::Parse(r.body)["affected"].num() >= 2);
  CHECK_FALSE(GetMessage(first.id()).new_());
  CHECK_FALSE(GetMessage(second.id()).new_());
  // The other e-mail's link is its own: not used up by this one.
  const std::string other = Link(mails[1], "Marquer tous les messages comme lus");
  REQUIRE(other != all);
  HttpResult r2 = http.Request("POST", PathOf(other), "", {"Accept: application/json"});
  REQUIRE(r2.status == 200);
  CHECK_FALSE(Json::Parse(r2.body)["already_done"].boolean());
  CHECK(Json::Parse(r2.body)["affected"].num() == 0);
}

TEST_CASE(
    "do not store on server (C1): e-mailed, then removed for good only once the SMTP server accepted it") {
  const std::string to = "nostore-" + sb::events::NewEventId().substr(0, 8) + "@example.com";
  SetForward(to, /*keep_original=*/true);
  {
    vpb::UpdateMessageSettingsRequest req;
    req.set_user_id(Alice().user);
    req.mutable_settings()->set_do_not_store(true);
    req.mutable_update_mask()->add_paths("do_not_store");
    Call(&vpb::Voicemail::Stub::UpdateMessageSettings, req);
  }
  Env().StopSmtp();
  vpb::Message msg = Deposit("0698761111");
  REQUIRE(WaitFor([&] {
    return Env().QueryOne(absl::StrCat("SELECT attempts FROM notifications.deliveries WHERE recipient = '",
                                       to, "' AND attempts >= 2 AND state = 'pending'")) != "";
  }));
  // Not delivered yet: the message is still there, in the inbox.
  CHECK(GetMessage(msg.id()).folder() == vpb::INBOX);
  Env().StartSmtp();
  auto mail = Env().WaitMail(to, "Nouveau message vocal");
  REQUIRE(mail);
  REQUIRE(mail->attachments.size() == 1);
  // Accepted: gone for good (not in the Deleted tab).
  REQUIRE(WaitFor([&] {
    auto stub = Voicemail();
    grpc::ClientContext ctx;
    ctx.set_deadline(sb::core::DeadlineIn(absl::Seconds(10)));
    sb::core::AttachPrincipal(&ctx, sb::core::Principal::System());
    vpb::GetMessageRequest req;
    req.set_message_id(msg.id());
    vpb::Message out;
    return stub->GetMessage(&ctx, req, &out).error_code() == grpc::StatusCode::NOT_FOUND;
  }));
  {
    vpb::UpdateMessageSettingsRequest req;
    req.set_user_id(Alice().user);
    req.mutable_settings()->set_do_not_store(false);
    req.mutable_update_mask()->add_paths("do_not_store");
    Call(&vpb::Voicemail::Stub::UpdateMessageSettings, req);
  }
}

TEST_CASE("new-message notices (F2): all voicemail by e-mail, urgent ones also to an e-mail-to-SMS address") {
  const std::string tag = sb::events::NewEventId().substr(0, 8);
  const std::string notice = "notice-" + tag + "@example.com", sms = "sms-" + tag + "@sms.example";
  HttpClient alice = Env().SignedIn("0222969569", "Alice!Portal42");
  HttpResult r = alice.Patch("/v1/users/me/notification-settings",
                             absl::StrCat(R"({"email_notifications":[{"address":")", notice,
                                          R"(","all_voicemail":true},{"address":")", sms,
                                          R"(","sms":true,"urgent_voicemail":true}]})"));
  INFO(r.body);
  REQUIRE(r.status == 200);
  Deposit("0655555555", /*urgent=*/false);
  REQUIRE(Env().WaitMail(notice, "Nouveau message vocal"));
  Deposit("0666666666", /*urgent=*/true);
  auto urgent = Env().WaitMail(sms, "URGENT");
  REQUIRE(urgent);
  CHECK(urgent->attachments.empty());
  CHECK(urgent->text.size() < 160);
  CHECK(absl::StrContains(urgent->text, "0666666666"));
  REQUIRE(WaitFor(QuietMailbox));
  CHECK(Env().MailsFor(sms).size() == 1);     // the normal one did not go to SMS
  CHECK(Env().MailsFor(notice).size() == 2);  // both went to the e-mail address
  // Leave the settings as they were for the other cases.
  REQUIRE(alice.Patch("/v1/users/me/notification-settings", R"({"email_notifications":[]})").status == 200);
}

TEST_CASE("a reminder due in a few seconds calls a SIPp UAS and is then removed") {
  const int port = sb::testing::FreePort();
  sb::testing::Process sipp(
      {"sipp", "-sf", sb::testing::SourceDir() + "/tests/notifications/uas_answer_hangup.xml", "-i",
       "127.0.0.1", "-p", std::to_string(port), "-m", "1", "-nostdin", "-timeout", "60s", "-timeout_error"},
      {}, Env().work_dir() + "/reminder-sipp.log");
  HttpClient alice = Env().SignedIn("0222969569", "Alice!Portal42");
  absl::TimeZone paris;
  REQUIRE(absl::LoadTimeZone("Europe/Paris", &paris));
  const absl::Time due = absl::Now() + absl::Seconds(4);
  const std::string body =
      absl::StrCat(R"({"name":"test","recurrence":"ONCE","date":")", absl::FormatTime("%Y-%m-%d", due, paris),
                   R"(","time":")", absl::FormatTime("%H:%M:%S", due, paris),
                   R"(","number":"sip:alarm@127.0.0.1:)", port, R"("})");
  HttpResult r = alice.Post("/v1/users/me/reminders", body);
  INFO(r.body);
  REQUIRE(r.status == 201);
  const std::string id = Json::Parse(r.body)["id"].str();
  // SIPp exits after its one call (answered, then hung up).
  REQUIRE(WaitFor([&] { return !sipp.Running(); }, absl::Seconds(60)));
  std::ifstream in(sipp.log_path());
  std::stringstream log;
  log << in.rdbuf();
  INFO(log.str());
  INFO(Env().notifications().LogTail());
  CHECK(std::regex_search(log.str(), std::regex(R"(Successful call\s*\|\s*\d+\s*\|\s*1)")));
  // Nothing was recorded for it: the reminder says what it is, in Alice's language.
  CHECK(WaitFor([&] {
    return std::regex_search(Env().stack().voicemail().LogTail(20000),
                             std::regex(R"(REMINDER call to sip:alarm@[^ ]+: plays \[(fr|en)/reminder_default\])"));
  }));
  REQUIRE(WaitFor([&] { return !absl::StrContains(alice.Get("/v1/users/me/reminders").body, id); }));
}

TEST_CASE("a new voicemail triggers a call-out (F3) through voicemail's user agent") {
  const int port = sb::testing::FreePort();
  // Answers, then hangs up after a second: the prompts need not be heard out.
  sb::testing::Process sipp(
      {"sipp", "-sf", sb::testing::SourceDir() + "/tests/notifications/uas_answer_hangup.xml", "-i",
       "127.0.0.1", "-p", std::to_string(port), "-m", "1", "-nostdin", "-timeout", "60s", "-timeout_error"},
      {}, Env().work_dir() + "/callout-sipp.log");
  HttpClient alice = Env().SignedIn("0222969569", "Alice!Portal42");
  HttpResult r = alice.Patch(
      "/v1/users/me/notification-settings",
      absl::StrCat(
          R"({"call_out":{"enabled":true,"number":"sip:callout@127.0.0.1:)", port,
          R"(","normal_delay_min":0,"urgent_delay_min":0,"retry_count":1,"retry_interval_min":30}})"));
  INFO(r.body);
  REQUIRE(r.status == 200);
  vpb::Message msg = Deposit("0677777777");
  REQUIRE(WaitFor([&] { return !sipp.Running(); }, absl::Seconds(60)));
  std::ifstream in(sipp.log_path());
  std::stringstream log;
  log << in.rdbuf();
  INFO(log.str());
  CHECK(std::regex_search(log.str(), std::regex(R"(Successful call\s*\|\s*\d+\s*\|\s*1)")));
  // Answered: no retry is left scheduled.
  REQUIRE(WaitFor([&] {
    return Env().QueryOne(absl::StrCat("SELECT last_result FROM notifications.callouts WHERE message_id = '",
                                       msg.id(), "' AND next_run_at IS NULL")) == "ANSWERED";
  }));
  REQUIRE(alice.Patch("/v1/users/me/notification-settings", R"({"call_out":{"enabled":false}})").status ==
          200);
}

TEST_CASE("pending call-outs (F3) stop when the mailbox is accessed, by phone or in the portal") {
  HttpClient alice = Env().SignedIn("0222969569", "Alice!Portal42");
  // A call-out half an hour after each message: still pending during the test.
  HttpResult r = alice.Patch(
      "/v1/users/me/notification-settings",
      R"({"call_out":{"enabled":true,"number":"sip:callout@127.0.0.1:9","normal_delay_min":30,"urgent_delay_min":30,"retry_count":2,"retry_interval_min":30}})");
  INFO(r.body);
  REQUIRE(r.status == 200);
  auto pending = [](const std::string& message_id) {
    return Env().QueryOne(absl::StrCat("SELECT count(*) FROM notifications.callouts WHERE message_id = '",
                                       message_id, "' AND next_run_at IS NOT NULL"));
  };
  auto stopped = [](const std::string& message_id) {
    return Env().QueryOne(absl::StrCat("SELECT last_result FROM notifications.callouts WHERE message_id = '",
                                       message_id, "' AND next_run_at IS NULL")) == "STOPPED";
  };

  // By phone: voicemail publishes mailbox.accessed on the "mailbox" topic
  // when the owner logs in; here it is published as voicemail does.
  vpb::Message by_phone = Deposit("0633333301");
  REQUIRE(WaitFor([&] { return pending(by_phone.id()) == "1"; }));
  CHECK(GetMessage(by_phone.id()).new_());  // still new: mailbox.changed alone would not stop it
  {
    auto redis = sb::redis::Client::Create({.url = Env().stack().redis().url()}).value();
    sb::events::Publisher pub(*redis);
    switchboard::events::v1::MailboxAccessed a;
    a.set_tenant_id(Alice().tenant);
    a.set_user_id(Alice().user);
    a.set_via("PHONE");
    a.mutable_accessed_at()->set_seconds(absl::ToUnixSeconds(absl::Now()));
    REQUIRE(pub.Publish("mailbox", {.type = "mailbox.accessed",
                                    .tenant_id = Alice().tenant,
                                    .payload = a.SerializeAsString()})
                .ok());
  }
  REQUIRE(WaitFor([&] { return stopped(by_phone.id()); }));

  // In the portal: the owner lists the INBOX, voicemail publishes the event.
  vpb::Message by_portal = Deposit("0633333302");
  REQUIRE(WaitFor([&] { return pending(by_portal.id()) == "1"; }));
  HttpResult list = alice.Get("/v1/users/me/messages");
  INFO(list.body);
  REQUIRE(list.status == 200);
  INFO(Env().notifications().LogTail());
  REQUIRE(WaitFor([&] { return stopped(by_portal.id()); }));
  CHECK(GetMessage(by_portal.id()).new_());

  REQUIRE(alice.Patch("/v1/users/me/notification-settings", R"({"call_out":{"enabled":false}})").status ==
          200);
}
