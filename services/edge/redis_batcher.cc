#include "services/edge/redis_batcher.h"

#include <pthread.h>

#include "core/logging.h"

namespace sb::edge {

RedisBatcher::RedisBatcher(redis::Client& redis, RedisBatcherConfig config)
    : redis_(redis),
      queue_({.max_queued = static_cast<size_t>(config.max_queued),
              .max_batch = static_cast<size_t>(config.max_batch),
              .linger = config.linger}) {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "edge-redis");
    Run();
  });
}

RedisBatcher::~RedisBatcher() { Stop(); }

bool RedisBatcher::Submit(Command command) { return queue_.Push(std::move(command)); }

void RedisBatcher::Stop() {
  queue_.Close();
  if (thread_.joinable()) thread_.join();
}

void RedisBatcher::Run() {
  std::vector<Command> batch;
  absl::Time last_warning = absl::InfinitePast();
  while (queue_.Take(&batch)) {
    const absl::Status st = redis_.Pipeline(batch).status();
    if (!st.ok() && absl::Now() - last_warning > absl::Seconds(1)) {
      last_warning = absl::Now();
      core::Logger("proxy")->warn("Redis writes of {} commands (line slots) failed: {}", batch.size(), st.message());
    }
  }
}

}  // namespace sb::edge
