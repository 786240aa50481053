#include "services/routing/call_log_writer.h"

#include <algorithm>

#include "absl/time/clock.h"
#include "core/logging.h"

namespace sb::routing {

CallLogWriter::CallLogWriter(Store* store, Directory* directory, CallJournal* journal,
                             CallLogWriterConfig config)
    : store_(store), directory_(directory), journal_(journal), config_(config) {}

CallLogWriter::~CallLogWriter() { Stop(); }

void CallLogWriter::Start() {
  writer_ = std::thread([this] { WriterLoop(); });
}

void CallLogWriter::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (writer_.joinable()) writer_.join();
  Flush();
}

void CallLogWriter::Submit(const CallTrace& trace) {
  Pending p{trace.call_id, trace.tenant_id, trace.journaled,
            BuildCallLog(trace, [this](const std::string& user_id, const std::string& number) {
              return directory_->NameFor(user_id, number);
            })};
  if (p.records.empty()) {  // nothing to write (a call to oneself): done with it
    if (journal_ != nullptr && p.journaled) journal_->Forget(p.call_id);
    return;
  }
  absl::MutexLock lock(&mu_);
  if (queue_.size() >= config_.max_queue) {
    // PostgreSQL has been away for a while: the journal keeps the call
    // (until it expires), this copy can't.
    if (refused_++ % 1000 == 0) {
      core::Logger("calls")->error("{} call log not written: {} calls already waiting for PostgreSQL",
                                   core::CallCtx{p.call_id, p.tenant_id}, queue_.size());
    }
    return;
  }
  queue_.push_back(std::move(p));
}

int64_t CallLogWriter::written() const {
  absl::MutexLock lock(&mu_);
  return written_;
}

int64_t CallLogWriter::failed() const {
  absl::MutexLock lock(&mu_);
  return failed_ + refused_;
}

absl::Status CallLogWriter::WriteBatch(const std::vector<Pending>& batch) {
  std::vector<CallLogRecord> records;
  std::vector<Events> events;
  for (const auto& p : batch) {
    for (const auto& r : p.records) {
      records.push_back(r);
      events.push_back(CallLogEvents(r));
    }
  }
  absl::Status st;
  for (int attempt = 1; attempt <= config_.attempts; ++attempt) {
    auto saved = store_->InsertCallLogs(records, events);
    if (saved.ok()) return absl::OkStatus();
    st = saved.status();
    if (st.code() == absl::StatusCode::kInvalidArgument) break;  // retrying won't help
    if (attempt < config_.attempts) absl::SleepFor(config_.retry_delay * attempt);
  }
  return st;
}

bool CallLogWriter::WriteSome() {
  absl::MutexLock writing(&write_mu_);
  std::vector<Pending> batch;
  {
    absl::MutexLock lock(&mu_);
    if (queue_.empty()) return false;
    const size_t n = std::min(queue_.size(), config_.max_batch);
    batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.begin() + n));
    queue_.erase(queue_.begin(), queue_.begin() + n);
  }
  if (config_.testonly_commit_delay > absl::ZeroDuration()) absl::SleepFor(config_.testonly_commit_delay);
  absl::Status st = WriteBatch(batch);
  if (!st.ok() && batch.size() > 1 && st.code() == absl::StatusCode::kInvalidArgument) {
    // One bad call must not lose its batch: write them one by one.
    st = absl::OkStatus();
    std::vector<Pending> good;
    for (auto& p : batch) {
      absl::Status one = WriteBatch({p});
      if (one.ok()) {
        good.push_back(std::move(p));
      } else {
        core::Logger("calls")->error("{} call log not written: {}", core::CallCtx{p.call_id, p.tenant_id},
                                     one.message());
        absl::MutexLock lock(&mu_);
        ++failed_;
      }
    }
    batch = std::move(good);
  } else if (!st.ok()) {
    // Left in the journal (expiring): nothing else can be done here.
    for (const auto& p : batch) {
      core::Logger("calls")->error("{} call log not written: {}", core::CallCtx{p.call_id, p.tenant_id},
                                   st.message());
    }
    absl::MutexLock lock(&mu_);
    failed_ += static_cast<int64_t>(batch.size());
    return true;
  }
  if (journal_ != nullptr) {
    for (const auto& p : batch) {
      if (p.journaled) journal_->Forget(p.call_id);
    }
  }
  core::Logger("calls")->debug("{} calls logged in one transaction", batch.size());
  absl::MutexLock lock(&mu_);
  written_ += static_cast<int64_t>(batch.size());
  return true;
}

void CallLogWriter::Flush() {
  while (WriteSome()) {
  }
}

void CallLogWriter::WriterLoop() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &CallLogWriter::HasWork));
      if (stopping_ && queue_.empty()) return;
      // Let a batch gather: at 1,000 calls/s, five calls per commit instead
      // of one; under a burst, up to max_batch.
      mu_.AwaitWithTimeout(absl::Condition(this, &CallLogWriter::BatchReady), config_.linger);
    }
    Flush();
  }
}

}  // namespace sb::routing
