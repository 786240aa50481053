#pragma once
// A bounded queue that hands its items out in batches, for a writer thread
// that turns each batch into one round trip (a Redis pipeline): producers
// Push from any thread; the writer's Take waits for the first item, then
// lingers up to `linger` for the batch to fill (producers don't wake it
// meanwhile: absl::Mutex evaluates the writer's condition for them), and
// takes up to `max_batch`. Under load batches grow and the per-item cost of
// the wake-ups and round trips shrinks; when idle an item goes at once.
#include <cstddef>
#include <deque>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace sb::core {

struct BatchQueueConfig {
  size_t max_queued = 65536;  // beyond, Push refuses
  size_t max_batch = 256;
  absl::Duration linger = absl::Microseconds(200);
};

template <typename T>
class BatchQueue {
 public:
  explicit BatchQueue(BatchQueueConfig config) : config_(config) {}

  // Any thread. False (the item is not taken) when full or closed.
  bool Push(T item) {
    absl::MutexLock lock(&mu_);
    if (closed_ || queue_.size() >= config_.max_queued) return false;
    queue_.push_back(std::move(item));
    return true;
  }

  // Replaces *batch with the next batch, waiting for one. False once the
  // queue is closed and everything pushed before has been taken.
  bool Take(std::vector<T>* batch) {
    batch->clear();
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &BatchQueue::HasItemsOrClosed));
    if (queue_.empty()) return false;  // closed, and drained
    if (config_.linger > absl::ZeroDuration()) {
      mu_.AwaitWithTimeout(absl::Condition(this, &BatchQueue::FullOrClosed), config_.linger);
    }
    while (!queue_.empty() && batch->size() < config_.max_batch) {
      batch->push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    return true;
  }

  // Refuses further pushes; Take drains what is queued, then returns false.
  // Idempotent; true the first time.
  bool Close() {
    absl::MutexLock lock(&mu_);
    if (closed_) return false;
    closed_ = true;
    return true;
  }

 private:
  bool HasItemsOrClosed() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return closed_ || !queue_.empty(); }
  bool FullOrClosed() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return closed_ || queue_.size() >= config_.max_batch;
  }

  const BatchQueueConfig config_;
  absl::Mutex mu_;
  std::deque<T> queue_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace sb::core
