#include "services/edge/auth_throttle.h"

#include <catch2/catch.hpp>

namespace sb::edge {
namespace {

TEST_CASE("a source is blocked after max_failures within the window, for the block time") {
  absl::Time now = absl::FromUnixSeconds(1700000000);
  AuthThrottle throttle({.max_failures = 3, .window = absl::Seconds(60), .block = absl::Seconds(300)},
                        [&] { return now; });
  CHECK_FALSE(throttle.Blocked("192.0.2.1"));
  CHECK_FALSE(throttle.RecordFailure("192.0.2.1"));
  CHECK_FALSE(throttle.RecordFailure("192.0.2.1"));
  CHECK_FALSE(throttle.Blocked("192.0.2.1"));
  CHECK(throttle.RecordFailure("192.0.2.1"));  // the third: starts the block, reported once
  CHECK(throttle.Blocked("192.0.2.1"));
  CHECK_FALSE(throttle.RecordFailure("192.0.2.1"));
  CHECK_FALSE(throttle.Blocked("192.0.2.2"));  // others unaffected

  now += absl::Seconds(299);
  CHECK(throttle.Blocked("192.0.2.1"));
  now += absl::Seconds(2);
  CHECK_FALSE(throttle.Blocked("192.0.2.1"));
  CHECK_FALSE(throttle.RecordFailure("192.0.2.1"));  // counting starts over
}

TEST_CASE("failures spread beyond the window are not cumulated") {
  absl::Time now = absl::FromUnixSeconds(1700000000);
  AuthThrottle throttle({.max_failures = 3, .window = absl::Seconds(60), .block = absl::Seconds(300)},
                        [&] { return now; });
  for (int i = 0; i < 10; ++i) {
    CHECK_FALSE(throttle.RecordFailure("198.51.100.7"));
    CHECK_FALSE(throttle.RecordFailure("198.51.100.7"));
    now += absl::Seconds(61);
  }
  CHECK_FALSE(throttle.Blocked("198.51.100.7"));
}

TEST_CASE("max_failures 0 disables the throttle") {
  AuthThrottle throttle({.max_failures = 0});
  for (int i = 0; i < 100; ++i) CHECK_FALSE(throttle.RecordFailure("192.0.2.1"));
  CHECK_FALSE(throttle.Blocked("192.0.2.1"));
}

TEST_CASE("the table of sources stays bounded") {
  absl::Time now = absl::FromUnixSeconds(1700000000);
  AuthThrottle throttle(
      {.max_failures = 2, .window = absl::Seconds(60), .block = absl::Seconds(300), .max_tracked = 100},
      [&] { return now; });
  for (int i = 0; i < 1000; ++i) {
    throttle.RecordFailure("10.1." + std::to_string(i / 256) + "." + std::to_string(i % 256));
    CHECK(throttle.tracked() <= 100);
  }
  // Once their windows are over, old sources make room for new ones.
  now += absl::Seconds(61);
  for (int i = 0; i < 1000; ++i) {
    throttle.RecordFailure("10.2." + std::to_string(i / 256) + "." + std::to_string(i % 256));
    CHECK(throttle.tracked() <= 100);
  }
  CHECK(throttle.tracked() > 0);
}

}  // namespace
}  // namespace sb::edge
