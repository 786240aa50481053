#pragma once
// Batches registrations into Redis: REGISTERs authenticated on the SIP loop
// thread queue their change here; a writer thread takes what is queued
// (up to max_batch, lingering briefly for more: core/batch_queue.h) and
// applies it in one pipelined round trip
// (Location::ApplyBatch), then runs each change's completion on the writer
// thread. Under load, batches grow and the per-registration cost of the
// round trip, the wake-ups and the syscalls shrinks; when idle, a change is
// written at once.
#include <memory>
#include <thread>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/time/time.h"
#include "core/batch_queue.h"
#include "services/edge/location.h"

namespace sb::edge {

struct LocationWriterConfig {
  int threads = 1;
  int max_queued = 8192;  // beyond: TrySubmit refuses (the caller answers 503)
  int max_batch = 64;
  // After the first change of a batch arrives, how long to wait for more
  // before writing. Submitting then costs the SIP loop no wake-up of the
  // writer (absl::Mutex evaluates the writer's condition for it), and a
  // batch pays one round trip.
  absl::Duration linger = absl::Microseconds(200);
};

class LocationWriter {
 public:
  using Done = absl::AnyInvocable<void(absl::StatusOr<RegisterResult> result) &&>;
  using Change = std::shared_ptr<const RegisterChange>;

  LocationWriter(Location* location, LocationWriterConfig config);
  ~LocationWriter();  // Stop()
  LocationWriter(const LocationWriter&) = delete;
  LocationWriter& operator=(const LocationWriter&) = delete;

  // Any thread. False (and nothing runs) when the queue is full or stopping.
  bool TrySubmit(Change change, Done done);
  // Writes what is queued, then joins the threads. Idempotent.
  void Stop();

 private:
  struct Item {
    Change change;
    Done done;
  };
  void Run();

  Location* const location_;
  core::BatchQueue<Item> queue_;
  std::vector<std::thread> threads_;
};

}  // namespace sb::edge
