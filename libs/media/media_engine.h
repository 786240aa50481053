#pragma once
// MediaEngine: one thread driving many RTP sessions.
//
// The voicemail target is 500+ simultaneous calls on 2 cores, so there is no
// thread per call. An engine owns an epoll set (both sockets of every
// session, plus an eventfd for wake-ups) and a timer wheel holding each
// session's next deadline (its next 20 ms frame, a DTMF update, an RTCP
// report). One loop iteration — RunOnce — waits for the earlier of "a socket
// is readable" and "the next deadline", reads what arrived, then runs the
// sessions whose deadline passed. A session's work per frame is a few
// microseconds (see media_bench), so one engine carries hundreds of calls;
// a service runs one engine per core and spreads calls across them. New
// sessions' frame ticks are staggered over 20 one-millisecond phases, so the
// work is spread evenly instead of arriving as one burst every 20 ms that
// would delay the socket reads queued behind it. Reads are handled before
// timers in each iteration, so a frame tick always sees what has arrived.
//
// Threading: everything except Post and Stop must be called on the engine's
// thread (the one calling Run/RunOnce), and session callbacks run there.
// Other threads (SIP stack, gRPC) hand work over with Post. Before Run starts,
// the constructing thread may use the engine directly.
//
// Time comes from the configured clock, so that pacing follows it; tests may
// substitute one that advances with real time at a different origin.
#include <sys/epoll.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "media/rtp_session.h"
#include "media/timer_wheel.h"
#include "media/udp.h"

namespace sb::media {

struct MediaEngineConfig {
  std::string bind_address = "127.0.0.1";  // "0.0.0.0" to take media from anywhere
  uint16_t port_min = 16384;
  uint16_t port_max = 32767;
  size_t max_sessions = 2000;
  std::function<absl::Time()> clock = [] { return absl::Now(); };
};

class MediaEngine {
 public:
  static absl::StatusOr<std::unique_ptr<MediaEngine>> Create(MediaEngineConfig config);
  ~MediaEngine();  // sends BYE on and closes every session

  MediaEngine(const MediaEngine&) = delete;
  MediaEngine& operator=(const MediaEngine&) = delete;

  // Binds a port pair and starts the session's frame clock. The pointer
  // stays valid until DestroySession (or the engine's destruction).
  // RESOURCE_EXHAUSTED: no free ports, or max_sessions reached.
  absl::StatusOr<RtpSession*> CreateSession(RtpSessionConfig config, RtpSessionCallbacks callbacks = {});
  // Sends BYE and closes the session at the end of the current iteration,
  // so it is safe from inside the session's own callbacks. Unknown ids are
  // ignored.
  void DestroySession(uint64_t id);
  RtpSession* FindSession(uint64_t id);
  size_t session_count() const { return sessions_.size(); }

  // One iteration: waits at most `max_wait` for I/O or the next deadline,
  // then handles what is ready. Returns an error only if epoll fails.
  absl::Status RunOnce(absl::Duration max_wait);
  // Loops until Stop().
  absl::Status Run();

  // Thread-safe.
  void Stop();
  void Post(std::function<void()> task);

  absl::Time Now() const { return config_.clock(); }

 private:
  struct Slot {
    std::unique_ptr<RtpSession> session;
    uint64_t timer_generation = 0;
    bool closing = false;
  };

  MediaEngine(MediaEngineConfig config, UniqueFd epoll, UniqueFd wakeup, absl::Time now);
  void Wake();
  void RunPosted();
  void Schedule(uint64_t id, Slot& slot, absl::Time due);
  void ReapClosed(absl::Time now);

  MediaEngineConfig config_;
  UniqueFd epoll_;
  UniqueFd wakeup_;  // eventfd
  TimerWheel wheel_;
  absl::BitGen random_;
  uint32_t port_cursor_;
  uint32_t next_phase_ = 0;
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, Slot> sessions_;
  std::vector<uint64_t> to_close_;
  std::vector<uint8_t> receive_buffer_;
  std::vector<epoll_event> events_;
  std::atomic<bool> stop_{false};

  absl::Mutex mu_;
  std::vector<std::function<void()>> posted_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sb::media
