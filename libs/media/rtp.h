#pragma once
// RTP packets (RFC 3550 section 5): parse and serialize, and the unwrapping of
// 16-bit sequence numbers and 32-bit timestamps into monotonic 64-bit values.
//
// Parsing never copies: an RtpPacket is a view whose spans point into the
// datagram it was parsed from, so it must not outlive that buffer. Every field
// read is bounds-checked; malformed input yields INVALID_ARGUMENT naming the
// problem, never a read past the end.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <type_traits>
#include <vector>

#include "absl/status/statusor.h"

namespace sb::media {

inline constexpr size_t kRtpHeaderSize = 12;
inline constexpr size_t kMaxCsrcs = 15;

struct RtpHeader {
  bool marker = false;
  uint8_t payload_type = 0;  // 7 bits
  uint16_t sequence = 0;
  uint32_t timestamp = 0;
  uint32_t ssrc = 0;
  uint8_t csrc_count = 0;  // <= kMaxCsrcs; only csrcs[0..csrc_count) are meaningful
  std::array<uint32_t, kMaxCsrcs> csrcs{};
  // Header extension (RFC 3550 5.3.1). `extension` excludes the 4-byte
  // extension header and is a multiple of 4 bytes long.
  bool has_extension = false;
  uint16_t extension_profile = 0;
  std::span<const uint8_t> extension;
};

struct RtpPacket {
  RtpHeader header;
  std::span<const uint8_t> payload;  // padding removed
  size_t padding = 0;                // padding bytes removed, count byte included
};

// Parses one RTP datagram. Errors: too short, version != 2, CSRC list or
// extension running past the end, zero or oversized padding count.
absl::StatusOr<RtpPacket> ParseRtp(std::span<const uint8_t> datagram);

// Size SerializeRtp needs for this header, payload and padding.
size_t RtpPacketSize(const RtpHeader& header, size_t payload_size, size_t padding = 0);

// Writes the packet into `out` and returns its size. `padding` (0..255) adds
// that many padding bytes, the last holding the count (RFC 3550 5.1).
// INVALID_ARGUMENT for a header that cannot be encoded (payload type > 127,
// > 15 CSRCs, extension not a multiple of 4 bytes), RESOURCE_EXHAUSTED if
// `out` is too small.
absl::StatusOr<size_t> SerializeRtp(const RtpHeader& header, std::span<const uint8_t> payload,
                                    std::span<uint8_t> out, size_t padding = 0);

// Convenience for tests and cold paths; the header must be encodable.
absl::StatusOr<std::vector<uint8_t>> BuildRtp(const RtpHeader& header, std::span<const uint8_t> payload,
                                              size_t padding = 0);

// RFC 5761 demultiplexing: RTCP packet types 192..223 occupy the second byte
// where RTP has marker + payload type 64..95, which RTP never uses.
bool LooksLikeRtcp(std::span<const uint8_t> datagram);

// Maps wrapping counters (16-bit sequence numbers, 32-bit timestamps) onto a
// monotonic int64 line. A value is placed within half the counter range of the
// highest value seen so far; the reference only moves forward, so reordered
// packets unwrap relative to the newest one.
template <typename T>
class Unwrapper {
  static_assert(std::is_unsigned_v<T> && sizeof(T) <= 4);

 public:
  int64_t Unwrap(T value) {
    if (!highest_) {
      highest_ = static_cast<int64_t>(value);
      return *highest_;
    }
    using Signed = std::make_signed_t<T>;
    const T last = static_cast<T>(*highest_);
    const int64_t delta = static_cast<Signed>(static_cast<T>(value - last));
    const int64_t unwrapped = *highest_ + delta;
    if (unwrapped > *highest_) highest_ = unwrapped;
    return unwrapped;
  }
  std::optional<int64_t> highest() const { return highest_; }
  void Reset() { highest_.reset(); }

 private:
  std::optional<int64_t> highest_;
};

using SequenceUnwrapper = Unwrapper<uint16_t>;
using TimestampUnwrapper = Unwrapper<uint32_t>;

// Serial-number comparison (RFC 1982): true if `a` comes after `b`.
inline bool SequenceNewer(uint16_t a, uint16_t b) { return a != b && static_cast<uint16_t>(a - b) < 0x8000; }
inline bool TimestampNewer(uint32_t a, uint32_t b) {
  return a != b && static_cast<uint32_t>(a - b) < 0x80000000u;
}

}  // namespace sb::media
