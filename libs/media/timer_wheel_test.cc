#include "media/timer_wheel.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <vector>

namespace sb::media {
namespace {

const absl::Time kOrigin = absl::FromUnixSeconds(1000);

absl::Time At(int64_t ms) { return kOrigin + absl::Milliseconds(ms); }

TEST_CASE("Timer wheel fires each entry once, never early, in order") {
  TimerWheel wheel(kOrigin, absl::Milliseconds(1), 64);
  wheel.Schedule(At(20), 1, 0);
  wheel.Schedule(At(5), 2, 0);
  wheel.Schedule(At(200), 3, 0);  // beyond one revolution (64 ms)
  wheel.Schedule(absl::Milliseconds(5) + At(0) + absl::Microseconds(300), 4, 0);  // rounds up to 6 ms
  CHECK(wheel.size() == 4);
  CHECK(wheel.NextDue() == At(5));

  std::vector<uint64_t> fired;
  auto fire = [&](uint64_t key, uint64_t) { fired.push_back(key); };
  wheel.Advance(At(4), fire);
  CHECK(fired.empty());
  wheel.Advance(At(5), fire);
  CHECK(fired == std::vector<uint64_t>{2});
  wheel.Advance(At(6), fire);
  CHECK(fired == std::vector<uint64_t>{2, 4});
  wheel.Advance(At(100), fire);
  CHECK(fired == std::vector<uint64_t>{2, 4, 1});  // 3 is due at 200, same slot, later revolution
  CHECK(wheel.NextDue() == At(164));               // no entry within a revolution: its end
  wheel.Advance(At(199), fire);
  CHECK(fired.size() == 3);
  wheel.Advance(At(200), fire);
  CHECK(fired == std::vector<uint64_t>{2, 4, 1, 3});
  CHECK(wheel.size() == 0);
  CHECK_FALSE(wheel.NextDue().has_value());
}

TEST_CASE("Timer wheel: past deadlines, rescheduling from a callback, long stalls") {
  TimerWheel wheel(kOrigin, absl::Milliseconds(1), 32);
  wheel.Advance(At(10), [](uint64_t, uint64_t) {});
  wheel.Schedule(At(3), 7, 1);  // already past: fires at the next tick
  int fired = 0;
  wheel.Advance(At(11), [&](uint64_t key, uint64_t generation) {
    CHECK(key == 7);
    CHECK(generation == 1);
    ++fired;
  });
  CHECK(fired == 1);

  // A periodic 20 ms timer that reschedules itself from its callback, as
  // sessions do.
  int ticks = 0;
  absl::Time next = At(20);
  wheel.Schedule(next, 1, 0);
  wheel.Advance(At(100), [&](uint64_t, uint64_t) {
    ++ticks;
    next += absl::Milliseconds(20);
    wheel.Schedule(next, 1, 0);
  });
  CHECK(ticks == 5);  // 20, 40, 60, 80, 100
  CHECK(wheel.size() == 1);

  // The thread stalls for 10 s (many revolutions): everything due fires
  // exactly once.
  wheel.Schedule(At(150), 2, 0);
  wheel.Schedule(At(5000), 3, 0);
  std::vector<uint64_t> fired_keys;
  wheel.Advance(At(10100), [&](uint64_t key, uint64_t) { fired_keys.push_back(key); });
  std::sort(fired_keys.begin(), fired_keys.end());
  CHECK(fired_keys == std::vector<uint64_t>{1, 2, 3});
  CHECK(wheel.size() == 0);
}

}  // namespace
}  // namespace sb::media
