#pragma once
// A fixed pool of threads for the blocking work behind SIP requests (Redis,
// gRPC to profiles), so the sofia loop thread never waits on I/O. The queue
// is bounded: when it is full, TrySubmit refuses and the caller answers 503
// at once instead of letting latency grow without limit.
#include <cstdint>
#include <deque>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace sb::edge {

class WorkerPool {
 public:
  using Task = absl::AnyInvocable<void() &&>;

  WorkerPool(int threads, int max_queued);
  ~WorkerPool();  // Stop()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Any thread. False when the queue is full or the pool stopped; the task
  // is then destroyed unrun, on the calling thread.
  bool TrySubmit(Task task);
  // Runs what is queued, then joins the threads. Idempotent.
  void Stop();

  int64_t queued() const;

 private:
  void Run();

  const int max_queued_;
  mutable absl::Mutex mu_;
  std::deque<Task> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace sb::edge
