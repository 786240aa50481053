// Registrations as state: in Redis across edge restarts, gone on time, found
// by line, and credentials that follow profile changes; Redis down is a 503,
// not a crash.
#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/edge/location.h"
#include "tests/sip/sip_env.h"

namespace sb::siptest {
namespace {

using edge::Binding;
using edge::Location;

std::vector<Binding> Bindings(const std::string& aor) {
  Location location(SipEnv::Get().redis(), {});
  auto found = location.Lookup(aor);
  REQUIRE(found.ok());
  return *found;
}

SippOptions Account(const SipAccount& a, const std::string& expires = "3600") {
  SippOptions o;
  o.accounts = {a};
  o.keys = {{"expires", expires}};
  return o;
}

void ExpectOk(const SippRun& run) {
  INFO("sipp errors:\n" << run.errors << "\nmessages:\n" << run.messages);
  REQUIRE(run.exit_code == 0);
}

TEST_CASE("a binding survives an edge restart") {
  SipEnv& env = SipEnv::Get();
  Edge edge;
  Device phone = env.NewDevice(env.alice_user_id());
  ExpectOk(RunSipp("register.xml", edge, Account(phone.account)));
  const std::vector<Binding> before = Bindings(phone.account.aor());
  REQUIRE(before.size() == 1);

  edge.Restart();
  const std::vector<Binding> after = Bindings(phone.account.aor());
  REQUIRE(after.size() == 1);
  CHECK(after[0].id == before[0].id);
  CHECK(after[0].expires_at == before[0].expires_at);
  // The restarted edge lists it in answer to a query (and its nonces are
  // those of any copy sharing the secret).
  SippRun query = RunSipp("query.xml", edge, Account(phone.account));
  ExpectOk(query);
  CHECK(absl::StrContains(LastReceived(query.messages), before[0].contact_value));
}

TEST_CASE("a binding expires on time") {
  SipEnv& env = SipEnv::Get();
  Edge edge({"--min_expires=1", "--default_expires=60"});
  Device phone = env.NewDevice(env.alice_user_id());
  ExpectOk(RunSipp("register.xml", edge, Account(phone.account, "2")));
  const std::vector<Binding> bound = Bindings(phone.account.aor());
  REQUIRE(bound.size() == 1);
  const Binding b = bound[0];
  CHECK(b.expires_at - b.registered_at == absl::Seconds(2));
  REQUIRE(WaitFor([&] { return Bindings(phone.account.aor()).empty(); }, absl::Seconds(10)));
  // Gone when due: not before its expiry, and within moments after it.
  const absl::Time gone = absl::Now();
  CHECK(gone >= b.expires_at);
  CHECK(gone - b.expires_at < absl::Seconds(1));
  // And Redis forgot it by itself.
  REQUIRE(WaitFor(
      [&] {
        return env.redis().Command({"EXISTS", Location::AorKey(phone.account.aor())})->integer == 0;
      },
      absl::Seconds(5)));
}

TEST_CASE("two devices of the same line are both bound and listed by line") {
  SipEnv& env = SipEnv::Get();
  Edge edge;
  Device desk = env.NewDevice(env.alice_user_id());
  Device soft = env.NewDevice(env.alice_user_id());
  ExpectOk(RunSipp("register.xml", edge, Account(desk.account)));
  ExpectOk(RunSipp("register.xml", edge, Account(soft.account)));
  Location location(env.redis(), {});
  auto line = location.LookupLine(env.alice_line_id());
  REQUIRE(line.ok());
  std::set<std::string> aors;
  for (const Binding& b : *line) aors.insert(b.aor);
  CHECK(aors.contains(desk.account.aor()));
  CHECK(aors.contains(soft.account.aor()));
  for (const Binding& b : *line) {
    if (b.aor == desk.account.aor()) CHECK(b.device_id == desk.device_id);
    if (b.aor == soft.account.aor()) CHECK(b.device_id == soft.device_id);
  }
  // Bruno's phone is on another line.
  CHECK_FALSE(aors.contains(env.bruno().aor()));
}

TEST_CASE("a reset device password takes effect at once (profile.device_updated)") {
  SipEnv& env = SipEnv::Get();
  Edge edge;
  Device phone = env.NewDevice(env.alice_user_id());
  ExpectOk(RunSipp("register.xml", edge, Account(phone.account)));  // HA1 now cached
  const std::string old_password = phone.account.password;
  phone.account.password = env.ResetPassword(env.alice_user_id(), phone.device_id);
  REQUIRE(phone.account.password != old_password);
  // The event reaches the edge asynchronously: the old password stops
  // working within moments, far sooner than the cache TTL.
  SipAccount stale = phone.account;
  stale.password = old_password;
  REQUIRE(WaitFor([&] { return RunSipp("register_403.xml", edge, Account(stale)).exit_code == 0; },
                  absl::Seconds(15)));
  ExpectOk(RunSipp("register.xml", edge, Account(phone.account)));
}

TEST_CASE("Redis down: 503 with Retry-After, and back to normal when it returns") {
  SipEnv& env = SipEnv::Get();
  Edge edge;
  Device phone = env.NewDevice(env.alice_user_id());
  ExpectOk(RunSipp("register.xml", edge, Account(phone.account)));  // HA1 cached
  env.own_redis().Stop();
  SippRun down = RunSipp("register.xml", edge, Account(phone.account));
  env.own_redis().Start();
  CHECK(down.exit_code != 0);
  CHECK(absl::StrContains(down.messages, "SIP/2.0 503 Location service unavailable"));
  CHECK(absl::StrContains(down.messages, "Retry-After: 5"));
  CHECK(absl::StrContains(edge.Log(), "answering 503"));
  REQUIRE(edge.Running());
  REQUIRE(WaitFor([&] { return RunSipp("register.xml", edge, Account(phone.account)).exit_code == 0; },
                  absl::Seconds(20)));
}

TEST_CASE("profiles unreachable: 503 with Retry-After, logged at warn") {
  SipEnv& env = SipEnv::Get();
  // Nothing listens on port 1: every credential lookup fails fast.
  Edge edge({"--profiles_addr=127.0.0.1:1", "--profiles_timeout_ms=500"});
  Device phone = env.NewDevice(env.alice_user_id());
  SippRun run = RunSipp("register.xml", edge, Account(phone.account));
  CHECK(run.exit_code != 0);
  CHECK(absl::StrContains(run.messages, "SIP/2.0 503 Credentials unavailable"));
  CHECK(absl::StrContains(run.messages, "Retry-After: 5"));
  CHECK(absl::StrContains(edge.Log(), "unavailable"));
  CHECK(absl::StrContains(edge.Log(), " W edge [auth]"));
  CHECK(Bindings(phone.account.aor()).empty());
}

}  // namespace
}  // namespace sb::siptest
