#include "services/routing/call_tracker.h"

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "core/logging.h"
#include "core/status.h"

namespace sb::routing {
namespace {

absl::Time SetupTime(const rpb::CallSetup& setup, absl::Time now) {
  if (setup.at().seconds() == 0 && setup.at().nanos() == 0) return now;
  return absl::FromUnixSeconds(setup.at().seconds()) + absl::Nanoseconds(setup.at().nanos());
}

// A trace as the setup starts it.
CallTrace TraceOf(const rpb::CallSetup& setup, absl::Time now) {
  CallTrace t;
  t.call_id = setup.call_id();
  t.tenant_id = setup.tenant_id();
  const auto& c = setup.caller();
  t.caller_user_id = setup.origin() == rpb::DEVICE ? c.user_id() : "";
  t.caller_number = !c.number().empty() ? c.number() : c.number_e164();
  t.caller_extension = c.extension();
  t.caller_name = c.display_name();
  t.caller_anonymous = c.anonymous();
  t.dialed = setup.dialed();
  t.started_at = SetupTime(setup, now);
  t.last_event_at = now;
  t.touched_at = now;
  return t;
}

}  // namespace

CallTracker::CallTracker(CallTrackerConfig config, core::WorkerPool* pool, LogFn log,
                         std::function<absl::Time()> clock)
    : config_(config), pool_(pool), log_(std::move(log)), clock_(std::move(clock)) {}

CallTracker::~CallTracker() { Stop(); }

CallTracker::Shard& CallTracker::ShardOf(const std::string& call_id) {
  return shards_[absl::Hash<std::string>{}(call_id) % kShards];
}

void CallTracker::OnSetup(const rpb::CallSetup& setup) {
  if (setup.call_id().empty()) return;
  Shard& shard = ShardOf(setup.call_id());
  const absl::Time now = clock_();
  {
    absl::MutexLock lock(&shard.mu);
    if (shard.calls.contains(setup.call_id())) return;  // a setup sent again: the first one counts
    if (shard.calls.size() >= (config_.max_calls + kShards - 1) / kShards) {
      if (shard.untracked++ % 10000 == 0) {
        core::Logger("calls")->warn("{} not logged: {} calls open already (max_calls)",
                                    core::CallCtx{setup.call_id(), setup.tenant_id()}, config_.max_calls);
      }
      return;
    }
    shard.calls.emplace(setup.call_id(), TraceOf(setup, now));
  }
}

std::optional<CallTrace> CallTracker::TakeIfSettled(Shard& shard, const std::string& call_id) {
  auto it = shard.calls.find(call_id);
  if (it == shard.calls.end()) return std::nullopt;
  const CallTrace& t = it->second;
  // The decision alone settles rejects, star codes and errors: the edge
  // acts on them without a call to follow.
  const bool settled_by_decision = t.decided && (!t.loggable || t.rejected || t.evaluation_failed);
  if (!(t.decided && t.terminal) && !settled_by_decision) return std::nullopt;
  CallTrace out = std::move(it->second);
  shard.calls.erase(it);
  if (out.loggable) ++shard.logged;
  return out;
}

void CallTracker::OnDecision(const rpb::RouteDecision& decision) {
  std::optional<CallTrace> ready;
  {
    Shard& shard = ShardOf(decision.call_id());
    absl::MutexLock lock(&shard.mu);
    auto it = shard.calls.find(decision.call_id());
    if (it == shard.calls.end()) return;
    RecordDecision(decision, &it->second);
    ready = TakeIfSettled(shard, decision.call_id());
    // Encoded and queued under the shard's lock (a copy of the trace would
    // cost more): a call's records reach the journal in the order of its
    // changes. The journal's own lock nests inside, briefly.
    if (journal_ != nullptr && !ready) {
      it->second.journaled = true;
      journal_->Save(decision.call_id(), EncodeTrace(it->second));
    }
  }
  Finish(std::move(ready));
}

namespace {

// What a log entry would say: the journal needs a new trace only when an
// event changes it (a ringing does not).
struct LogState {
  bool answered;
  bool diverted_before_answer;
};

bool ChangedSince(const LogState& before, const CallTrace& after) {
  return before.answered != after.answered || before.diverted_before_answer != after.diverted_before_answer;
}

}  // namespace

void CallTracker::OnEvent(const rpb::CallEvent& event) {
  std::optional<CallTrace> ready;
  bool adopt = false;
  const absl::Time now = clock_();
  {
    Shard& shard = ShardOf(event.call_id());
    absl::MutexLock lock(&shard.mu);
    auto it = shard.calls.find(event.call_id());
    if (it == shard.calls.end()) {
      if (journal_ == nullptr || event.call_id().empty()) {
        core::Logger("calls")->debug("{} event {} for a call not tracked here",
                                     core::CallCtx{event.call_id(), ""},
                                     rpb::CallEvent::Kind_Name(event.kind()));
        return;
      }
      // Set up elsewhere or before a restart: its journal tells the rest.
      auto [waiting, first] = shard.adopting.try_emplace(event.call_id());
      waiting->second.push_back(event);
      if (!event.has_at()) {  // stamped now: it is replayed after the load
        waiting->second.back().mutable_at()->set_seconds(absl::ToUnixSeconds(now));
      }
      adopt = first;
    } else {
      const LogState before{it->second.answered, it->second.diverted_before_answer};
      RecordEvent(event, now, &it->second);
      ready = TakeIfSettled(shard, event.call_id());
      if (journal_ != nullptr && !ready && ChangedSince(before, it->second)) {
        journal_->Update(event.call_id(), EncodeTrace(it->second));
      }
      MarkFinished(ready);
    }
  }
  if (adopt) {
    std::string call_id = event.call_id();
    if (!pool_->Submit([this, call_id] { Adopt(call_id); })) {
      Shard& shard = ShardOf(call_id);
      absl::MutexLock lock(&shard.mu);
      shard.adopting.erase(call_id);
    }
    return;
  }
  Finish(std::move(ready));
}

void CallTracker::Adopt(const std::string& call_id) {
  auto journaled = journal_->Load(call_id);
  Shard& shard = ShardOf(call_id);
  std::optional<CallTrace> ready;
  std::vector<rpb::CallEvent> pending;
  std::string tenant_id;
  {
    absl::MutexLock lock(&shard.mu);
    auto waiting = shard.adopting.find(call_id);
    if (waiting != shard.adopting.end()) {
      pending = std::move(waiting->second);
      shard.adopting.erase(waiting);
    }
    if (!journaled.ok() || !journaled->has_value()) {
      core::Logger("calls")->log(
          journaled.ok() ? spdlog::level::debug : spdlog::level::warn,
          "{} {} events for a call not tracked here{}", core::CallCtx{call_id, ""}, pending.size(),
          journaled.ok() ? "" : absl::StrCat(" (journal: ", journaled.status().message(), ")"));
      return;
    }
    CallTrace trace = **std::move(journaled);
    const absl::Time now = clock_();
    trace.touched_at = now;
    trace.journaled = true;
    const LogState before{trace.answered, trace.diverted_before_answer};
    for (const auto& e : pending) RecordEvent(e, now, &trace);
    tenant_id = trace.tenant_id;
    auto [it, inserted] = shard.calls.insert_or_assign(call_id, std::move(trace));
    ++shard.adopted;
    ready = TakeIfSettled(shard, call_id);
    if (!ready && ChangedSince(before, it->second)) journal_->Update(call_id, EncodeTrace(it->second));
    MarkFinished(ready);
  }
  core::Logger("calls")->info("{} picked up from its journal ({} events after the move)",
                              core::CallCtx{call_id, tenant_id}, pending.size());
  Finish(std::move(ready));
}

void CallTracker::MarkFinished(const std::optional<CallTrace>& ready) {
  // Queued before the log is (and so before the Forget that follows its
  // commit): the journal writes a call's records in order. One more command
  // in the writer's next pipeline, no round trip of its own.
  if (journal_ == nullptr || !ready || !ready->journaled || !ready->loggable || !ready->terminal) return;
  journal_->Update(ready->call_id, EncodeTrace(*ready));
}

void CallTracker::Finish(std::optional<CallTrace> ready) {
  if (!ready) return;
  if (!ready->loggable) {  // nothing to write: its journal can go now
    if (journal_ != nullptr && ready->journaled) journal_->Forget(ready->call_id);
    return;
  }
  // A loggable call's journal goes once its entries are written (LogFn).
  Log(*std::move(ready));
}

void CallTracker::Log(CallTrace trace) {
  if (!trace.loggable) return;
  core::CallCtx ctx{trace.call_id, trace.tenant_id};
  auto log = log_;
  if (!pool_->Submit([log, trace = std::move(trace)] { log(trace); })) {
    core::Logger("calls")->warn("{} not logged: shutting down", ctx);
  }
}

void CallTracker::Sweep() {
  for (size_t i = 0; i < kShards; ++i) SweepShard(i);
}

void CallTracker::SweepShard(size_t index) {
  Shard& shard = shards_[index];
  const absl::Time now = clock_();
  std::vector<CallTrace> ready;
  // Dropped traces are freed after the lock is released: the stream
  // threads wait for the scan, not for the allocator.
  std::vector<decltype(shard.calls)::node_type> dropped;
  {
    absl::MutexLock lock(&shard.mu);
    for (auto it = shard.calls.begin(); it != shard.calls.end();) {
      const CallTrace& t = it->second;
      if (t.events == 0 && now - t.touched_at > config_.setup_timeout) {
        ++shard.dropped;
        if (journal_ != nullptr && t.journaled) journal_->Forget(t.call_id);
        dropped.push_back(shard.calls.extract(it++));
      } else if (t.events > 0 && now - t.touched_at > config_.call_timeout) {
        if (t.loggable) ++shard.logged;
        // Logged as known (no final event came, and the trace says so), but
        // journaled as finished from now: should this copy die before the
        // log is committed, the recovery sweep of another copy logs it.
        if (journal_ != nullptr && t.journaled && t.loggable) {
          std::optional<CallTrace> finished = t;
          finished->terminal = true;
          finished->touched_at = now;
          MarkFinished(finished);
        }
        ready.push_back(std::move(it->second));
        shard.calls.erase(it++);
      } else {
        ++it;
      }
    }
  }
  dropped.clear();
  for (auto& t : ready) {
    core::Logger("calls")->info("{} timed out after its last event: logged as known",
                                core::CallCtx{t.call_id, t.tenant_id});
    Finish(std::move(t));
  }
}

void CallTracker::Start() {
  // One shard at a time, spread over the interval, so that a pass over many
  // calls is never one long burst competing with the streams for the CPU.
  sweeper_ = std::thread([this] {
    const absl::Duration step = config_.sweep_interval / static_cast<int64_t>(kShards);
    for (size_t i = 0; !stop_.WaitForNotificationWithTimeout(step); i = (i + 1) % kShards) SweepShard(i);
  });
}

void CallTracker::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (sweeper_.joinable()) sweeper_.join();
}

CallTrackerStats CallTracker::Stats() const {
  CallTrackerStats out;
  for (const Shard& shard : shards_) {
    absl::MutexLock lock(&shard.mu);
    out.open += shard.calls.size();
    out.logged += shard.logged;
    out.dropped += shard.dropped;
    out.untracked += shard.untracked;
    out.adopted += shard.adopted;
  }
  return out;
}

}  // namespace sb::routing
