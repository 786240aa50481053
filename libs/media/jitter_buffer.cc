#include "media/jitter_buffer.h"

#include <algorithm>
#include <cstdlib>

namespace sb::media {
namespace {

// A calm period (no late packet) after which the adaptive target may shrink.
constexpr int kCalmFrames = 250;  // 5 s of 20 ms frames
// A frame whose peak is below this may be dropped unnoticed to cut delay.
constexpr int kQuietPeak = 500;
// Drop a frame anyway if no quiet one came along for this long.
constexpr int kMaxShrinkWait = 50;

size_t NextPowerOfTwo(size_t n) {
  size_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

}  // namespace

JitterBuffer::JitterBuffer(const JitterBufferConfig& config) : config_(config) {
  config_.clock_rate = std::max(config_.clock_rate, 1);
  config_.frame_samples = std::max(config_.frame_samples, 1);
  frame_ = config_.frame_samples;
  min_target_ = std::max<int64_t>(Samples(config_.min_delay), frame_);
  max_target_ = std::max(Samples(config_.max_delay), min_target_);
  target_ = std::clamp(Samples(config_.initial_delay), min_target_, max_target_);
  // Fixed mode: the configured delay, whatever the adaptive bounds say.
  if (!config_.adaptive)
    min_target_ = max_target_ = target_ = std::max(Samples(config_.initial_delay), frame_);
  const size_t capacity =
      NextPowerOfTwo(static_cast<size_t>(2 * max_target_ + Samples(config_.pause_after) + 8 * frame_));
  mask_ = capacity - 1;
  ring_.assign(capacity, 0);
  present_.assign(capacity, 0);
  previous_frame_.assign(static_cast<size_t>(frame_), 0);
  scratch_.reserve(capacity / 4);
}

int64_t JitterBuffer::Samples(absl::Duration d) const {
  return absl::ToInt64Microseconds(d) * config_.clock_rate / 1000000;
}

void JitterBuffer::Clear() {
  std::fill(present_.begin(), present_.end(), 0);
  playing_ = false;
  stretch_frames_ = 0;
  shrink_pending_ = false;
  concealed_run_ = 0;
}

void JitterBuffer::Restart(int64_t ts) {
  Clear();
  have_base_ = true;
  next_ts_ = ts;
  highest_end_ = ts;
  floor_ts_ = ts;
  has_floor_ = true;
  ++stats_.resyncs;
}

void JitterBuffer::Reset() {
  Clear();
  unwrapper_.Reset();
  have_base_ = false;
  has_floor_ = false;
  std::fill(previous_frame_.begin(), previous_frame_.end(), 0);
}

PushResult JitterBuffer::PushG711(uint32_t timestamp, G711Law law, std::span<const uint8_t> payload) {
  if (payload.size() > ring_.size() / 4) {
    ++stats_.rejected;
    return PushResult::kRejected;
  }
  scratch_.resize(payload.size());
  Decode(law, payload, scratch_);
  return Push(timestamp, scratch_);
}

PushResult JitterBuffer::Push(uint32_t timestamp, std::span<const int16_t> samples) {
  // A packet longer than a quarter of the ring cannot be placed safely (and
  // no telephony sender produces one).
  if (samples.empty() || samples.size() > ring_.size() / 4) {
    ++stats_.rejected;
    return PushResult::kRejected;
  }
  const int64_t horizon = static_cast<int64_t>(ring_.size()) - frame_;
  const int64_t ts = unwrapper_.Unwrap(timestamp);
  const int64_t end = ts + static_cast<int64_t>(samples.size());
  PushResult result = PushResult::kAccepted;

  if (has_floor_ && end <= floor_ts_) {
    if (floor_ts_ - ts <= horizon) {
      ++stats_.too_late;
      if (config_.adaptive && playing_) {
        // Late audio means the delay was too small: grow it, and make room
        // now by stretching playout with one concealed frame.
        if (target_ < max_target_) {
          target_ = std::min(target_ + frame_, max_target_);
          stretch_frames_ = std::min(stretch_frames_ + 1, 2);
        }
        frames_since_late_ = 0;
        min_level_in_window_ = INT64_MAX;
        shrink_pending_ = false;
      }
      return PushResult::kTooLate;
    }
    // Far behind what was played: the sender restarted its timestamps.
    Restart(ts);
    result = PushResult::kResync;
  } else if (!have_base_) {
    have_base_ = true;
    next_ts_ = ts;
    highest_end_ = ts;
  } else if (!playing_) {
    if (highest_end_ <= next_ts_) {
      // Nothing buffered (start, or after a pause): this packet sets the base.
      next_ts_ = has_floor_ ? std::max(ts, floor_ts_) : ts;
      highest_end_ = std::max(highest_end_, next_ts_);
    } else if (ts < next_ts_) {
      // Reordered ahead of the first packet while buffering: start earlier.
      const int64_t start = has_floor_ ? std::max(ts, floor_ts_) : ts;
      if (highest_end_ - start <= horizon) next_ts_ = start;
    }
  }
  if (end - next_ts_ > horizon) {
    // Too far ahead to fit: a timestamp jump (DTX gap, new talk spurt after a
    // long pause, a restarted sender). Start over from this packet.
    Restart(ts);
    result = PushResult::kResync;
  }

  const int64_t from = has_floor_ ? std::max(ts, floor_ts_) : ts;
  int64_t fresh = 0;
  for (int64_t t = from; t < end; ++t) {
    const size_t i = Index(t);
    if (!present_[i]) {
      ring_[i] = samples[static_cast<size_t>(t - ts)];
      present_[i] = 1;
      ++fresh;
    }
  }
  if (fresh == 0 && result == PushResult::kAccepted) {
    ++stats_.duplicates;
    return PushResult::kDuplicate;
  }
  highest_end_ = std::max(highest_end_, end);
  ++stats_.accepted;
  if (!playing_ && highest_end_ - next_ts_ >= target_) playing_ = true;
  return result;
}

void JitterBuffer::ConcealInto(std::span<int16_t> out, size_t from, size_t to) {
  if (config_.concealment == Concealment::kRepeatPrevious && concealed_run_ < config_.max_concealed_frames) {
    // Linear fade across the allowed repeats: 3 repeats play at 3/4, 2/4, 1/4.
    const int steps = config_.max_concealed_frames + 1;
    const int gain = steps - 1 - concealed_run_;
    for (size_t i = from; i < to; ++i) out[i] = static_cast<int16_t>(previous_frame_[i] * gain / steps);
  } else {
    std::fill(out.begin() + from, out.begin() + to, 0);
  }
}

FrameKind JitterBuffer::Pop(std::span<int16_t> frame) {
  const size_t n = std::min(frame.size(), static_cast<size_t>(frame_));
  if (!playing_) {
    std::fill(frame.begin(), frame.end(), 0);
    ++stats_.frames_silence;
    return FrameKind::kSilence;
  }
  if (stretch_frames_ > 0) {
    // Insert a frame without advancing: the buffered audio waits one frame.
    --stretch_frames_;
    ConcealInto(frame, 0, n);
    ++concealed_run_;
    ++stats_.frames_concealed;
    return FrameKind::kConcealed;
  }

  size_t present = 0;
  for (size_t k = 0; k < n; ++k) {
    const size_t i = Index(next_ts_ + static_cast<int64_t>(k));
    if (present_[i]) {
      frame[k] = ring_[i];
      ++present;
    }
  }
  if (present < n) {
    // Conceal sample runs that are missing; keep the ones we have.
    for (size_t k = 0; k < n;) {
      if (present_[Index(next_ts_ + static_cast<int64_t>(k))]) {
        ++k;
        continue;
      }
      size_t j = k;
      while (j < n && !present_[Index(next_ts_ + static_cast<int64_t>(j))]) ++j;
      ConcealInto(frame, k, j);
      k = j;
    }
  }
  for (size_t k = 0; k < n; ++k) {
    const size_t i = Index(next_ts_ + static_cast<int64_t>(k));
    present_[i] = 0;
  }
  std::fill(frame.begin() + n, frame.end(), 0);
  next_ts_ += frame_;
  floor_ts_ = next_ts_;
  has_floor_ = true;

  FrameKind kind;
  if (present == n) {
    kind = FrameKind::kAudio;
    concealed_run_ = 0;
    ++stats_.frames_audio;
  } else {
    kind = FrameKind::kConcealed;
    ++concealed_run_;
    ++stats_.frames_concealed;
  }
  if (present > 0) std::copy(frame.begin(), frame.begin() + n, previous_frame_.begin());

  if (next_ts_ >= highest_end_ + Samples(config_.pause_after)) {
    // The sender went quiet (DTX, hold, end of call): stop concealing and
    // buffer again when it resumes, at whatever timestamp it resumes.
    playing_ = false;
    stretch_frames_ = 0;
    return kind;
  }
  AdaptAfterPop();
  return kind;
}

void JitterBuffer::AdaptAfterPop() {
  if (!config_.adaptive) return;
  const int64_t level = std::max<int64_t>(0, highest_end_ - next_ts_);
  min_level_in_window_ = std::min(min_level_in_window_, level);
  if (++frames_since_late_ >= kCalmFrames) {
    // A calm period: lower the target a step, and if even the lowest level of
    // the period stayed above it, plan to drop a frame to actually cut delay.
    target_ = std::max(target_ - frame_, min_target_);
    if (min_level_in_window_ > target_ + frame_) {
      shrink_pending_ = true;
      shrink_wait_ = 0;
    }
    frames_since_late_ = 0;
    min_level_in_window_ = INT64_MAX;
  }
  if (!shrink_pending_) return;
  // Drop the upcoming frame if it is quiet (or we waited long enough), so
  // the cut is least audible.
  int peak = 0;
  bool complete = true;
  for (int64_t k = 0; k < frame_; ++k) {
    const size_t i = Index(next_ts_ + k);
    if (!present_[i]) {
      complete = false;
      break;
    }
    peak = std::max(peak, std::abs(int{ring_[i]}));
  }
  if (!complete) return;  // never drop what is not there yet
  if (peak >= kQuietPeak && ++shrink_wait_ < kMaxShrinkWait) return;
  for (int64_t k = 0; k < frame_; ++k) present_[Index(next_ts_ + k)] = 0;
  next_ts_ += frame_;
  floor_ts_ = next_ts_;
  ++stats_.frames_dropped;
  shrink_pending_ = false;
}

JitterBufferStats JitterBuffer::stats() const {
  JitterBufferStats s = stats_;
  const int64_t level = have_base_ ? std::max<int64_t>(0, highest_end_ - next_ts_) : 0;
  s.buffered = absl::Microseconds(level * 1000000 / config_.clock_rate);
  s.target_delay = absl::Microseconds(target_ * 1000000 / config_.clock_rate);
  return s;
}

}  // namespace sb::media
