#include "media/rtp.h"

#include <algorithm>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "media/bytes.h"

namespace sb::media {

absl::StatusOr<RtpPacket> ParseRtp(std::span<const uint8_t> datagram) {
  const size_t size = datagram.size();
  if (size < kRtpHeaderSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("RTP packet too short: ", size, " bytes, the fixed header needs 12"));
  }
  const uint8_t b0 = datagram[0];
  const uint8_t b1 = datagram[1];
  if ((b0 >> 6) != 2) return absl::InvalidArgumentError(absl::StrCat("unsupported RTP version ", b0 >> 6));

  RtpPacket packet;
  RtpHeader& h = packet.header;
  const bool has_padding = (b0 & 0x20) != 0;
  h.has_extension = (b0 & 0x10) != 0;
  h.csrc_count = b0 & 0x0F;
  h.marker = (b1 & 0x80) != 0;
  h.payload_type = b1 & 0x7F;
  h.sequence = ReadBe16(datagram.subspan(2));
  h.timestamp = ReadBe32(datagram.subspan(4));
  h.ssrc = ReadBe32(datagram.subspan(8));

  size_t offset = kRtpHeaderSize;
  if (size - offset < 4u * h.csrc_count) {
    return absl::InvalidArgumentError(absl::StrCat("RTP CSRC list truncated: ", int{h.csrc_count},
                                                   " CSRCs declared, ", size - offset, " bytes left"));
  }
  for (int i = 0; i < h.csrc_count; ++i, offset += 4) h.csrcs[i] = ReadBe32(datagram.subspan(offset));

  if (h.has_extension) {
    if (size - offset < 4) return absl::InvalidArgumentError("RTP header extension truncated");
    h.extension_profile = ReadBe16(datagram.subspan(offset));
    const size_t ext_bytes = 4u * ReadBe16(datagram.subspan(offset + 2));
    offset += 4;
    if (size - offset < ext_bytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("RTP header extension declares ", ext_bytes, " bytes, ", size - offset, " left"));
    }
    h.extension = datagram.subspan(offset, ext_bytes);
    offset += ext_bytes;
  }

  size_t payload_end = size;
  if (has_padding) {
    // The count includes itself, so 0 is malformed, and it may not reach into
    // the header.
    const size_t count = datagram[size - 1];
    if (count == 0) return absl::InvalidArgumentError("RTP padding count is zero");
    if (count > size - offset) {
      return absl::InvalidArgumentError(absl::StrCat("RTP padding of ", count, " bytes exceeds the ",
                                                     size - offset, " bytes after the header"));
    }
    packet.padding = count;
    payload_end = size - count;
  }
  packet.payload = datagram.subspan(offset, payload_end - offset);
  return packet;
}

size_t RtpPacketSize(const RtpHeader& header, size_t payload_size, size_t padding) {
  size_t size = kRtpHeaderSize + 4u * std::min<size_t>(header.csrc_count, kMaxCsrcs) + payload_size + padding;
  if (header.has_extension) size += 4 + header.extension.size();
  return size;
}

absl::StatusOr<size_t> SerializeRtp(const RtpHeader& h, std::span<const uint8_t> payload,
                                    std::span<uint8_t> out, size_t padding) {
  if (h.payload_type > 127) {
    return absl::InvalidArgumentError(absl::StrCat("RTP payload type ", int{h.payload_type}, " exceeds 127"));
  }
  if (h.csrc_count > kMaxCsrcs) {
    return absl::InvalidArgumentError(absl::StrCat("RTP allows 15 CSRCs, got ", int{h.csrc_count}));
  }
  if (h.has_extension && (h.extension.size() % 4 != 0 || h.extension.size() > 4u * 0xFFFF)) {
    return absl::InvalidArgumentError("RTP header extension must be a multiple of 4 bytes, at most 262140");
  }
  if (padding > 255) return absl::InvalidArgumentError("RTP padding must be at most 255 bytes");
  const size_t size = RtpPacketSize(h, payload.size(), padding);
  if (out.size() < size) {
    return absl::ResourceExhaustedError(
        absl::StrCat("RTP packet needs ", size, " bytes, buffer has ", out.size()));
  }
  out[0] =
      static_cast<uint8_t>(0x80 | (padding > 0 ? 0x20 : 0) | (h.has_extension ? 0x10 : 0) | h.csrc_count);
  out[1] = static_cast<uint8_t>((h.marker ? 0x80 : 0) | h.payload_type);
  WriteBe16(out.subspan(2), h.sequence);
  WriteBe32(out.subspan(4), h.timestamp);
  WriteBe32(out.subspan(8), h.ssrc);
  size_t offset = kRtpHeaderSize;
  for (int i = 0; i < h.csrc_count; ++i, offset += 4) WriteBe32(out.subspan(offset), h.csrcs[i]);
  if (h.has_extension) {
    WriteBe16(out.subspan(offset), h.extension_profile);
    WriteBe16(out.subspan(offset + 2), static_cast<uint16_t>(h.extension.size() / 4));
    offset += 4;
    if (!h.extension.empty()) std::memcpy(out.data() + offset, h.extension.data(), h.extension.size());
    offset += h.extension.size();
  }
  if (!payload.empty()) std::memcpy(out.data() + offset, payload.data(), payload.size());
  offset += payload.size();
  if (padding > 0) {
    std::memset(out.data() + offset, 0, padding - 1);
    out[offset + padding - 1] = static_cast<uint8_t>(padding);
    offset += padding;
  }
  return offset;
}

absl::StatusOr<std::vector<uint8_t>> BuildRtp(const RtpHeader& header, std::span<const uint8_t> payload,
                                              size_t padding) {
  std::vector<uint8_t> out(RtpPacketSize(header, payload.size(), padding));
  absl::StatusOr<size_t> size = SerializeRtp(header, payload, out, padding);
  if (!size.ok()) return size.status();
  out.resize(*size);
  return out;
}

bool LooksLikeRtcp(std::span<const uint8_t> datagram) {
  return datagram.size() >= 2 && (datagram[0] >> 6) == 2 && datagram[1] >= 192 && datagram[1] <= 223;
}

}  // namespace sb::media
