#pragma once
// RTCP (RFC 3550 section 6): sender and receiver reports, SDES CNAME and BYE —
// what a telephony endpoint needs to report reception quality and to be told a
// stream ended. Other packet types (APP, feedback, XR) are skipped on parse.
//
// Parsing is bounds-checked like ParseRtp; a compound packet is accepted only
// if its packets' lengths add up exactly to the datagram (RFC 3550 A.2).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace sb::media {

inline constexpr uint8_t kRtcpSenderReport = 200;
inline constexpr uint8_t kRtcpReceiverReport = 201;
inline constexpr uint8_t kRtcpSourceDescription = 202;
inline constexpr uint8_t kRtcpBye = 203;

// One reception report block (RFC 3550 6.4.1).
struct RtcpReportBlock {
  uint32_t ssrc = 0;            // the source this block reports on
  uint8_t fraction_lost = 0;    // lost since the previous report, in 1/256
  int32_t cumulative_lost = 0;  // 24-bit signed on the wire (duplicates can make it negative)
  uint32_t extended_highest_sequence = 0;
  uint32_t jitter = 0;               // interarrival jitter, RTP timestamp units
  uint32_t last_sr = 0;              // middle 32 bits of the last SR's NTP time, 0 if none
  uint32_t delay_since_last_sr = 0;  // 1/65536 s

  bool operator==(const RtcpReportBlock&) const = default;
};

struct RtcpSenderInfo {
  uint64_t ntp_timestamp = 0;
  uint32_t rtp_timestamp = 0;
  uint32_t packet_count = 0;
  uint32_t octet_count = 0;

  bool operator==(const RtcpSenderInfo&) const = default;
};

struct RtcpSenderReport {
  uint32_t ssrc = 0;
  RtcpSenderInfo sender;
  std::vector<RtcpReportBlock> reports;  // at most 31
};

struct RtcpReceiverReport {
  uint32_t ssrc = 0;
  std::vector<RtcpReportBlock> reports;  // at most 31
};

struct RtcpCname {
  uint32_t ssrc = 0;
  std::string cname;
};

// What a compound RTCP datagram carried.
struct RtcpCompound {
  std::vector<RtcpSenderReport> sender_reports;
  std::vector<RtcpReceiverReport> receiver_reports;
  std::vector<RtcpCname> cnames;
  std::vector<uint32_t> byes;  // SSRCs that left
};

absl::StatusOr<RtcpCompound> ParseRtcp(std::span<const uint8_t> datagram);

// Builders append one RTCP packet to `out`, so a compound packet is built by
// calling them in order (RFC 3550 6.1: a report first, then SDES with CNAME).
// More than 31 report blocks: only the first 31 are sent.
void AppendSenderReport(const RtcpSenderReport& report, std::vector<uint8_t>* out);
void AppendReceiverReport(const RtcpReceiverReport& report, std::vector<uint8_t>* out);
// CNAME longer than 255 bytes is truncated (the SDES item length is one byte).
void AppendSdesCname(uint32_t ssrc, absl::string_view cname, std::vector<uint8_t>* out);
void AppendBye(uint32_t ssrc, std::vector<uint8_t>* out);

// NTP timestamps (64-bit, seconds since 1900 in the high word).
uint64_t ToNtpTime(absl::Time time);
absl::Time FromNtpTime(uint64_t ntp);
// The "compact" middle 32 bits used by LSR/DLSR arithmetic.
inline uint32_t NtpMiddle32(uint64_t ntp) { return static_cast<uint32_t>(ntp >> 16); }

// Round-trip time from a report block about our stream that arrived at
// `arrival` (RFC 3550 6.4.1: A - LSR - DLSR); nullopt if the peer has not yet
// received a sender report from us or the result is negative (clock nonsense).
std::optional<absl::Duration> RoundTripTime(const RtcpReportBlock& block, absl::Time arrival);

}  // namespace sb::media
