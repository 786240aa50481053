#include "services/edge/location_writer.h"

#include <pthread.h>

#include <exception>

#include "core/logging.h"

namespace sb::edge {

LocationWriter::LocationWriter(Location* location, LocationWriterConfig config)
    : location_(location), config_(config) {
  for (int i = 0; i < std::max(1, config_.threads); ++i) {
    threads_.emplace_back([this] {
      pthread_setname_np(pthread_self(), "edge-writer");
      Run();
    });
  }
}

LocationWriter::~LocationWriter() { Stop(); }

bool LocationWriter::TrySubmit(Change change, Done done) {
  absl::MutexLock lock(&mu_);
  if (stopping_ || static_cast<int>(queue_.size()) >= config_.max_queued) return false;
  queue_.push_back({std::move(change), std::move(done)});
  return true;
}

void LocationWriter::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  for (auto& t : threads_) t.join();
}

void LocationWriter::Run() {
  std::vector<Item> batch;
  std::vector<const RegisterChange*> changes;
  for (;;) {
    batch.clear();
    changes.clear();
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](LocationWriter* self)
               ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) { return self->stopping_ || !self->queue_.empty(); },
          this));
      if (queue_.empty()) return;  // stopping, and everything queued is written
      if (config_.linger > absl::ZeroDuration()) {
        mu_.AwaitWithTimeout(absl::Condition(
                                 +[](LocationWriter* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
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
    for (const Item& item : batch) changes.push_back(item.change.get());
    std::vector<absl::StatusOr<RegisterResult>> results = location_->ApplyBatch(changes);
    for (size_t i = 0; i < batch.size(); ++i) {
      try {
        std::move(batch[i].done)(std::move(results[i]));
      } catch (const std::exception& e) {
        core::Logger("registrar")->error("registration completion failed: {}", e.what());
      }
    }
  }
}

}  // namespace sb::edge
