#include "core/worker_pool.h"

#include <pthread.h>

#include <algorithm>
#include <exception>

#include "core/logging.h"

namespace sb::core {

WorkerPool::WorkerPool(int threads, std::string name, size_t max_queued)
    : name_(std::move(name)), max_queued_(max_queued) {
  threads_.reserve(std::max(threads, 1));
  for (int i = 0; i < std::max(threads, 1); ++i) {
    threads_.emplace_back([this] {
      pthread_setname_np(pthread_self(), name_.substr(0, 15).c_str());
      Run();
    });
  }
}

WorkerPool::~WorkerPool() { Stop(); }

bool WorkerPool::Submit(Task task) {
  absl::MutexLock lock(&mu_);
  if (stopping_ || queue_.size() >= max_queued_) return false;
  queue_.push_back(std::move(task));
  return true;
}

void WorkerPool::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

size_t WorkerPool::queued() const {
  absl::MutexLock lock(&mu_);
  return queue_.size();
}

void WorkerPool::Run() {
  for (;;) {
    Task task;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &WorkerPool::HasWork));
      if (queue_.empty()) return;  // stopping, and everything queued has run
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    // A task's exception must not end the thread (and the process with it).
    try {
      std::move(task)();
    } catch (const std::exception& e) {
      Logger(name_)->error("task failed: {}", e.what());
    } catch (...) {
      Logger(name_)->error("task failed with a non-standard exception");
    }
  }
}

}  // namespace sb::core
