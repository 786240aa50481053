#include "core/batch_queue.h"

#include <memory>
#include <thread>

#include <catch2/catch.hpp>

#include "absl/time/clock.h"

namespace sb::core {
namespace {

TEST_CASE("a batch queue hands out what was pushed in order, at most max_batch at a time, and refuses when full") {
  BatchQueue<std::unique_ptr<int>> q({.max_queued = 5, .max_batch = 2, .linger = absl::ZeroDuration()});
  for (int i = 0; i < 5; ++i) REQUIRE(q.Push(std::make_unique<int>(i)));
  CHECK_FALSE(q.Push(std::make_unique<int>(5)));  // full: refused
  std::vector<std::unique_ptr<int>> batch;
  REQUIRE(q.Take(&batch));
  REQUIRE(batch.size() == 2);
  CHECK(*batch[0] == 0);
  CHECK(*batch[1] == 1);
  CHECK(q.Push(std::make_unique<int>(5)));  // room again
  REQUIRE(q.Take(&batch));
  REQUIRE(batch.size() == 2);
  CHECK(*batch[0] == 2);

  // Closed: no more pushes; what is queued is still handed out, then false.
  CHECK(q.Close());
  CHECK_FALSE(q.Close());
  CHECK_FALSE(q.Push(std::make_unique<int>(6)));
  REQUIRE(q.Take(&batch));
  REQUIRE(batch.size() == 2);
  CHECK(*batch[0] == 4);
  CHECK(*batch[1] == 5);
  CHECK_FALSE(q.Take(&batch));
  CHECK(batch.empty());
}

TEST_CASE("a batch queue's taker waits for the first item, lingers for more, and is released by Close") {
  BatchQueue<int> q({.max_queued = 100, .max_batch = 3, .linger = absl::Seconds(5)});
  std::vector<int> batch;
  // A full batch does not wait out the linger.
  std::thread producer([&] {
    absl::SleepFor(absl::Milliseconds(50));
    for (int i = 0; i < 3; ++i) q.Push(i);
  });
  const absl::Time t0 = absl::Now();
  REQUIRE(q.Take(&batch));
  CHECK(batch == std::vector<int>{0, 1, 2});
  CHECK(absl::Now() - t0 < absl::Seconds(4));
  producer.join();

  // One item, then Close: the linger ends at the Close, not after 5 s.
  REQUIRE(q.Push(7));
  std::thread closer([&] {
    absl::SleepFor(absl::Milliseconds(50));
    q.Close();
  });
  const absl::Time t1 = absl::Now();
  REQUIRE(q.Take(&batch));
  CHECK(batch == std::vector<int>{7});
  CHECK(absl::Now() - t1 < absl::Seconds(4));
  closer.join();
  CHECK_FALSE(q.Take(&batch));
}

}  // namespace
}  // namespace sb::core
