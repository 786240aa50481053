#include "media/g711.h"

#include <algorithm>
#include <array>

namespace sb::media {
namespace {

// G.191 µ-law compression of a 14-bit magnitude index. `index` is the sample
// shifted right by 2 (arithmetic), so negative samples arrive as ~magnitude.
constexpr uint8_t CompressUlaw(int index) {
  const bool negative = index < 0;
  int magnitude = (negative ? ~index : index) + 33;  // 33: the µ-law bias at 14 bits
  if (magnitude > 0x1FFF) magnitude = 0x1FFF;
  int segment = 1;
  for (int i = magnitude >> 6; i != 0; i >>= 1) ++segment;
  const int high = 8 - segment;
  const int low = 0xF - ((magnitude >> segment) & 0xF);
  int code = (high << 4) | low;
  if (!negative) code |= 0x80;
  return static_cast<uint8_t>(code);
}

constexpr int16_t ExpandUlaw(uint8_t code) {
  const int sign = code < 0x80 ? -1 : 1;
  const int inverted = ~code & 0xFF;
  const int exponent = (inverted >> 4) & 0x7;
  const int mantissa = inverted & 0xF;
  const int step = 4 << (exponent + 1);
  return static_cast<int16_t>(sign * ((0x80 << exponent) + step * mantissa + step / 2 - 4 * 33));
}

// G.191 A-law compression of a 12-bit magnitude index (sample >> 4).
constexpr uint8_t CompressAlaw(int index) {
  const bool negative = index < 0;
  int ix = negative ? ~index : index;
  if (ix > 15) {
    int exponent = 1;
    while (ix > 16 + 15) {
      ix >>= 1;
      ++exponent;
    }
    ix -= 16;
    ix += exponent << 4;
  }
  if (!negative) ix |= 0x80;
  return static_cast<uint8_t>(ix ^ 0x55);  // even bits inverted, per G.711
}

constexpr int16_t ExpandAlaw(uint8_t code) {
  const int ix = (code ^ 0x55) & 0x7F;
  const int exponent = ix >> 4;
  int mantissa = ix & 0xF;
  if (exponent > 0) mantissa += 16;
  mantissa = (mantissa << 4) + 8;
  if (exponent > 1) mantissa <<= exponent - 1;
  return static_cast<int16_t>(code > 127 ? mantissa : -mantissa);
}

// Encode tables are indexed by (sample >> shift) + offset: every 16-bit sample
// maps to exactly the index G.711 quantizes, so one load replaces the segment
// search.
constexpr auto kUlawEncode = [] {
  std::array<uint8_t, 1 << 14> table{};
  for (int i = 0; i < (1 << 14); ++i) table[i] = CompressUlaw(i - (1 << 13));
  return table;
}();

constexpr auto kAlawEncode = [] {
  std::array<uint8_t, 1 << 12> table{};
  for (int i = 0; i < (1 << 12); ++i) table[i] = CompressAlaw(i - (1 << 11));
  return table;
}();

constexpr auto kUlawDecode = [] {
  std::array<int16_t, 256> table{};
  for (int i = 0; i < 256; ++i) table[i] = ExpandUlaw(static_cast<uint8_t>(i));
  return table;
}();

constexpr auto kAlawDecode = [] {
  std::array<int16_t, 256> table{};
  for (int i = 0; i < 256; ++i) table[i] = ExpandAlaw(static_cast<uint8_t>(i));
  return table;
}();

static_assert(kUlawDecode[0xFF] == 0 && kUlawDecode[0x00] == -32124 && kUlawDecode[0x80] == 32124);
static_assert(kAlawDecode[0xD5] == 8 && kAlawDecode[0xAA] == 32256 && kAlawDecode[0x2A] == -32256);

}  // namespace

std::optional<G711Law> LawForPayloadType(uint8_t payload_type) {
  if (payload_type == kPayloadTypePcmu) return G711Law::kUlaw;
  if (payload_type == kPayloadTypePcma) return G711Law::kAlaw;
  return std::nullopt;
}

uint8_t PayloadTypeForLaw(G711Law law) { return law == G711Law::kUlaw ? kPayloadTypePcmu : kPayloadTypePcma; }

uint8_t SilenceCode(G711Law law) { return law == G711Law::kUlaw ? 0xFF : 0xD5; }

uint8_t LinearToUlaw(int16_t sample) { return kUlawEncode[(sample >> 2) + (1 << 13)]; }
int16_t UlawToLinear(uint8_t code) { return kUlawDecode[code]; }
uint8_t LinearToAlaw(int16_t sample) { return kAlawEncode[(sample >> 4) + (1 << 11)]; }
int16_t AlawToLinear(uint8_t code) { return kAlawDecode[code]; }

size_t EncodeUlaw(std::span<const int16_t> in, std::span<uint8_t> out) {
  const size_t n = std::min(in.size(), out.size());
  for (size_t i = 0; i < n; ++i) out[i] = kUlawEncode[(in[i] >> 2) + (1 << 13)];
  return n;
}

size_t DecodeUlaw(std::span<const uint8_t> in, std::span<int16_t> out) {
  const size_t n = std::min(in.size(), out.size());
  for (size_t i = 0; i < n; ++i) out[i] = kUlawDecode[in[i]];
  return n;
}

size_t EncodeAlaw(std::span<const int16_t> in, std::span<uint8_t> out) {
  const size_t n = std::min(in.size(), out.size());
  for (size_t i = 0; i < n; ++i) out[i] = kAlawEncode[(in[i] >> 4) + (1 << 11)];
  return n;
}

size_t DecodeAlaw(std::span<const uint8_t> in, std::span<int16_t> out) {
  const size_t n = std::min(in.size(), out.size());
  for (size_t i = 0; i < n; ++i) out[i] = kAlawDecode[in[i]];
  return n;
}

size_t Encode(G711Law law, std::span<const int16_t> in, std::span<uint8_t> out) {
  return law == G711Law::kUlaw ? EncodeUlaw(in, out) : EncodeAlaw(in, out);
}

size_t Decode(G711Law law, std::span<const uint8_t> in, std::span<int16_t> out) {
  return law == G711Law::kUlaw ? DecodeUlaw(in, out) : DecodeAlaw(in, out);
}

}  // namespace sb::media
