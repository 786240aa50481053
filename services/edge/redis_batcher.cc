#include "services/edge/redis_batcher.h"

#include <pthread.h>

#include "core/logging.h"

namespace sb::edge {

RedisBatcher::RedisBatcher(redis::Client& redis, RedisBatcherConfig config) : redis_(redis), config_(config) {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "edge-redis");
    Run();
  });
}

RedisBatcher::~RedisBatcher() { Stop(); }

bool RedisBatcher::Submit(Command command) {
  absl::MutexLock lock(&mu_);
  if (stopping_ || static_cast<int>(queue_.size()) >= config_.max_queued) return false;
  queue_.push_back(std::move(command));
  return true;
}

void RedisBatcher::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void RedisBatcher::Run() {
  std::vector<Command> batch;
  absl::Time last_warning = absl::InfinitePast();
  for (;;) {
    batch.clear();
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](RedisBatcher* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
            return self->stopping_ || !self->queue_.empty();
          },
          this));
      if (queue_.empty()) return;  // stopping, and everything queued is written
      if (config_.linger > absl::ZeroDuration()) {
        // More commands join the batch meanwhile, without waking us.
        mu_.AwaitWithTimeout(absl::Condition(
                                 +[](RedisBatcher* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
                                   return self->stopping_ ||
                                          static_cast<int>(self->queue_.size()) >= self->config_.max_batch;
                                 },
                                 this),
                             config_.linger);
      }
      while (!queue_.empty() && static_cast<int>(batch.size()) < config_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    const absl::Status st = redis_.Pipeline(batch).status();
    if (!st.ok() && absl::Now() - last_warning > absl::Seconds(1)) {
      last_warning = absl::Now();
      core::Logger("proxy")->warn("Redis writes of {} commands (line slots) failed: {}", batch.size(), st.message());
    }
  }
}

}  // namespace sb::edge
