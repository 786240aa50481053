#include "services/edge/routing_link.h"

#include <pthread.h>

#include "core/logging.h"
#include "core/principal.h"

namespace sb::edge {

// One CallStream call. Owned by gRPC from StartCall until OnDone, which
// tells the link and deletes it.
class RoutingLink::Stream : public grpc::ClientBidiReactor<rpb::EdgeMessage, rpb::RoutingMessage> {
 public:
  explicit Stream(RoutingLink* link) : link_(link) {
    core::AttachPrincipal(&context_, core::Principal::System());
    link->stub_->async()->CallStream(&context_, this);
    StartRead(&in_);
    StartCall();
  }

  // Any thread.
  void Write(rpb::EdgeMessage message) {
    std::lock_guard<std::mutex> lock(mu_);
    if (done_) return;
    if (writing_) {
      queue_.push_back(std::move(message));
      return;
    }
    writing_ = true;
    out_ = std::move(message);
    StartWrite(&out_);
  }

  void Cancel() { context_.TryCancel(); }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // the stream ends: OnDone follows
    if (in_.has_decision()) link_->OnDecision(std::move(*in_.mutable_decision()));
    StartRead(&in_);
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!ok || queue_.empty()) {
      writing_ = false;
      if (!ok) queue_.clear();
      return;
    }
    out_ = std::move(queue_.front());
    queue_.pop_front();
    grpc::WriteOptions options;
    if (!queue_.empty()) options.set_buffer_hint();  // more to come: one syscall for the burst
    StartWrite(&out_, options);
  }

  void OnDone(const grpc::Status& status) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    link_->OnStreamDone(this, status);
    delete this;
  }

 private:
  RoutingLink* const link_;
  grpc::ClientContext context_;
  rpb::RoutingMessage in_;
  std::mutex mu_;
  bool writing_ = false;
  bool done_ = false;
  rpb::EdgeMessage out_;
  std::deque<rpb::EdgeMessage> queue_;
};

RoutingLink::RoutingLink(std::shared_ptr<grpc::Channel> channel, RoutingLinkConfig config)
    : channel_(std::move(channel)), stub_(rpb::Routing::NewStub(channel_)), config_(config) {}

RoutingLink::~RoutingLink() { Stop(); }

void RoutingLink::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (reconnector_.joinable()) return;
  reconnector_ = std::thread([this] { ReconnectLoop(); });
}

void RoutingLink::Stop() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    stopping_ = true;
    if (stream_ != nullptr) stream_->Cancel();
    cv_.notify_all();
    // The stream's OnDone clears stream_; wait for it so no reactor
    // outlives the link.
    cv_.wait_for(lock, std::chrono::seconds(5), [this] { return stream_done_; });
  }
  if (reconnector_.joinable()) reconnector_.join();
}

void RoutingLink::ReconnectLoop() {
  pthread_setname_np(pthread_self(), "routing-link");
  auto log = core::Logger("routing-link");
  absl::Duration backoff = config_.min_backoff;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    if (!stream_done_) {
      cv_.wait(lock, [this] { return stopping_ || stream_done_; });
      continue;
    }
    // Until the channel is up, setups go to the fallback at once instead
    // of waiting for a stream that can't open.
    lock.unlock();
    const bool up = channel_->WaitForConnected(absl::ToChronoTime(absl::Now() + backoff));
    lock.lock();
    if (stopping_) break;
    if (!up) {
      backoff = std::min(backoff * 2, config_.max_backoff);
      continue;
    }
    stream_done_ = false;
    stats_.connected = true;
    ++stats_.connects;
    const absl::Time started = absl::Now();
    log->info("call stream to routing open (connection {})", stats_.connects);
    stream_ = new Stream(this);
    cv_.wait(lock, [this] { return stopping_ || stream_done_; });
    if (stopping_) break;
    // A stream that lived a while resets the backoff; one that failed at
    // once waits longer each time.
    backoff = absl::Now() - started > absl::Seconds(5) ? config_.min_backoff
                                                       : std::min(backoff * 2, config_.max_backoff);
    cv_.wait_for(lock, absl::ToChronoMilliseconds(backoff), [this] { return stopping_; });
  }
}

void RoutingLink::Decide(const rpb::CallSetup& setup, DecisionFn done) {
  rpb::EdgeMessage message;
  *message.mutable_setup() = setup;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stream_ != nullptr && !stream_done_ && stats_.connected) {
      pending_[setup.call_id()] = std::move(done);
      ++stats_.setups;
      stream_->Write(std::move(message));
      return;
    }
  }
  done(absl::UnavailableError("no stream to routing"));
}

void RoutingLink::Forget(const std::string& call_id) {
  std::lock_guard<std::mutex> lock(mu_);
  pending_.erase(call_id);
}

void RoutingLink::SendEvent(rpb::CallEvent event) {
  rpb::EdgeMessage message;
  *message.mutable_event() = std::move(event);
  std::lock_guard<std::mutex> lock(mu_);
  if (stream_ == nullptr || stream_done_ || !stats_.connected) {
    ++stats_.events_dropped;
    return;
  }
  ++stats_.events_sent;
  stream_->Write(std::move(message));
}

void RoutingLink::OnDecision(rpb::RouteDecision decision) {
  DecisionFn done;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.decisions;
    auto it = pending_.find(decision.call_id());
    if (it == pending_.end()) return;  // too late: its fallback applied
    done = std::move(it->second);
    pending_.erase(it);
  }
  done(std::move(decision));
}

void RoutingLink::OnStreamDone(Stream* stream, const grpc::Status& status) {
  absl::flat_hash_map<std::string, DecisionFn> failed;
  bool was_connected = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stream_ == stream) stream_ = nullptr;
    stream_done_ = true;
    was_connected = stats_.connected;
    stats_.connected = false;
    failed.swap(pending_);
    cv_.notify_all();
  }
  if (was_connected) {
    core::Logger("routing-link")
        ->warn("call stream to routing ended ({}: {}); {} setups pending fail over to the fallback",
               static_cast<int>(status.error_code()), status.error_message(), failed.size());
  }
  for (auto& [call_id, done] : failed) done(absl::UnavailableError("the stream to routing broke"));
}

bool RoutingLink::connected() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_.connected;
}

RoutingLinkStats RoutingLink::Stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

}  // namespace sb::edge
