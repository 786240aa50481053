#pragma once
// A fixed set of threads running submitted tasks, started in submission
// order (they run concurrently). Event loops and gRPC callback threads hand
// it what may block (Redis, PostgreSQL, a gRPC call) so that they never wait
// on I/O themselves.
//
// The queue may be bounded: past `max_queued` tasks, Submit refuses, and the
// caller answers "busy" at once (a SIP 503, an error decision) instead of
// letting latency grow without limit.
#include <cstddef>
#include <deque>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace sb::core {

class WorkerPool {
 public:
  using Task = absl::AnyInvocable<void() &&>;

  // `name` names the threads (at most 15 characters show in top/gdb).
  explicit WorkerPool(int threads, std::string name = "worker",
                      size_t max_queued = std::numeric_limits<size_t>::max());
  ~WorkerPool();  // Stop()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Any thread. False when the queue is full or the pool is stopping; the
  // task is then destroyed unrun, on the calling thread.
  bool Submit(Task task);
  // Runs what is queued, then joins the threads. Idempotent.
  void Stop();
  size_t queued() const;

 private:
  void Run();
  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !queue_.empty(); }

  const std::string name_;
  const size_t max_queued_;
  mutable absl::Mutex mu_;
  std::deque<Task> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace sb::core
