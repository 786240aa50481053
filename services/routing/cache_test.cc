// The caches of the decision path: single-flight loads, invalidation races,
// and what each event drops.
#include <catch2/catch.hpp>
#include <thread>

#include "absl/synchronization/notification.h"
#include "services/routing/invalidation.h"
#include "services/routing/test_fakes.h"
#include "services/routing/ttl_cache.h"
#include "switchboard/events/v1/events.pb.h"

namespace sb::routing {
namespace {

using testing::FakeProfiles;
using testing::FakeStore;
using testing::kAlice;
using testing::kBruno;
using testing::kTenant;

const absl::Time kNow = absl::FromUnixSeconds(1800000000);

}  // namespace

TEST_CASE("a burst of misses on one key loads it once") {
  TtlCache<std::string, int> cache;
  absl::Notification release;
  std::atomic<int> loads{0};
  std::vector<std::thread> callers;
  std::vector<int> got(8, 0);
  std::atomic<int> started{0};
  for (int i = 0; i < 8; ++i) {
    callers.emplace_back([&, i] {
      ++started;
      auto v = cache.GetOrLoad("bruno", kNow, absl::Seconds(30),
                               [&]() -> absl::StatusOr<std::shared_ptr<const int>> {
                                 ++loads;
                                 release.WaitForNotification();  // everyone else arrives meanwhile
                                 return std::make_shared<const int>(42);
                               });
      got[i] = v.ok() ? **v : -1;
    });
  }
  // Once every caller is under way, the load may finish: whoever comes after
  // it finds the value cached, so one load is the answer either way.
  while (started < 8) std::this_thread::yield();
  release.Notify();
  for (auto& t : callers) t.join();
  CHECK(loads == 1);
  CHECK(got == std::vector<int>(8, 42));
  bool hit = false;
  REQUIRE(cache
              .GetOrLoad(
                  "bruno", kNow, absl::Seconds(30),
                  [] { return absl::StatusOr<std::shared_ptr<const int>>(nullptr); }, &hit)
              .ok());
  CHECK(hit);
  // Expired: loaded again.
  auto again = cache.GetOrLoad("bruno", kNow + absl::Seconds(31), absl::Seconds(30), [] {
    return absl::StatusOr<std::shared_ptr<const int>>(std::make_shared<const int>(43));
  });
  CHECK(**again == 43);
}

TEST_CASE("a value loaded across an invalidation is returned but not kept") {
  TtlCache<std::string, int> cache;
  auto v = cache.GetOrLoad("k", kNow, absl::Seconds(30), [&]() -> absl::StatusOr<std::shared_ptr<const int>> {
    cache.Erase("k");  // a change event arrives while loading
    return std::make_shared<const int>(1);
  });
  CHECK(**v == 1);
  CHECK(cache.Get("k", kNow) == nullptr);
  // Failures are not cached either.
  auto failed = cache.GetOrLoad("f", kNow, absl::Seconds(30), [] {
    return absl::StatusOr<std::shared_ptr<const int>>(absl::UnavailableError("down"));
  });
  CHECK(failed.status().code() == absl::StatusCode::kUnavailable);
  CHECK(cache.Get("f", kNow) == nullptr);
  // Past its bound, the cache drops what it holds rather than grow.
  TtlCache<int, int> small(4);
  for (int i = 0; i < 10; ++i)
    small.Put(i, std::make_shared<const int>(i), kNow, absl::Seconds(30), small.Begin());
  CHECK(small.size() <= 4);
}

TEST_CASE("events drop exactly what they name") {
  FakeProfiles profiles;
  FakeStore store;
  numbering::Numbering numbering;
  Directory directory(&profiles, &numbering, {}, [] { return kNow; });
  RoutingData data(&store, absl::Seconds(30), [] { return kNow; });
  auto redis = redis::Client::Create({.url = "redis://127.0.0.1:1"}).value();  // never used by Apply
  InvalidationFeed feed(redis.get(), &directory, &data);

  REQUIRE(data.User(kTenant, kAlice).ok());
  REQUIRE(data.User(kTenant, kBruno).ok());
  REQUIRE(directory.Contacts(kBruno).ok());
  REQUIRE(directory.User(kBruno).ok());
  const int loads = store.loads, calls = profiles.calls;

  // A settings change made through another routing copy.
  events::Event e;
  e.topic = "routing";
  e.type = "routing.settings_changed";
  ::switchboard::events::v1::RoutingChanged rc;
  rc.set_tenant_id(kTenant);
  rc.set_user_id(kBruno);
  e.payload = rc.SerializeAsString();
  feed.Apply(e);
  REQUIRE(data.User(kTenant, kAlice).ok());  // untouched
  CHECK(store.loads == loads);
  REQUIRE(data.User(kTenant, kBruno).ok());  // reloaded
  CHECK(store.loads == loads + 3);           // settings, schedules, rule lists

  // Bruno's contacts changed in profiles: his book is fetched again, his
  // profile is not.
  ppb::Contact c;
  c.set_id("c1");
  c.set_first_name("Chloé");
  auto* n = c.add_numbers();
  n->set_number("0611223344");
  n->set_number_e164("+33611223344");
  profiles.contacts.push_back(c);
  e.topic = "profile";
  e.type = "profile.contacts_changed";
  ::switchboard::events::v1::ProfileChanged pc;
  pc.set_tenant_id(kTenant);
  pc.set_user_id(kBruno);
  e.payload = pc.SerializeAsString();
  feed.Apply(e);
  auto book = directory.Contacts(kBruno);
  REQUIRE(book.ok());
  CHECK((*book)->names.at("+33611223344") == "Chloé");
  CHECK((*book)->contact_numbers.at("c1") == std::vector<std::string>{"+33611223344"});
  REQUIRE(directory.User(kBruno).ok());
  CHECK(profiles.calls == calls + 2);  // contacts and groups; the user was still cached

  // Something unreadable: everything goes.
  e.payload = "\xff\xff not a proto";
  feed.Apply(e);
  REQUIRE(directory.User(kBruno).ok());
  CHECK(profiles.calls == calls + 3);
}

TEST_CASE("contact groups hold the members of their subgroups") {
  ppb::ContactGroup team, sales;
  team.set_id("team");
  sales.set_id("sales");
  sales.set_parent_id("team");
  ppb::Contact c;
  c.set_id("c1");
  c.set_nickname("Jo");
  c.add_group_ids("sales");
  c.add_numbers()->set_number("06 11 22 33 44");
  ContactBook book = BuildContactBook({c}, {team, sales});
  CHECK(book.group_members.at("sales") == std::vector<std::string>{"c1"});
  CHECK(book.group_members.at("team") == std::vector<std::string>{"c1"});
  CHECK(book.names.at("0611223344") == "Jo");
}

}  // namespace sb::routing
