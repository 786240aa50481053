#pragma once
// Call-progress and signalling tones (beep, ringback, busy, DTMF), generated
// with their cadence, and the Goertzel detector that measures them — the
// building block of in-band DTMF detection.
#include <cmath>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "absl/time/time.h"
#include "media/audio.h"

namespace sb::media {

// Peak amplitude of a sine at `dbm0` (G.711: a full-scale sine is +3.14 dBm0).
double DbmToAmplitude(double dbm0);

struct ToneComponent {
  double frequency_hz = 0;
  double level_dbm0 = -13;
};

struct ToneSpec {
  std::vector<ToneComponent> components;  // summed
  // Alternating on/off durations, starting with on. Empty: continuous.
  std::vector<absl::Duration> cadence;
  bool repeat = true;  // loop the cadence; false: the tone ends after it
};

// The record-at-the-tone beep: 1 kHz, 500 ms, once.
ToneSpec VoicemailBeep();
// France: 440 Hz, 1.5 s on, 3.5 s off.
ToneSpec RingbackFrance();
// North America: 440 + 480 Hz, 2 s on, 4 s off.
ToneSpec RingbackNanp();
// France: 440 Hz, 0.5 s on, 0.5 s off.
ToneSpec BusyFrance();
// North America: 480 + 620 Hz, 0.5 s on, 0.5 s off.
ToneSpec BusyNanp();
// A DTMF key (row + column frequency, high group 2 dB louder as Q.23 twist
// allows), `on` long, once; nullopt for a character that is not a key.
std::optional<ToneSpec> DtmfToneSpec(char digit, absl::Duration on = absl::Milliseconds(100));

// Streams a tone. Each burst starts at phase zero and is ramped in and out
// over 2 ms so that cadence edges do not click.
class ToneGenerator : public AudioSource {
 public:
  explicit ToneGenerator(ToneSpec spec, int sample_rate = kNarrowbandRate);

  bool Read(std::span<int16_t> frame) override;
  bool finished() const { return finished_; }

 private:
  struct Step {
    int64_t samples;
    bool on;
  };

  // A sine by rotating a unit phasor one sample's angle at a time: two
  // multiply-adds per sample instead of a sin() call, which matters with a
  // ringback tone on hundreds of calls. Renormalized now and then so that
  // rounding cannot make the amplitude drift.
  struct Oscillator {
    double amplitude;
    double step_cos, step_sin;
    double c, s;  // current phase
    void Restart() {
      c = 1;
      s = 0;
    }
    void Renormalize() {
      const double norm = 1 / std::sqrt(c * c + s * s);
      c *= norm;
      s *= norm;
    }
    double Next() {
      const double value = amplitude * s;
      const double nc = c * step_cos - s * step_sin;
      s = s * step_cos + c * step_sin;
      c = nc;
      return value;
    }
  };

  void SkipCompletedSteps();

  ToneSpec spec_;
  std::vector<Oscillator> oscillators_;
  int sample_rate_;
  std::vector<Step> steps_;
  size_t step_ = 0;
  int64_t in_step_ = 0;  // samples already produced in the current step
  bool finished_ = false;
};

// The samples of `spec` for `duration` (or until a non-repeating tone ends).
std::vector<int16_t> RenderTone(const ToneSpec& spec, absl::Duration duration,
                                int sample_rate = kNarrowbandRate);

// Music on hold, for callers waiting instead of a ringback tone: a 16 s loop
// in C major (I-vi-IV-V, 4 s a chord), a soft pad under a plucked arpeggio
// (10 ms attack, exponential decay, a few harmonics), its RMS that of a sine
// at `level_dbm0`. It starts and ends in silence so it loops without a
// click. Synthesized because the repository carries no music; ~20 ms to
// render, so render it once and share it.
std::vector<int16_t> RenderHoldMusic(double level_dbm0 = -20, int sample_rate = kNarrowbandRate);

// Goertzel's algorithm: the DFT magnitude at one frequency, in O(N) with two
// state variables — far cheaper than an FFT when only a few frequencies
// matter (DTMF needs 8).
class Goertzel {
 public:
  Goertzel(double frequency_hz, int sample_rate);
  void Add(std::span<const int16_t> samples);
  void Reset();
  // Estimated amplitude of a sine at the frequency over the samples added so
  // far (exact for a whole number of periods, close otherwise).
  double Amplitude() const;

 private:
  double coefficient_;
  double s1_ = 0, s2_ = 0;
  int64_t count_ = 0;
};

// Amplitude of the `frequency_hz` component of `samples`.
double ToneAmplitude(std::span<const int16_t> samples, double frequency_hz,
                     int sample_rate = kNarrowbandRate);

// In-band DTMF on one block (>= 25 ms recommended): the key whose row and
// column tones dominate, or nullopt. Checks both tones are present, each
// stands well above the others of its group, the twist is within 8 dB, and
// the pair carries most of the block's energy (speech does not).
std::optional<char> DetectDtmf(std::span<const int16_t> block, int sample_rate = kNarrowbandRate);

}  // namespace sb::media
