#include "services/routing/call_recovery.h"

#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/logging.h"
#include "services/routing/call_journal.h"

namespace sb::routing {

CallRecovery::CallRecovery(redis::Client* redis, LogFn log, CallRecoveryConfig config,
                           std::function<absl::Time()> clock)
    : redis_(redis), log_(std::move(log)), config_(config), clock_(std::move(clock)) {}

CallRecovery::~CallRecovery() { Stop(); }

// Not matched by the journal's SCAN pattern ("rcall:*"); same hash tag as the
// call's record, so both live on one Redis Cluster slot.
std::string CallRecovery::LockKey(absl::string_view call_id) {
  return absl::StrCat("rcall-lock:{", call_id, "}");
}

absl::StatusOr<CallRecoveryPass> CallRecovery::RunOnce() {
  CallRecoveryPass pass;
  const std::string count = absl::StrCat(config_.scan_count);
  const std::string pattern(CallJournal::kKeyPattern);
  std::string cursor = "0";
  do {
    auto step = redis_->Command({"SCAN", cursor, "MATCH", pattern, "COUNT", count});
    if (!step.ok()) return step.status();
    if (step->elements.size() != 2) return absl::InternalError("SCAN: unexpected reply");
    cursor = step->elements[0].str;
    const auto& keys = step->elements[1].elements;
    if (keys.empty()) continue;
    // The step's records in one round trip.
    std::vector<std::vector<std::string>> gets;
    gets.reserve(keys.size());
    for (const auto& k : keys) gets.push_back({"GET", k.str});
    auto values = redis_->Pipeline(gets);
    if (!values.ok()) return values.status();
    const absl::Time now = clock_();
    for (size_t i = 0; i < keys.size() && i < values->size(); ++i) {
      const redis::Reply& value = (*values)[i];
      if (value.kind != redis::Reply::Kind::kString) continue;  // logged since (deleted)
      std::optional<CallTrace> trace = DecodeTrace(value.str);
      if (!trace || trace->call_id != CallJournal::CallIdOfKey(keys[i].str)) continue;  // not ours to judge
      if (!trace->terminal) {
        ++pass.open;
        continue;
      }
      if (now - trace->touched_at < config_.grace) continue;  // its copy is probably committing it
      auto locked =
          redis_->Set(LockKey(trace->call_id), "1", {.ttl = config_.lock_ttl, .only_if_absent = true});
      if (!locked.ok()) return locked.status();
      if (!*locked) {
        ++pass.locked;
        continue;
      }
      core::Logger("calls")->info(
          "{} finished {} ago but never logged (its routing copy stopped before the commit): logging it "
          "from its journal",
          core::CallCtx{trace->call_id, trace->tenant_id}, absl::FormatDuration(now - trace->touched_at));
      trace->journaled = true;  // the log function deletes the record once committed
      log_(*trace);
      ++pass.recovered;
    }
  } while (cursor != "0" && !stop_.HasBeenNotified());
  return pass;
}

void CallRecovery::Start() {
  thread_ = std::thread([this] {
    do {
      auto pass = RunOnce();
      if (!pass.ok()) {
        core::Logger("calls")->warn("call recovery sweep: {} (next try in {})", pass.status().message(),
                                    absl::FormatDuration(config_.interval));
      } else if (pass->recovered > 0) {
        core::Logger("calls")->info("call recovery sweep: {} finished calls logged, {} open calls left",
                                    pass->recovered, pass->open);
      }
    } while (!stop_.WaitForNotificationWithTimeout(config_.interval));
  });
}

void CallRecovery::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

}  // namespace sb::routing
