#include "media/rtcp.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "media/bytes.h"

namespace sb::media {
namespace {

constexpr size_t kReportBlockSize = 24;
constexpr size_t kSenderInfoSize = 20;
constexpr int64_t kNtpUnixOffsetSeconds = 2208988800LL;  // 1900-01-01 to 1970-01-01

RtcpReportBlock ReadReportBlock(std::span<const uint8_t> b) {
  RtcpReportBlock r;
  r.ssrc = ReadBe32(b);
  r.fraction_lost = b[4];
  // Sign-extend the 24-bit cumulative count.
  int32_t lost = static_cast<int32_t>((uint32_t{b[5]} << 16) | (uint32_t{b[6]} << 8) | b[7]);
  if (lost & 0x800000) lost -= 0x1000000;
  r.cumulative_lost = lost;
  r.extended_highest_sequence = ReadBe32(b.subspan(8));
  r.jitter = ReadBe32(b.subspan(12));
  r.last_sr = ReadBe32(b.subspan(16));
  r.delay_since_last_sr = ReadBe32(b.subspan(20));
  return r;
}

void AppendU32(std::vector<uint8_t>* out, uint32_t v) {
  uint8_t b[4];
  WriteBe32(b, v);
  out->insert(out->end(), b, b + 4);
}

void AppendReportBlock(const RtcpReportBlock& r, std::vector<uint8_t>* out) {
  AppendU32(out, r.ssrc);
  const int32_t lost = std::clamp<int32_t>(r.cumulative_lost, -0x800000, 0x7FFFFF);
  const uint32_t lost24 = static_cast<uint32_t>(lost) & 0xFFFFFF;
  AppendU32(out, (uint32_t{r.fraction_lost} << 24) | lost24);
  AppendU32(out, r.extended_highest_sequence);
  AppendU32(out, r.jitter);
  AppendU32(out, r.last_sr);
  AppendU32(out, r.delay_since_last_sr);
}

// Writes the common header; `words` is the packet length in 32-bit words
// minus one, as the wire format wants.
void AppendHeader(uint8_t count, uint8_t type, size_t words, std::vector<uint8_t>* out) {
  out->push_back(static_cast<uint8_t>(0x80 | (count & 0x1F)));
  out->push_back(type);
  out->push_back(static_cast<uint8_t>(words >> 8));
  out->push_back(static_cast<uint8_t>(words));
}

absl::Status ParseReports(std::span<const uint8_t> body, int count, std::vector<RtcpReportBlock>* out) {
  if (body.size() < kReportBlockSize * count) {
    return absl::InvalidArgumentError(absl::StrCat(
        "RTCP report declares ", count, " blocks but has room for ", body.size() / kReportBlockSize));
  }
  for (int i = 0; i < count; ++i) out->push_back(ReadReportBlock(body.subspan(i * kReportBlockSize)));
  return absl::OkStatus();
}

absl::Status ParseSdes(std::span<const uint8_t> body, int count, std::vector<RtcpCname>* out) {
  ByteReader reader(body);
  for (int chunk = 0; chunk < count; ++chunk) {
    const size_t chunk_start = reader.position();
    uint32_t ssrc;
    if (!reader.ReadBe32(&ssrc)) return absl::InvalidArgumentError("RTCP SDES chunk truncated");
    while (true) {
      uint8_t type;
      if (!reader.ReadU8(&type)) return absl::InvalidArgumentError("RTCP SDES item list not terminated");
      if (type == 0) break;  // END: the chunk is then padded to a 32-bit boundary
      uint8_t length;
      std::span<const uint8_t> text;
      if (!reader.ReadU8(&length) || !reader.ReadBytes(length, &text)) {
        return absl::InvalidArgumentError("RTCP SDES item truncated");
      }
      if (type == 1) out->push_back({ssrc, std::string(text.begin(), text.end())});
    }
    const size_t used = reader.position() - chunk_start;
    if (!reader.Skip((4 - used % 4) % 4))
      return absl::InvalidArgumentError("RTCP SDES chunk padding truncated");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RtcpCompound> ParseRtcp(std::span<const uint8_t> datagram) {
  if (datagram.size() < 4) return absl::InvalidArgumentError("RTCP packet too short");
  // Reduced-size RTCP (RFC 5506) may start with any type, so the A.2 rule that
  // the first packet is SR/RR is not enforced; lengths and versions are.
  RtcpCompound compound;
  size_t offset = 0;
  while (offset < datagram.size()) {
    const std::span<const uint8_t> rest = datagram.subspan(offset);
    if (rest.size() < 4) return absl::InvalidArgumentError("RTCP packet header truncated");
    if ((rest[0] >> 6) != 2)
      return absl::InvalidArgumentError(absl::StrCat("unsupported RTCP version ", rest[0] >> 6));
    const bool padding = (rest[0] & 0x20) != 0;
    const int count = rest[0] & 0x1F;
    const uint8_t type = rest[1];
    const size_t length = (size_t{ReadBe16(rest.subspan(2))} + 1) * 4;
    if (length > rest.size()) {
      return absl::InvalidArgumentError(absl::StrCat("RTCP packet type ", int{type}, " declares ", length,
                                                     " bytes, ", rest.size(), " left"));
    }
    std::span<const uint8_t> body = rest.subspan(4, length - 4);
    if (padding) {
      // Only the last packet of a compound may be padded.
      if (offset + length != datagram.size())
        return absl::InvalidArgumentError("RTCP padding before the last packet");
      const size_t pad = rest[length - 1];
      if (pad == 0 || pad > body.size()) return absl::InvalidArgumentError("RTCP padding count invalid");
      body = body.first(body.size() - pad);
    }
    switch (type) {
      case kRtcpSenderReport: {
        if (body.size() < 4 + kSenderInfoSize) return absl::InvalidArgumentError("RTCP SR too short");
        RtcpSenderReport sr;
        sr.ssrc = ReadBe32(body);
        sr.sender.ntp_timestamp = (uint64_t{ReadBe32(body.subspan(4))} << 32) | ReadBe32(body.subspan(8));
        sr.sender.rtp_timestamp = ReadBe32(body.subspan(12));
        sr.sender.packet_count = ReadBe32(body.subspan(16));
        sr.sender.octet_count = ReadBe32(body.subspan(20));
        if (absl::Status s = ParseReports(body.subspan(24), count, &sr.reports); !s.ok()) return s;
        compound.sender_reports.push_back(std::move(sr));
        break;
      }
      case kRtcpReceiverReport: {
        if (body.size() < 4) return absl::InvalidArgumentError("RTCP RR too short");
        RtcpReceiverReport rr;
        rr.ssrc = ReadBe32(body);
        if (absl::Status s = ParseReports(body.subspan(4), count, &rr.reports); !s.ok()) return s;
        compound.receiver_reports.push_back(std::move(rr));
        break;
      }
      case kRtcpSourceDescription:
        if (absl::Status s = ParseSdes(body, count, &compound.cnames); !s.ok()) return s;
        break;
      case kRtcpBye:
        if (body.size() < 4u * count) return absl::InvalidArgumentError("RTCP BYE SSRC list truncated");
        for (int i = 0; i < count; ++i) compound.byes.push_back(ReadBe32(body.subspan(4 * i)));
        break;
      default:
        break;  // APP, feedback, XR: not ours to interpret
    }
    offset += length;
  }
  return compound;
}

void AppendSenderReport(const RtcpSenderReport& report, std::vector<uint8_t>* out) {
  const size_t blocks = std::min<size_t>(report.reports.size(), 31);
  AppendHeader(static_cast<uint8_t>(blocks), kRtcpSenderReport,
               (4 + kSenderInfoSize + blocks * kReportBlockSize) / 4, out);
  AppendU32(out, report.ssrc);
  AppendU32(out, static_cast<uint32_t>(report.sender.ntp_timestamp >> 32));
  AppendU32(out, static_cast<uint32_t>(report.sender.ntp_timestamp));
  AppendU32(out, report.sender.rtp_timestamp);
  AppendU32(out, report.sender.packet_count);
  AppendU32(out, report.sender.octet_count);
  for (size_t i = 0; i < blocks; ++i) AppendReportBlock(report.reports[i], out);
}

void AppendReceiverReport(const RtcpReceiverReport& report, std::vector<uint8_t>* out) {
  const size_t blocks = std::min<size_t>(report.reports.size(), 31);
  AppendHeader(static_cast<uint8_t>(blocks), kRtcpReceiverReport, (4 + blocks * kReportBlockSize) / 4, out);
  AppendU32(out, report.ssrc);
  for (size_t i = 0; i < blocks; ++i) AppendReportBlock(report.reports[i], out);
}

void AppendSdesCname(uint32_t ssrc, absl::string_view cname, std::vector<uint8_t>* out) {
  const size_t text = std::min<size_t>(cname.size(), 255);
  // SSRC + CNAME item (type, length, text) + END, padded to 32 bits.
  const size_t chunk = 4 + 2 + text + 1;
  const size_t padded = (chunk + 3) / 4 * 4;
  AppendHeader(1, kRtcpSourceDescription, padded / 4, out);
  AppendU32(out, ssrc);
  out->push_back(1);
  out->push_back(static_cast<uint8_t>(text));
  out->insert(out->end(), cname.begin(), cname.begin() + text);
  out->insert(out->end(), padded - chunk + 1, 0);  // END item plus padding, all zero
}

void AppendBye(uint32_t ssrc, std::vector<uint8_t>* out) {
  AppendHeader(1, kRtcpBye, 1, out);
  AppendU32(out, ssrc);
}

uint64_t ToNtpTime(absl::Time time) {
  const int64_t unix_seconds = absl::ToUnixSeconds(time);
  const absl::Duration sub = time - absl::FromUnixSeconds(unix_seconds);
  const uint64_t seconds = static_cast<uint64_t>(unix_seconds + kNtpUnixOffsetSeconds);
  const uint64_t fraction = (static_cast<uint64_t>(absl::ToInt64Nanoseconds(sub)) << 32) / 1000000000ULL;
  return (seconds << 32) | (fraction & 0xFFFFFFFFULL);
}

absl::Time FromNtpTime(uint64_t ntp) {
  const int64_t seconds = static_cast<int64_t>(ntp >> 32) - kNtpUnixOffsetSeconds;
  const int64_t nanos = static_cast<int64_t>(((ntp & 0xFFFFFFFFULL) * 1000000000ULL) >> 32);
  return absl::FromUnixSeconds(seconds) + absl::Nanoseconds(nanos);
}

std::optional<absl::Duration> RoundTripTime(const RtcpReportBlock& block, absl::Time arrival) {
  if (block.last_sr == 0) return std::nullopt;
  // All three terms are in 1/65536 s; the subtraction wraps like the wire fields.
  const uint32_t now = NtpMiddle32(ToNtpTime(arrival));
  const int64_t rtt = static_cast<int32_t>(now - block.last_sr - block.delay_since_last_sr);
  if (rtt < 0) return std::nullopt;
  return absl::Microseconds(rtt * 1000000 / 65536);
}

}  // namespace sb::media
