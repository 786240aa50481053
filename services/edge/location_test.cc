// Location against a real Redis (the `backends` fixture's), each test on AORs
// of its own.
#include "services/edge/location.h"

#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "redis/testing.h"

namespace sb::edge {
namespace {

using redis::testing::ReadyTestRedisUrl;
using redis::testing::UniqueName;
using redis::testing::WaitFor;

struct World {
  World() {
    auto c = redis::Client::Create({.url = ReadyTestRedisUrl()});
    REQUIRE(c.ok());
    client = *std::move(c);
  }
  int64_t Pttl(const std::string& key) {
    auto r = client->Command({"PTTL", key});
    REQUIRE(r.ok());
    return r->integer;
  }
  std::unique_ptr<redis::Client> client;
};

ContactChange Contact(const std::string& uri, int64_t expires_s, const std::string& instance = "",
                      uint32_t reg_id = 0) {
  ContactChange c;
  c.expires_s = expires_s;
  c.binding.id = Location::BindingId(instance, reg_id, uri);
  c.binding.contact = uri;
  c.binding.contact_value = absl::StrCat("<", uri, ">");
  c.binding.instance = instance;
  c.binding.reg_id = reg_id;
  c.binding.received = "203.0.113.9:40312";
  c.binding.transport = "udp";
  c.binding.edge = "sip:127.0.0.1:5060";
  c.binding.tenant_id = "t1";
  c.binding.device_id = "d1";
  return c;
}

RegisterChange Change(const std::string& aor, const std::string& call_id, uint32_t cseq,
                      std::vector<ContactChange> contacts) {
  RegisterChange change;
  change.aor = aor;
  change.call_id = call_id;
  change.cseq = cseq;
  change.contacts = std::move(contacts);
  return change;
}

TEST_CASE("a registration is stored with its expiry, and looked up") {
  World w;
  absl::Time now = absl::Now();
  Location location(*w.client, {}, [&] { return now; });
  const std::string aor = absl::StrCat("sip:", UniqueName("alice"), "@demo.example");
  RegisterChange change = Change(aor, "call-1", 1, {Contact("sip:alice@192.168.1.20:5060", 600)});
  change.contacts[0].binding.q = "0.5";
  change.contacts[0].binding.user_agent = "Phone/1.0";
  auto result = location.Apply(change);
  REQUIRE(result.ok());
  CHECK(result->outcome == RegisterOutcome::kOk);
  REQUIRE(result->bindings.size() == 1);
  CHECK(result->bindings[0].contact_value == "<sip:alice@192.168.1.20:5060>");
  CHECK(absl::ToUnixMillis(result->bindings[0].expires_at) == absl::ToUnixMillis(now) + 600000);

  const std::string binding_key = absl::StrCat(Location::AorKey(aor), ":", change.contacts[0].binding.id);
  CHECK(w.Pttl(binding_key) > 599000);
  CHECK(w.Pttl(binding_key) <= 600000);
  CHECK(w.Pttl(Location::AorKey(aor)) > 599000);

  auto found = location.Lookup(aor);
  REQUIRE(found.ok());
  REQUIRE(found->size() == 1);
  const Binding& b = (*found)[0];
  CHECK(b.contact == "sip:alice@192.168.1.20:5060");
  CHECK(b.q == "0.5");
  CHECK(b.received == "203.0.113.9:40312");
  CHECK(b.transport == "udp");
  CHECK(b.call_id == "call-1");
  CHECK(b.cseq == 1);
  CHECK(b.user_agent == "Phone/1.0");
  CHECK(b.tenant_id == "t1");
  CHECK(b.device_id == "d1");
  CHECK(b.edge == "sip:127.0.0.1:5060");
}

TEST_CASE("RFC 3261 10.3 step 7: an older CSeq for the same Call-ID is refused") {
  World w;
  Location location(*w.client, {});
  const std::string aor = absl::StrCat("sip:", UniqueName("bob"), "@demo.example");
  const ContactChange contact = Contact("sip:bob@10.0.0.2", 600);
  REQUIRE(location.Apply(Change(aor, "call-1", 5, {contact}))->outcome == RegisterOutcome::kOk);
  CHECK(location.Apply(Change(aor, "call-1", 5, {contact}))->outcome == RegisterOutcome::kOutOfOrder);
  CHECK(location.Apply(Change(aor, "call-1", 4, {Contact("sip:bob@10.0.0.2", 0)}))->outcome ==
        RegisterOutcome::kOutOfOrder);
  CHECK(location.Lookup(aor)->size() == 1);  // nothing changed
  // Another Call-ID (the phone rebooted) may use any CSeq.
  CHECK(location.Apply(Change(aor, "call-2", 1, {contact}))->outcome == RegisterOutcome::kOk);
  CHECK(location.Apply(Change(aor, "call-2", 2, {contact}))->outcome == RegisterOutcome::kOk);
  CHECK(location.Lookup(aor)->at(0).call_id == "call-2");
}

TEST_CASE("RFC 5626: the same instance and reg-id replace their binding") {
  World w;
  Location location(*w.client, {});
  const std::string aor = absl::StrCat("sip:", UniqueName("carol"), "@demo.example");
  const std::string instance = "<urn:uuid:00000000-0000-1000-8000-000A95A0E128>";
  REQUIRE(location.Apply(Change(aor, "c1", 1, {Contact("sip:carol@10.0.0.3:5060", 600, instance, 1)})).ok());
  // New address (the phone moved), same flow: replaced, not added.
  auto moved = location.Apply(Change(aor, "c2", 1, {Contact("sip:carol@10.0.0.99:5062", 600, instance, 1)}));
  REQUIRE(moved.ok());
  REQUIRE(moved->bindings.size() == 1);
  CHECK(moved->bindings[0].contact_value == "<sip:carol@10.0.0.99:5062>");
  // A second flow of the same instance is a second binding.
  REQUIRE(location.Apply(Change(aor, "c2", 2, {Contact("sip:carol@10.0.0.99:5063", 600, instance, 2)})).ok());
  // Plain contacts are told apart by URI.
  REQUIRE(location.Apply(Change(aor, "c3", 1, {Contact("sip:carol@10.0.0.4", 600)})).ok());
  auto all = location.Lookup(aor);
  REQUIRE(all.ok());
  CHECK(all->size() == 3);
  for (const Binding& b : *all) {
    if (!b.instance.empty()) CHECK(b.instance == instance);
  }
}

TEST_CASE("unregister one, unregister all, and the bindings limit") {
  World w;
  Location location(*w.client, {});
  const std::string aor = absl::StrCat("sip:", UniqueName("dave"), "@demo.example");
  RegisterChange two =
      Change(aor, "d1", 1, {Contact("sip:dave@10.0.0.5", 600), Contact("sip:dave@10.0.0.6", 600)});
  two.max_bindings = 2;
  REQUIRE(location.Apply(two)->bindings.size() == 2);
  RegisterChange third = Change(aor, "d1", 2, {Contact("sip:dave@10.0.0.7", 600)});
  third.max_bindings = 2;
  CHECK(location.Apply(third)->outcome == RegisterOutcome::kTooMany);
  // Refreshing an existing binding is always allowed.
  RegisterChange refresh = Change(aor, "d1", 3, {Contact("sip:dave@10.0.0.5", 300)});
  refresh.max_bindings = 2;
  CHECK(location.Apply(refresh)->outcome == RegisterOutcome::kOk);

  auto one_left = location.Apply(Change(aor, "d1", 4, {Contact("sip:dave@10.0.0.5", 0)}));
  REQUIRE(one_left.ok());
  REQUIRE(one_left->bindings.size() == 1);
  CHECK(one_left->bindings[0].contact_value == "<sip:dave@10.0.0.6>");

  RegisterChange all = Change(aor, "d1", 5, {});
  all.remove_all = true;
  REQUIRE(location.Apply(all)->outcome == RegisterOutcome::kOk);
  CHECK(location.Lookup(aor)->empty());
  CHECK(w.client->Command({"EXISTS", Location::AorKey(aor)})->integer == 0);
  // The wildcard obeys the CSeq rule too.
  REQUIRE(location.Apply(Change(aor, "d1", 6, {Contact("sip:dave@10.0.0.5", 600)})).ok());
  all.cseq = 6;
  CHECK(location.Apply(all)->outcome == RegisterOutcome::kOutOfOrder);
}

TEST_CASE("a replayed nonce-count is refused") {
  World w;
  Location location(*w.client, {.nonce_ttl = absl::Seconds(60)});
  const std::string aor = absl::StrCat("sip:", UniqueName("erin"), "@demo.example");
  RegisterChange change = Change(aor, "e1", 1, {Contact("sip:erin@10.0.0.8", 600)});
  change.nonce = "nonce-1";
  change.nc = 1;
  CHECK(location.Apply(change)->outcome == RegisterOutcome::kOk);
  change.cseq = 2;
  CHECK(location.Apply(change)->outcome == RegisterOutcome::kReplay);
  change.nc = 2;
  CHECK(location.Apply(change)->outcome == RegisterOutcome::kOk);
  change.nonce = "nonce-2";
  change.nc = 1;
  change.cseq = 3;
  CHECK(location.Apply(change)->outcome == RegisterOutcome::kOk);
  CHECK(w.Pttl(absl::StrCat(Location::AorKey(aor), ":nc:nonce-2")) > 0);
}

TEST_CASE("bindings expire on time") {
  World w;
  Location location(*w.client, {});
  const std::string aor = absl::StrCat("sip:", UniqueName("frank"), "@demo.example");
  const absl::Time start = absl::Now();
  REQUIRE(location.Apply(Change(aor, "f1", 1, {Contact("sip:frank@10.0.0.9", 1)})).ok());
  REQUIRE(location.Lookup(aor)->size() == 1);
  REQUIRE(WaitFor([&] { return location.Lookup(aor)->empty(); }, absl::Seconds(5)));
  const absl::Duration took = absl::Now() - start;
  CHECK(took >= absl::Milliseconds(990));
  CHECK(took < absl::Milliseconds(2500));  // polling and a loaded machine
  // Redis dropped the keys too (its own expiry, not only our filter).
  REQUIRE(WaitFor(
      [&] {
        return w.client->Command({"EXISTS", Location::AorKey(aor)})->integer == 0;
      },
      absl::Seconds(3)));
}

TEST_CASE("the line index finds every device of a line") {
  World w;
  Location location(*w.client, {});
  const std::string line = UniqueName("line");
  const std::string desk = absl::StrCat("sip:", UniqueName("desk"), "@demo.example");
  const std::string soft = absl::StrCat("sip:", UniqueName("soft"), "@demo.example");
  RegisterChange a = Change(desk, "g1", 1, {Contact("sip:desk@10.0.1.1", 600)});
  a.line_ids = {line};
  RegisterChange b = Change(soft, "g2", 1, {Contact("sip:soft@10.0.1.2", 600)});
  b.line_ids = {line};
  // Both in one round trip.
  auto results = location.ApplyBatch({&a, &b});
  REQUIRE(results.size() == 2);
  CHECK(results[0]->outcome == RegisterOutcome::kOk);
  CHECK(results[1]->outcome == RegisterOutcome::kOk);
  auto both = location.LookupLine(line);
  REQUIRE(both.ok());
  REQUIRE(both->size() == 2);
  CHECK(((*both)[0].aor == desk || (*both)[1].aor == desk));
  CHECK(((*both)[0].aor == soft || (*both)[1].aor == soft));
  CHECK(w.Pttl(Location::LineKey(line)) > 0);

  REQUIRE(location.Apply(Change(soft, "g2", 2, {Contact("sip:soft@10.0.1.2", 0)})).ok());
  auto one = location.LookupLine(line);
  REQUIRE(one.ok());
  REQUIRE(one->size() == 1);
  CHECK((*one)[0].aor == desk);
  CHECK(location.LookupLine(UniqueName("no-such-line"))->empty());
}

TEST_CASE("the script is reloaded when Redis lost it") {
  // SCRIPT FLUSH hits the whole server: a Redis of this test's own.
  redis::testing::ScratchRedisServer server;
  auto client = redis::Client::Create({.url = server.url()});
  REQUIRE(client.ok());
  Location location(**client, {});
  const std::string aor = "sip:gina@demo.example";
  REQUIRE(location.Apply(Change(aor, "h1", 1, {Contact("sip:gina@10.0.0.10", 600)})).ok());
  REQUIRE((*client)->Command({"SCRIPT", "FLUSH"}).ok());
  auto again = location.Apply(Change(aor, "h1", 2, {Contact("sip:gina@10.0.0.10", 600)}));
  REQUIRE(again.ok());
  CHECK(again->outcome == RegisterOutcome::kOk);
  CHECK(again->bindings.size() == 1);
  // And a Redis that is gone is an error, not a crash.
  server.Stop();
  CHECK_FALSE(location.Apply(Change(aor, "h1", 3, {Contact("sip:gina@10.0.0.10", 600)})).ok());
  CHECK_FALSE(location.Lookup(aor).ok());
}

}  // namespace
}  // namespace sb::edge
