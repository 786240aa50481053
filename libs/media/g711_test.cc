#include "media/g711.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

namespace sb::media {
namespace {

// Reference encoders written from the G.711 segment tables (the way the
// classic Sun/CCITT code does it: search the segment, shift out the
// mantissa), independent of the library's table construction. Negative
// samples use one's complement magnitude, as ITU-T G.191 does.
uint8_t ReferenceUlaw(int16_t x) {
  static const int kSegEnd[8] = {0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF};
  const bool negative = x < 0;
  int magnitude = ((negative ? ~x : x) >> 2) + 33;
  if (magnitude > 0x1FFF) magnitude = 0x1FFF;
  int seg = 0;
  while (magnitude > kSegEnd[seg]) ++seg;
  const int mantissa = (magnitude >> (seg + 1)) & 0xF;
  int code = ~((seg << 4) | mantissa) & 0x7F;
  if (!negative) code |= 0x80;
  return static_cast<uint8_t>(code);
}

uint8_t ReferenceAlaw(int16_t x) {
  static const int kSegEnd[8] = {0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF};
  const bool negative = x < 0;
  const int magnitude = (negative ? ~x : x) >> 3;
  int seg = 0;
  while (magnitude > kSegEnd[seg]) ++seg;
  int code = (seg << 4) | ((seg < 2 ? magnitude >> 1 : magnitude >> seg) & 0xF);
  if (!negative) code |= 0x80;
  return static_cast<uint8_t>(code ^ 0x55);
}

int16_t ReferenceUlawDecode(uint8_t code) {
  const int u = ~code & 0xFF;
  int t = ((u & 0x0F) << 3) + 0x84;
  t <<= (u & 0x70) >> 4;
  return static_cast<int16_t>((u & 0x80) ? 0x84 - t : t - 0x84);
}

int16_t ReferenceAlawDecode(uint8_t code) {
  const int a = code ^ 0x55;
  int t = (a & 0x0F) << 4;
  const int seg = (a & 0x70) >> 4;
  if (seg == 0) {
    t += 8;
  } else {
    t = (t + 0x108) << (seg - 1);
  }
  return static_cast<int16_t>((a & 0x80) ? t : -t);
}

TEST_CASE("G.711 known code words") {
  // µ-law: zero and +1 are the positive-zero code, -1 the negative zero.
  CHECK(LinearToUlaw(0) == 0xFF);
  CHECK(LinearToUlaw(1) == 0xFF);
  CHECK(LinearToUlaw(-1) == 0x7F);
  CHECK(LinearToUlaw(32767) == 0x80);
  CHECK(LinearToUlaw(-32767) == 0x00);
  CHECK(LinearToUlaw(-32768) == 0x00);
  CHECK(LinearToUlaw(1000) == 0xCE);
  CHECK(LinearToUlaw(-1000) == 0x4E);

  CHECK(LinearToAlaw(0) == 0xD5);
  CHECK(LinearToAlaw(1) == 0xD5);
  CHECK(LinearToAlaw(-1) == 0x55);
  CHECK(LinearToAlaw(32767) == 0xAA);
  CHECK(LinearToAlaw(-32767) == 0x2A);
  CHECK(LinearToAlaw(-32768) == 0x2A);
  CHECK(LinearToAlaw(1000) == 0xFA);
  CHECK(LinearToAlaw(-1000) == 0x7A);

  CHECK(SilenceCode(G711Law::kUlaw) == LinearToUlaw(0));
  CHECK(SilenceCode(G711Law::kAlaw) == LinearToAlaw(0));
}

TEST_CASE("G.711 decode table endpoints") {
  CHECK(UlawToLinear(0x00) == -32124);
  CHECK(UlawToLinear(0x7F) == 0);
  CHECK(UlawToLinear(0x80) == 32124);
  CHECK(UlawToLinear(0xFF) == 0);
  CHECK(UlawToLinear(0x7E) == -8);
  CHECK(UlawToLinear(0xFE) == 8);

  CHECK(AlawToLinear(0x55) == -8);
  CHECK(AlawToLinear(0xD5) == 8);
  CHECK(AlawToLinear(0x2A) == -32256);
  CHECK(AlawToLinear(0xAA) == 32256);
}

TEST_CASE("G.711 matches the segment-search reference for every input") {
  for (int x = -32768; x <= 32767; ++x) {
    const auto s = static_cast<int16_t>(x);
    INFO("sample " << x);
    REQUIRE(LinearToUlaw(s) == ReferenceUlaw(s));
    REQUIRE(LinearToAlaw(s) == ReferenceAlaw(s));
  }
  for (int c = 0; c < 256; ++c) {
    const auto code = static_cast<uint8_t>(c);
    INFO("code " << c);
    REQUIRE(UlawToLinear(code) == ReferenceUlawDecode(code));
    REQUIRE(AlawToLinear(code) == ReferenceAlawDecode(code));
  }
}

TEST_CASE("G.711 code words survive decode then encode") {
  for (int c = 0; c < 256; ++c) {
    const auto code = static_cast<uint8_t>(c);
    INFO("code " << c);
    // µ-law has two zeros; the negative one re-encodes as the positive one.
    CHECK(LinearToUlaw(UlawToLinear(code)) == (code == 0x7F ? 0xFF : code));
    CHECK(LinearToAlaw(AlawToLinear(code)) == code);
  }
}

TEST_CASE("G.711 decoding is monotonic in the magnitude bits") {
  // Positive µ-law codes run 0xFF (smallest) down to 0x80 (largest).
  for (int c = 0xFF; c > 0x80; --c) {
    CHECK(UlawToLinear(static_cast<uint8_t>(c)) < UlawToLinear(static_cast<uint8_t>(c - 1)));
  }
  // A-law magnitude is the code XOR 0x55 without the sign bit.
  for (int m = 0; m < 127; ++m) {
    CHECK(AlawToLinear(static_cast<uint8_t>((0x80 | m) ^ 0x55)) <
          AlawToLinear(static_cast<uint8_t>((0x80 | (m + 1)) ^ 0x55)));
  }
}

double SignalToQuantizationNoiseDb(G711Law law, double amplitude) {
  std::vector<int16_t> pcm(8000);
  for (size_t i = 0; i < pcm.size(); ++i) {
    pcm[i] = static_cast<int16_t>(
        std::lround(amplitude * std::sin(2 * std::numbers::pi * 1000.0 * i / 8000.0 + 0.1)));
  }
  std::vector<uint8_t> coded(pcm.size());
  std::vector<int16_t> decoded(pcm.size());
  REQUIRE(Encode(law, pcm, coded) == pcm.size());
  REQUIRE(Decode(law, coded, decoded) == pcm.size());
  double signal = 0, noise = 0;
  for (size_t i = 0; i < pcm.size(); ++i) {
    signal += static_cast<double>(pcm[i]) * pcm[i];
    noise += (static_cast<double>(decoded[i]) - pcm[i]) * (static_cast<double>(decoded[i]) - pcm[i]);
  }
  return 10 * std::log10(signal / noise);
}

TEST_CASE("G.711 keeps ~38 dB SQNR over a wide range of levels") {
  // The point of companding: the ratio stays roughly constant from quiet
  // speech to full scale (G.712 asks for ~35 dB down to -30 dBm0, less
  // below, where the fixed steps of the first segments dominate).
  for (double amplitude : {1000.0, 3000.0, 10000.0, 30000.0}) {
    INFO("amplitude " << amplitude);
    CHECK(SignalToQuantizationNoiseDb(G711Law::kUlaw, amplitude) > 35);
    CHECK(SignalToQuantizationNoiseDb(G711Law::kAlaw, amplitude) > 35);
  }
  CHECK(SignalToQuantizationNoiseDb(G711Law::kUlaw, 300) > 30);
  CHECK(SignalToQuantizationNoiseDb(G711Law::kAlaw, 300) > 28);
}

TEST_CASE("G.711 bulk functions equal the scalar ones and never overrun") {
  std::vector<int16_t> pcm;
  for (int x = -32768; x <= 32767; x += 97) pcm.push_back(static_cast<int16_t>(x));
  std::vector<uint8_t> u(pcm.size()), a(pcm.size());
  CHECK(EncodeUlaw(pcm, u) == pcm.size());
  CHECK(EncodeAlaw(pcm, a) == pcm.size());
  for (size_t i = 0; i < pcm.size(); ++i) {
    REQUIRE(u[i] == LinearToUlaw(pcm[i]));
    REQUIRE(a[i] == LinearToAlaw(pcm[i]));
  }
  std::vector<int16_t> back(pcm.size());
  CHECK(DecodeUlaw(u, back) == pcm.size());
  for (size_t i = 0; i < pcm.size(); ++i) REQUIRE(back[i] == UlawToLinear(u[i]));
  CHECK(Decode(G711Law::kAlaw, a, back) == pcm.size());
  for (size_t i = 0; i < pcm.size(); ++i) REQUIRE(back[i] == AlawToLinear(a[i]));

  // A short output truncates; the guard byte after it stays untouched.
  std::vector<uint8_t> small(11, 0xEE);
  CHECK(EncodeUlaw(pcm, std::span<uint8_t>(small).first(10)) == 10);
  CHECK(small[10] == 0xEE);
}

TEST_CASE("G.711 payload types") {
  CHECK(LawForPayloadType(0) == G711Law::kUlaw);
  CHECK(LawForPayloadType(8) == G711Law::kAlaw);
  CHECK_FALSE(LawForPayloadType(18).has_value());
  CHECK(PayloadTypeForLaw(G711Law::kAlaw) == 8);
}

}  // namespace
}  // namespace sb::media
