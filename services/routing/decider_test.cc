// The decision path over fakes of profiles and the store that count every
// round trip: a warm cache answers without any, a change is seen once its
// cache entry is dropped, a star code is saved as a PATCH would save it, and
// a backend failure gives an explicit error decision.
#include "services/routing/decider.h"

#include <catch2/catch.hpp>

#include "absl/container/flat_hash_map.h"
#include "core/status.h"
#include "services/routing/routing_manager.h"
#include "services/routing/test_fakes.h"

namespace sb::routing {
namespace {

using testing::FakeProfiles;
using testing::FakeStore;
using testing::kAlice;
using testing::kBruno;
using testing::kTenant;
using testing::Numbers;

// The pieces main.cc wires, over the fakes.
struct Routing {
  FakeProfiles profiles;
  FakeStore store;
  absl::Time now = absl::FromCivil(absl::CivilSecond(2026, 3, 2, 10, 0, 0), absl::UTCTimeZone());
  std::function<absl::Time()> clock = [this] { return now; };
  Directory directory{&profiles, &Numbers(), {.ttl = absl::Seconds(30)}, clock};
  RoutingData data{&store, absl::Seconds(30), clock};
  RoutingManager manager{{}, &store, &data, &directory, &profiles, &Numbers(), clock};
  Decider decider{
      &directory, &data, &Numbers(),
      [this](const std::string& user, const rpb::CallSettings& s, const google::protobuf::FieldMask& m) {
        return manager.SaveFeatureCode(user, s, m);
      },
      clock};
};

rpb::CallSetup FromAlice(const std::string& dialed, const std::string& call_id = "call-1") {
  rpb::CallSetup s;
  s.set_call_id(call_id);
  s.set_origin(rpb::DEVICE);
  s.set_tenant_id(kTenant);
  s.set_dialed(dialed);
  auto* c = s.mutable_caller();
  c->set_user_id(kAlice);
  c->set_line_id("line-4001");
  c->set_extension("4001");
  c->set_number("0222969569");
  c->set_number_e164("+33222969569");
  return s;
}

}  // namespace

TEST_CASE("a warm cache decides with no profiles or database round trip") {
  Routing r;
  rpb::RouteDecision first = r.decider.Decide(FromAlice("4002"));
  INFO(first.DebugString());
  REQUIRE(first.error().empty());
  CHECK(first.callee_user_id() == kBruno);
  CHECK(first.steps_size() > 0);
  const DeciderStats cold = r.decider.Stats();
  CHECK(cold.cache_misses() > 0);
  CHECK(cold.compiles == 1);
  const int profiles_calls = r.profiles.calls, store_loads = r.store.loads;

  for (int i = 0; i < 100; ++i) {
    rpb::RouteDecision again = r.decider.Decide(FromAlice("4002", "call-" + std::to_string(i)));
    CHECK(again.callee_user_id() == kBruno);
  }
  auto cached = r.decider.TryDecideCached(FromAlice("4002", "call-cached"));
  REQUIRE(cached.has_value());
  CHECK(cached->call_id() == "call-cached");
  CHECK(cached->steps_size() == first.steps_size());

  const DeciderStats warm = r.decider.Stats();
  CHECK(warm.cache_misses() == cold.cache_misses());
  CHECK(warm.compiles == 1);  // compiled once, shared by every call
  CHECK(warm.decided_from_cache == 1);
  CHECK(r.profiles.calls == profiles_calls);  // the fakes agree: nothing was asked
  CHECK(r.store.loads == store_loads);
}

TEST_CASE("do not disturb sends the call to voicemail; the change is seen once the cache drops it") {
  Routing r;
  REQUIRE(r.decider.Decide(FromAlice("4002")).steps_size() > 0);  // warms the cache

  rpb::CallSettings dnd = DefaultCallSettings(kBruno, true);
  dnd.set_availability(rpb::DND);
  r.store.settings[kBruno] = dnd;
  // Still the cached settings: the store was changed behind the cache's back.
  CHECK(r.decider.Decide(FromAlice("4002")).steps_size() > 0);

  r.data.InvalidateUser(kBruno);  // what a routing.settings_changed event does
  rpb::RouteDecision d = r.decider.Decide(FromAlice("4002"));
  INFO(d.DebugString());
  CHECK(d.steps_size() == 0);
  CHECK(d.final().kind() == rpb::Terminal::VOICEMAIL);
  CHECK(d.final().reason() == rpb::DO_NOT_DISTURB);
  CHECK(d.final().mailbox_user_id() == kBruno);
  CHECK(r.decider.Stats().compiles == 2);
}

TEST_CASE("remote forwarding allowed: a ring target of ours that forwards every call takes the call") {
  Routing r;
  // Bruno rings Alice's extension with his own line, remote forwarding allowed.
  rpb::CallSettings bruno = DefaultCallSettings(kBruno, true);
  bruno.mutable_simultaneous_ring()->set_enabled(true);
  rpb::RingTarget& alice = *bruno.mutable_simultaneous_ring()->add_targets();
  alice.set_number("4001");
  alice.set_allow_remote_forwarding(true);
  r.store.settings[kBruno] = bruno;
  rpb::CallSettings forwarding = DefaultCallSettings(kAlice, true);
  forwarding.mutable_forward_unconditional()->set_enabled(true);
  forwarding.mutable_forward_unconditional()->set_number("0612345678");
  r.store.settings[kAlice] = forwarding;

  rpb::CallSetup setup = FromAlice("4002");
  setup.clear_caller();
  setup.set_origin(rpb::TRUNK);
  setup.mutable_caller()->set_number("0699999999");
  // Cold: the cache-only path can't know Alice's forwarding, the full one can.
  CHECK_FALSE(r.decider.TryDecideCached(setup).has_value());
  const rpb::RouteDecision d = r.decider.Decide(setup);
  INFO(d.DebugString());
  CHECK(d.steps_size() == 0);
  CHECK(d.final().kind() == rpb::Terminal::FORWARD);
  CHECK(d.final().forward().number_e164() == "+33612345678");
  // Warm: the same decision from the caches.
  auto cached = r.decider.TryDecideCached(setup);
  REQUIRE(cached.has_value());
  CHECK(cached->final().kind() == rpb::Terminal::FORWARD);
}

TEST_CASE("the TTL bounds staleness when no event comes") {
  Routing r;
  REQUIRE(r.decider.Decide(FromAlice("4002")).steps_size() > 0);
  rpb::CallSettings dnd = DefaultCallSettings(kBruno, true);
  dnd.set_availability(rpb::DND);
  r.store.settings[kBruno] = dnd;
  r.now += absl::Seconds(31);
  CHECK(r.decider.Decide(FromAlice("4002")).final().reason() == rpb::DO_NOT_DISTURB);
}

TEST_CASE("a star code is saved exactly as the portal would save it (B13)") {
  Routing r;
  // Not from the cache: it writes.
  CHECK_FALSE(r.decider.TryDecideCached(FromAlice("*72 06 12 34 56 78")).has_value());

  // A dry run (the Decide RPC) describes and saves nothing.
  rpb::RouteDecision dry = r.decider.Decide(FromAlice("*720612345678"), {.apply_star_codes = false});
  CHECK_FALSE(dry.feature_applied().empty());
  CHECK(r.store.settings.empty());

  rpb::RouteDecision d = r.decider.Decide(FromAlice("*720612345678"));
  INFO(d.DebugString());
  CHECK(d.error().empty());
  CHECK_THAT(d.feature_applied(), Catch::Contains("forward_unconditional"));
  CHECK(d.final().kind() == rpb::Terminal::ANNOUNCEMENT);
  REQUIRE(r.store.settings.contains(kAlice));
  const rpb::CallSettings& saved = r.store.settings[kAlice];
  CHECK(saved.forward_unconditional().enabled());
  CHECK(saved.forward_unconditional().number() == "0612345678");  // normalized as a PATCH normalizes
  CHECK(saved.voicemail_after_s() == 24);                         // the rest: as it was
  CHECK(r.store.written_events == std::vector<std::string>{"routing.settings_changed"});

  // *73 turns it off again; the cache was dropped, so the change is seen.
  rpb::RouteDecision off = r.decider.Decide(FromAlice("*73"));
  CHECK_THAT(off.feature_applied(), Catch::Contains("off"));
  CHECK_FALSE(r.store.settings[kAlice].forward_unconditional().enabled());
}

TEST_CASE("external numbers: 'nothing answers' is cached too") {
  Routing r;
  rpb::RouteDecision d = r.decider.Decide(FromAlice("0612345678"));
  INFO(d.DebugString());
  CHECK(d.error().empty());
  CHECK(d.callee_user_id().empty());
  const int calls = r.profiles.calls;
  r.decider.Decide(FromAlice("0612345678", "call-2"));
  CHECK(r.profiles.calls == calls);
  CHECK(r.decider.TryDecideCached(FromAlice("0612345678", "call-3")).has_value());
}

TEST_CASE("a setup that can't be evaluated gets an explicit error decision") {
  Routing r;
  r.profiles.down = true;
  rpb::RouteDecision d = r.decider.Decide(FromAlice("4002"));
  CHECK(d.call_id() == "call-1");
  CHECK_THAT(d.error(), Catch::Contains("connection refused"));
  CHECK(d.final().kind() == rpb::Terminal::REJECT);
  CHECK(d.final().sip_code() == 503);
  CHECK_FALSE(r.decider.TryDecideCached(FromAlice("4002")).has_value());

  r.profiles.down = false;
  rpb::CallSetup ghost = FromAlice("4002");
  ghost.mutable_caller()->set_user_id("cccccccc-cccc-cccc-cccc-cccccccccccc");
  rpb::RouteDecision unknown = r.decider.Decide(ghost);
  CHECK(unknown.final().kind() == rpb::Terminal::REJECT);
  CHECK(unknown.final().sip_code() == 403);
  CHECK_FALSE(unknown.error().empty());
}

TEST_CASE("ChangedFields names the top-level fields a star code changed") {
  rpb::CallSettings a = DefaultCallSettings(kAlice, true);
  rpb::CallSettings b = a;
  b.mutable_forward_unconditional()->set_enabled(true);
  b.set_reject_anonymous(true);
  b.mutable_updated_at()->set_seconds(5);  // output only: ignored
  auto mask = ChangedFields(a, b);
  std::vector<std::string> paths(mask.paths().begin(), mask.paths().end());
  std::sort(paths.begin(), paths.end());
  CHECK(paths == std::vector<std::string>{"forward_unconditional", "reject_anonymous"});
}

}  // namespace sb::routing
