#pragma once
// ITU-T G.711 µ-law (PCMU, RTP payload type 0) and A-law (PCMA, payload type 8).
//
// The quantization follows the ITU-T G.191 reference implementation (one's
// complement for negative samples), so -1 encodes to the "negative zero" code
// word (µ-law 0x7F, A-law 0x55) rather than to the first negative step. The
// encoders are single table look-ups indexed by the bits G.711 actually uses
// (14 for µ-law, 13 for A-law), the decoders 256-entry tables: both are
// compile-time constants, so there is no initialization order to think about
// and the hot loop has no branches.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace sb::media {

enum class G711Law { kUlaw, kAlaw };

// RTP static payload types (RFC 3551).
inline constexpr uint8_t kPayloadTypePcmu = 0;
inline constexpr uint8_t kPayloadTypePcma = 8;

// The law of a static payload type, or nullopt if it is not G.711.
std::optional<G711Law> LawForPayloadType(uint8_t payload_type);
uint8_t PayloadTypeForLaw(G711Law law);

// The code word a silent sample encodes to (0xFF µ-law, 0xD5 A-law): what a
// "silence" RTP frame carries.
uint8_t SilenceCode(G711Law law);

uint8_t LinearToUlaw(int16_t sample);
int16_t UlawToLinear(uint8_t code);
uint8_t LinearToAlaw(int16_t sample);
int16_t AlawToLinear(uint8_t code);

// Bulk conversion. Converts min(in.size(), out.size()) samples and returns that
// count, so a short output buffer truncates instead of overrunning.
size_t EncodeUlaw(std::span<const int16_t> in, std::span<uint8_t> out);
size_t DecodeUlaw(std::span<const uint8_t> in, std::span<int16_t> out);
size_t EncodeAlaw(std::span<const int16_t> in, std::span<uint8_t> out);
size_t DecodeAlaw(std::span<const uint8_t> in, std::span<int16_t> out);
size_t Encode(G711Law law, std::span<const int16_t> in, std::span<uint8_t> out);
size_t Decode(G711Law law, std::span<const uint8_t> in, std::span<int16_t> out);

}  // namespace sb::media
