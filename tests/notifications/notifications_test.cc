// The notifications service end to end: real profiles/routing/gateway
// (tests/support Stack), PostgreSQL, Redis, the notifications binary, an
// aiosmtpd SMTP sink and a webhook receiver on loopback.
#include <dirent.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "events/event.h"
#include "events/publisher.h"
#include "redis/client.h"
#include "switchboard/events/v1/events.pb.h"
#include "tests/notifications/notify_env.h"
#include "tests/support/demo.h"

using sb::testing::HttpClient;
using sb::testing::HttpResult;
using sb::testing::Json;
using sb::testing::Mail;
using sb::testing::NotifyEnv;
using sb::testing::WaitFor;
namespace epb = switchboard::events::v1;

namespace {

NotifyEnv& Env() {
  static NotifyEnv env;
  return env;
}

std::string alice_password = sb::testing::demo::kAlicePassword;

HttpClient Alice() { return Env().SignedIn(sb::testing::demo::kAliceLogin, alice_password); }
HttpClient Operator() {
  return Env().SignedIn(sb::testing::demo::kOperatorLogin, sb::testing::demo::kOperatorPassword);
}

std::string Unique(const std::string& prefix) {
  return absl::StrCat(prefix, "-", sb::events::NewEventId().substr(0, 10));
}

// Publishes a security notice as profiles would (same topic, type, payload).
void PublishNotice(const std::string& event_id, const std::string& type, const std::string& to,
                   const std::string& language = "en") {
  auto redis = sb::redis::Client::Create({.url = Env().stack().redis().url()}).value();
  sb::events::Publisher pub(*redis);
  epb::SecurityNotice n;
  n.set_tenant_id("t-test");
  n.set_user_id("u-test");
  n.set_language(language);
  n.set_display_name("Test Person");
  n.add_to(to);
  REQUIRE(pub.Publish("security",
                      {.id = event_id, .type = type, .tenant_id = "t-test", .payload = n.SerializeAsString()})
              .ok());
}

// The notifications group has read and acknowledged everything on `topic`,
// and no delivery is waiting: what "nothing more will come" means.
bool Quiet(const std::string& topic) {
  auto redis = sb::redis::Client::Create({.url = Env().stack().redis().url()}).value();
  auto r = redis->Command({"XINFO", "GROUPS", "events." + topic});
  if (!r.ok()) return false;
  for (const auto& g : r->elements) {
    std::string name;
    long long pending = -1, lag = -1;
    for (size_t i = 0; i + 1 < g.elements.size(); i += 2) {
      if (g.elements[i].str == "name") name = g.elements[i + 1].str;
      if (g.elements[i].str == "pending") pending = g.elements[i + 1].integer;
      if (g.elements[i].str == "lag") lag = g.elements[i + 1].integer;
    }
    if (name == "notifications") {
      return pending == 0 && lag == 0 &&
             Env().QueryOne(
                 "SELECT count(*) FROM notifications.deliveries WHERE state IN ('pending','sending')") == "0";
    }
  }
  return false;
}

std::string HmacHex(const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(out), len));
}

}  // namespace

TEST_CASE("a password change sends the security notice, in the user's language") {
  HttpClient alice = Alice();
  const std::string next = "Tr0mbone#Vert!";
  HttpResult r = alice.Post("/v1/users/me/password", absl::StrCat(R"({"current_password":")", alice_password,
                                                                  R"(","new_password":")", next, R"("})"));
  INFO(r.body);
  REQUIRE(r.status == 204);
  alice_password = next;
  auto mail = Env().WaitMail("alice@demo.switchboard.local", "Votre mot de passe a été modifié");
  INFO(Env().notifications().LogTail());
  REQUIRE(mail);
  CHECK(absl::StrContains(mail->text, "Bonjour Alice Martin"));
  CHECK(absl::StrContains(mail->from, "noreply@switchboard.test"));
  CHECK(!mail->event.empty());
  CHECK(mail->attachments.empty());
}

TEST_CASE("a duplicated event, and a restart in the middle, give one e-mail") {
  const std::string to = Unique("dup") + "@example.com";
  const std::string id = sb::events::NewEventId();
  PublishNotice(id, "security.password_changed", to);
  PublishNotice(id, "security.password_changed", to);
  // Crash the service while it may be holding the event, then deliver it a third time.
  Env().RestartNotifications(/*crash=*/true);
  PublishNotice(id, "security.password_changed", to);
  auto mail = Env().WaitMail(to, "Your password was changed");
  REQUIRE(mail);
  CHECK(mail->event == id);
  REQUIRE(WaitFor([] { return Quiet("security"); }));
  CHECK(Env().MailsFor(to).size() == 1);
  CHECK(Env().QueryOne(absl::StrCat("SELECT count(*) FROM notifications.deliveries WHERE event_id = '", id,
                                    "'")) == "1");
}

TEST_CASE("with the SMTP server down, the e-mail arrives once it is back") {
  const std::string to = Unique("down") + "@example.com";
  Env().StopSmtp();
  PublishNotice(sb::events::NewEventId(), "security.voicemail_pin_changed", to, "fr");
  // It was tried and failed (connection refused), and is waiting to be retried.
  REQUIRE(WaitFor([&] {
    return Env().QueryOne(absl::StrCat("SELECT attempts FROM notifications.deliveries WHERE recipient = '",
                                       to, "' AND state = 'pending' AND attempts >= 2")) != "";
  }));
  CHECK(Env()
            .QueryOne(
                absl::StrCat("SELECT last_error FROM notifications.deliveries WHERE recipient = '", to, "'"))
            .find("smtp") == 0);
  Env().StartSmtp();
  auto mail = Env().WaitMail(to, "Votre code de messagerie vocale a été modifié");
  REQUIRE(mail);
  REQUIRE(WaitFor([] { return Quiet("security"); }));
  CHECK(Env().MailsFor(to).size() == 1);
}

TEST_CASE("a transient 4xx answer is retried") {
  const std::string to = Unique("busy") + "@example.com";
  Env().SetSmtpRejecting("4xx", true);
  PublishNotice(sb::events::NewEventId(), "security.call_pin_changed", to);
  REQUIRE(WaitFor([&] {
    return Env().QueryOne(absl::StrCat("SELECT attempts FROM notifications.deliveries WHERE recipient = '",
                                       to, "' AND attempts >= 2 AND state = 'pending'")) != "";
  }));
  Env().SetSmtpRejecting("4xx", false);
  REQUIRE(Env().WaitMail(to, "Your call services PIN was changed"));
}

TEST_CASE("an operator lists a dead letter and replays it") {
  const std::string to = Unique("dead") + "@example.com";
  Env().SetSmtpRejecting("5xx", true);
  PublishNotice(sb::events::NewEventId(), "security.signin_locked", to);
  HttpClient op = Operator();
  std::string dead_id;
  REQUIRE(WaitFor([&] {
    HttpResult r = op.Get("/v1/notifications/dead-letters");
    if (r.status != 200) return false;
    Json j = Json::Parse(r.body);
    for (int i = 0; i < j["items"].size(); ++i) {
      Json item = j["items." + std::to_string(i)];
      if (item["recipient"].str() == to) {
        dead_id = item["id"].str();
        CHECK(item["kind"].str() == "DELIVERY");
        CHECK(absl::StrContains(item["error"].str(), "550"));
        return true;
      }
    }
    return false;
  }));
  Env().SetSmtpRejecting("5xx", false);
  CHECK(Env().MailsFor(to).empty());
  // Not for subscribers: out of reach answers 404.
  CHECK(Alice().Post(absl::StrCat("/v1/notifications/dead-letters/", dead_id, "/replay"), "").status == 404);
  HttpResult r = op.Post(absl::StrCat("/v1/notifications/dead-letters/", dead_id, "/replay"), "");
  INFO(r.body);
  REQUIRE(r.status == 200);
  REQUIRE(Env().WaitMail(to, "Sign-ins to your account were blocked"));
  HttpResult after = op.Get("/v1/notifications/dead-letters");
  CHECK(!absl::StrContains(after.body, to));
  CHECK(op.Post("/v1/notifications/dead-letters/d-999999999/replay", "").status == 404);
}

TEST_CASE("a webhook receiver gets a correctly signed POST, retried until it answers") {
  char tmpl[] = "/tmp/sb-hook-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  const int port = sb::testing::FreePort();
  sb::testing::Process sink(
      {"/usr/bin/python3", sb::testing::SourceDir() + "/tests/notifications/webhook_sink.py", "--port",
       std::to_string(port), "--dir", dir},
      {}, dir + "/sink.log");
  REQUIRE(sb::testing::WaitForTcp("127.0.0.1", port, absl::Seconds(20)));
  HttpClient op = Operator();
  HttpResult created = op.Post("/v1/webhooks", absl::StrCat(R"({"url":"http://127.0.0.1:)", port,
                                                            R"(/hook","event_types":["security.*"]})"));
  INFO(created.body);
  REQUIRE(created.status == 201);
  const std::string secret = Json::Parse(created.body)["secret"].str();
  REQUIRE(secret.size() >= 16);
  CHECK(!absl::StrContains(op.Get("/v1/webhooks").body, secret));  // never shown again
  CHECK(Alice().Post("/v1/webhooks", R"({"url":"http://x/","event_types":["*"]})").status == 404);

  // The receiver fails at first: the POST is retried until it answers 2xx.
  std::ofstream(dir + "/fail") << "on";
  HttpClient alice = Alice();
  HttpResult pin = alice.Post("/v1/users/me/voicemail-pin", R"({"current_pin":"240817","new_pin":"481736"})");
  INFO(pin.body);
  REQUIRE(pin.status == 204);
  const std::string alice_id = Json::Parse(alice.Get("/v1/users/me").body)["id"].str();
  REQUIRE(WaitFor([&] {
    return Env().QueryOne(
               "SELECT attempts FROM notifications.deliveries WHERE channel = 'WEBHOOK' AND "
               "state = 'pending' AND attempts >= 2 AND last_error LIKE '%HTTP 503%'") != "";
  }));
  std::remove((dir + "/fail").c_str());

  std::string request;
  REQUIRE(WaitFor([&] {
    std::ifstream in(dir + "/1.req");
    if (!in) return false;
    std::stringstream ss;
    ss << in.rdbuf();
    request = ss.str();
    return true;
  }));
  const size_t split = request.find("\n\n");
  REQUIRE(split != std::string::npos);
  const std::string headers = request.substr(0, split), body = request.substr(split + 2);
  std::string sig;
  for (absl::string_view line : absl::StrSplit(headers, '\n')) {
    if (absl::StartsWith(line, "x-switchboard-signature: ")) sig = std::string(line.substr(25));
  }
  REQUIRE(absl::StartsWith(sig, "t="));
  const std::string t = sig.substr(2, sig.find(',') - 2);
  CHECK(sig == absl::StrCat("t=", t, ",v1=", HmacHex(secret, absl::StrCat(t, ".", body))));
  CHECK(sig != absl::StrCat("t=", t, ",v1=", HmacHex("wrong-secret-123456", absl::StrCat(t, ".", body))));
  CHECK(absl::StrContains(headers, "x-switchboard-event: security.voicemail_pin_changed"));
  Json j = Json::Parse(body);
  REQUIRE(j.valid());
  CHECK(j["type"].str() == "security.voicemail_pin_changed");
  CHECK(j["data.user_id"].str() == alice_id);
  CHECK(!j["id"].str().empty());
  // The e-mail went out too.
  REQUIRE(Env().WaitMail("alice@demo.switchboard.local", "Votre code de messagerie vocale a été modifié"));
  std::system(absl::StrCat("rm -rf '", dir, "'").c_str());
}

TEST_CASE("notification settings and reminders are validated and kept per user") {
  HttpClient alice = Alice();
  HttpResult bad =
      alice.Patch("/v1/users/me/notification-settings",
                  R"({"email_notifications":[{"address":"not-an-address","all_voicemail":true}]})");
  CHECK(bad.status == 400);
  CHECK(Json::Parse(bad.body)["error.field"].str() == "email_notifications[0].address");
  HttpResult ok = alice.Patch(
      "/v1/users/me/notification-settings",
      R"({"email_notifications":[{"address":"alice.sms@sms.example","sms":true,"urgent_voicemail":true}],
                                  "call_out":{"enabled":true,"number":"0612345678","normal_delay_min":30,"urgent_delay_min":5,
                                              "retry_count":2,"retry_interval_min":15}})");
  INFO(ok.body);
  REQUIRE(ok.status == 200);
  Json s = Json::Parse(alice.Get("/v1/users/me/notification-settings").body);
  CHECK(s["email_notifications.0.address"].str() == "alice.sms@sms.example");
  CHECK(s["call_out.retry_count"].num() == 2);
  HttpResult past = alice.Post("/v1/users/me/reminders",
                               R"({"name":"old","recurrence":"ONCE","date":"2020-01-01","time":"07:00"})");
  CHECK(past.status == 400);
  CHECK(Json::Parse(past.body)["error.field"].str() == "time");
  HttpResult daily =
      alice.Post("/v1/users/me/reminders", R"({"name":"wake up","recurrence":"WORKDAYS","time":"07:30"})");
  INFO(daily.body);
  REQUIRE(daily.status == 201);
  Json d = Json::Parse(daily.body);
  CHECK(d["time_zone"].str() == "Europe/Paris");
  CHECK(d["number"].str() == "+33222969569");
  CHECK(!d["next_run_at"].str().empty());
  CHECK(alice.Get("/v1/users/me/reminders").body.find(d["id"].str()) != std::string::npos);
  CHECK(alice.Delete("/v1/users/me/reminders/" + d["id"].str()).status == 204);
  CHECK(alice.Delete("/v1/users/me/reminders/" + d["id"].str()).status == 404);
}

TEST_CASE("a missed call is e-mailed when the user asked for it") {
  HttpClient alice = Alice();
  const std::string to = Unique("missed") + "@example.com";
  const std::string alice_id = Json::Parse(alice.Get("/v1/users/me").body)["id"].str();
  auto publish = [&](const std::string& from) {
    auto redis = sb::redis::Client::Create({.url = Env().stack().redis().url()}).value();
    sb::events::Publisher pub(*redis);
    epb::CallLogged c;
    c.set_user_id(alice_id);
    c.set_kind("MISSED");
    c.set_other_party(from);
    c.set_call_id("call-" + from);
    c.mutable_started_at()->set_seconds(absl::ToUnixSeconds(absl::Now()));
    REQUIRE(pub.Publish("call", {.type = "call.missed", .tenant_id = "t", .payload = c.SerializeAsString()})
                .ok());
  };
  publish("0611111111");  // not asked for yet: nothing
  HttpResult r =
      alice.Patch("/v1/users/me/notification-settings",
                  absl::StrCat(R"({"missed_call_email":true,"missed_call_address":")", to, R"("})"));
  INFO(r.body);
  REQUIRE(r.status == 200);
  publish("0622222222");
  auto mail = Env().WaitMail(to, "Appel manqué de 0622222222");
  REQUIRE(mail);
  REQUIRE(WaitFor([] { return Quiet("call"); }));
  CHECK(Env().MailsFor(to).size() == 1);
}

TEST_CASE("a Redis restart loses nothing acknowledged, and consumption resumes") {
  const std::string b = Unique("redis-b") + "@example.com", c = Unique("redis-c") + "@example.com";
  Env().StopSmtp();
  PublishNotice(sb::events::NewEventId(), "security.password_changed", b);
  // Acknowledged: the delivery is in the outbox (PostgreSQL), waiting for SMTP.
  REQUIRE(WaitFor([&] {
    return Env().QueryOne(absl::StrCat("SELECT count(*) FROM notifications.deliveries WHERE recipient = '", b,
                                       "'")) == "1";
  }));
  Env().stack().redis().Stop();
  Env().StartSmtp();
  REQUIRE(Env().WaitMail(b, "Your password was changed"));  // sent with Redis down
  Env().stack().redis().Start();
  // The consumer reconnects (and recreates its group if Redis lost it).
  REQUIRE(WaitFor(
      [&] {
        auto redis = sb::redis::Client::Create({.url = Env().stack().redis().url()}).value();
        auto r = redis->Command({"XINFO", "GROUPS", "events.security"});
        if (!r.ok()) return false;
        for (const auto& g : r->elements) {
          for (const auto& f : g.elements) {
            if (f.str == "notifications") return true;
          }
        }
        return false;
      },
      absl::Seconds(30)));
  PublishNotice(sb::events::NewEventId(), "security.password_changed", c);
  REQUIRE(Env().WaitMail(c, "Your password was changed"));
}

TEST_CASE("an event that can't be handled becomes a dead letter an operator can list and replay") {
  auto redis = sb::redis::Client::Create({.url = Env().stack().redis().url()}).value();
  sb::events::Publisher pub(*redis);
  const std::string id = sb::events::NewEventId();
  REQUIRE(pub.Publish("mailbox", {.id = id,
                                  .type = "mailbox.message_deposited",
                                  .tenant_id = "t",
                                  .payload = "not a protobuf \xff\xff\xff"})
              .ok());
  HttpClient op = Operator();
  auto find = [&](std::string* dead_id) {
    HttpResult r = op.Get("/v1/notifications/dead-letters");
    Json j = Json::Parse(r.body);
    for (int i = 0; i < j["items"].size(); ++i) {
      Json item = j["items." + std::to_string(i)];
      if (item["event_id"].str() == id && item["kind"].str() == "EVENT") {
        *dead_id = item["id"].str();
        return true;
      }
    }
    return false;
  };
  std::string first;
  REQUIRE(WaitFor([&] { return find(&first); }));
  HttpResult r = op.Post(absl::StrCat("/v1/notifications/dead-letters/", first, "/replay"), "");
  INFO(r.body);
  REQUIRE(r.status == 200);
  // Still broken: handled again, and dead again under a new entry.
  std::string second;
  REQUIRE(WaitFor([&] { return find(&second) && second != first; }));
}

TEST_CASE("first sign-in confirmation, security e-mail change to both addresses, and a working reset link") {
  const std::string first = Unique("bruno") + "@example.com", second = Unique("bruno2") + "@example.com";
  HttpClient bruno = Env().SignedIn("0222969570", "Bruno!Portal37");
  // A2: the first security e-mail gets a confirmation link.
  HttpResult r = bruno.Patch("/v1/users/me", absl::StrCat(R"({"security_email":")", first, R"("})"));
  INFO(r.body);
  REQUIRE(r.status == 200);
  auto confirm = Env().WaitMail(first, "Confirmez votre adresse e-mail de sécurité");
  REQUIRE(confirm);
  std::smatch m;
  REQUIRE(
      std::regex_search(confirm->text, m, std::regex(R"(confirm-security-email\?token=([A-Za-z0-9_\-]+))")));
  HttpClient anon(Env().stack().http_base());
  CHECK(anon.Post("/v1/security-email/confirm", absl::StrCat(R"({"token":")", m[1].str(), R"("})")).status ==
        204);
  // F4: a change is told to the old and the new address.
  r = bruno.Patch("/v1/users/me", absl::StrCat(R"({"security_email":")", second, R"("})"));
  REQUIRE(r.status == 200);
  REQUIRE(Env().WaitMail(first, "Votre adresse e-mail de sécurité a été modifiée"));
  REQUIRE(Env().WaitMail(second, "Votre adresse e-mail de sécurité a été modifiée"));
  REQUIRE(Env().WaitMail(second, "Confirmez votre adresse e-mail de sécurité"));
  // A1: the reset link reaches the security e-mail and sets a new password.
  REQUIRE(anon.Post("/v1/password-resets", R"({"login":"0222969570"})").status == 202);
  auto reset = Env().WaitMail(second, "Réinitialisation de votre mot de passe");
  REQUIRE(reset);
  REQUIRE(std::regex_search(reset->text, m, std::regex(R"(reset-password\?token=([A-Za-z0-9_\-]+))")));
  HttpResult done =
      anon.Post("/v1/password-resets/confirm",
                absl::StrCat(R"({"token":")", m[1].str(), R"(","new_password":"Hibou#Gris58!"})"));
  INFO(done.body);
  CHECK(done.status == 204);
  CHECK(Env().SignedIn("0222969570", "Hibou#Gris58!").token().size() > 0);
}

namespace {

// Follows next_page_token through `path` (with '?' or '&' already there),
// `size` per page; every item's `key`, in order. Checks the page sizes.
std::vector<std::string> AllPages(HttpClient& http, const std::string& path, int size, const std::string& key,
                                  int* pages = nullptr) {
  std::vector<std::string> out;
  std::string token;
  int n = 0;
  do {
    HttpResult r =
        http.Get(absl::StrCat(path, "page_size=", size, token.empty() ? "" : "&page_token=", token));
    INFO(path << " " << token << " → " << r.body);
    REQUIRE(r.status == 200);
    Json j = Json::Parse(r.body);
    CHECK(j["items"].size() <= size);
    for (int i = 0; i < j["items"].size(); ++i)
      out.push_back(j["items." + std::to_string(i) + "." + key].str());
    token = j["next_page_token"].str();
    if (!token.empty()) CHECK(j["items"].size() == size);  // only the last page may be short
    REQUIRE(++n < 1000);
  } while (!token.empty());
  if (pages != nullptr) *pages = n;
  return out;
}

// A webhook receiver of the test's own (webhook_sink.py), removed with it.
struct HookSink {
  std::string dir;
  int port = 0;
  sb::testing::Process process;
  HookSink() {
    char tmpl[] = "/tmp/sb-hook-XXXXXX";
    dir = mkdtemp(tmpl);
    port = sb::testing::FreePort();
    process = sb::testing::Process(
        {"/usr/bin/python3", sb::testing::SourceDir() + "/tests/notifications/webhook_sink.py", "--port",
         std::to_string(port), "--dir", dir},
        {}, dir + "/sink.log");
    REQUIRE(sb::testing::WaitForTcp("127.0.0.1", port, absl::Seconds(20)));
  }
  ~HookSink() {
    process.Stop();
    std::system(absl::StrCat("rm -rf '", dir, "'").c_str());
  }
  int Received() const {
    int n = 0;
    if (DIR* d = opendir(dir.c_str())) {
      while (dirent* e = readdir(d)) n += absl::EndsWith(e->d_name, ".req");
      closedir(d);
    }
    return n;
  }
};

void PublishTyped(const std::string& topic, const std::string& type) {
  auto redis = sb::redis::Client::Create({.url = Env().stack().redis().url()}).value();
  sb::events::Publisher pub(*redis);
  REQUIRE(pub.Publish(topic, {.type = type, .tenant_id = "t-test", .payload = ""}).ok());
}

}  // namespace

TEST_CASE("dead letters, deliveries, webhooks and reminders come in pages with next_page_token") {
  HttpClient op = Operator();
  // Dead letters of both kinds: three refused e-mails, two events that can't be handled.
  const std::string tag = Unique("page");
  Env().SetSmtpRejecting("5xx", true);
  for (int i = 0; i < 3; ++i) {
    PublishNotice(sb::events::NewEventId(), "security.signin_locked",
                  absl::StrCat(tag, "-", i, "@example.com"));
  }
  std::vector<std::string> bad_events;
  {
    auto redis = sb::redis::Client::Create({.url = Env().stack().redis().url()}).value();
    sb::events::Publisher pub(*redis);
    for (int i = 0; i < 2; ++i) {
      bad_events.push_back(sb::events::NewEventId());
      REQUIRE(pub.Publish("mailbox", {.id = bad_events.back(),
                                      .type = "mailbox.message_deposited",
                                      .tenant_id = "t",
                                      .payload = "not a protobuf \xff\xff\xff"})
                  .ok());
    }
  }
  auto listed = [&] {
    HttpResult r = op.Get("/v1/notifications/dead-letters?page_size=1000");
    int found = 0;
    for (int i = 0; i < 3; ++i) found += absl::StrContains(r.body, absl::StrCat(tag, "-", i, "@example.com"));
    for (const auto& id : bad_events) found += absl::StrContains(r.body, id);
    return found == 5;
  };
  REQUIRE(WaitFor(listed, absl::Seconds(60)));
  Env().SetSmtpRejecting("5xx", false);
  const std::vector<std::string> whole = AllPages(op, "/v1/notifications/dead-letters?", 1000, "id");
  int pages = 0;
  const std::vector<std::string> paged = AllPages(op, "/v1/notifications/dead-letters?", 2, "id", &pages);
  CHECK(paged == whole);  // same items, same order, none twice
  CHECK(pages == static_cast<int>(std::max<size_t>(1, (whole.size() + 1) / 2)));
  CHECK(std::set<std::string>(paged.begin(), paged.end()).size() == paged.size());
  // Deliveries first, then events (the pages cross from one to the other).
  bool seen_event = false, delivery_after_event = false;
  for (const auto& id : paged) {
    seen_event |= absl::StartsWith(id, "e-");
    delivery_after_event |= seen_event && absl::StartsWith(id, "d-");
  }
  CHECK(seen_event);
  CHECK_FALSE(delivery_after_event);
  HttpResult bad = op.Get("/v1/notifications/dead-letters?page_token=nonsense");
  CHECK(bad.status == 400);
  CHECK(Json::Parse(bad.body)["error.field"].str() == "page_token");

  // Deliveries, newest first.
  REQUIRE(WaitFor([] { return Quiet("security"); }));
  const std::vector<std::string> deliveries = AllPages(op, "/v1/notifications/deliveries?", 3, "id");
  CHECK(static_cast<int>(deliveries.size()) ==
        std::stoi(Env().QueryOne("SELECT count(*) FROM notifications.deliveries")));
  for (size_t i = 1; i < deliveries.size(); ++i)
    CHECK(std::stoll(deliveries[i]) < std::stoll(deliveries[i - 1]));
  CHECK(op.Get("/v1/notifications/deliveries?page_token=-4").status == 400);

  // A user's reminders.
  HttpClient alice = Alice();
  std::vector<std::string> created;
  for (int i = 0; i < 3; ++i) {
    HttpResult c =
        alice.Post("/v1/users/me/reminders",
                   absl::StrCat(R"({"name":"r)", i, R"(","recurrence":"DAILY","time":"0)", i, R"(:15"})"));
    REQUIRE(c.status == 201);
    created.push_back(Json::Parse(c.body)["id"].str());
  }
  const std::vector<std::string> reminders = AllPages(alice, "/v1/users/me/reminders?", 2, "id", &pages);
  CHECK(reminders == created);
  CHECK(pages == 2);
  for (const auto& id : created) CHECK(alice.Delete("/v1/users/me/reminders/" + id).status == 204);

  // Webhooks.
  std::vector<std::string> hooks;
  for (int i = 0; i < 3; ++i) {
    HttpResult c = op.Post("/v1/webhooks", R"({"url":"https://198.51.100.7/in","event_types":["none.*"]})");
    INFO(c.body);
    REQUIRE(c.status == 201);
    hooks.push_back(Json::Parse(c.body)["webhook.id"].str());
  }
  const std::vector<std::string> all_hooks = AllPages(op, "/v1/webhooks?", 1000, "id");
  CHECK(AllPages(op, "/v1/webhooks?", 2, "id") == all_hooks);
  for (const auto& id : hooks) {
    CHECK(std::find(all_hooks.begin(), all_hooks.end(), id) != all_hooks.end());
    CHECK(op.Delete("/v1/webhooks/" + id).status == 204);
  }
}

TEST_CASE("webhook URLs that reach inside the platform are refused, at creation and at delivery") {
  HttpClient op = Operator();
  auto refused = [&](const std::string& url, const std::string& why) {
    HttpResult r = op.Post("/v1/webhooks", absl::StrCat(R"({"url":")", url, R"(","event_types":["*"]})"));
    INFO(url << " → " << r.body);
    CHECK(r.status == 400);
    Json j = Json::Parse(r.body);
    CHECK(j["error.field"].str() == "url");
    CHECK(absl::StrContains(j["error.message"].str(), why));
  };
  // Never, whatever the operator allows.
  refused("http://169.254.169.254/latest/meta-data/", "link-local");
  refused("http://[fe80::1]/", "link-local");
  refused("http://224.0.0.251/", "multicast");
  refused("http://0.0.0.0:8080/", "unspecified");
  refused("ftp://hooks.example.com/in", "http:// or https://");
  refused("file:///etc/passwd", "http:// or https://");
  refused("hooks.example.com/in", "url");

  // A receiver on loopback, registered while private targets are allowed
  // (this environment's --webhook_allow_private).
  HookSink sink;
  HttpResult created =
      op.Post("/v1/webhooks", absl::StrCat(R"({"url":"http://127.0.0.1:)", sink.port,
                                           R"(/hook","event_types":["notify.guard_test"]})"));
  INFO(created.body);
  REQUIRE(created.status == 201);
  const std::string hook_id = Json::Parse(created.body)["webhook.id"].str();
  PublishTyped("notify", "notify.guard_test");
  REQUIRE(WaitFor([&] { return sink.Received() == 1; }));

  // Without the flag: loopback and private addresses are refused when
  // registering, and the registered one is refused when delivering.
  Env().RestartNotificationsWith({"--webhook_allow_private=false"});
  refused(absl::StrCat("http://127.0.0.1:", sink.port, "/hook"), "loopback");
  refused("http://localhost:8080/", "loopback");
  refused("http://10.20.30.40/", "private");
  refused("http://192.168.1.1/", "private");
  refused("http://[fd00::1]/", "private");
  PublishTyped("notify", "notify.guard_test");
  REQUIRE(WaitFor([&] {
    return Env()
               .QueryOne(
                   "SELECT last_error FROM notifications.deliveries WHERE channel = 'WEBHOOK' AND "
                   "event_type = 'notify.guard_test' AND state = 'failed'")
               .find("loopback") != std::string::npos;
  }));
  CHECK(sink.Received() == 1);  // nothing more reached it
  Env().RestartNotificationsWith({});

  // A redirect is not followed (it could point anywhere): a dead letter.
  HookSink target;
  std::ofstream(sink.dir + "/redirect") << "http://127.0.0.1:" << target.port << "/elsewhere";
  PublishTyped("notify", "notify.guard_test");
  REQUIRE(WaitFor([&] {
    return Env().QueryOne(
               "SELECT count(*) FROM notifications.deliveries WHERE channel = 'WEBHOOK' AND "
               "event_type = 'notify.guard_test' AND state = 'failed' AND last_error LIKE '%redirect%not "
               "followed%'") == "1";
  }));
  CHECK(target.Received() == 0);
  CHECK(op.Delete("/v1/webhooks/" + hook_id).status == 204);
}

TEST_CASE("the OpenAPI document shows action links as a GET page and a POST that runs them") {
  HttpClient anon(Env().stack().http_base());
  HttpResult r = anon.Get("/v1/openapi.json");
  REQUIRE(r.status == 200);
  Json doc = Json::Parse(r.body);
  REQUIRE(doc.valid());
  CHECK(doc.has("paths./v1/actions/{token}.get.responses.200.content.text/html"));
  CHECK(doc.has("paths./v1/actions/{token}.get.responses.410"));
  CHECK(doc.has("paths./v1/actions/{token}.post.responses.200.content.application/json"));
  CHECK(doc.has("paths./v1/actions/{token}.post.responses.403"));
  CHECK(doc.has("components.responses.Gone"));
  for (const char* list : {"/v1/notifications/dead-letters", "/v1/notifications/deliveries", "/v1/webhooks",
                           "/v1/users/{user_id}/reminders"}) {
    INFO(list);
    CHECK(absl::StrContains(doc[absl::StrCat("paths.", list, ".get.parameters")].value().DebugString(),
                            "page_token"));
  }
}
