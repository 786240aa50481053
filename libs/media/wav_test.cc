#include "media/wav.h"

#include <catch2/catch.hpp>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace sb::media {
namespace {

using Bytes = std::vector<uint8_t>;

void PutLe(Bytes& b, uint32_t v, int n) {
  for (int i = 0; i < n; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

Bytes Chunk(const char* id, const Bytes& body) {
  Bytes b(id, id + 4);
  PutLe(b, static_cast<uint32_t>(body.size()), 4);
  b.insert(b.end(), body.begin(), body.end());
  if (body.size() % 2) b.push_back(0);  // RIFF pad byte
  return b;
}

Bytes Fmt(uint16_t tag, uint16_t channels, uint32_t rate, uint16_t bits, int extra = -1) {
  Bytes b;
  PutLe(b, tag, 2);
  PutLe(b, channels, 2);
  PutLe(b, rate, 4);
  PutLe(b, rate * channels * bits / 8, 4);
  PutLe(b, channels * bits / 8, 2);
  PutLe(b, bits, 2);
  if (extra >= 0) PutLe(b, static_cast<uint32_t>(extra), 2);
  return b;
}

Bytes Riff(const std::vector<Bytes>& chunks) {
  Bytes body = {'W', 'A', 'V', 'E'};
  for (const Bytes& c : chunks) body.insert(body.end(), c.begin(), c.end());
  Bytes b = {'R', 'I', 'F', 'F'};
  PutLe(b, static_cast<uint32_t>(body.size()), 4);
  b.insert(b.end(), body.begin(), body.end());
  return b;
}

Bytes Pcm16(const std::vector<int16_t>& samples) {
  Bytes b;
  for (int16_t s : samples) PutLe(b, static_cast<uint16_t>(s), 2);
  return b;
}

Bytes Greeting(size_t samples = 1600) {
  std::vector<int16_t> s(samples);
  for (size_t i = 0; i < samples; ++i) s[i] = static_cast<int16_t>(i * 37 % 20000 - 10000);
  return Riff({Chunk("fmt ", Fmt(1, 1, 16000, 16)), Chunk("data", Pcm16(s))});
}

std::string Error(const Bytes& wav) {
  absl::StatusOr<WavAudio> audio = ReadWav(wav);
  REQUIRE_FALSE(audio.ok());
  CHECK(absl::IsInvalidArgument(audio.status()));
  return std::string(audio.status().message());
}

std::string GreetingError(const Bytes& wav) {
  absl::Status s = ValidateGreetingWav(wav);
  REQUIRE_FALSE(s.ok());
  CHECK(absl::IsInvalidArgument(s));
  return std::string(s.message());
}

TEST_CASE("WAV write then read round-trips 8 and 16 kHz PCM") {
  std::vector<int16_t> samples = {0, 1, -1, 32767, -32768, 1234, -4321};
  for (int rate : {8000, 16000}) {
    absl::StatusOr<Bytes> wav = WriteWav(samples, rate);
    REQUIRE(wav.ok());
    CHECK(wav->size() == 44 + 2 * samples.size());
    CHECK(std::memcmp(wav->data(), "RIFF", 4) == 0);
    absl::StatusOr<WavAudio> audio = ReadWav(*wav);
    REQUIRE(audio.ok());
    CHECK(audio->sample_rate == rate);
    CHECK(audio->samples == samples);
    CHECK(audio->source_encoding == WavEncoding::kPcm);
  }
}

TEST_CASE("WAV reads µ-law and A-law (format tags 7 and 6)") {
  const Bytes codes = {0xFF, 0x80, 0x00, 0x7E, 0xCE};  // odd length: exercises the pad byte
  absl::StatusOr<Bytes> ulaw = WriteG711Wav(codes, G711Law::kUlaw);
  REQUIRE(ulaw.ok());
  CHECK(ulaw->size() % 2 == 0);
  absl::StatusOr<WavAudio> audio = ReadWav(*ulaw);
  REQUIRE(audio.ok());
  CHECK(audio->source_encoding == WavEncoding::kUlaw);
  CHECK(audio->samples == std::vector<int16_t>{0, 32124, -32124, -8, UlawToLinear(0xCE)});

  absl::StatusOr<Bytes> alaw = WriteG711Wav(codes, G711Law::kAlaw);
  REQUIRE(alaw.ok());
  audio = ReadWav(*alaw);
  REQUIRE(audio.ok());
  CHECK(audio->source_encoding == WavEncoding::kAlaw);
  CHECK(audio->samples[0] == AlawToLinear(0xFF));

  // A 16-byte fmt (no cbSize) as some writers produce is accepted too.
  audio = ReadWav(Riff({Chunk("fmt ", Fmt(7, 1, 8000, 8)), Chunk("data", codes)}));
  REQUIRE(audio.ok());
  CHECK(audio->samples.size() == codes.size());
}

TEST_CASE("WAV skips LIST and other chunks, honoring odd-size padding") {
  const Bytes info = {'I', 'N', 'F', 'O', 'I', 'S', 'F', 'T', 3, 0, 0, 0, 'a', 'b', 'c'};  // odd
  const Bytes wav =
      Riff({Chunk("LIST", info), Chunk("fmt ", Fmt(1, 1, 8000, 16)), Chunk("junk", Bytes(7, 0xAA)),
            Chunk("data", Pcm16({5, 6, 7})), Chunk("cue ", Bytes(5, 1))});
  absl::StatusOr<WavAudio> audio = ReadWav(wav);
  REQUIRE(audio.ok());
  CHECK(audio->samples == std::vector<int16_t>{5, 6, 7});
}

TEST_CASE("WAV_FORMAT_EXTENSIBLE with a PCM sub-format is read") {
  Bytes fmt = Fmt(0xFFFE, 1, 16000, 16, 22);
  PutLe(fmt, 16, 2);   // valid bits
  PutLe(fmt, 0x4, 4);  // channel mask: front centre
  PutLe(fmt, 1, 2);    // sub-format: PCM
  const uint8_t suffix[14] = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80,
                              0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71};
  fmt.insert(fmt.end(), suffix, suffix + 14);
  const Bytes wav = Riff({Chunk("fmt ", fmt), Chunk("data", Pcm16({1, 2}))});
  REQUIRE(ReadWav(wav).ok());
  CHECK(ValidateGreetingWav(wav).ok());
}

TEST_CASE("WAV parsing rejects broken files with a precise reason") {
  const Bytes good = Greeting();
  REQUIRE(ReadWav(good).ok());

  SECTION("not RIFF") {
    CHECK_THAT(Error(Bytes{'I', 'D', '3', 3, 0, 0, 0, 0, 0, 0, 0, 0}), Catch::Contains("not a RIFF file"));
    CHECK_THAT(Error(Bytes{}), Catch::Contains("not a RIFF file"));
    CHECK_THAT(Error(Bytes{'R', 'I', 'F', 'F'}), Catch::Contains("not a RIFF file"));
    CHECK_THAT(Error(Bytes{'R', 'F', '6', '4', 0, 0, 0, 0}), Catch::Contains("RF64"));
  }
  SECTION("RIFF but not WAVE") {
    Bytes avi = good;
    std::memcpy(avi.data() + 8, "AVI ", 4);
    CHECK_THAT(Error(avi), Catch::Contains("not a WAVE file"));
  }
  SECTION("truncated file") {
    const Bytes cut(good.begin(), good.begin() + 100);
    CHECK_THAT(Error(cut), Catch::Contains("truncated file"));
  }
  SECTION("huge declared RIFF size") {
    Bytes huge = good;
    huge[4] = huge[5] = huge[6] = huge[7] = 0xFF;
    CHECK_THAT(Error(huge), Catch::Contains("truncated file"));
  }
  SECTION("huge declared data size") {
    const Bytes data_chunk_header = {'d', 'a', 't', 'a', 0xF0, 0xFF, 0xFF, 0xFF};
    Bytes body = {'W', 'A', 'V', 'E'};
    const Bytes fmt = Chunk("fmt ", Fmt(1, 1, 16000, 16));
    body.insert(body.end(), fmt.begin(), fmt.end());
    body.insert(body.end(), data_chunk_header.begin(), data_chunk_header.end());
    body.insert(body.end(), 100, 0);
    Bytes wav = {'R', 'I', 'F', 'F'};
    PutLe(wav, static_cast<uint32_t>(body.size()), 4);
    wav.insert(wav.end(), body.begin(), body.end());
    CHECK_THAT(Error(wav), Catch::Contains("truncated data chunk"));
    CHECK_THAT(Error(wav), Catch::Contains("4294967280"));
  }
  SECTION("fmt chunk too small") {
    CHECK_THAT(Error(Riff({Chunk("fmt ", Bytes(14, 1)), Chunk("data", Pcm16({1}))})),
               Catch::Contains("fmt chunk too small"));
  }
  SECTION("missing chunks and wrong order") {
    CHECK_THAT(Error(Riff({Chunk("data", Pcm16({1}))})), Catch::Contains("data chunk before fmt chunk"));
    CHECK_THAT(Error(Riff({Chunk("LIST", Bytes(4, 'x'))})), Catch::Contains("missing fmt chunk"));
    CHECK_THAT(Error(Riff({Chunk("fmt ", Fmt(1, 1, 8000, 16))})), Catch::Contains("missing data chunk"));
    CHECK_THAT(Error(Riff({Chunk("fmt ", Fmt(1, 1, 8000, 16)), Chunk("fmt ", Fmt(1, 1, 8000, 16)),
                           Chunk("data", Pcm16({1}))})),
               Catch::Contains("duplicate fmt"));
  }
  SECTION("format problems") {
    CHECK_THAT(Error(Riff({Chunk("fmt ", Fmt(3, 1, 16000, 32)), Chunk("data", Bytes(8, 0))})),
               Catch::Contains("IEEE float"));
    CHECK_THAT(Error(Riff({Chunk("fmt ", Fmt(0x55, 1, 16000, 16)), Chunk("data", Bytes(8, 0))})),
               Catch::Contains("unsupported format tag 85"));
    CHECK_THAT(Error(Riff({Chunk("fmt ", Fmt(1, 2, 16000, 16)), Chunk("data", Bytes(8, 0))})),
               Catch::Contains("must be mono (file has 2 channels)"));
    CHECK_THAT(Error(Riff({Chunk("fmt ", Fmt(1, 1, 44100, 16)), Chunk("data", Bytes(8, 0))})),
               Catch::Contains("must be 8 or 16 kHz"));
    CHECK_THAT(Error(Riff({Chunk("fmt ", Fmt(1, 1, 8000, 8)), Chunk("data", Bytes(8, 0))})),
               Catch::Contains("must be 16-bit PCM"));
    CHECK_THAT(Error(Riff({Chunk("fmt ", Fmt(1, 0, 8000, 16)), Chunk("data", Bytes(8, 0))})),
               Catch::Contains("0 channels"));
    CHECK_THAT(Error(Riff({Chunk("fmt ", Fmt(1, 1, 0, 16)), Chunk("data", Bytes(8, 0))})),
               Catch::Contains("sample rate of 0"));
    CHECK_THAT(Error(Riff({Chunk("fmt ", Fmt(6, 1, 8000, 16)), Chunk("data", Bytes(8, 0))})),
               Catch::Contains("8 bits per sample"));
    Bytes bad_align = Fmt(1, 1, 8000, 16);
    bad_align[12] = 4;
    CHECK_THAT(Error(Riff({Chunk("fmt ", bad_align), Chunk("data", Bytes(8, 0))})),
               Catch::Contains("block align"));
  }
  SECTION("data not a whole number of samples") {
    CHECK_THAT(Error(Riff({Chunk("fmt ", Fmt(1, 1, 8000, 16)), Chunk("data", Bytes(7, 0))})),
               Catch::Contains("not a multiple"));
  }
  SECTION("a chunk running past the end") {
    Bytes wav = Riff({Chunk("fmt ", Fmt(1, 1, 8000, 16)), Chunk("data", Pcm16({1, 2}))});
    Bytes list = {'L', 'I', 'S', 'T', 0x00, 0x01, 0x00, 0x00};  // 256 bytes declared
    wav.insert(wav.end(), list.begin(), list.end());
    const uint32_t riff = static_cast<uint32_t>(wav.size() - 8);
    std::memcpy(wav.data() + 4, &riff, 4);
    CHECK_THAT(Error(wav), Catch::Contains("truncated LIST chunk"));
  }
}

TEST_CASE("Greeting uploads must be exactly 16 kHz 16-bit mono PCM") {
  CHECK(ValidateGreetingWav(Greeting()).ok());
  CHECK_THAT(GreetingError(Riff({Chunk("fmt ", Fmt(1, 1, 8000, 16)), Chunk("data", Bytes(8, 0))})),
             Catch::Contains("must be 16 kHz 16-bit PCM (file is 8 kHz 16-bit PCM)"));
  CHECK_THAT(GreetingError(Riff({Chunk("fmt ", Fmt(1, 1, 44100, 16)), Chunk("data", Bytes(8, 0))})),
             Catch::Contains("file is 44100 Hz 16-bit PCM"));
  CHECK_THAT(GreetingError(Riff({Chunk("fmt ", Fmt(1, 1, 16000, 24)), Chunk("data", Bytes(6, 0))})),
             Catch::Contains("must be 16 kHz 16-bit PCM"));
  CHECK_THAT(GreetingError(*WriteG711Wav(Bytes(8, 0xFF), G711Law::kUlaw)),
             Catch::Contains("must be 16 kHz 16-bit PCM (file is 8 kHz"));
  CHECK_THAT(GreetingError(Riff({Chunk("fmt ", Fmt(1, 2, 16000, 16)), Chunk("data", Bytes(8, 0))})),
             Catch::Contains("must be mono"));
  CHECK_THAT(GreetingError(Riff({Chunk("fmt ", Fmt(1, 1, 16000, 16)), Chunk("data", Bytes())})),
             Catch::Contains("contains no audio"));
  CHECK_THAT(GreetingError(Bytes{'n', 'o', 'p', 'e'}), Catch::Contains("not a RIFF file"));
  // 1600 samples at 16 kHz is 100 ms.
  CHECK(ValidateGreetingWav(Greeting(), absl::Milliseconds(100)).ok());
  CHECK_THAT(std::string(ValidateGreetingWav(Greeting(), absl::Milliseconds(50)).message()),
             Catch::Contains("too long"));
}

TEST_CASE("WAV parser never reads past the buffer on corrupted input") {
  // Mutate a valid file at random and parse the truncated copy: the copy is
  // a fresh allocation of exactly its size, so an overread is a sanitizer
  // (or valgrind) finding; here we check the results stay within bounds.
  const Bytes good = Greeting(64);
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) {
    Bytes wav = good;
    for (int m = 0; m < 3; ++m) wav[rng() % wav.size()] = static_cast<uint8_t>(rng());
    wav.resize(rng() % (wav.size() + 1));
    absl::StatusOr<WavFile> file = ParseWav(wav);
    if (!file.ok()) continue;
    REQUIRE(file->data.data() >= wav.data());
    REQUIRE(file->data.data() + file->data.size() <= wav.data() + wav.size());
    REQUIRE(file->frames * static_cast<size_t>(file->format.block_align) == file->data.size());
  }
}

}  // namespace
}  // namespace sb::media
