#include "media/tones.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>

#include "media/dtmf.h"

namespace sb::media {
namespace {

constexpr double kFullScaleSineDbm0 = 3.14;  // G.711 A-law; µ-law is 3.17
constexpr int64_t kForever = std::numeric_limits<int64_t>::max();
constexpr std::array<double, 4> kDtmfRows = {697, 770, 852, 941};
constexpr std::array<double, 4> kDtmfColumns = {1209, 1336, 1477, 1633};
constexpr char kDtmfKeys[4][5] = {"123A", "456B", "789C", "*0#D"};

int64_t ToSamples(absl::Duration d, int rate) {
  return std::max<int64_t>(0, absl::ToInt64Microseconds(d) * rate / 1000000);
}

}  // namespace

double DbmToAmplitude(double dbm0) { return 32767.0 * std::pow(10.0, (dbm0 - kFullScaleSineDbm0) / 20.0); }

ToneSpec VoicemailBeep() { return ToneSpec{{{1000, -10}}, {absl::Milliseconds(500)}, false}; }
ToneSpec RingbackFrance() {
  return ToneSpec{{{440, -13}}, {absl::Milliseconds(1500), absl::Milliseconds(3500)}, true};
}
ToneSpec RingbackNanp() {
  return ToneSpec{{{440, -19}, {480, -19}}, {absl::Seconds(2), absl::Seconds(4)}, true};
}
ToneSpec BusyFrance() {
  return ToneSpec{{{440, -13}}, {absl::Milliseconds(500), absl::Milliseconds(500)}, true};
}
ToneSpec BusyNanp() {
  return ToneSpec{{{480, -24}, {620, -24}}, {absl::Milliseconds(500), absl::Milliseconds(500)}, true};
}

std::optional<ToneSpec> DtmfToneSpec(char digit, absl::Duration on) {
  const std::optional<uint8_t> event = DtmfEventForDigit(digit);
  if (!event) return std::nullopt;
  const char key = *DigitForDtmfEvent(*event);  // upper-cased
  for (int r = 0; r < 4; ++r) {
    for (int c = 0; c < 4; ++c) {
      if (kDtmfKeys[r][c] == key) {
        return ToneSpec{{{kDtmfRows[r], -9}, {kDtmfColumns[c], -7}}, {on}, false};
      }
    }
  }
  return std::nullopt;
}

ToneGenerator::ToneGenerator(ToneSpec spec, int sample_rate)
    : spec_(std::move(spec)), sample_rate_(sample_rate) {
  for (const ToneComponent& c : spec_.components) {
    const double w = 2 * std::numbers::pi * c.frequency_hz / sample_rate_;
    oscillators_.push_back(Oscillator{DbmToAmplitude(c.level_dbm0), std::cos(w), std::sin(w), 1, 0});
  }
  if (spec_.cadence.empty()) {
    steps_.push_back({kForever, true});
  } else {
    for (size_t i = 0; i < spec_.cadence.size(); ++i) {
      steps_.push_back({ToSamples(spec_.cadence[i], sample_rate_), i % 2 == 0});
    }
  }
  // A cadence of nothing but zero durations would spin forever.
  if (std::all_of(steps_.begin(), steps_.end(), [](const Step& s) { return s.samples == 0; }))
    finished_ = true;
  SkipCompletedSteps();  // leading zero-length steps
}

void ToneGenerator::SkipCompletedSteps() {
  while (!finished_ && in_step_ >= steps_[step_].samples) {
    in_step_ = 0;
    if (++step_ == steps_.size()) {
      step_ = 0;
      if (!spec_.repeat) finished_ = true;
    }
  }
}

bool ToneGenerator::Read(std::span<int16_t> frame) {
  if (finished_) {
    std::fill(frame.begin(), frame.end(), 0);
    return false;
  }
  const int64_t ramp = std::max<int64_t>(1, sample_rate_ / 500);  // 2 ms
  for (int16_t& out : frame) {
    if (finished_) {
      out = 0;
      continue;
    }
    const Step& step = steps_[step_];
    double value = 0;
    if (step.on) {
      if (in_step_ == 0) {
        for (Oscillator& o : oscillators_) o.Restart();  // each burst starts at phase zero
      } else if (in_step_ % 256 == 0) {
        for (Oscillator& o : oscillators_) o.Renormalize();
      }
      for (Oscillator& o : oscillators_) value += o.Next();
      const int64_t to_end = step.samples == kForever ? kForever : step.samples - in_step_;
      const double gain =
          std::min({1.0, static_cast<double>(in_step_ + 1) / ramp, static_cast<double>(to_end) / ramp});
      value *= gain;
    }
    out = static_cast<int16_t>(std::clamp(std::lround(value), -32768L, 32767L));
    ++in_step_;
    // Step transitions happen right after a step's last sample, so that
    // finished() is true as soon as a one-shot tone has been fully read.
    SkipCompletedSteps();
  }
  return true;
}

std::vector<int16_t> RenderTone(const ToneSpec& spec, absl::Duration duration, int sample_rate) {
  ToneGenerator generator(spec, sample_rate);
  std::vector<int16_t> out(static_cast<size_t>(ToSamples(duration, sample_rate)));
  generator.Read(out);
  if (!spec.repeat && !spec.cadence.empty()) {
    // Stop where a one-shot tone ends rather than padding with silence.
    int64_t total = 0;
    for (absl::Duration d : spec.cadence) total += ToSamples(d, sample_rate);
    if (static_cast<int64_t>(out.size()) > total) out.resize(static_cast<size_t>(total));
  }
  return out;
}

std::vector<int16_t> RenderHoldMusic(double level_dbm0, int sample_rate) {
  // MIDI note numbers: C major triads for I-vi-IV-V, root position.
  constexpr int kChords[4][3] = {{60, 64, 67}, {57, 60, 64}, {53, 57, 60}, {55, 59, 62}};
  // The arpeggio, one note a half second: chord tone index, 3 = the root an
  // octave up.
  constexpr int kPattern[8] = {0, 1, 2, 3, 2, 1, 2, 1};
  const auto hz = [](int midi) { return 440.0 * std::pow(2.0, (midi - 69) / 12.0); };
  const int64_t beat = sample_rate / 2;
  std::vector<double> mix(static_cast<size_t>(4 * 8 * beat));
  // A note with a little timbre (2nd and 3rd harmonics), an attack, an
  // exponential decay and a 30 ms release so that cut notes do not click.
  const auto note = [&](int64_t start, int64_t length, double f, double amplitude, double attack_s,
                        double decay_s) {
    const double w = 2 * std::numbers::pi * f / sample_rate;
    for (int64_t i = 0; i < length; ++i) {
      const double t = static_cast<double>(i) / sample_rate;
      const double release = static_cast<double>(length - i) / sample_rate / 0.03;
      const double env = std::min({1.0, t / attack_s, release}) * std::exp(-t / decay_s);
      const double p = w * static_cast<double>(i);
      mix[static_cast<size_t>(start + i)] +=
          amplitude * env * (std::sin(p) + 0.3 * std::sin(2 * p) + 0.1 * std::sin(3 * p));
    }
  };
  for (int c = 0; c < 4; ++c) {
    const int64_t bar = c * 8 * beat;
    for (int n : kChords[c]) note(bar, 8 * beat, hz(n - 12), 0.2, 0.3, 4.0);  // the pad, an octave down
    for (int k = 0; k < 8; ++k) {
      const int i = kPattern[k];
      note(bar + k * beat, beat, hz((i == 3 ? kChords[c][0] + 12 : kChords[c][i]) + 12), 1.0, 0.01, 0.3);
    }
  }
  double energy = 0;
  for (double x : mix) energy += x * x;
  const double rms = std::sqrt(energy / static_cast<double>(mix.size()));
  const double gain = DbmToAmplitude(level_dbm0) / std::sqrt(2.0) / rms;
  std::vector<int16_t> out(mix.size());
  for (size_t i = 0; i < mix.size(); ++i)
    out[i] = static_cast<int16_t>(std::clamp(mix[i] * gain, -32767.0, 32767.0));
  return out;
}

Goertzel::Goertzel(double frequency_hz, int sample_rate)
    : coefficient_(2 * std::cos(2 * std::numbers::pi * frequency_hz / sample_rate)) {}

void Goertzel::Reset() {
  s1_ = s2_ = 0;
  count_ = 0;
}

void Goertzel::Add(std::span<const int16_t> samples) {
  double s1 = s1_, s2 = s2_;
  for (int16_t x : samples) {
    const double s0 = x + coefficient_ * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  s1_ = s1;
  s2_ = s2;
  count_ += static_cast<int64_t>(samples.size());
}

double Goertzel::Amplitude() const {
  if (count_ == 0) return 0;
  const double power = s1_ * s1_ + s2_ * s2_ - coefficient_ * s1_ * s2_;
  return 2 * std::sqrt(std::max(0.0, power)) / static_cast<double>(count_);
}

double ToneAmplitude(std::span<const int16_t> samples, double frequency_hz, int sample_rate) {
  Goertzel g(frequency_hz, sample_rate);
  g.Add(samples);
  return g.Amplitude();
}

std::optional<char> DetectDtmf(std::span<const int16_t> block, int sample_rate) {
  if (block.size() < static_cast<size_t>(sample_rate / 100)) return std::nullopt;  // < 10 ms: no resolution
  std::array<double, 4> rows, cols;
  for (int i = 0; i < 4; ++i) {
    rows[i] = ToneAmplitude(block, kDtmfRows[i], sample_rate);
    cols[i] = ToneAmplitude(block, kDtmfColumns[i], sample_rate);
  }
  const int r = static_cast<int>(std::max_element(rows.begin(), rows.end()) - rows.begin());
  const int c = static_cast<int>(std::max_element(cols.begin(), cols.end()) - cols.begin());
  const double min_amplitude = DbmToAmplitude(-30);
  if (rows[r] < min_amplitude || cols[c] < min_amplitude) return std::nullopt;
  for (int i = 0; i < 4; ++i) {
    // Each tone at least 6 dB above its neighbours in the group.
    if (i != r && rows[i] * 2 > rows[r]) return std::nullopt;
    if (i != c && cols[i] * 2 > cols[c]) return std::nullopt;
  }
  const double twist = rows[r] > cols[c] ? rows[r] / cols[c] : cols[c] / rows[r];
  if (twist > 2.5) return std::nullopt;  // ~8 dB
  double energy = 0;
  for (int16_t x : block) energy += static_cast<double>(x) * x;
  const double mean_square = energy / static_cast<double>(block.size());
  const double tone_power = (rows[r] * rows[r] + cols[c] * cols[c]) / 2;
  if (tone_power < 0.6 * mean_square) return std::nullopt;
  return kDtmfKeys[r][c];
}

}  // namespace sb::media
