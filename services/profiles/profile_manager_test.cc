// ProfileManager against a real PostgreSQL (a fresh database per test case).
#include "services/profiles/profile_manager.h"

#include <catch2/catch.hpp>

#include "core/status.h"
#include "pg/migrate.h"
#include "services/profiles/pg_store.h"
#include "services/profiles/secrets.h"
#include "switchboard/events/v1/events.pb.h"
#include "tests/support/backends.h"

namespace sb::profiles {
const std::vector<pg::Migration>& Migrations();
}

using namespace sb::profiles;
using sb::core::FieldOf;
using sb::core::Principal;
using sb::core::PrincipalRole;

namespace {

struct World {
  std::unique_ptr<sb::pg::Pool> pool;
  std::unique_ptr<PgStore> store;
  sb::numbering::Numbering numbering;
  absl::Time now = absl::FromUnixSeconds(1790000000);
  std::unique_ptr<ProfileManager> manager;
  Principal op = Principal::System();

  World() {
    auto url = sb::testing::FreshDatabase("profiles");
    pool = sb::pg::Pool::Create({.url = url, .size = 4, .search_path = "profiles"}).value();
    REQUIRE(sb::pg::Migrate(*pool, "profiles", Migrations()).ok());
    store = std::make_unique<PgStore>(pool.get());
    manager = std::make_unique<ProfileManager>(ProfilesConfig{}, store.get(), &numbering, [this] { return now; });
  }

  pb::Tenant Tenant(const std::string& domain) {
    pb::Tenant t;
    t.set_name("Acme");
    t.set_country("FR");
    t.set_timezone("Europe/Paris");
    t.set_sip_domain(domain);
    t.add_offered_licences("VOICEMAIL");
    auto out = manager->CreateTenant(op, t);
    REQUIRE(out.ok());
    return *out;
  }

  pb::User User(const std::string& tenant, const std::string& email, const std::string& number,
                const std::string& ext, pb::Role role = pb::USER) {
    pb::User u;
    u.set_first_name("Test");
    u.set_last_name(email);
    u.set_email(email);
    u.set_number(number);
    u.set_extension(ext);
    u.set_password("Correct#Horse7");
    u.set_role(role);
    auto out = manager->CreateUser(op, tenant, u);
    INFO(out.status().ToString());
    REQUIRE(out.ok());
    return *out;
  }

  int OutboxCount(const std::string& type) {
    int n = 0;
    REQUIRE(pool->Read([&](pqxx::work& w) {
                  n = w.exec_params("SELECT count(*) FROM outbox WHERE type = $1", type)[0][0].as<int>();
                  return absl::OkStatus();
                }).ok());
    return n;
  }
};

Principal As(const pb::User& u) {
  PrincipalRole role = u.role() == pb::ADMIN ? PrincipalRole::kAdmin : PrincipalRole::kUser;
  return Principal{role, u.id(), u.tenant_id()};
}

}  // namespace

TEST_CASE("a user is created with a normalized number, signs in by number or e-mail") {
  World w;
  auto t = w.Tenant("acme.example");
  auto alice = w.User(t.id(), "alice@acme.example", "02 22 96 95 69", "4001");
  CHECK(alice.number() == "0222969569");
  CHECK(alice.number_e164() == "+33222969569");
  CHECK(alice.extension() == "4001");
  CHECK(alice.timezone() == "Europe/Paris");
  REQUIRE(alice.lines_size() == 1);

  for (const char* login : {"0222969569", "02.22.96.95.69", "+33222969569", "ALICE@acme.example"}) {
    pb::AuthenticateRequest req;
    req.set_login(login);
    req.set_password("Correct#Horse7");
    auto u = w.manager->Authenticate(req);
    INFO(login);
    REQUIRE(u.ok());
    CHECK(u->id() == alice.id());
  }
  pb::AuthenticateRequest wrong;
  wrong.set_login("0222969569");
  wrong.set_password("Correct#Horse8");
  CHECK(w.manager->Authenticate(wrong).status().code() == absl::StatusCode::kUnauthenticated);
  wrong.set_login("nobody@acme.example");
  CHECK(w.manager->Authenticate(wrong).status().code() == absl::StatusCode::kUnauthenticated);
}

TEST_CASE("creation refuses weak passwords, reserved extensions and duplicates, naming the field") {
  World w;
  auto t = w.Tenant("acme.example");
  w.User(t.id(), "alice@acme.example", "0222969569", "4001");

  pb::User u;
  u.set_last_name("Weak");
  u.set_email("weak@acme.example");
  u.set_number("0222969570");
  u.set_password("0222969570");  // the number itself (and no letter, no special)
  auto st = w.manager->CreateUser(w.op, t.id(), u).status();
  CHECK(st.code() == absl::StatusCode::kInvalidArgument);
  CHECK(FieldOf(st) == "password");

  u.set_password("Correct#Horse7");
  u.set_extension("911");
  st = w.manager->CreateUser(w.op, t.id(), u).status();
  CHECK(FieldOf(st) == "extension");
  CHECK(std::string(st.message()).find("Poste invalide") != std::string::npos);

  u.set_extension("4001");
  st = w.manager->CreateUser(w.op, t.id(), u).status();
  CHECK(st.code() == absl::StatusCode::kAlreadyExists);
  CHECK(FieldOf(st) == "extension");

  u.set_extension("4002");
  u.set_number("0222969569");
  st = w.manager->CreateUser(w.op, t.id(), u).status();
  CHECK(st.code() == absl::StatusCode::kAlreadyExists);
  CHECK(FieldOf(st) == "number");

  u.set_number("0222969570");
  u.set_email("alice@acme.example");
  st = w.manager->CreateUser(w.op, t.id(), u).status();
  CHECK(FieldOf(st) == "email");
}

TEST_CASE("tenants are isolated: another tenant's admin sees nothing") {
  World w;
  auto acme = w.Tenant("acme.example");
  auto globex = w.Tenant("globex.example");
  auto alice = w.User(acme.id(), "alice@acme.example", "0222969569", "4001");
  auto bob = w.User(acme.id(), "bob@acme.example", "0222969571", "4003");
  auto admin_g = w.User(globex.id(), "admin@globex.example", "", "1000", pb::ADMIN);

  CHECK(w.manager->GetUser(As(admin_g), alice.id()).status().code() == absl::StatusCode::kNotFound);
  CHECK(w.manager->GetTenant(As(admin_g), acme.id()).status().code() == absl::StatusCode::kNotFound);
  pb::ListUsersRequest list;
  list.set_tenant_id(acme.id());
  CHECK(w.manager->ListUsers(As(admin_g), list).status().code() == absl::StatusCode::kNotFound);
  // A user sees itself but not a colleague's profile.
  CHECK(w.manager->GetUser(As(alice), "me").ok());
  CHECK(w.manager->GetUser(As(alice), bob.id()).status().code() == absl::StatusCode::kNotFound);
  // Ids that are not even ids are simply not found.
  CHECK(w.manager->GetUser(As(alice), "' OR 1=1 --").status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE("a soft phone gets SIP credentials whose HA1 is what the edge will check") {
  World w;
  auto t = w.Tenant("acme.example");
  auto alice = w.User(t.id(), "alice@acme.example", "0222969569", "4001");
  pb::Device d;
  d.set_kind(pb::SOFTPHONE);
  auto dev = w.manager->CreateDevice(As(alice), "me", d);
  REQUIRE(dev.ok());
  CHECK(dev->sip_password().size() == 20);
  CHECK(dev->sip_domain() == "acme.example");
  CHECK(dev->sip_username().rfind("4001-", 0) == 0);

  pb::GetSipCredentialsRequest req;
  req.set_sip_username(dev->sip_username());
  req.set_sip_domain("acme.example");
  CHECK(w.manager->GetSipCredentials(As(alice), req).status().code() == absl::StatusCode::kNotFound);
  auto creds = w.manager->GetSipCredentials(Principal::System(), req);
  REQUIRE(creds.ok());
  CHECK(creds->ha1_md5() == DigestHa1Md5(dev->sip_username(), "acme.example", dev->sip_password()));
  REQUIRE(creds->lines_size() == 1);
  CHECK(creds->lines(0).extension() == "4001");

  auto listed = w.manager->GetDevice(As(alice), "me", dev->id());
  REQUIRE(listed.ok());
  CHECK(listed->sip_password().empty());

  pb::Device desk;
  desk.set_kind(pb::DESK_PHONE);
  desk.set_mac("00-15-65-AA-BB-CC");
  auto phone = w.manager->CreateDevice(As(alice), "me", desk);
  REQUIRE(phone.ok());
  CHECK(phone->mac() == "001565aabbcc");
  auto again = w.manager->CreateDevice(As(alice), "me", desk);
  CHECK(FieldOf(again.status()) == "mac");
}

TEST_CASE("password change checks the current one and writes the security notice") {
  World w;
  auto t = w.Tenant("acme.example");
  auto alice = w.User(t.id(), "alice@acme.example", "0222969569", "4001");
  pb::ChangePasswordRequest req;
  req.set_user_id("me");
  req.set_current_password("wrong");
  req.set_new_password("New#Password42");
  CHECK(FieldOf(w.manager->ChangePassword(As(alice), req)) == "current_password");
  req.set_current_password("Correct#Horse7");
  req.set_new_password("short1!");
  CHECK(FieldOf(w.manager->ChangePassword(As(alice), req)) == "new_password");
  req.set_new_password("New#Password42");
  REQUIRE(w.manager->ChangePassword(As(alice), req).ok());
  CHECK(w.OutboxCount("security.password_changed") == 1);
  pb::AuthenticateRequest auth;
  auth.set_login("alice@acme.example");
  auth.set_password("New#Password42");
  CHECK(w.manager->Authenticate(auth).ok());
}

TEST_CASE("a reset link works once, before it expires, and a weak password doesn't spend it") {
  World w;
  auto t = w.Tenant("acme.example");
  pb::User u;
  u.set_last_name("Reset");
  u.set_email("reset@acme.example");
  u.set_security_email("me@home.example");
  u.set_password("Correct#Horse7");
  REQUIRE(w.manager->CreateUser(w.op, t.id(), u).ok());
  pb::RequestPasswordResetRequest req;
  req.set_login("reset@acme.example");
  REQUIRE(w.manager->RequestPasswordReset(req).ok());
  CHECK(w.OutboxCount("security.password_reset_requested") == 1);
  // Unknown logins answer the same, and send nothing.
  req.set_login("ghost@acme.example");
  REQUIRE(w.manager->RequestPasswordReset(req).ok());
  CHECK(w.OutboxCount("security.password_reset_requested") == 1);

  // The token is only in the event payload; read it there as the e-mail would.
  std::string token;
  REQUIRE(w.pool->Read([&](pqxx::work& tx) {
                  auto r = tx.exec("SELECT payload FROM outbox WHERE type = 'security.password_reset_requested'");
                  switchboard::events::v1::SecurityNotice n;
                  n.ParseFromString(pqxx::binarystring(r[0][0]).str());
                  token = n.reset_token();
                  CHECK(n.to(0) == "me@home.example");
                  return absl::OkStatus();
                }).ok());
  REQUIRE_FALSE(token.empty());
  pb::ResetPasswordRequest reset;
  reset.set_token(token);
  reset.set_new_password("weak");
  CHECK(FieldOf(w.manager->ResetPassword(reset)) == "new_password");
  reset.set_new_password("Brand#NewPass9");
  REQUIRE(w.manager->ResetPassword(reset).ok());
  CHECK(w.manager->ResetPassword(reset).code() == absl::StatusCode::kNotFound);

  REQUIRE(w.manager->RequestPasswordReset([] {
    pb::RequestPasswordResetRequest r;
    r.set_login("reset@acme.example");
    return r;
  }()).ok());
  REQUIRE(w.pool->Read([&](pqxx::work& tx) {
                  auto r = tx.exec(
                      "SELECT payload FROM outbox WHERE type = 'security.password_reset_requested' ORDER BY seq DESC");
                  switchboard::events::v1::SecurityNotice n;
                  n.ParseFromString(pqxx::binarystring(r[0][0]).str());
                  token = n.reset_token();
                  return absl::OkStatus();
                }).ok());
  w.now += absl::Hours(2);  // past the one-hour validity
  reset.set_token(token);
  CHECK(w.manager->ResetPassword(reset).code() == absl::StatusCode::kNotFound);
}

TEST_CASE("contact groups nest and list the members of subgroups; text is stored literally") {
  World w;
  auto t = w.Tenant("acme.example");
  auto alice = w.User(t.id(), "alice@acme.example", "0222969569", "4001");
  pb::ContactGroup clients;
  clients.set_name("Clients");
  auto top = w.manager->CreateGroup(As(alice), "me", clients);
  REQUIRE(top.ok());
  pb::ContactGroup vip;
  vip.set_name("VIP");
  vip.set_parent_id(top->id());
  auto sub = w.manager->CreateGroup(As(alice), "me", vip);
  REQUIRE(sub.ok());

  pb::Contact c;
  c.set_first_name("Robert'); DROP TABLE contacts;--");
  c.set_last_name("Tables");
  auto* n = c.add_numbers();
  n->set_kind(pb::MOBILE);
  n->set_number("06 12 34 56 78");
  c.add_group_ids(sub->id());
  auto saved = w.manager->CreateContact(As(alice), "me", c);
  REQUIRE(saved.ok());
  CHECK(saved->first_name() == "Robert'); DROP TABLE contacts;--");
  CHECK(saved->numbers(0).number_e164() == "+33612345678");
  CHECK(saved->numbers(0).primary());

  pb::ListContactsRequest list;
  list.set_user_id("me");
  list.set_group_id(top->id());
  auto members = w.manager->ListContacts(As(alice), list);
  REQUIRE(members.ok());
  REQUIRE(members->items_size() == 1);
  CHECK(members->items(0).id() == saved->id());
  list.set_group_id("");
  list.set_query("0612");
  CHECK(w.manager->ListContacts(As(alice), list)->items_size() == 1);

  // A group can't move under its own child.
  pb::UpdateContactGroupRequest move;
  move.set_user_id("me");
  move.mutable_group()->set_id(top->id());
  move.mutable_group()->set_parent_id(sub->id());
  move.mutable_update_mask()->add_paths("parent_id");
  CHECK(FieldOf(w.manager->UpdateGroup(As(alice), move).status()) == "parent_id");
}

TEST_CASE("the directory finds colleagues by name, extension or number") {
  World w;
  auto t = w.Tenant("acme.example");
  auto alice = w.User(t.id(), "alice@acme.example", "0222969569", "4001");
  w.User(t.id(), "bruno@acme.example", "0222969570", "4002");
  pb::SearchDirectoryRequest req;
  req.set_query("4002");
  auto found = w.manager->SearchDirectory(As(alice), req);
  REQUIRE(found.ok());
  REQUIRE(found->items_size() == 1);
  CHECK(found->items(0).last_name() == "bruno@acme.example");
  req.set_query("");
  CHECK(w.manager->SearchDirectory(As(alice), req)->items_size() == 2);
}
