#include "media/media_engine.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace sb::media {
namespace {

// epoll user data: session id << 1 | (1 for the RTCP socket); 0 is the eventfd.
constexpr uint64_t kWakeupKey = 0;
constexpr int kMaxEvents = 256;
// Larger than any RTP we accept (G.711 at 20-60 ms is < 500 bytes); anything
// bigger arrives truncated and is dropped.
constexpr size_t kReceiveBuffer = 2048;
constexpr uint32_t kFramePhases = 20;  // 1 ms phases in a 20 ms frame

absl::Status AddToEpoll(int epoll, int fd, uint64_t key) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = key;
  if (::epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &ev) != 0) {
    return absl::InternalError(absl::StrCat("epoll_ctl: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<MediaEngine>> MediaEngine::Create(MediaEngineConfig config) {
  if (!Endpoint::Parse(config.bind_address, 0).ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("media bind address must be a numeric IP: '", config.bind_address, "'"));
  }
  UniqueFd epoll(::epoll_create1(EPOLL_CLOEXEC));
  if (!epoll) return absl::InternalError(absl::StrCat("epoll_create1: ", std::strerror(errno)));
  UniqueFd wakeup(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!wakeup) return absl::InternalError(absl::StrCat("eventfd: ", std::strerror(errno)));
  if (absl::Status s = AddToEpoll(epoll.get(), wakeup.get(), kWakeupKey); !s.ok()) return s;
  const absl::Time now = config.clock();
  return std::unique_ptr<MediaEngine>(
      new MediaEngine(std::move(config), std::move(epoll), std::move(wakeup), now));
}

MediaEngine::MediaEngine(MediaEngineConfig config, UniqueFd epoll, UniqueFd wakeup, absl::Time now)
    : config_(std::move(config)),
      epoll_(std::move(epoll)),
      wakeup_(std::move(wakeup)),
      wheel_(now),
      receive_buffer_(kReceiveBuffer),
      events_(kMaxEvents) {
  // Start the port search at a random place: after a restart the previous
  // process's ports may still receive stray media.
  port_cursor_ = absl::Uniform<uint32_t>(random_);
}

MediaEngine::~MediaEngine() {
  const absl::Time now = Now();
  for (auto& [id, slot] : sessions_) slot.session->SendBye(now);
}

absl::StatusOr<RtpSession*> MediaEngine::CreateSession(RtpSessionConfig config,
                                                       RtpSessionCallbacks callbacks) {
  if (sessions_.size() >= config_.max_sessions) {
    return absl::ResourceExhaustedError(
        absl::StrCat("media engine is full (", config_.max_sessions, " sessions)"));
  }
  absl::StatusOr<RtpSocketPair> sockets =
      BindRtpPair(config_.bind_address, config_.port_min, config_.port_max, &port_cursor_);
  if (!sockets.ok()) return sockets.status();
  const uint64_t id = next_id_++;
  const int rtp_fd = sockets->rtp.get();
  const int rtcp_fd = sockets->rtcp.get();
  if (absl::Status s = AddToEpoll(epoll_.get(), rtp_fd, id << 1); !s.ok()) return s;
  if (absl::Status s = AddToEpoll(epoll_.get(), rtcp_fd, (id << 1) | 1); !s.ok()) {
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, rtp_fd, nullptr);
    return s;
  }
  const absl::Time now = Now();
  // Stagger frame ticks over the 20 ms period, one millisecond slot after
  // another: sessions created together (a burst of calls, a restart) would
  // otherwise all tick in the same millisecond, and that burst of work would
  // delay the socket reads queued behind it.
  const absl::Time first_frame = now + absl::Milliseconds(next_phase_++ % kFramePhases);
  Slot& slot = sessions_[id];
  slot.session.reset(new RtpSession(id, std::move(*sockets), std::move(config), std::move(callbacks), random_,
                                    now, first_frame));
  Schedule(id, slot, first_frame);
  return slot.session.get();
}

void MediaEngine::DestroySession(uint64_t id) {
  auto it = sessions_.find(id);
  if (it == sessions_.end() || it->second.closing) return;
  it->second.closing = true;
  to_close_.push_back(id);
}

RtpSession* MediaEngine::FindSession(uint64_t id) {
  auto it = sessions_.find(id);
  return it == sessions_.end() || it->second.closing ? nullptr : it->second.session.get();
}

void MediaEngine::Schedule(uint64_t id, Slot& slot, absl::Time due) {
  wheel_.Schedule(due, id, ++slot.timer_generation);
}

void MediaEngine::ReapClosed(absl::Time now) {
  for (uint64_t id : to_close_) {
    auto it = sessions_.find(id);
    if (it == sessions_.end()) continue;
    RtpSession& session = *it->second.session;
    session.SendBye(now);
    // Closing the fds removes them from the epoll set; events already
    // fetched for them are filtered by the id lookup.
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, session.sockets_.rtp.get(), nullptr);
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, session.sockets_.rtcp.get(), nullptr);
    sessions_.erase(it);  // stale wheel entries are ignored by generation
  }
  to_close_.clear();
}

void MediaEngine::Wake() {
  const uint64_t one = 1;
  // A full counter (never in practice) still leaves the fd readable.
  [[maybe_unused]] ssize_t n = ::write(wakeup_.get(), &one, sizeof(one));
}

void MediaEngine::Stop() {
  stop_.store(true);
  Wake();
}

void MediaEngine::Post(std::function<void()> task) {
  {
    absl::MutexLock lock(&mu_);
    posted_.push_back(std::move(task));
  }
  Wake();
}

void MediaEngine::RunPosted() {
  uint64_t count;
  [[maybe_unused]] ssize_t n = ::read(wakeup_.get(), &count, sizeof(count));
  std::vector<std::function<void()>> tasks;
  {
    absl::MutexLock lock(&mu_);
    tasks.swap(posted_);
  }
  for (auto& task : tasks) task();
}

absl::Status MediaEngine::RunOnce(absl::Duration max_wait) {
  absl::Time now = Now();
  absl::Duration wait = max_wait;
  if (std::optional<absl::Time> due = wheel_.NextDue()) wait = std::min(wait, *due - now);
  // epoll has millisecond resolution: round up so we do not wake early and spin.
  const int timeout_ms =
      wait <= absl::ZeroDuration() ? 0 : static_cast<int>(std::ceil(absl::ToDoubleMilliseconds(wait)));
  const int n = ::epoll_wait(epoll_.get(), events_.data(), static_cast<int>(events_.size()), timeout_ms);
  if (n < 0 && errno != EINTR) return absl::InternalError(absl::StrCat("epoll_wait: ", std::strerror(errno)));

  now = Now();
  for (int i = 0; i < n; ++i) {
    const uint64_t key = events_[i].data.u64;
    if (key == kWakeupKey) {
      RunPosted();
      continue;
    }
    auto it = sessions_.find(key >> 1);
    if (it == sessions_.end() || it->second.closing) continue;
    it->second.session->OnReadable((key & 1) != 0, now, receive_buffer_);
  }

  now = Now();
  wheel_.Advance(now, [&](uint64_t id, uint64_t generation) {
    auto it = sessions_.find(id);
    if (it == sessions_.end() || it->second.closing || it->second.timer_generation != generation) return;
    const absl::Time next = it->second.session->OnTimer(now);
    // The session may have been destroyed by its own callback (deferred), or
    // new sessions created (rehash): look it up again.
    auto again = sessions_.find(id);
    if (again != sessions_.end() && !again->second.closing) Schedule(id, again->second, next);
  });
  ReapClosed(now);
  return absl::OkStatus();
}

absl::Status MediaEngine::Run() {
  while (!stop_.load()) {
    if (absl::Status s = RunOnce(absl::Milliseconds(100)); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace sb::media
