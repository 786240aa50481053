#include "media/playback.h"

#include <algorithm>
#include <cmath>

#include "media/resampler.h"
#include "media/wav.h"

namespace sb::media {
namespace {

size_t ToSamples(absl::Duration d, int rate) {
  return static_cast<size_t>(std::max<int64_t>(0, absl::ToInt64Microseconds(d) * rate / 1000000));
}

absl::Duration FromSamples(size_t n, int rate) {
  return absl::Microseconds(static_cast<int64_t>(n) * 1000000 / rate);
}

}  // namespace

absl::Duration Prompt::duration() const { return FromSamples(samples.size(), kNarrowbandRate); }

absl::StatusOr<std::shared_ptr<const Prompt>> LoadPromptFromWav(std::span<const uint8_t> wav,
                                                                std::string name) {
  absl::StatusOr<WavAudio> audio = ReadWav(wav);
  if (!audio.ok()) return audio.status();
  auto prompt = std::make_shared<Prompt>();
  prompt->name = std::move(name);
  prompt->samples =
      audio->sample_rate == 16000 ? Resampler16kTo8k::Convert(audio->samples) : std::move(audio->samples);
  return std::shared_ptr<const Prompt>(std::move(prompt));
}

std::shared_ptr<const Prompt> MakePrompt(std::string name, std::vector<int16_t> samples) {
  return std::make_shared<const Prompt>(Prompt{std::move(name), std::move(samples)});
}

void PromptPlayer::Enqueue(std::shared_ptr<const Prompt> prompt) {
  if (!prompt || prompt->samples.empty()) return;
  const size_t length = prompt->samples.size();
  queue_.push_back(Item{std::move(prompt), length, 0});
}

void PromptPlayer::EnqueueSilence(absl::Duration duration) {
  const size_t length = ToSamples(duration, kNarrowbandRate);
  if (length > 0) queue_.push_back(Item{nullptr, length, 0});
}

void PromptPlayer::Clear() { queue_.clear(); }

bool PromptPlayer::Read(std::span<int16_t> frame) {
  if (queue_.empty()) {
    std::fill(frame.begin(), frame.end(), 0);
    return false;
  }
  size_t filled = 0;
  while (filled < frame.size() && !queue_.empty()) {
    Item& item = queue_.front();
    const size_t n = std::min(frame.size() - filled, item.length - item.position);
    if (item.prompt) {
      const int16_t* src = item.prompt->samples.data() + item.position;
      std::copy(src, src + n, frame.begin() + static_cast<ptrdiff_t>(filled));
    } else {
      std::fill_n(frame.begin() + static_cast<ptrdiff_t>(filled), n, 0);
    }
    filled += n;
    item.position += n;
    if (item.position == item.length) queue_.pop_front();
  }
  std::fill(frame.begin() + static_cast<ptrdiff_t>(filled), frame.end(), 0);
  return true;
}

absl::Duration PromptPlayer::remaining() const {
  size_t n = 0;
  for (const Item& item : queue_) n += item.length - item.position;
  return FromSamples(n, kNarrowbandRate);
}

Recorder::Recorder(const RecorderConfig& config)
    : config_(config),
      max_samples_(ToSamples(config.max_length, config.sample_rate)),
      silence_samples_limit_(ToSamples(config.silence_timeout, config.sample_rate)) {
  // Full scale (32768) is 0 dBFS; compare mean squares to skip the sqrt.
  const double rms = 32768.0 * std::pow(10.0, config_.silence_threshold_dbfs / 20.0);
  threshold_mean_square_ = rms * rms;
  // Grow in big steps: a vector doubling from empty would copy the message
  // a dozen times over a three-minute recording.
  samples_.reserve(std::min<size_t>(max_samples_, ToSamples(absl::Seconds(30), config.sample_rate)));
}

bool Recorder::IsSilent(std::span<const int16_t> block) const {
  if (block.empty()) return true;
  double energy = 0;
  for (int16_t x : block) energy += static_cast<double>(x) * x;
  return energy / static_cast<double>(block.size()) < threshold_mean_square_;
}

void Recorder::Write(std::span<const int16_t> frame, FrameKind kind) {
  if (state_ != RecorderState::kRecording) return;
  const size_t room = max_samples_ - samples_.size();
  const std::span<const int16_t> take = frame.first(std::min(frame.size(), room));
  samples_.insert(samples_.end(), take.begin(), take.end());

  // Concealed and missing audio is not the caller speaking.
  if (kind == FrameKind::kAudio && !IsSilent(take)) {
    heard_voice_ = true;
    silence_run_ = 0;
  } else {
    silence_run_ += take.size();
  }
  if (silence_samples_limit_ > 0 && silence_run_ >= silence_samples_limit_) {
    state_ = RecorderState::kStoppedSilence;
    const size_t keep = ToSamples(config_.keep_trailing_silence, config_.sample_rate);
    const size_t cut = silence_run_ > keep ? silence_run_ - keep : 0;
    samples_.resize(samples_.size() - std::min(cut, samples_.size()));
    return;
  }
  if (samples_.size() >= max_samples_) state_ = RecorderState::kStoppedMaxLength;
}

void Recorder::Stop() {
  if (state_ == RecorderState::kRecording) state_ = RecorderState::kStopped;
}

absl::Duration Recorder::length() const { return FromSamples(samples_.size(), config_.sample_rate); }

}  // namespace sb::media
