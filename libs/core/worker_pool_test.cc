#include "core/worker_pool.h"

#include <atomic>
#include <stdexcept>

#include <catch2/catch.hpp>

#include "absl/synchronization/notification.h"

namespace sb::core {
namespace {

TEST_CASE("tasks run, move-only ones too; Stop runs what is queued first") {
  std::atomic<int> ran{0};
  {
    WorkerPool pool(2, "test");
    auto owned = std::make_unique<int>(5);
    REQUIRE(pool.Submit([&ran, owned = std::move(owned)] { ran += *owned; }));
    for (int i = 0; i < 100; ++i) REQUIRE(pool.Submit([&] { ++ran; }));
    pool.Stop();
    CHECK(ran == 105);
    CHECK_FALSE(pool.Submit([&] { ++ran; }));  // stopped: refused, not run
    pool.Stop();                                // idempotent
  }
  CHECK(ran == 105);
}

TEST_CASE("a bounded queue refuses past its size; a throwing task doesn't kill the pool") {
  WorkerPool pool(1, "test", 2);
  absl::Notification release, started;
  REQUIRE(pool.Submit([&] {
    started.Notify();
    release.WaitForNotification();
  }));
  started.WaitForNotification();  // the one thread is busy: what follows queues
  REQUIRE(pool.Submit([] { throw std::runtime_error("boom"); }));
  std::atomic<bool> after{false};
  REQUIRE(pool.Submit([&] { after = true; }));
  CHECK(pool.queued() == 2);
  CHECK_FALSE(pool.Submit([] {}));  // full
  release.Notify();
  pool.Stop();
  CHECK(after);
}

}  // namespace
}  // namespace sb::core
