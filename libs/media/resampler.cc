#include "media/resampler.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace sb::media {
namespace {

constexpr double kInputRate = 16000;
constexpr double kCutoffHz = 3700;  // midway through the 3.4-4.0 kHz transition band
constexpr double kStopbandDb = 60;  // Kaiser's design target

// Zeroth-order modified Bessel function of the first kind (power series);
// converges quickly for the beta values a window uses.
double BesselI0(double x) {
  double sum = 1, term = 1;
  for (int k = 1; k < 50; ++k) {
    term *= (x / (2 * k)) * (x / (2 * k));
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}

std::vector<float> DesignTaps(int half_length) {
  const int taps = 2 * half_length + 1;
  // Kaiser's formula for beta at >50 dB attenuation.
  const double beta = 0.1102 * (kStopbandDb - 8.7);
  const double fc = kCutoffHz / kInputRate;  // cycles per sample
  std::vector<double> h(taps);
  double sum = 0;
  for (int n = 0; n < taps; ++n) {
    const int m = n - half_length;
    const double sinc = m == 0 ? 2 * fc : std::sin(2 * std::numbers::pi * fc * m) / (std::numbers::pi * m);
    const double r = static_cast<double>(m) / half_length;
    const double window = BesselI0(beta * std::sqrt(std::max(0.0, 1 - r * r))) / BesselI0(beta);
    h[n] = sinc * window;
    sum += h[n];
  }
  // Unity gain at DC, so a tone in the passband keeps its level.
  std::vector<float> out(taps);
  for (int n = 0; n < taps; ++n) out[n] = static_cast<float>(h[n] / sum);
  return out;
}

int16_t Saturate(float v) {
  const float r = std::nearbyint(v);
  return static_cast<int16_t>(std::clamp(r, -32768.0f, 32767.0f));
}

}  // namespace

Resampler16kTo8k::Resampler16kTo8k() : taps_(DesignTaps(kHalfLength)), history_(2 * kTaps, 0.0f) {}

void Resampler16kTo8k::Reset() {
  std::fill(history_.begin(), history_.end(), 0.0f);
  pos_ = 0;
  count_ = 0;
}

void Resampler16kTo8k::Process(std::span<const int16_t> in, std::vector<int16_t>* out) {
  out->reserve(out->size() + in.size() / 2 + 1);
  for (int16_t sample : in) {
    pos_ = pos_ + 1 == kTaps ? 0 : pos_ + 1;
    history_[pos_] = history_[pos_ + kTaps] = sample;
    // Output at even input indices: with an even half length the filter's
    // centre then falls on an input sample, which is what Convert aligns to.
    if (count_++ % 2 != 0) continue;
    // history_[pos_ + 1 .. pos_ + kTaps] runs oldest to newest; the filter is
    // symmetric, so the tap order does not matter.
    const float* x = &history_[pos_ + 1];
    float acc = 0;
    for (int k = 0; k < kTaps; ++k) acc += taps_[k] * x[k];
    out->push_back(Saturate(acc));
  }
}

void Resampler16kTo8k::Flush(std::vector<int16_t>* out) {
  // Only the outputs whose window still covers real input matter: those at
  // the next kHalfLength input positions.
  const std::vector<int16_t> silence(kHalfLength, 0);
  Process(silence, out);
  Reset();
}

std::vector<int16_t> Resampler16kTo8k::Convert(std::span<const int16_t> in) {
  Resampler16kTo8k r;
  std::vector<int16_t> out;
  r.Process(in, &out);
  r.Flush(&out);
  // The first kDelayOutputSamples outputs are the filter filling up.
  const size_t skip = std::min<size_t>(kDelayOutputSamples, out.size());
  out.erase(out.begin(), out.begin() + static_cast<ptrdiff_t>(skip));
  out.resize((in.size() + 1) / 2);
  return out;
}

}  // namespace sb::media
