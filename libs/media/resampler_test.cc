#include "media/resampler.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <numbers>
#include <vector>

#include "media/tones.h"

namespace sb::media {
namespace {

std::vector<int16_t> Sine16k(double hz, double amplitude, size_t n) {
  std::vector<int16_t> s(n);
  for (size_t i = 0; i < n; ++i) {
    s[i] = static_cast<int16_t>(std::lround(amplitude * std::sin(2 * std::numbers::pi * hz * i / 16000.0)));
  }
  return s;
}

double Rms(std::span<const int16_t> s) {
  double e = 0;
  for (int16_t x : s) e += static_cast<double>(x) * x;
  return std::sqrt(e / static_cast<double>(s.size()));
}

// Level change in dB of a tone through the converter, measured on the
// steady-state middle (the filter's start-up and tail excluded).
double GainDb(double hz) {
  const std::vector<int16_t> in = Sine16k(hz, 10000, 16000);
  const std::vector<int16_t> out = Resampler16kTo8k::Convert(in);
  REQUIRE(out.size() == 8000);
  const std::span<const int16_t> middle = std::span(out).subspan(1000, 6000);
  const double rms_out = std::max(Rms(middle), 1e-3);
  return 20 * std::log10(rms_out / (10000 / std::sqrt(2.0)));
}

TEST_CASE("Resampler keeps a 1 kHz tone's amplitude") {
  CHECK(std::abs(GainDb(1000)) < 0.1);
  const std::vector<int16_t> out = Resampler16kTo8k::Convert(Sine16k(1000, 10000, 16000));
  // And it is still 1 kHz: Goertzel at 8 kHz sees the full amplitude there.
  CHECK(ToneAmplitude(std::span(out).subspan(1000, 4000), 1000) == Approx(10000).epsilon(0.01));
}

TEST_CASE("Resampler passband is flat across the telephone band") {
  for (double hz : {300.0, 1000.0, 2000.0, 3000.0, 3400.0}) {
    INFO(hz << " Hz");
    CHECK(std::abs(GainDb(hz)) < 0.5);
  }
}

TEST_CASE("Resampler stops everything above 4 kHz by at least 40 dB") {
  // 6 kHz would alias to 2 kHz, right in the middle of speech.
  CHECK(GainDb(6000) <= -40);
  for (double hz : {4000.0, 4200.0, 5000.0, 7000.0, 7900.0}) {
    INFO(hz << " Hz");
    CHECK(GainDb(hz) <= -40);
  }
}

TEST_CASE("Resampler filter is symmetric (linear phase) with unity DC gain") {
  Resampler16kTo8k r;
  const std::span<const float> taps = r.taps();
  REQUIRE(taps.size() == 2 * Resampler16kTo8k::kHalfLength + 1);
  double sum = 0;
  for (size_t i = 0; i < taps.size(); ++i) {
    CHECK(taps[i] == taps[taps.size() - 1 - i]);
    sum += taps[i];
  }
  CHECK(sum == Approx(1.0).epsilon(1e-5));
}

TEST_CASE("Resampler streamed in chunks equals one-shot") {
  std::vector<int16_t> in = Sine16k(440, 8000, 9001);
  for (size_t i = 0; i < in.size(); i += 3)
    in[i] = static_cast<int16_t>(in[i] + (i % 7) * 100);  // not a pure tone
  Resampler16kTo8k whole;
  std::vector<int16_t> expected;
  whole.Process(in, &expected);
  for (size_t chunk : {1, 2, 3, 160, 319, 320, 1000}) {
    INFO("chunk " << chunk);
    Resampler16kTo8k r;
    std::vector<int16_t> got;
    for (size_t i = 0; i < in.size(); i += chunk) {
      r.Process(std::span(in).subspan(i, std::min(chunk, in.size() - i)), &got);
    }
    CHECK(got == expected);
  }
  CHECK(expected.size() == (in.size() + 1) / 2);
}

TEST_CASE("Convert aligns output with input and keeps the length") {
  // An impulse at input 200 comes out centred on output 100.
  std::vector<int16_t> in(400, 0);
  in[200] = 20000;
  const std::vector<int16_t> out = Resampler16kTo8k::Convert(in);
  REQUIRE(out.size() == 200);
  const auto peak = std::max_element(out.begin(), out.end());
  CHECK(peak - out.begin() == 100);
  CHECK(Resampler16kTo8k::Convert(std::vector<int16_t>(5, 1)).size() == 3);
  CHECK(Resampler16kTo8k::Convert({}).empty());
}

TEST_CASE("Resampler equals a direct-form FIR and saturates instead of wrapping") {
  // A full-scale square wave overshoots through a low-pass (Gibbs): the
  // filtered peaks exceed 16 bits and must clip, not wrap to the other sign.
  std::vector<int16_t> in(2000);
  for (size_t i = 0; i < in.size(); ++i) in[i] = (i / 20) % 2 ? 32767 : -32768;
  const std::vector<int16_t> out = Resampler16kTo8k::Convert(in);
  Resampler16kTo8k r;
  const std::span<const float> h = r.taps();
  const int half = Resampler16kTo8k::kHalfLength;
  int clipped = 0;
  for (size_t m = 0; m < out.size(); ++m) {
    // y[m] = sum_k h[k] x[2m + half - k], zero outside the input.
    double y = 0;
    for (int k = 0; k < static_cast<int>(h.size()); ++k) {
      const int64_t n = static_cast<int64_t>(2 * m) + half - k;
      if (n >= 0 && n < static_cast<int64_t>(in.size()))
        y += h[static_cast<size_t>(k)] * in[static_cast<size_t>(n)];
    }
    if (y > 32767 || y < -32768) ++clipped;
    const double expected = std::clamp(std::round(y), -32768.0, 32767.0);
    INFO("output " << m << " direct form " << y);
    REQUIRE(std::abs(out[m] - expected) <= 1);
  }
  CHECK(clipped > 50);  // the case was exercised
}

}  // namespace
}  // namespace sb::media
