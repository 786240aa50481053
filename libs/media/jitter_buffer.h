#pragma once
// A jitter buffer for 8 kHz (or any fixed-rate) narrowband audio: packets go
// in as they arrive (out of order, duplicated, late), and one frame at a time
// comes out at the playout clock, with gaps concealed.
//
// Design: a ring of decoded samples addressed by (unwrapped) RTP timestamp,
// with a presence flag per sample. Placing a packet is a copy; reordering is
// free; a duplicate is a packet whose samples are all present already; a late
// packet is one that falls before the playout position. Nothing is allocated
// after construction, which matters at hundreds of calls per core. Packet
// size (10, 20, 30 ms) need not match the output frame size.
//
// Playout starts once `target delay` worth of audio is buffered. Adaptive
// mode grows the target by a frame whenever a packet arrives too late (and
// stretches playout by one concealed frame to make room), and shrinks it again
// after a calm period by dropping one quiet frame, within [min, max].
//
// Not thread-safe: the session that owns it pushes and pops from one thread.
#include <cstdint>
#include <span>
#include <vector>

#include "absl/time/time.h"
#include "media/audio.h"
#include "media/g711.h"
#include "media/rtp.h"

namespace sb::media {

enum class Concealment {
  kSilence,         // missing audio becomes silence
  kRepeatPrevious,  // the previous frame, fading out over a few frames
};

struct JitterBufferConfig {
  int clock_rate = 8000;
  int frame_samples = 160;  // 20 ms at 8 kHz
  absl::Duration initial_delay = absl::Milliseconds(60);
  absl::Duration min_delay = absl::Milliseconds(60);
  absl::Duration max_delay = absl::Milliseconds(300);
  bool adaptive = true;  // false: the delay stays at initial_delay
  Concealment concealment = Concealment::kRepeatPrevious;
  // Repeating a frame longer than this sounds robotic: fade to silence instead.
  int max_concealed_frames = 3;
  // How long playout keeps concealing after the newest audio before it
  // considers the stream paused (DTX, hold) and waits to buffer again.
  absl::Duration pause_after = absl::Milliseconds(200);
};

enum class PushResult { kAccepted, kDuplicate, kTooLate, kResync, kRejected };

struct JitterBufferStats {
  uint64_t accepted = 0;
  uint64_t duplicates = 0;
  uint64_t too_late = 0;
  uint64_t resyncs = 0;   // timestamp jumps that restarted buffering
  uint64_t rejected = 0;  // empty or oversized packets
  uint64_t frames_audio = 0;
  uint64_t frames_concealed = 0;
  uint64_t frames_silence = 0;
  uint64_t frames_dropped = 0;  // discarded to shrink the delay
  absl::Duration buffered;      // audio waiting beyond the playout position
  absl::Duration target_delay;
};

class JitterBuffer {
 public:
  explicit JitterBuffer(const JitterBufferConfig& config = {});

  // A packet of decoded samples whose first sample has RTP timestamp `timestamp`.
  PushResult Push(uint32_t timestamp, std::span<const int16_t> samples);
  // Decodes a G.711 payload (one byte per sample) and pushes it.
  PushResult PushG711(uint32_t timestamp, G711Law law, std::span<const uint8_t> payload);

  // Fills `frame` (frame_samples long; shorter spans are filled as far as
  // they go) with the next frame of playout.
  FrameKind Pop(std::span<int16_t> frame);

  // Forgets everything (a new source); statistics are kept.
  void Reset();

  JitterBufferStats stats() const;
  const JitterBufferConfig& config() const { return config_; }

 private:
  size_t Index(int64_t ts) const { return static_cast<size_t>(ts) & mask_; }
  void Clear();
  void Restart(int64_t ts);
  int64_t Samples(absl::Duration d) const;
  void ConcealInto(std::span<int16_t> out, size_t from, size_t to);
  void AdaptAfterPop();

  JitterBufferConfig config_;
  size_t mask_ = 0;
  int64_t frame_ = 0;
  std::vector<int16_t> ring_;
  std::vector<uint8_t> present_;
  std::vector<int16_t> previous_frame_;
  std::vector<int16_t> scratch_;  // decoded G.711

  TimestampUnwrapper unwrapper_;
  bool have_base_ = false;  // next_ts_ is meaningful
  bool playing_ = false;
  int64_t next_ts_ = 0;   // timestamp of the next sample Pop outputs
  int64_t floor_ts_ = 0;  // samples before this were played (or skipped): late
  bool has_floor_ = false;
  int64_t highest_end_ = 0;  // one past the newest buffered sample
  int concealed_run_ = 0;

  int64_t target_ = 0;  // samples
  int64_t min_target_ = 0;
  int64_t max_target_ = 0;
  int stretch_frames_ = 0;  // concealed frames to insert (delay grows)
  int frames_since_late_ = 0;
  int64_t min_level_in_window_ = INT64_MAX;
  bool shrink_pending_ = false;
  int shrink_wait_ = 0;

  JitterBufferStats stats_;
};

}  // namespace sb::media
