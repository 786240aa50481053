#include "services/routing/call_stream.h"

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
  // in_ is ours until the next StartRead.
  switch (in_.body_case()) {
    case rpb::EdgeMessage::kSetup:
      HandleSetup(in_.setup());
      break;
    case rpb::EdgeMessage::kEvent:
      deps_.tracker->OnEvent(in_.event());
      break;
    default:
      break;  // an empty message: nothing to do
  }
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

void CallStreamReactor::HandleSetup(const rpb::CallSetup& setup) {
  deps_.tracker->OnSetup(setup);
  {
    absl::MutexLock lock(&mu_);
    ++setups_;
  }
  if (auto decision = deps_.decider->TryDecideCached(setup)) {
    deps_.tracker->OnDecision(*decision);
    Send(*std::move(decision));
    return;
  }
  {
    absl::MutexLock lock(&mu_);
    ++tasks_;
  }
  bool queued = deps_.pool->Submit([this, setup] {
    rpb::RouteDecision decision = deps_.decider->Decide(setup);
    deps_.tracker->OnDecision(decision);
    Send(std::move(decision));
    TaskDone();
  });
  if (!queued) {
    core::Logger("stream")->warn("{} refused: the service is stopping",
                                 core::CallCtx{setup.call_id(), setup.tenant_id()});
    rpb::RouteDecision refused = ErrorDecision(setup.call_id(), 503, "routing is shutting down");
    deps_.tracker->OnDecision(refused);
    Send(std::move(refused));
    TaskDone();
  }
}

void CallStreamReactor::Send(rpb::RouteDecision decision) {
  {
    absl::MutexLock lock(&mu_);
    if (cancelled_ || finished_) return;  // the edge is gone: its fallback applies
    rpb::RoutingMessage m;
    *m.mutable_decision() = std::move(decision);
    if (writing_) {
      queue_.push_back(std::move(m));
      return;
    }
    writing_ = true;
    out_ = std::move(m);
  }
  // out_ stays untouched until OnWriteDone: only the thread that set
  // writing_ writes it.
  StartWrite(&out_);
}

grpc::WriteOptions CallStreamReactor::OptionsLocked() const {
  // More decisions are waiting: let gRPC hold this one and send them
  // together (one syscall for a burst instead of one each). The last of a
  // burst goes without the hint, which flushes.
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
      out_ = std::move(queue_.front());
      queue_.pop_front();
      options = OptionsLocked();
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
