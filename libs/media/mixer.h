#pragma once
// N-party mixing for conferences: each participant hears everyone but
// themselves, and the recording hears everyone.
//
// Sums are formed in 32 bits and saturated once at the end, so loud
// participants clip instead of wrapping around into noise. The "everyone but
// me" frames are computed as (sum of all) - (mine), which is exact in 32 bits
// and keeps the cost O(N) per sample instead of O(N^2).
#include <cstdint>
#include <span>
#include <vector>

namespace sb::media {

class Mixer {
 public:
  // Frames of `frame_samples` samples.
  explicit Mixer(size_t frame_samples = 160);

  // inputs[i] is participant i's frame; an empty span means silent (muted,
  // or nothing received). outputs[i] receives everyone except i; an empty
  // output span is skipped (a listen-only slot costs nothing). Spans that
  // are non-empty must be frame_samples long. `inputs` and `outputs` must
  // have the same size; returns false (mixing nothing) otherwise.
  bool MixMinusOne(std::span<const std::span<const int16_t>> inputs,
                   std::span<const std::span<int16_t>> outputs);

  // Everyone, saturated: what the conference recording hears.
  void MixAll(std::span<const std::span<const int16_t>> inputs, std::span<int16_t> out);

  size_t frame_samples() const { return frame_samples_; }

 private:
  void Sum(std::span<const std::span<const int16_t>> inputs);

  size_t frame_samples_;
  std::vector<int32_t> sum_;
};

// Saturating conversion to a 16-bit sample.
inline int16_t SaturateSample(int32_t v) {
  return static_cast<int16_t>(v > 32767 ? 32767 : (v < -32768 ? -32768 : v));
}

}  // namespace sb::media
