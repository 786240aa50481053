#include "media/wav.h"

#include <cstring>
#include <optional>

#include "absl/strings/str_cat.h"
#include "media/bytes.h"

namespace sb::media {
namespace {

constexpr uint16_t kTagPcm = 1;
constexpr uint16_t kTagFloat = 3;
constexpr uint16_t kTagAlaw = 6;
constexpr uint16_t kTagUlaw = 7;
constexpr uint16_t kTagExtensible = 0xFFFE;
// The KSDATAFORMAT_SUBTYPE GUID suffix shared by PCM, A-law and µ-law.
constexpr uint8_t kGuidSuffix[14] = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80,
                                     0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71};
constexpr uint64_t kMaxRiffPayload = 0xFFFFFFFFULL - 8;

bool Is(std::span<const uint8_t> b, const char (&id)[5]) { return std::memcmp(b.data(), id, 4) == 0; }

std::string ChunkName(std::span<const uint8_t> id) {
  std::string name;
  for (uint8_t c : id.first(4)) name.push_back(c >= 0x20 && c < 0x7F ? static_cast<char>(c) : '?');
  return name;
}

absl::Status Invalid(absl::string_view message) { return absl::InvalidArgumentError(message); }

absl::StatusOr<WavFormat> ParseFmt(std::span<const uint8_t> fmt) {
  if (fmt.size() < 16)
    return Invalid(absl::StrCat("fmt chunk too small (", fmt.size(), " bytes, needs at least 16)"));
  uint16_t tag = ReadLe16(fmt);
  WavFormat f;
  f.channels = ReadLe16(fmt.subspan(2));
  f.sample_rate = static_cast<int>(std::min<uint32_t>(ReadLe32(fmt.subspan(4)), 0x7FFFFFFF));
  // Byte rate (offset 8) is informational and often wrong in files from
  // sloppy writers; block align is what decoding depends on, so it is checked.
  f.block_align = ReadLe16(fmt.subspan(12));
  f.bits_per_sample = ReadLe16(fmt.subspan(14));
  if (tag == kTagExtensible) {
    if (fmt.size() < 40) {
      return Invalid(
          absl::StrCat("fmt chunk too small for WAVE_FORMAT_EXTENSIBLE (", fmt.size(), " bytes, needs 40)"));
    }
    const std::span<const uint8_t> guid = fmt.subspan(24, 16);
    if (std::memcmp(guid.data() + 2, kGuidSuffix, sizeof(kGuidSuffix)) != 0) {
      return Invalid("unsupported WAVE_FORMAT_EXTENSIBLE sub-format");
    }
    tag = ReadLe16(guid);
  }
  switch (tag) {
    case kTagPcm:
      f.encoding = WavEncoding::kPcm;
      break;
    case kTagAlaw:
      f.encoding = WavEncoding::kAlaw;
      break;
    case kTagUlaw:
      f.encoding = WavEncoding::kUlaw;
      break;
    case kTagFloat:
      return Invalid("unsupported format tag 3 (IEEE float); use 16-bit PCM");
    default:
      return Invalid(absl::StrCat("unsupported format tag ", tag, "; use 16-bit PCM"));
  }
  if (f.channels == 0) return Invalid("fmt declares 0 channels");
  if (f.sample_rate == 0) return Invalid("fmt declares a sample rate of 0");
  if (f.bits_per_sample == 0 || f.bits_per_sample % 8 != 0 || f.bits_per_sample > 32) {
    return Invalid(absl::StrCat("unsupported bits per sample: ", f.bits_per_sample));
  }
  if (f.encoding != WavEncoding::kPcm && f.bits_per_sample != 8) {
    return Invalid(absl::StrCat("G.711 WAV must be 8 bits per sample (fmt says ", f.bits_per_sample, ")"));
  }
  if (f.block_align != f.channels * f.bits_per_sample / 8) {
    return Invalid(absl::StrCat("fmt block align ", f.block_align, " does not match ", f.channels,
                                " channel(s) of ", f.bits_per_sample, " bits"));
  }
  return f;
}

}  // namespace

std::string DescribeWavFormat(const WavFormat& f) {
  std::string rate = f.sample_rate % 1000 == 0 ? absl::StrCat(f.sample_rate / 1000, " kHz")
                                               : absl::StrCat(f.sample_rate, " Hz");
  switch (f.encoding) {
    case WavEncoding::kAlaw:
      return absl::StrCat(rate, " A-law");
    case WavEncoding::kUlaw:
      return absl::StrCat(rate, " \xC2\xB5-law");
    case WavEncoding::kPcm:
      break;
  }
  return absl::StrCat(rate, " ", f.bits_per_sample, "-bit PCM");
}

absl::StatusOr<WavFile> ParseWav(std::span<const uint8_t> bytes) {
  if (bytes.size() < 12 || !Is(bytes, "RIFF")) {
    if (bytes.size() >= 4 && (Is(bytes, "RIFX") || Is(bytes, "RF64"))) {
      return Invalid("unsupported RIFF variant (big-endian RIFX or RF64)");
    }
    return Invalid("not a RIFF file");
  }
  if (!Is(bytes.subspan(8), "WAVE")) return Invalid("not a WAVE file (RIFF form type is not WAVE)");
  const uint64_t riff_size = ReadLe32(bytes.subspan(4));
  if (riff_size < 4) return Invalid("RIFF header declares a size smaller than its form type");
  if (riff_size + 8 > bytes.size()) {
    return Invalid(absl::StrCat("truncated file: RIFF header declares ", riff_size + 8, " bytes, ",
                                bytes.size(), " present"));
  }
  // Bytes after the RIFF chunk (some tools append tags) are not ours to read.
  const std::span<const uint8_t> riff = bytes.first(static_cast<size_t>(riff_size + 8));

  std::optional<WavFormat> format;
  std::optional<std::span<const uint8_t>> data;
  size_t offset = 12;
  while (offset < riff.size()) {
    const size_t left = riff.size() - offset;
    if (left < 8) {
      if (data) break;  // stray padding after the audio: harmless
      return Invalid("truncated chunk header");
    }
    const std::span<const uint8_t> id = riff.subspan(offset, 4);
    const uint64_t size = ReadLe32(riff.subspan(offset + 4));
    if (size > left - 8) {
      if (Is(id, "data")) {
        return Invalid(
            absl::StrCat("truncated data chunk (declares ", size, " bytes, ", left - 8, " present)"));
      }
      return Invalid(absl::StrCat("truncated ", ChunkName(id), " chunk (declares ", size, " bytes, ",
                                  left - 8, " present)"));
    }
    const std::span<const uint8_t> body = riff.subspan(offset + 8, static_cast<size_t>(size));
    if (Is(id, "fmt ")) {
      if (format) return Invalid("duplicate fmt chunk");
      absl::StatusOr<WavFormat> f = ParseFmt(body);
      if (!f.ok()) return f.status();
      format = *f;
    } else if (Is(id, "data")) {
      if (!format) return Invalid("data chunk before fmt chunk");
      if (data) return Invalid("duplicate data chunk");
      data = body;
    }
    // RIFF chunks are word-aligned: an odd-sized chunk is followed by a pad
    // byte (which a truncated writer may have left out at the very end).
    offset += 8 + static_cast<size_t>(size) + (size & 1);
  }
  if (!format) return Invalid("missing fmt chunk");
  if (!data) return Invalid("missing data chunk");
  if (data->size() % format->block_align != 0) {
    return Invalid(absl::StrCat("data chunk size ", data->size(), " is not a multiple of the ",
                                format->block_align, "-byte sample frame"));
  }
  WavFile file;
  file.format = *format;
  file.data = *data;
  file.frames = data->size() / format->block_align;
  file.duration = absl::Microseconds(static_cast<int64_t>(file.frames) * 1000000 / format->sample_rate);
  return file;
}

absl::StatusOr<WavAudio> ReadWav(std::span<const uint8_t> bytes) {
  absl::StatusOr<WavFile> file = ParseWav(bytes);
  if (!file.ok()) return file.status();
  const WavFormat& f = file->format;
  if (f.channels != 1) return Invalid(absl::StrCat("must be mono (file has ", f.channels, " channels)"));
  if (f.encoding == WavEncoding::kPcm && f.bits_per_sample != 16) {
    return Invalid(absl::StrCat("must be 16-bit PCM (file is ", DescribeWavFormat(f), ")"));
  }
  if (f.sample_rate != 8000 && f.sample_rate != 16000) {
    return Invalid(absl::StrCat("must be 8 or 16 kHz (file is ", DescribeWavFormat(f), ")"));
  }
  WavAudio audio;
  audio.sample_rate = f.sample_rate;
  audio.source_encoding = f.encoding;
  audio.samples.resize(file->frames);
  switch (f.encoding) {
    case WavEncoding::kPcm:
      for (size_t i = 0; i < file->frames; ++i) {
        audio.samples[i] = static_cast<int16_t>(ReadLe16(file->data.subspan(2 * i)));
      }
      break;
    case WavEncoding::kAlaw:
      DecodeAlaw(file->data, audio.samples);
      break;
    case WavEncoding::kUlaw:
      DecodeUlaw(file->data, audio.samples);
      break;
  }
  return audio;
}

absl::Status ValidateGreetingWav(std::span<const uint8_t> bytes, absl::Duration max_duration) {
  absl::StatusOr<WavFile> file = ParseWav(bytes);
  if (!file.ok()) return file.status();
  const WavFormat& f = file->format;
  if (f.channels != 1) return Invalid(absl::StrCat("must be mono (file has ", f.channels, " channels)"));
  if (f.encoding != WavEncoding::kPcm || f.bits_per_sample != 16 || f.sample_rate != 16000) {
    return Invalid(absl::StrCat("must be 16 kHz 16-bit PCM (file is ", DescribeWavFormat(f), ")"));
  }
  if (file->frames == 0) return Invalid("contains no audio");
  if (file->duration > max_duration) {
    return Invalid(
        absl::StrCat("too long: ", absl::FormatDuration(absl::Trunc(file->duration, absl::Seconds(1))),
                     ", at most ", absl::FormatDuration(max_duration)));
  }
  return absl::OkStatus();
}

namespace {

// RIFF header + fmt chunk; the caller appends the rest.
std::vector<uint8_t> Header(uint16_t tag, int sample_rate, int bits, bool extended_fmt, size_t riff_size) {
  std::vector<uint8_t> out;
  out.reserve(riff_size + 8);
  auto put = [&out](const void* p, size_t n) {
    const uint8_t* b = static_cast<const uint8_t*>(p);
    out.insert(out.end(), b, b + n);
  };
  auto u16 = [&](uint16_t v) {
    uint8_t b[2];
    WriteLe16(b, v);
    put(b, 2);
  };
  auto u32 = [&](uint32_t v) {
    uint8_t b[4];
    WriteLe32(b, v);
    put(b, 4);
  };
  put("RIFF", 4);
  u32(static_cast<uint32_t>(riff_size));
  put("WAVE", 4);
  put("fmt ", 4);
  u32(extended_fmt ? 18 : 16);
  u16(tag);
  u16(1);
  u32(static_cast<uint32_t>(sample_rate));
  u32(static_cast<uint32_t>(sample_rate * bits / 8));
  u16(static_cast<uint16_t>(bits / 8));
  u16(static_cast<uint16_t>(bits));
  if (extended_fmt) u16(0);  // cbSize: non-PCM formats carry it, even if empty
  return out;
}

absl::Status CheckWritable(size_t data_bytes, int sample_rate) {
  if (sample_rate <= 0) return Invalid("sample rate must be positive");
  if (data_bytes > kMaxRiffPayload - 64) return Invalid("audio too large for a WAV file");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<uint8_t>> WriteWav(std::span<const int16_t> samples, int sample_rate) {
  const size_t data_bytes = samples.size() * 2;
  if (absl::Status s = CheckWritable(data_bytes, sample_rate); !s.ok()) return s;
  std::vector<uint8_t> out = Header(kTagPcm, sample_rate, 16, false, 36 + data_bytes);
  const size_t data_at = out.size() + 8;
  out.resize(data_at + data_bytes);
  std::memcpy(out.data() + data_at - 8, "data", 4);
  WriteLe32(std::span(out).subspan(data_at - 4), static_cast<uint32_t>(data_bytes));
  for (size_t i = 0; i < samples.size(); ++i) {
    WriteLe16(std::span(out).subspan(data_at + 2 * i), static_cast<uint16_t>(samples[i]));
  }
  return out;
}

absl::StatusOr<std::vector<uint8_t>> WriteG711Wav(std::span<const uint8_t> codes, G711Law law,
                                                  int sample_rate) {
  if (absl::Status s = CheckWritable(codes.size(), sample_rate); !s.ok()) return s;
  const size_t pad = codes.size() & 1;
  // RIFF payload: "WAVE" + fmt (8 + 18) + fact (8 + 4) + data (8 + n + pad).
  const size_t riff_size = 4 + 26 + 12 + 8 + codes.size() + pad;
  std::vector<uint8_t> out =
      Header(law == G711Law::kAlaw ? kTagAlaw : kTagUlaw, sample_rate, 8, true, riff_size);
  const size_t fact_at = out.size();
  out.resize(fact_at + 12 + 8);
  std::memcpy(out.data() + fact_at, "fact", 4);
  WriteLe32(std::span(out).subspan(fact_at + 4), 4);
  WriteLe32(std::span(out).subspan(fact_at + 8), static_cast<uint32_t>(codes.size()));
  std::memcpy(out.data() + fact_at + 12, "data", 4);
  WriteLe32(std::span(out).subspan(fact_at + 16), static_cast<uint32_t>(codes.size()));
  out.insert(out.end(), codes.begin(), codes.end());
  if (pad) out.push_back(0);
  return out;
}

}  // namespace sb::media
