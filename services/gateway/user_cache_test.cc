#include "services/gateway/user_cache.h"

#include <catch2/catch.hpp>

using sb::gateway::UserCache;

TEST_CASE("cached profiles expire, can be dropped one by one or all, and stay bounded") {
  absl::Time now = absl::FromUnixSeconds(1000);
  UserCache cache(absl::Seconds(30), /*max_entries=*/2, [&] { return now; });
  CHECK_FALSE(cache.Get("u1").has_value());
  cache.Put("u1", R"({"id":"u1"})");
  REQUIRE(cache.Get("u1").has_value());
  CHECK(*cache.Get("u1") == R"({"id":"u1"})");
  now += absl::Seconds(31);
  CHECK_FALSE(cache.Get("u1").has_value());

  cache.Put("u1", "a");
  cache.Put("u2", "b");
  cache.Invalidate("u1");
  CHECK_FALSE(cache.Get("u1").has_value());
  CHECK(cache.Get("u2").has_value());
  cache.Put("u1", "a");
  cache.Put("u3", "c");  // full: starts over with only u3
  CHECK_FALSE(cache.Get("u2").has_value());
  CHECK(cache.Get("u3").has_value());
  cache.Clear();
  CHECK_FALSE(cache.Get("u3").has_value());
}
