#include "services/routing/call_stream.h"

#include <algorithm>
#include <vector>

#include "core/logging.h"
#include "core/status.h"
#include "services/routing/engine/terminals.h"

namespace sb::routing {

CallStreamReactor::CallStreamReactor(StreamDeps deps, std::string peer)
    : deps_(deps), peer_(std::move(peer)) {
  core::Logger("stream")->info("edge stream opened from {}", peer_);
  {
    absl::MutexLock lock(&mu_);
    reading_ = true;
  }
  StartRead(&in_);
}

void CallStreamReactor::OnReadDone(bool ok) {
  if (!ok) {  // the edge half-closed, or the stream broke
    {
      absl::MutexLock lock(&mu_);
      reading_ = false;
      reads_done_ = true;
    }
    Progress();
    return;
  }
  // in_ is ours until the next StartRead. Decisions made inline for this
  // message (all of a batch's cached ones) leave together.
  std::vector<rpb::RouteDecision> ready;
  auto handle = [&](const rpb::EdgeMessage& m) {
    switch (m.body_case()) {
      case rpb::EdgeMessage::kSetup:
        HandleSetup(m.setup(), &ready);
        break;
      case rpb::EdgeMessage::kEvent:
        deps_.tracker->OnEvent(m.event());
        break;
      default:
        break;  // an empty message, or a batch inside a batch: nothing to do
    }
  };
  if (in_.has_batch()) {
    {
      absl::MutexLock lock(&mu_);
      batches_ = true;
    }
    for (const rpb::EdgeMessage& m : in_.batch().messages()) handle(m);
  } else {
    handle(in_);
  }
  if (!ready.empty()) Send(std::move(ready));
  bool read_next = false;
  {
    absl::MutexLock lock(&mu_);
    reading_ = false;
    if (!cancelled_ && BacklogLocked() < deps_.max_backlog) read_next = reading_ = true;
  }
  if (read_next) {
    StartRead(&in_);
  } else {
    Progress();  // paused: resumed from OnWriteDone or TaskDone
  }
}

void CallStreamReactor::HandleSetup(const rpb::CallSetup& setup, std::vector<rpb::RouteDecision>* ready) {
  deps_.tracker->OnSetup(setup);
  {
    absl::MutexLock lock(&mu_);
    ++setups_;
  }
  if (auto decision = deps_.decider->TryDecideCached(setup)) {
    deps_.tracker->OnDecision(*decision);
    ready->push_back(*std::move(decision));
    return;
  }
  {
    absl::MutexLock lock(&mu_);
    ++tasks_;
  }
  bool queued = deps_.pool->Submit([this, setup] {
    rpb::RouteDecision decision = deps_.decider->Decide(setup);
    deps_.tracker->OnDecision(decision);
    Send({std::move(decision)});
    TaskDone();
  });
  if (!queued) {
    core::Logger("stream")->warn("{} refused: the service is stopping",
                                 core::CallCtx{setup.call_id(), setup.tenant_id()});
    rpb::RouteDecision refused = ErrorDecision(setup.call_id(), 503, "routing is shutting down");
    deps_.tracker->OnDecision(refused);
    ready->push_back(std::move(refused));
    TaskDone();
  }
}

void CallStreamReactor::Send(std::vector<rpb::RouteDecision> decisions) {
  grpc::WriteOptions options;
  {
    absl::MutexLock lock(&mu_);
    if (cancelled_ || finished_) return;  // the edge is gone: its fallback applies
    for (rpb::RouteDecision& d : decisions) queue_.push_back(std::move(d));
    if (writing_) return;  // OnWriteDone takes them
    writing_ = true;
    options = NextWriteLocked();
  }
  // out_ stays untouched until OnWriteDone: only the thread that set
  // writing_ writes it.
  StartWrite(&out_, options);
}

grpc::WriteOptions CallStreamReactor::NextWriteLocked() {
  // An edge that batches gets every decision waiting, up to kMaxBatch, in
  // one message; an older one gets them one by one.
  constexpr size_t kMaxBatch = 512;
  out_.Clear();
  if (batches_ && queue_.size() > 1) {
    auto* batch = out_.mutable_batch()->mutable_decisions();
    batch->Reserve(static_cast<int>(std::min(queue_.size(), kMaxBatch)));
    while (!queue_.empty() && static_cast<size_t>(batch->size()) < kMaxBatch) {
      *batch->Add() = std::move(queue_.front());
      queue_.pop_front();
    }
  } else {
    *out_.mutable_decision() = std::move(queue_.front());
    queue_.pop_front();
  }
  // More is waiting: let gRPC hold this message and send them together
  // (one syscall for a burst). The last of a burst goes without the hint,
  // which flushes.
  grpc::WriteOptions options;
  if (!queue_.empty()) options.set_buffer_hint();
  return options;
}

void CallStreamReactor::OnWriteDone(bool ok) {
  bool write_next = false;
  grpc::WriteOptions options;
  {
    absl::MutexLock lock(&mu_);
    if (!ok) {
      cancelled_ = true;  // the stream broke: nothing more will be delivered
      queue_.clear();
    }
    if (!cancelled_ && !queue_.empty()) {
      options = NextWriteLocked();
      write_next = true;
    } else {
      writing_ = false;
    }
  }
  if (write_next) StartWrite(&out_, options);
  Progress();
}

void CallStreamReactor::TaskDone() {
  bool destroy = false;
  {
    absl::MutexLock lock(&mu_);
    --tasks_;
    destroy = done_ && tasks_ == 0;
  }
  if (destroy) {
    delete this;
    return;
  }
  Progress();
}

void CallStreamReactor::OnCancel() {
  {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
    queue_.clear();
  }
  Progress();
}

void CallStreamReactor::Progress() {
  bool resume_read = false, finish = false, cancelled = false;
  {
    absl::MutexLock lock(&mu_);
    if (finished_) return;
    if (!reading_ && !reads_done_ && !cancelled_ && BacklogLocked() < deps_.max_backlog / 2 + 1) {
      resume_read = reading_ = true;
    } else if ((reads_done_ || cancelled_) && !reading_ && !writing_ && tasks_ == 0 && queue_.empty()) {
      finish = finished_ = true;
      cancelled = cancelled_;
    }
  }
  if (resume_read) StartRead(&in_);
  if (finish) Finish(cancelled ? grpc::Status::CANCELLED : grpc::Status::OK);
}

void CallStreamReactor::OnDone() {
  bool destroy = false;
  int64_t setups = 0;
  {
    absl::MutexLock lock(&mu_);
    done_ = true;
    destroy = tasks_ == 0;
    setups = setups_;
  }
  core::Logger("stream")->info("edge stream from {} closed after {} setups", peer_, setups);
  if (destroy) delete this;
}

}  // namespace sb::routing
