#include "media/mixer.h"

#include <algorithm>

namespace sb::media {

Mixer::Mixer(size_t frame_samples) : frame_samples_(frame_samples), sum_(frame_samples, 0) {}

void Mixer::Sum(std::span<const std::span<const int16_t>> inputs) {
  std::fill(sum_.begin(), sum_.end(), 0);
  for (std::span<const int16_t> in : inputs) {
    const size_t n = std::min(in.size(), frame_samples_);
    for (size_t k = 0; k < n; ++k) sum_[k] += in[k];
  }
}

bool Mixer::MixMinusOne(std::span<const std::span<const int16_t>> inputs,
                        std::span<const std::span<int16_t>> outputs) {
  if (inputs.size() != outputs.size()) return false;
  Sum(inputs);
  for (size_t i = 0; i < outputs.size(); ++i) {
    std::span<int16_t> out = outputs[i];
    const std::span<const int16_t> own = inputs[i];
    const size_t n = std::min(out.size(), frame_samples_);
    for (size_t k = 0; k < n; ++k) {
      const int32_t mine = k < own.size() ? own[k] : 0;
      out[k] = SaturateSample(sum_[k] - mine);
    }
  }
  return true;
}

void Mixer::MixAll(std::span<const std::span<const int16_t>> inputs, std::span<int16_t> out) {
  Sum(inputs);
  const size_t n = std::min(out.size(), frame_samples_);
  for (size_t k = 0; k < n; ++k) out[k] = SaturateSample(sum_[k]);
}

}  // namespace sb::media
