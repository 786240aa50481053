#pragma once
// Relays the events a service writes to the `outbox` table of its own schema
// (the pool's search_path), in the same transaction as
// the change they describe) to Redis Streams, then deletes them. A crash
// between publish and delete publishes again: delivery is at least once and
// consumers deduplicate by event id, which is fixed when the row is written.
#include <functional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "pg/pool.h"

namespace sb::pg {

struct OutboxRow {
  std::string topic;
  std::string event_id;
  std::string type;
  std::string tenant_id;
  std::string payload;
  absl::Time created_at;
};

class OutboxRelay {
 public:
  using PublishFn = std::function<absl::Status(const OutboxRow&)>;

  OutboxRelay(pg::Pool* pool, PublishFn publish, absl::Duration interval = absl::Milliseconds(100))
      : pool_(pool), publish_(std::move(publish)), interval_(interval) {}
  ~OutboxRelay() { Stop(); }

  // Publishes what is pending now; returns how many rows went out.
  absl::StatusOr<int> RelayOnce(int batch = 200);
  void Start();
  void Stop();

 private:
  pg::Pool* pool_;
  PublishFn publish_;
  absl::Duration interval_;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace sb::pg
