#include "services/edge/location_writer.h"

#include <pthread.h>

#include <exception>

#include "core/logging.h"

namespace sb::edge {

LocationWriter::LocationWriter(Location* location, LocationWriterConfig config)
    : location_(location),
      queue_({.max_queued = static_cast<size_t>(config.max_queued),
              .max_batch = static_cast<size_t>(config.max_batch),
              .linger = config.linger}) {
  for (int i = 0; i < std::max(1, config.threads); ++i) {
    threads_.emplace_back([this] {
      pthread_setname_np(pthread_self(), "edge-writer");
      Run();
    });
  }
}

LocationWriter::~LocationWriter() { Stop(); }

bool LocationWriter::TrySubmit(Change change, Done done) {
  return queue_.Push(Item{std::move(change), std::move(done)});
}

void LocationWriter::Stop() {
  if (!queue_.Close()) return;
  for (auto& t : threads_) t.join();
}

void LocationWriter::Run() {
  std::vector<Item> batch;
  std::vector<const RegisterChange*> changes;
  while (queue_.Take(&batch)) {
    changes.clear();
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
