#include "services/edge/routing_link.h"

#include <algorithm>

#include <pthread.h>

#include "core/logging.h"
#include "core/principal.h"

namespace sb::edge {

RoutingLink::RoutingLink(std::shared_ptr<grpc::Channel> channel, RoutingLinkConfig config)
    : channel_(std::move(channel)), stub_(rpb::Routing::NewStub(channel_)), config_(config) {}

RoutingLink::~RoutingLink() { Stop(); }

void RoutingLink::Start() {
  absl::MutexLock lock(&mu_);
  if (reconnector_.joinable() || stopping_) return;
  reconnector_ = std::thread([this] { ReconnectLoop(); });
}

void RoutingLink::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (context_ != nullptr) context_->TryCancel();  // unblocks the reader
  }
  if (reconnector_.joinable()) reconnector_.join();
}

void RoutingLink::ReconnectLoop() {
  pthread_setname_np(pthread_self(), "routing-link");
  absl::Duration backoff = config_.min_backoff;
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    // Until the channel is up, setups go to the fallback at once instead
    // of waiting for a stream that can't open.
    if (!channel_->WaitForConnected(absl::ToChronoTime(absl::Now() + backoff))) {
      backoff = std::min(backoff * 2, config_.max_backoff);
      continue;
    }
    const absl::Time started = absl::Now();
    RunStream();
    // A stream that lived a while resets the backoff; one that failed at
    // once waits longer each time.
    backoff = absl::Now() - started > absl::Seconds(5) ? config_.min_backoff
                                                       : std::min(backoff * 2, config_.max_backoff);
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), backoff);
  }
}

void RoutingLink::RunStream() {
  auto log = core::Logger("routing-link");
  grpc::ClientContext context;
  core::AttachPrincipal(&context, core::Principal::System());
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    context_ = &context;
  }
  std::unique_ptr<ReaderWriter> stream = stub_->CallStream(&context);
  int64_t connection = 0;
  {
    absl::MutexLock lock(&mu_);
    up_ = true;
    stats_.connected = true;
    connection = ++stats_.connects;
  }
  log->info("call stream to routing open (connection {})", connection);
  std::thread writer([this, s = stream.get()] { WriteLoop(s); });

  rpb::RoutingMessage in;
  while (stream->Read(&in)) {
    if (in.has_decision()) {
      OnDecision(std::move(*in.mutable_decision()));
    } else if (in.has_batch()) {
      for (rpb::RouteDecision& d : *in.mutable_batch()->mutable_decisions()) OnDecision(std::move(d));
    }
  }

  absl::flat_hash_map<std::string, DecisionFn> failed;
  bool stopping = false;
  {
    absl::MutexLock lock(&mu_);
    up_ = false;  // the writer sees it, drops what is queued and returns
    stats_.connected = false;
    stats_.events_dropped += static_cast<int64_t>(outbox_.size());
    failed.swap(pending_);
    stopping = stopping_;
  }
  // The read side is over: make sure the write side is too, or a writer
  // blocked on flow control would never return.
  context.TryCancel();
  writer.join();
  const grpc::Status status = stream->Finish();
  {
    absl::MutexLock lock(&mu_);
    context_ = nullptr;
    outbox_.clear();
  }
  if (!stopping) {
    log->warn("call stream to routing ended ({}: {}); {} setups pending fail over to the fallback",
              static_cast<int>(status.error_code()), status.error_message(), failed.size());
  }
  for (auto& [call_id, done] : failed) done(absl::UnavailableError("the stream to routing broke"));
}

void RoutingLink::WriteLoop(ReaderWriter* stream) {
  pthread_setname_np(pthread_self(), "routing-write");
  std::deque<rpb::EdgeMessage> burst;
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](RoutingLink* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
            return !self->up_ || !self->outbox_.empty();
          },
          this));
      if (!up_) return;
      burst.swap(outbox_);
    }
    // What was queued since the last turn goes as one EdgeBatch (routing
    // answers in batches too), in messages of at most kMaxBatch.
    constexpr size_t kMaxBatch = 512;
    while (!burst.empty()) {
      rpb::EdgeMessage batch;
      const rpb::EdgeMessage* out = &burst.front();
      size_t taken = 1;
      if (burst.size() > 1) {
        taken = std::min(burst.size(), kMaxBatch);
        auto* messages = batch.mutable_batch()->mutable_messages();
        messages->Reserve(static_cast<int>(taken));
        for (size_t i = 0; i < taken; ++i) *messages->Add() = std::move(burst[i]);
        out = &batch;
      }
      grpc::WriteOptions options;
      if (burst.size() > taken) options.set_buffer_hint();  // more to come: one syscall for the burst
      if (!stream->Write(*out, options)) {
        // The stream broke; the reader sees it too and reconnects.
        absl::MutexLock lock(&mu_);
        stats_.events_dropped += static_cast<int64_t>(burst.size());
        return;
      }
      burst.erase(burst.begin(), burst.begin() + static_cast<std::ptrdiff_t>(taken));
    }
  }
}

bool RoutingLink::Enqueue(rpb::EdgeMessage message) {
  if (!up_ || stopping_) return false;
  outbox_.push_back(std::move(message));
  return true;
}

void RoutingLink::Decide(const rpb::CallSetup& setup, DecisionFn done) {
  rpb::EdgeMessage message;
  *message.mutable_setup() = setup;
  {
    absl::MutexLock lock(&mu_);
    if (up_ && !stopping_) {
      pending_[setup.call_id()] = std::move(done);
      ++stats_.setups;
      Enqueue(std::move(message));
      return;
    }
  }
  done(absl::UnavailableError("no stream to routing"));
}

void RoutingLink::Forget(const std::string& call_id) {
  absl::MutexLock lock(&mu_);
  pending_.erase(call_id);
}

void RoutingLink::SendEvent(rpb::CallEvent event) {
  rpb::EdgeMessage message;
  *message.mutable_event() = std::move(event);
  absl::MutexLock lock(&mu_);
  if (!Enqueue(std::move(message))) {
    ++stats_.events_dropped;
    return;
  }
  ++stats_.events_sent;
}

void RoutingLink::OnDecision(rpb::RouteDecision decision) {
  DecisionFn done;
  {
    absl::MutexLock lock(&mu_);
    ++stats_.decisions;
    auto it = pending_.find(decision.call_id());
    if (it == pending_.end()) return;  // too late: its fallback applied
    done = std::move(it->second);
    pending_.erase(it);
  }
  done(std::move(decision));
}

bool RoutingLink::connected() const {
  absl::MutexLock lock(&mu_);
  return stats_.connected;
}

RoutingLinkStats RoutingLink::Stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

}  // namespace sb::edge
