#pragma once
// WAV (RIFF/WAVE) files: what the portal uploads as greetings, what voicemail
// attaches to e-mails, and how prompts are shipped.
//
// Parsing treats the bytes as hostile: every size is checked against what is
// actually there (in 64-bit arithmetic, so a declared 4 GiB chunk cannot wrap
// around), and each rejection says what is wrong in words a subscriber's
// admin can act on ("must be mono (file has 2 channels)"). Unknown chunks
// (LIST, fact, cue, ...) are skipped, honoring the pad byte after odd-sized
// chunks.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "media/g711.h"

namespace sb::media {

enum class WavEncoding { kPcm, kAlaw, kUlaw };

struct WavFormat {
  WavEncoding encoding = WavEncoding::kPcm;
  int channels = 0;
  int sample_rate = 0;
  int bits_per_sample = 0;
  int block_align = 0;  // bytes per frame (all channels)
};

// "16 kHz 16-bit PCM", "8 kHz µ-law": for error messages and logs.
std::string DescribeWavFormat(const WavFormat& format);

// A structurally valid WAV file: its format and a view of its sample data.
struct WavFile {
  WavFormat format;
  std::span<const uint8_t> data;  // points into the parsed bytes
  size_t frames = 0;              // samples per channel
  absl::Duration duration;
};

// Validates the RIFF structure and the fmt chunk, without deciding which
// formats are acceptable (that is the caller's policy). INVALID_ARGUMENT with
// the problem named: "not a RIFF file", "not a WAVE file", "truncated file",
// "truncated data chunk", "fmt chunk too small", "missing fmt chunk",
// "missing data chunk", "unsupported format tag 3 (IEEE float)", ...
absl::StatusOr<WavFile> ParseWav(std::span<const uint8_t> bytes);

// Decoded mono audio.
struct WavAudio {
  int sample_rate = 0;
  std::vector<int16_t> samples;
  WavEncoding source_encoding = WavEncoding::kPcm;
};

// Reads what media can play: mono, 8 or 16 kHz, 16-bit PCM or 8-bit A-law /
// µ-law (format tags 6 and 7), returned as 16-bit samples at the file's rate.
absl::StatusOr<WavAudio> ReadWav(std::span<const uint8_t> bytes);

// The portal's greeting upload rule: exactly 16 kHz, 16-bit, mono PCM, with
// some audio in it, and at most `max_duration` long.
absl::Status ValidateGreetingWav(std::span<const uint8_t> bytes,
                                 absl::Duration max_duration = absl::InfiniteDuration());

// 16-bit mono PCM. INVALID_ARGUMENT if the audio would not fit a RIFF file.
absl::StatusOr<std::vector<uint8_t>> WriteWav(std::span<const int16_t> samples, int sample_rate);
// G.711 code words as a format 6/7 file (with the fact chunk non-PCM needs):
// half the size of PCM, what voicemail can store and attach as is.
absl::StatusOr<std::vector<uint8_t>> WriteG711Wav(std::span<const uint8_t> codes, G711Law law,
                                                  int sample_rate = 8000);

}  // namespace sb::media
