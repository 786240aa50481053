#include "services/routing/call_log_writer.h"

#include "absl/time/clock.h"
#include "core/logging.h"

namespace sb::routing {

absl::Status CallLogWriter::Write(const CallTrace& trace) {
  const core::CallCtx ctx{trace.call_id, trace.tenant_id};
  std::vector<CallLogRecord> records =
      BuildCallLog(trace, [this](const std::string& user_id, const std::string& number) {
        return directory_->NameFor(user_id, number);
      });
  if (records.empty()) return absl::OkStatus();
  std::vector<Events> events;
  for (const auto& r : records) events.push_back(CallLogEvents(r));
  absl::Status st;
  for (int attempt = 1; attempt <= attempts_; ++attempt) {
    auto saved = store_->InsertCallLogs(records, events);
    if (saved.ok()) {
      core::Logger("calls")->debug("{} logged: {} entries", ctx, saved->size());
      return absl::OkStatus();
    }
    st = saved.status();
    if (st.code() == absl::StatusCode::kInvalidArgument) break;  // retrying won't help
    if (attempt < attempts_) absl::SleepFor(retry_delay_ * attempt);
  }
  core::Logger("calls")->error("{} call log not written: {}", ctx, st.message());
  return st;
}

}  // namespace sb::routing
