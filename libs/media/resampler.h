#pragma once
// 16 kHz -> 8 kHz conversion: greetings are uploaded as 16 kHz WAV and played
// over G.711 at 8 kHz.
//
// Dropping every other sample would fold 4-8 kHz back into the telephone band
// as audible aliasing, so the signal first goes through a linear-phase
// low-pass FIR: a Kaiser-windowed sinc designed for 60 dB of stopband
// rejection from 4 kHz up (the brief is 40 dB) with the passband flat to
// 3.4 kHz, the top of the telephone band. Only every other output of the
// filter is computed.
//
// Streaming: the filter keeps its history, so feeding a signal in chunks of
// any size gives exactly the output of feeding it at once.
#include <cstdint>
#include <span>
#include <vector>

namespace sb::media {

class Resampler16kTo8k {
 public:
  // 2 * kHalfLength + 1 taps.
  static constexpr int kHalfLength = 50;

  Resampler16kTo8k();

  // Appends the output for `in` (about half as many samples) to `out`.
  void Process(std::span<const int16_t> in, std::vector<int16_t>* out);
  // Pushes the filter's remaining output (the last kHalfLength input samples'
  // worth) by feeding silence; the stream then starts over.
  void Flush(std::vector<int16_t>* out);
  void Reset();

  // Output lags input by this many 8 kHz samples (the FIR's group delay).
  static constexpr int kDelayOutputSamples = kHalfLength / 2;

  // Whole-signal conversion with the delay removed: output[i] lines up with
  // input[2 * i], and has ceil(in.size() / 2) samples.
  static std::vector<int16_t> Convert(std::span<const int16_t> in);

  std::span<const float> taps() const { return taps_; }

 private:
  static constexpr int kTaps = 2 * kHalfLength + 1;

  std::vector<float> taps_;
  // Each input sample is stored twice, kTaps apart, so the newest kTaps
  // samples are always contiguous: history_[pos_ + 1 .. pos_ + kTaps].
  std::vector<float> history_;
  int pos_ = 0;
  uint64_t count_ = 0;  // input samples consumed since the last reset
};

}  // namespace sb::media
