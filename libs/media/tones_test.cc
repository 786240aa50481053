#include "media/tones.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

namespace sb::media {
namespace {

constexpr int k10ms = 80;

// Whether each 10 ms block of `s` carries the tone at `hz` (amplitude above
// a fraction of `expected_amplitude`), as a string of '1'/'0'.
std::string OnOffPattern(const std::vector<int16_t>& s, double hz, double expected_amplitude,
                         int block = 400) {
  std::string pattern;
  for (size_t i = 0; i + block <= s.size(); i += block) {
    const double a = ToneAmplitude(std::span(s).subspan(i, block), hz);
    pattern.push_back(a > expected_amplitude / 2 ? '1' : '0');
  }
  return pattern;
}

TEST_CASE("dBm0 levels") {
  CHECK(DbmToAmplitude(3.14) == Approx(32767));
  CHECK(DbmToAmplitude(-10) == Approx(7220).epsilon(0.01));
  CHECK(DbmToAmplitude(-20) == Approx(DbmToAmplitude(0) / 10).epsilon(1e-9));
}

TEST_CASE("Voicemail beep: 1 kHz at -10 dBm0 for 500 ms, then done") {
  ToneGenerator beep(VoicemailBeep());
  std::vector<int16_t> s(8000);
  CHECK(beep.Read(std::span(s).first(4000)));
  CHECK(beep.finished());
  CHECK_FALSE(beep.Read(std::span(s).subspan(4000)));
  // Steady part: the right frequency at the right level, nothing at 1.4 kHz.
  const std::span<const int16_t> steady = std::span<const int16_t>(s).subspan(400, 3200);
  CHECK(ToneAmplitude(steady, 1000) == Approx(DbmToAmplitude(-10)).epsilon(0.01));
  CHECK(ToneAmplitude(steady, 1400) < 50);
  for (size_t i = 4000; i < s.size(); ++i) REQUIRE(s[i] == 0);
  CHECK(RenderTone(VoicemailBeep(), absl::Seconds(2)).size() == 4000);
}

TEST_CASE("Tone bursts are ramped, not clicked") {
  const std::vector<int16_t> s = RenderTone(VoicemailBeep(), absl::Seconds(1));
  CHECK(std::abs(s.front()) < 100);
  const double amplitude = DbmToAmplitude(-10);
  // 2 ms ramps (16 samples) at both ends of the burst.
  for (size_t i = 0; i < 16; ++i) {
    INFO("sample " << i);
    CHECK(std::abs(s[i]) <= amplitude * static_cast<double>(i + 1) / 16 + 1);
    CHECK(std::abs(s[s.size() - 1 - i]) <= amplitude * static_cast<double>(i + 1) / 16 + 1);
  }
  // Full level in between.
  CHECK(*std::max_element(s.begin(), s.end()) > amplitude * 0.99);
}

TEST_CASE("French ringback: 440 Hz, 1.5 s on, 3.5 s off, repeating") {
  const std::vector<int16_t> s = RenderTone(RingbackFrance(), absl::Seconds(10));
  REQUIRE(s.size() == 80000);
  // 50 ms blocks: 30 on, 70 off, twice.
  const std::string cycle = std::string(30, '1') + std::string(70, '0');
  CHECK(OnOffPattern(s, 440, DbmToAmplitude(-13)) == cycle + cycle);
}

TEST_CASE("NANP ringback is 440 + 480 Hz, 2 s on, 4 s off") {
  const std::vector<int16_t> s = RenderTone(RingbackNanp(), absl::Seconds(6));
  const std::span<const int16_t> on = std::span<const int16_t>(s).subspan(800, 8000);
  CHECK(ToneAmplitude(on, 440) == Approx(DbmToAmplitude(-19)).epsilon(0.02));
  CHECK(ToneAmplitude(on, 480) == Approx(DbmToAmplitude(-19)).epsilon(0.02));
  CHECK(ToneAmplitude(on, 620) < 100);
  CHECK(OnOffPattern(s, 480, DbmToAmplitude(-19)) == std::string(40, '1') + std::string(80, '0'));
}

TEST_CASE("Busy tones: 0.5 s on, 0.5 s off") {
  const std::vector<int16_t> fr = RenderTone(BusyFrance(), absl::Seconds(2));
  const std::string half = std::string(10, '1') + std::string(10, '0');
  CHECK(OnOffPattern(fr, 440, DbmToAmplitude(-13)) == half + half);
  const std::vector<int16_t> us = RenderTone(BusyNanp(), absl::Seconds(2));
  CHECK(OnOffPattern(us, 620, DbmToAmplitude(-24)) == half + half);
  CHECK(OnOffPattern(us, 480, DbmToAmplitude(-24)) == half + half);
}

TEST_CASE("DTMF tones carry their row and column frequencies and are detected") {
  const std::string keys = "123A456B789C*0#D";
  for (char key : keys) {
    INFO("key " << key);
    const std::optional<ToneSpec> spec = DtmfToneSpec(key);
    REQUIRE(spec.has_value());
    const std::vector<int16_t> s = RenderTone(*spec, absl::Milliseconds(100));
    REQUIRE(s.size() == 800);
    const std::span<const int16_t> block = std::span<const int16_t>(s).subspan(100, 320);  // 40 ms
    CHECK(DetectDtmf(block) == key);
    CHECK(ToneAmplitude(block, spec->components[0].frequency_hz) == Approx(DbmToAmplitude(-9)).epsilon(0.05));
  }
  CHECK(DtmfToneSpec('5')->components[0].frequency_hz == 770);
  CHECK(DtmfToneSpec('5')->components[1].frequency_hz == 1336);
  CHECK_FALSE(DtmfToneSpec('x').has_value());
}

TEST_CASE("DTMF detector ignores single tones, silence and noise") {
  const std::vector<int16_t> beep = RenderTone(VoicemailBeep(), absl::Milliseconds(100));
  CHECK_FALSE(DetectDtmf(std::span(beep).subspan(100, 320)).has_value());
  const std::vector<int16_t> silence(320, 0);
  CHECK_FALSE(DetectDtmf(silence).has_value());
  std::vector<int16_t> noise(320);
  uint32_t x = 12345;
  for (int16_t& v : noise) {
    x = x * 1103515245 + 12345;
    v = static_cast<int16_t>((x >> 16) % 16000 - 8000);
  }
  CHECK_FALSE(DetectDtmf(noise).has_value());
  // A key tone buried in loud noise is not a key.
  const std::vector<int16_t> key = RenderTone(*DtmfToneSpec('5'), absl::Milliseconds(40));
  std::vector<int16_t> mixed(320);
  for (size_t i = 0; i < 320; ++i) mixed[i] = static_cast<int16_t>(key[i] / 4 + noise[i]);
  CHECK_FALSE(DetectDtmf(mixed).has_value());
}

TEST_CASE("Goertzel streams across blocks") {
  const std::vector<int16_t> s = RenderTone(ToneSpec{{{697, -10}}, {}, true}, absl::Milliseconds(200));
  Goertzel whole(697, 8000), parts(697, 8000);
  whole.Add(s);
  for (size_t i = 0; i < s.size(); i += k10ms) parts.Add(std::span(s).subspan(i, k10ms));
  CHECK(parts.Amplitude() == Approx(whole.Amplitude()));
  CHECK(whole.Amplitude() == Approx(DbmToAmplitude(-10)).epsilon(0.02));
  parts.Reset();
  CHECK(parts.Amplitude() == 0);
}

TEST_CASE("Hold music: a 10-20 s loop at about -20 dBm0, never silent, a tune rather than a tone") {
  const std::vector<int16_t> music = RenderHoldMusic();
  REQUIRE(music.size() >= 10 * 8000);
  REQUIRE(music.size() <= 20 * 8000);
  const auto rms = [](std::span<const int16_t> s) {
    double e = 0;
    for (int16_t x : s) e += static_cast<double>(x) * x;
    return std::sqrt(e / static_cast<double>(s.size()));
  };
  // The level of a sine at -20 dBm0, and no clipping.
  CHECK(rms(music) == Approx(DbmToAmplitude(-20) / std::sqrt(2.0)).epsilon(0.05));
  int peak = 0;
  for (int16_t x : music) peak = std::max(peak, std::abs(static_cast<int>(x)));
  CHECK(peak < 32000);
  // Sound in every second (no gap a caller would take for a dropped call).
  for (size_t i = 0; i + 8000 <= music.size(); i += 8000)
    CHECK(rms(std::span(music).subspan(i, 8000)) > DbmToAmplitude(-35) / std::sqrt(2.0));
  // The loop seam is silent-to-silent: no click where it restarts.
  CHECK(std::abs(music.front()) < 100);
  CHECK(std::abs(music.back()) < 100);
  // The strongest semitone of each half second (MIDI 40-96) moves: a melody.
  std::vector<int> dominant;
  for (size_t i = 0; i + 4000 <= music.size(); i += 4000) {
    int best = 0;
    double best_amplitude = 0;
    for (int midi = 40; midi <= 96; ++midi) {
      const double a =
          ToneAmplitude(std::span(music).subspan(i, 4000), 440.0 * std::pow(2.0, (midi - 69) / 12.0));
      if (a > best_amplitude) best_amplitude = a, best = midi;
    }
    dominant.push_back(best);
  }
  int changes = 0;
  for (size_t i = 1; i < dominant.size(); ++i) changes += dominant[i] != dominant[i - 1];
  std::sort(dominant.begin(), dominant.end());
  const auto distinct = std::unique(dominant.begin(), dominant.end()) - dominant.begin();
  CHECK(distinct >= 6);
  CHECK(changes >= static_cast<int>(music.size() / 4000) / 2);
  // Louder or softer on request.
  CHECK(rms(RenderHoldMusic(-26)) == Approx(rms(music) / 2).epsilon(0.05));
}

}  // namespace
}  // namespace sb::media
