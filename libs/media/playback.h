#pragma once
// Prompt playback and message recording at 8 kHz.
//
// PromptPlayer turns a queue of prompts into 20 ms frames, so phrases are
// assembled from pieces ("you have" + "3" + "new messages") without gaps or
// clicks between them. Prompts are immutable and shared: the same "you have"
// serves every call at once.
//
// Recorder accumulates what the caller says, and stops by itself on a long
// silence or at the maximum length.
//
// Neither is thread-safe; both live on the media engine's thread.
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "media/audio.h"

namespace sb::media {

struct Prompt {
  std::string name;              // for logs: "greeting", "digits/3"
  std::vector<int16_t> samples;  // 8 kHz mono
  absl::Duration duration() const;
};

// A prompt from 8 or 16 kHz mono WAV (PCM, A-law, µ-law): 16 kHz is
// resampled to 8 kHz. Errors are ReadWav's.
absl::StatusOr<std::shared_ptr<const Prompt>> LoadPromptFromWav(std::span<const uint8_t> wav,
                                                                std::string name);
// A prompt from samples already at 8 kHz.
std::shared_ptr<const Prompt> MakePrompt(std::string name, std::vector<int16_t> samples);

class PromptPlayer : public AudioSource {
 public:
  void Enqueue(std::shared_ptr<const Prompt> prompt);
  void EnqueueSilence(absl::Duration duration);
  // Drops everything queued (a key press interrupting a menu).
  void Clear();

  // Fills the frame from the queue, crossing prompt boundaries within a
  // frame; false once the queue was already empty.
  bool Read(std::span<int16_t> frame) override;

  bool idle() const { return queue_.empty(); }
  absl::Duration remaining() const;

 private:
  struct Item {
    std::shared_ptr<const Prompt> prompt;  // null: silence
    size_t length = 0;                     // samples
    size_t position = 0;
  };
  std::deque<Item> queue_;
};

struct RecorderConfig {
  int sample_rate = kNarrowbandRate;
  absl::Duration max_length = absl::Minutes(3);
  // Stop after this much uninterrupted silence...
  absl::Duration silence_timeout = absl::Seconds(5);
  // ...where a 20 ms block is silent when its RMS level is below this
  // (dBFS, relative to a full-scale square wave). Line noise is around
  // -60 dBFS, speech -35 to -15.
  double silence_threshold_dbfs = -45;
  // On a silence stop, cut the silence off the end, keeping this much.
  absl::Duration keep_trailing_silence = absl::Milliseconds(500);
};

enum class RecorderState { kRecording, kStoppedSilence, kStoppedMaxLength, kStopped };

class Recorder : public AudioSink {
 public:
  explicit Recorder(const RecorderConfig& config = {});

  // Frames written after a stop are ignored.
  void Write(std::span<const int16_t> frame, FrameKind kind) override;
  void Stop();

  RecorderState state() const { return state_; }
  // Whether anything louder than the silence threshold was heard: a message
  // of pure silence is usually not worth keeping.
  bool heard_voice() const { return heard_voice_; }
  absl::Duration length() const;
  std::span<const int16_t> samples() const { return samples_; }
  std::vector<int16_t> TakeSamples() { return std::move(samples_); }

 private:
  bool IsSilent(std::span<const int16_t> block) const;

  RecorderConfig config_;
  size_t max_samples_;
  size_t silence_samples_limit_;
  double threshold_mean_square_;
  std::vector<int16_t> samples_;
  size_t silence_run_ = 0;  // samples of the current silent stretch
  bool heard_voice_ = false;
  RecorderState state_ = RecorderState::kRecording;
};

}  // namespace sb::media
