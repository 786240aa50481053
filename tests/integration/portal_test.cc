// The portal API end to end: HTTP → gateway → profiles → PostgreSQL/Redis,
// with the demo tenant that `tools/dev up` seeds.
#include <openssl/evp.h>

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "redis/client.h"
#include "switchboard/events/v1/events.pb.h"
#include "tests/support/demo.h"
#include "tests/support/http_client.h"
#include "tests/support/json.h"
#include "tests/support/stack.h"

using sb::testing::HttpClient;
using sb::testing::HttpResult;
using sb::testing::Json;

namespace {

// One platform for the whole binary, stopped at exit.
sb::testing::Stack& TheStack() {
  static sb::testing::Stack stack;
  return stack;
}

HttpClient SignedIn(const std::string& login, const std::string& password) {
  return sb::testing::demo::SignIn(TheStack().http_base(), login, password);
}

HttpClient Alice() { return SignedIn(sb::testing::demo::kAliceLogin, sb::testing::demo::kAlicePassword); }
HttpClient Operator() {
  return SignedIn(sb::testing::demo::kOperatorLogin, sb::testing::demo::kOperatorPassword);
}
HttpClient Admin() { return SignedIn(sb::testing::demo::kAdminLogin, sb::testing::demo::kAdminPassword); }

Json Body(const HttpResult& r) { return Json::Parse(r.body); }

std::string Md5Hex(const std::string& s) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(s.data(), s.size(), d, &n, EVP_md5(), nullptr);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(d), n));
}

// The events of `type` on events.<topic> addressed to `to`, newest first.
std::vector<switchboard::events::v1::SecurityNotice> NoticesTo(const std::string& topic,
                                                               const std::string& type,
                                                               const std::string& to) {
  auto redis = sb::redis::Client::Create({.url = TheStack().redis().url()}).value();
  std::vector<switchboard::events::v1::SecurityNotice> out;
  auto r = redis->Command({"XREVRANGE", "events." + topic, "+", "-"});
  REQUIRE(r.ok());
  for (const auto& entry : r->elements) {
    const auto& fields = entry.elements[1].elements;
    std::string t, payload;
    for (size_t i = 0; i + 1 < fields.size(); i += 2) {
      if (fields[i].str == "type") t = fields[i + 1].str;
      if (fields[i].str == "payload") payload = fields[i + 1].str;
    }
    if (t != type) continue;
    switchboard::events::v1::SecurityNotice n;
    REQUIRE(n.ParseFromString(payload));
    for (const auto& addr : n.to()) {
      if (addr == to) out.push_back(n);
    }
  }
  return out;
}

// Waits until at least `count` such events exist (the outbox relays within
// ~100 ms) and returns the newest.
switchboard::events::v1::SecurityNotice WaitNotice(const std::string& topic, const std::string& type,
                                                   const std::string& to, size_t count = 1) {
  for (int attempt = 0; attempt < 250; ++attempt) {
    auto found = NoticesTo(topic, type, to);
    if (found.size() >= count) return found.front();
    usleep(20000);
  }
  FAIL("no " << type << " event for " << to << " on events." << topic);
  return {};
}

}  // namespace

TEST_CASE("sign in by number in any usual form or by e-mail; wrong passwords get 401") {
  HttpClient http(TheStack().http_base());
  for (const char* login :
       {"0222969569", "02 22 96 95 69", "02.22.96.95.69", "+33222969569", "alice@demo.switchboard.local"}) {
    INFO(login);
    auto r =
        http.Post("/v1/sessions", absl::StrCat(R"({"login":")", login, R"(","password":"Alice!Portal42"})"));
    REQUIRE(r.status == 201);
    Json j = Body(r);
    CHECK(j["user.number_e164"].str() == "+33222969569");
    CHECK(j["user.extension"].str() == "4001");
    CHECK_FALSE(j["token"].str().empty());
    CHECK_FALSE(j.has("user.password"));
  }
  auto wrong = http.Post("/v1/sessions", R"({"login":"0222969569","password":"Alice!Portal43"})");
  CHECK(wrong.status == 401);
  CHECK(Body(wrong)["error.code"].str() == "UNAUTHENTICATED");
  CHECK(http.Get("/v1/users/me").status == 401);
  http.set_token("not-a-token");
  CHECK(http.Get("/v1/users/me").status == 401);
}

TEST_CASE("the subscriber reads and edits the profile; sign-out ends the session") {
  HttpClient alice = Alice();
  auto me = alice.Get("/v1/users/me");
  REQUIRE(me.status == 200);
  CHECK(Body(me)["first_name"].str() == "Alice");
  CHECK(Body(me)["timezone"].str() == "Europe/Paris");

  auto patched = alice.Patch("/v1/users/me", R"({"department":"Ventes; DROP TABLE users;--","language":"en",
      "decline_reasons":["Je suis en réunion"],"working_hours":[{"day":1,"start":"08:30","end":"17:00"}]})");
  INFO(patched.body);
  REQUIRE(patched.status == 200);
  auto again = Body(alice.Get("/v1/users/me"));
  CHECK(again["department"].str() == "Ventes; DROP TABLE users;--");
  CHECK(again["language"].str() == "en");
  CHECK(again["decline_reasons.0"].str() == "Je suis en réunion");
  CHECK(again["working_hours.0.start"].str() == "08:30");
  CHECK(again["first_name"].str() == "Alice");  // PATCH touched only what it named

  // A user can't give itself licences or a role.
  auto role = alice.Patch("/v1/users/me", R"({"role":"ADMIN"})");
  CHECK(role.status == 403);
  CHECK(Body(alice.Patch("/v1/users/me", R"({"timezone":"Mars/Olympus"})"))["error.field"].str() ==
        "timezone");

  CHECK(alice.Delete("/v1/sessions/current").status == 204);
  CHECK(alice.Get("/v1/users/me").status == 401);
}

TEST_CASE("a change made through another gateway copy reaches this copy's cached profile") {
  // A second gateway on the same Redis and profiles: what it changes must
  // not stay hidden behind the first copy's cache (30 s TTL) for long.
  int port = sb::testing::FreePort();
  sb::testing::Process other(
      {sb::testing::BuildDir() + "/services/gateway/gateway"},
      {"SB_REDIS_URL=" + TheStack().redis().url(), absl::StrCat("SB_HTTP_LISTEN=127.0.0.1:", port),
       "PROFILES_ADDR=" + TheStack().profiles_addr(), "ROUTING_ADDR=" + TheStack().routing_addr(),
       "SB_LOG_LEVEL=info"},
      "/tmp/portal_test_gateway2.log");
  REQUIRE(sb::testing::WaitForTcp("127.0.0.1", port, absl::Seconds(30)));

  HttpClient alice = Alice();
  REQUIRE(alice.Get("/v1/users/me").status == 200);  // now cached in the first copy
  HttpClient via_other(absl::StrCat("http://127.0.0.1:", port));
  via_other.set_token(alice.token());
  auto patched = via_other.Patch("/v1/users/me", R"({"department":"Copy two"})");
  INFO(patched.body);
  REQUIRE(patched.status == 200);

  std::string seen;
  for (int i = 0; i < 100 && seen != "Copy two"; ++i) {
    seen = Body(alice.Get("/v1/users/me"))["department"].str();
    if (seen != "Copy two") usleep(50000);
  }
  CHECK(seen == "Copy two");  // within 5 s, far below the cache's TTL
  other.Stop();
}

TEST_CASE("first sign-in: nothing but the profile until a security e-mail is set (A2)") {
  HttpClient bruno = SignedIn("0222969570", "Bruno!Portal37");
  CHECK(bruno.Get("/v1/users/me").status == 200);
  auto blocked = bruno.Get("/v1/users/me/devices");
  CHECK(blocked.status == 403);
  CHECK(Body(blocked)["error.code"].str() == "FAILED_PRECONDITION");
  CHECK(bruno.Patch("/v1/users/me", R"({"department":"x"})").status == 403);
  CHECK(bruno.Get("/v1/directory").status == 403);

  auto set = bruno.Patch("/v1/users/me", R"({"security_email":"Bruno.Perso@example.org"})");
  INFO(set.body);
  REQUIRE(set.status == 200);
  CHECK(Body(set)["security_email"].str() == "bruno.perso@example.org");
  CHECK(bruno.Get("/v1/users/me/devices").status == 200);
  // The confirmation link went out through the event stream.
  auto confirmation =
      WaitNotice("security", "security.security_email_confirmation", "bruno.perso@example.org");
  HttpClient anon(TheStack().http_base());
  CHECK(anon.Post("/v1/security-email/confirm",
                  absl::StrCat(R"({"token":")", confirmation.reset_token(), R"("})"))
            .status == 204);
  CHECK(Body(bruno.Get("/v1/users/me"))["security_email_confirmed"].boolean());
}

TEST_CASE("a soft phone gets SIP credentials once; the stored HA1 matches them") {
  HttpClient alice = Alice();
  auto created = alice.Post("/v1/users/me/devices", R"({"kind":"SOFTPHONE","name":"Laptop"})");
  REQUIRE(created.status == 201);
  Json d = Body(created);
  std::string user = d["sip_username"].str(), pass = d["sip_password"].str();
  CHECK(user.rfind("4001-", 0) == 0);
  CHECK(pass.size() == 20);
  CHECK(d["sip_domain"].str() == "demo.switchboard.local");
  auto fetched = Body(alice.Get("/v1/users/me/devices/" + d["id"].str()));
  CHECK(fetched["sip_username"].str() == user);
  CHECK_FALSE(fetched.has("sip_password"));

  // What the edge will check: only the digest is stored.
  pqxx::connection c(TheStack().pg_url());
  pqxx::work w(c);
  auto row = w.exec_params("SELECT ha1_md5 FROM profiles.devices WHERE sip_username = $1", user);
  REQUIRE(row.size() == 1);
  CHECK(row[0][0].as<std::string>() == Md5Hex(user + ":demo.switchboard.local:" + pass));

  auto desk = alice.Post("/v1/users/me/devices",
                         R"({"kind":"DESK_PHONE","mac":"00:15:65:aa:bb:cc","model":"Yealink T54W"})");
  REQUIRE(desk.status == 201);
  CHECK(Body(desk)["mac"].str() == "001565aabbcc");
  auto bad_mac = alice.Post("/v1/users/me/devices", R"({"kind":"DESK_PHONE","mac":"00:15:65"})");
  CHECK(bad_mac.status == 400);
  CHECK(Body(bad_mac)["error.field"].str() == "mac");
  CHECK(alice.Delete("/v1/users/me/devices/" + Body(desk)["id"].str()).status == 204);
}

TEST_CASE("tenants are isolated: another tenant's admin gets 404 for everything of ours") {
  HttpClient op = Operator();
  auto tenant = op.Post(
      "/v1/tenants",
      R"({"name":"Globex","country":"BE","timezone":"Europe/Brussels","sip_domain":"globex.example"})");
  REQUIRE(tenant.status == 201);
  std::string globex = Body(tenant)["id"].str();
  auto admin = op.Post(
      "/v1/tenants/" + globex + "/users",
      R"({"first_name":"Greta","last_name":"Admin","email":"greta@globex.example","password":"Gl0bex#Admin!","role":"ADMIN","extension":"2001"})");
  INFO(admin.body);
  REQUIRE(admin.status == 201);

  HttpClient alice = Alice();
  std::string alice_id = Body(alice.Get("/v1/users/me"))["id"].str();
  std::string demo = Body(alice.Get("/v1/users/me"))["tenant_id"].str();
  std::string device_id = Body(alice.Post("/v1/users/me/devices", R"({"kind":"SOFTPHONE"})"))["id"].str();

  HttpClient greta = SignedIn("greta@globex.example", "Gl0bex#Admin!");
  greta.Patch("/v1/users/me", R"({"security_email":"greta@globex.example"})");
  CHECK(greta.Get("/v1/users/" + alice_id).status == 404);
  CHECK(greta.Patch("/v1/users/" + alice_id, R"({"department":"pwned"})").status == 404);
  CHECK(greta.Delete("/v1/users/" + alice_id).status == 404);
  CHECK(greta.Get("/v1/tenants/" + demo).status == 404);
  CHECK(greta.Get("/v1/tenants/" + demo + "/users").status == 404);
  CHECK(greta.Post("/v1/tenants/" + demo + "/users", R"({"last_name":"X","password":"Gl0bex#Admin!"})")
            .status == 404);
  CHECK(greta.Get("/v1/users/" + alice_id + "/devices/" + device_id).status == 404);
  CHECK(greta.Get("/v1/users/" + alice_id + "/contacts").status == 404);
  auto tenants = Body(greta.Get("/v1/tenants"));
  REQUIRE(tenants["items"].size() == 1);
  CHECK(tenants["items.0.id"].str() == globex);
  // A plain user can't reach admin routes of its own tenant either.
  CHECK(alice.Post("/v1/tenants/" + demo + "/users", R"({"last_name":"X","password":"Gl0bex#Admin!"})")
            .status == 403);
  // The demo admin manages its own tenant.
  HttpClient claire = Admin();
  CHECK(claire.Get("/v1/users/" + alice_id).status == 200);
  CHECK(Body(claire.Get("/v1/tenants/" + demo + "/users"))["items"].size() >= 3);
}

TEST_CASE("an admin creates extensions; reserved and duplicate ones are refused (A8)") {
  HttpClient claire = Admin();
  std::string demo = Body(claire.Get("/v1/users/me"))["tenant_id"].str();
  auto reserved = claire.Post("/v1/tenants/" + demo + "/lines", R"({"extension":"911"})");
  CHECK(reserved.status == 400);
  CHECK(Body(reserved)["error.field"].str() == "extension");
  auto dup = claire.Post("/v1/tenants/" + demo + "/lines", R"({"extension":"4001"})");
  CHECK(dup.status == 409);
  CHECK(Body(dup)["error.field"].str() == "extension");
  auto managed = claire.Post("/v1/tenants/" + demo + "/lines",
                             R"({"extension":"4100","number":"02-22-96-95-99","label":"Accueil"})");
  INFO(managed.body);
  REQUIRE(managed.status == 201);
  CHECK(Body(managed)["number_e164"].str() == "+33222969599");
  CHECK(Body(managed)["user_id"].str().empty());
  auto user = claire.Post(
      "/v1/tenants/" + demo + "/users",
      R"({"first_name":"Chloé","last_name":"Petit","email":"chloe@demo.switchboard.local","number":"0222969571","extension":"4003","password":"0222969571"})");
  CHECK(user.status == 400);
  CHECK(Body(user)["error.field"].str() == "password");
  CHECK(Body(user)["error.message"].str().find("special") != std::string::npos);
}

TEST_CASE("password and PIN changes follow the policy, name the rule, and send notices") {
  HttpClient alice = Alice();
  auto weak = alice.Post("/v1/users/me/password",
                         R"({"current_password":"Alice!Portal42","new_password":"abc1115"})");
  CHECK(weak.status == 400);
  std::string msg = Body(weak)["error.message"].str();
  CHECK(msg.find("12 to 20") != std::string::npos);
  CHECK(msg.find("repeat") != std::string::npos);
  CHECK(Body(weak)["error.field"].str() == "new_password");
  auto wrong =
      alice.Post("/v1/users/me/password", R"({"current_password":"nope","new_password":"Another#Pass42"})");
  CHECK(Body(wrong)["error.field"].str() == "current_password");

  auto pin = alice.Post("/v1/users/me/voicemail-pin", R"({"current_pin":"240817","new_pin":"123456"})");
  CHECK(pin.status == 400);
  CHECK(Body(pin)["error.field"].str() == "new_pin");
  CHECK(alice.Post("/v1/users/me/voicemail-pin", R"({"current_pin":"240817","new_pin":"9696958"})").status ==
        400);
  const size_t before =
      NoticesTo("security", "security.voicemail_pin_changed", "alice@demo.switchboard.local").size();
  CHECK(alice.Post("/v1/users/me/voicemail-pin", R"({"current_pin":"240817","new_pin":"260417"})").status ==
        204);
  auto notice =
      WaitNotice("security", "security.voicemail_pin_changed", "alice@demo.switchboard.local", before + 1);
  CHECK(notice.display_name() == "Alice Martin");
  CHECK(alice.Post("/v1/users/me/voicemail-pin", R"({"current_pin":"260417","new_pin":"240817"})").status ==
        204);
}

TEST_CASE("a password reset link sets a new password once") {
  HttpClient anon(TheStack().http_base());
  HttpClient op = Operator();
  std::string demo = Body(Alice().Get("/v1/users/me"))["tenant_id"].str();
  REQUIRE(
      op.Post(
            "/v1/tenants/" + demo + "/users",
            R"({"last_name":"Forgetful","email":"forgetful@demo.switchboard.local","security_email":"forgetful@home.example","password":"First#Password1"})")
          .status == 201);
  CHECK(anon.Post("/v1/password-resets", R"({"login":"forgetful@demo.switchboard.local"})").status == 202);
  std::string token =
      WaitNotice("security", "security.password_reset_requested", "forgetful@home.example").reset_token();
  auto done = anon.Post("/v1/password-resets/confirm",
                        absl::StrCat(R"({"token":")", token, R"(","new_password":"Second#Password2"})"));
  CHECK(done.status == 204);
  CHECK(anon.Post("/v1/password-resets/confirm",
                  absl::StrCat(R"({"token":")", token, R"(","new_password":"Third#Password3"})"))
            .status == 404);
  SignedIn("forgetful@demo.switchboard.local", "Second#Password2");
}

TEST_CASE("repeated failed sign-ins for one login are throttled with 429 and Retry-After") {
  HttpClient op = Operator();
  std::string demo = Body(Alice().Get("/v1/users/me"))["tenant_id"].str();
  REQUIRE(
      op.Post("/v1/tenants/" + demo + "/users",
              R"({"last_name":"Target","email":"target@demo.switchboard.local","password":"Target#Pass42"})")
          .status == 201);
  HttpClient http(TheStack().http_base());
  for (int i = 0; i < 5; ++i) {
    CHECK(
        http.Post("/v1/sessions", R"({"login":"target@demo.switchboard.local","password":"guess"})").status ==
        401);
  }
  auto locked =
      http.Post("/v1/sessions", R"({"login":"target@demo.switchboard.local","password":"Target#Pass42"})");
  CHECK(locked.status == 429);
  CHECK(std::stoi(locked.Header("retry-after")) > 0);
  // Other accounts are not affected.
  CHECK(http.Post("/v1/sessions", R"({"login":"0222969569","password":"Alice!Portal42"})").status == 201);
}

TEST_CASE("bad input gets a 4xx naming the problem and the service keeps serving") {
  HttpClient alice = Alice();
  auto malformed = alice.Patch("/v1/users/me", R"({"department": )");
  CHECK(malformed.status == 400);
  CHECK(Body(malformed)["error.code"].str() == "INVALID_ARGUMENT");
  auto unknown = alice.Patch("/v1/users/me", R"({"departement":"typo"})");
  CHECK(unknown.status == 400);
  CHECK(Body(unknown)["error.field"].str() == "departement");
  auto type = alice.Patch("/v1/users/me", R"({"first_name":42})");
  CHECK(type.status == 400);
  CHECK(Body(type)["error.field"].str() == "first_name");
  auto array = alice.Patch("/v1/users/me", R"([1,2,3])");
  CHECK(array.status == 400);
  auto longname =
      alice.Patch("/v1/users/me", absl::StrCat(R"({"first_name":")", std::string(51, 'x'), R"("})"));
  CHECK(longname.status == 400);
  CHECK(Body(longname)["error.field"].str() == "first_name");
  auto huge =
      alice.Patch("/v1/users/me", absl::StrCat(R"({"department":")", std::string(2 << 20, 'x'), R"("})"));
  CHECK(huge.status == 413);
  CHECK(alice.Get("/v1/no/such/route").status == 404);
  CHECK(alice.Get("/v1/users/not-a-uuid").status == 404);
  auto method = alice.Request("PUT", "/v1/users/me", "{}");
  CHECK(method.status == 405);
  CHECK(alice.Get("/v1/users/me").status == 200);
  HttpClient anon(TheStack().http_base());
  auto health = anon.Get("/v1/health");
  CHECK(health.status == 200);
  CHECK(Body(health)["services.profiles"].str() == "SERVING");
  CHECK(Body(health)["services.routing"].str() == "SERVING");
  CHECK(Body(health)["services.redis"].str() == "SERVING");
  // This stack runs neither voicemail nor notifications: the gateway still
  // serves, and says which parts are missing.
  CHECK(Body(health)["services.voicemail"].str() == "UNREACHABLE");
  CHECK(Body(health)["services.notifications"].str() == "UNREACHABLE");
  CHECK(Body(health)["status"].str() == "DEGRADED");
}

TEST_CASE("a photo upload checks type and size and serves the same bytes back") {
  HttpClient alice = Alice();
  std::string png = std::string("\x89PNG\r\n\x1a\n", 8) + std::string(200, '\x01');
  auto put = alice.Request("PUT", "/v1/users/me/photo", png, {"Content-Type: image/png"});
  INFO(put.body);
  CHECK(put.status == 204);
  auto got = alice.Get("/v1/users/me/photo");
  CHECK(got.status == 200);
  CHECK(got.Header("content-type") == "image/png");
  CHECK(got.body == png);
  CHECK(Body(alice.Get("/v1/users/me"))["has_photo"].boolean());
  auto text = alice.Request("PUT", "/v1/users/me/photo", "hello", {"Content-Type: image/png"});
  CHECK(text.status == 400);
  auto big =
      alice.Request("PUT", "/v1/users/me/photo", std::string(3 << 20, '\xff'), {"Content-Type: image/jpeg"});
  CHECK(big.status == 413);
}

TEST_CASE("contacts, nested groups, the directory and speed dials through the API") {
  HttpClient alice = Alice();
  auto group = alice.Post("/v1/users/me/contact-groups", R"({"name":"Fournisseurs"})");
  REQUIRE(group.status == 201);
  auto sub = alice.Post("/v1/users/me/contact-groups", absl::StrCat(R"({"name":"Imprimeurs","parent_id":")",
                                                                    Body(group)["id"].str(), R"("})"));
  REQUIRE(sub.status == 201);
  auto contact =
      alice.Post("/v1/users/me/contacts",
                 absl::StrCat(R"({"first_name":"Jean","last_name":"Dupont","organization":"Imprimerie Dupont",
      "numbers":[{"kind":"WORK","number":"01 23 45 67 89"},{"kind":"MOBILE","number":"06.11.22.33.44","primary":true}],
      "email":"jean@dupont.example","group_ids":[")",
                              Body(sub)["id"].str(), R"("]})"));
  INFO(contact.body);
  REQUIRE(contact.status == 201);
  CHECK(Body(contact)["numbers.1.number_e164"].str() == "+33611223344");
  auto in_group = Body(alice.Get("/v1/users/me/contacts?group_id=" + Body(group)["id"].str()));
  REQUIRE(in_group["items"].size() == 1);
  CHECK(in_group["items.0.last_name"].str() == "Dupont");
  CHECK(Body(alice.Get("/v1/users/me/contacts?query=Imprimerie"))["items"].size() == 1);
  auto renamed = alice.Patch("/v1/users/me/contacts/" + Body(contact)["id"].str(), R"({"nickname":"JD"})");
  CHECK(Body(renamed)["nickname"].str() == "JD");
  CHECK(Body(renamed)["last_name"].str() == "Dupont");

  auto dir = Body(alice.Get("/v1/directory?query=Durand"));
  REQUIRE(dir["items"].size() == 1);
  CHECK(dir["items.0.extension"].str() == "4002");

  CHECK(alice.Request("PUT", "/v1/users/me/speed-dials/12", R"({"number":"06 11 22 33 44","name":"Jean"})")
            .status == 200);
  CHECK(
      Body(alice.Request("PUT", "/v1/users/me/speed-dials/123", R"({"number":"0611223344"})"))["error.field"]
          .str() == "code");
  auto dials = Body(alice.Get("/v1/users/me/speed-dials"));
  REQUIRE(dials["items"].size() == 1);
  CHECK(dials["items.0.number_e164"].str() == "+33611223344");
}

TEST_CASE("what was acknowledged survives restarts and crashes of both services") {
  HttpClient alice = Alice();
  REQUIRE(alice.Patch("/v1/users/me", R"({"title":"Responsable achats"})").status == 200);
  TheStack().RestartProfiles(/*crash=*/true);
  TheStack().RestartGateway(/*crash=*/true);
  // The session lives in Redis, so the same token still works.
  auto me = alice.Get("/v1/users/me");
  REQUIRE(me.status == 200);
  CHECK(Body(me)["title"].str() == "Responsable achats");
}

TEST_CASE("the OpenAPI document lists every route with its schemas") {
  HttpClient anon(TheStack().http_base());
  auto doc = anon.Get("/v1/openapi.json");
  REQUIRE(doc.status == 200);
  Json j = Body(doc);
  REQUIRE(j.valid());
  for (const char* path :
       {"/v1/sessions", "/v1/users/{user_id}", "/v1/users/{user_id}/devices", "/v1/tenants/{tenant_id}/users",
        "/v1/users/{user_id}/contacts", "/v1/directory", "/v1/health"}) {
    INFO(path);
    CHECK(j["paths"].value().struct_value().fields().count(path) == 1);
  }
  CHECK(j.has("components.schemas"));
}
