#include "pg/outbox_relay.h"

#include "core/logging.h"

namespace sb::pg {

absl::StatusOr<int> OutboxRelay::RelayOnce(int batch) {
  int sent = 0;
  absl::Status st = pool_->Transact([&](pqxx::work& w) -> absl::Status {
    sent = 0;
    // SKIP LOCKED lets several copies of the service relay side by side.
    auto rows = w.exec_params(
        "SELECT seq, topic, event_id, type, tenant_id, payload, "
        "(extract(epoch from created_at)*1000000)::bigint FROM outbox ORDER BY seq LIMIT $1 "
        "FOR UPDATE SKIP LOCKED",
        batch);
    for (const auto& r : rows) {
      OutboxRow row;
      row.topic = r[1].as<std::string>();
      row.event_id = r[2].as<std::string>();
      row.type = r[3].as<std::string>();
      row.tenant_id = r[4].as<std::string>();
      row.payload = pqxx::binarystring(r[5]).str();
      row.created_at = absl::FromUnixMicros(r[6].as<int64_t>());
      absl::Status published = publish_(row);
      if (!published.ok()) {
        if (sent == 0) return published;
        break;  // keep what went out; the rest waits for the next round
      }
      w.exec_params("DELETE FROM outbox WHERE seq = $1", r[0].as<int64_t>());
      ++sent;
    }
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return sent;
}

void OutboxRelay::Start() {
  thread_ = std::thread([this] {
    auto log = core::Logger("outbox");
    bool failing = false;
    while (!stop_.WaitForNotificationWithTimeout(interval_)) {
      for (;;) {
        auto n = RelayOnce();
        if (!n.ok()) {
          if (!failing) log->warn("events not relayed yet (will retry): {}", n.status().message());
          failing = true;
          break;
        }
        if (failing) log->info("event relay recovered");
        failing = false;
        if (*n == 0) break;
      }
    }
  });
}

void OutboxRelay::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

}  // namespace sb::pg
