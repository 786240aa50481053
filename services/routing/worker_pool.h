#pragma once
// A fixed set of threads running submitted tasks in submission order (per
// task start; tasks run concurrently). The CallStream reactors hand it what
// may block (cache misses, star codes, call-log writes), so that a gRPC
// callback thread never waits on I/O.
#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace sb::routing {

class WorkerPool {
 public:
  explicit WorkerPool(int threads);
  ~WorkerPool();  // Stop()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task`; false (and the task is dropped) once stopping.
  bool Submit(std::function<void()> task);
  // Runs what is queued, then joins the threads. Idempotent.
  void Stop();
  size_t queued() const;

 private:
  void Loop();
  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !tasks_.empty(); }

  mutable absl::Mutex mu_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace sb::routing
