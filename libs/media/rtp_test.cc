#include "media/rtp.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <vector>

#include "media/rtcp.h"
#include "media/rtp_stats.h"

namespace sb::media {
namespace {

using Bytes = std::vector<uint8_t>;

TEST_CASE("RTP parses a minimal PCMU packet") {
  const Bytes wire = {0x80, 0x00, 0x12, 0x34, 0x00, 0x00, 0x01, 0x40, 0xDE, 0xAD, 0xBE, 0xEF, 0xFF, 0xFE};
  absl::StatusOr<RtpPacket> p = ParseRtp(wire);
  REQUIRE(p.ok());
  CHECK_FALSE(p->header.marker);
  CHECK(p->header.payload_type == 0);
  CHECK(p->header.sequence == 0x1234);
  CHECK(p->header.timestamp == 320);
  CHECK(p->header.ssrc == 0xDEADBEEF);
  CHECK(p->header.csrc_count == 0);
  CHECK_FALSE(p->header.has_extension);
  REQUIRE(p->payload.size() == 2);
  CHECK(p->payload[0] == 0xFF);
  CHECK(p->payload[1] == 0xFE);
}

TEST_CASE("RTP round-trips every header feature") {
  const Bytes ext = {1, 2, 3, 4, 5, 6, 7, 8};
  const Bytes payload = {9, 8, 7};
  RtpHeader h;
  h.marker = true;
  h.payload_type = 101;
  h.sequence = 65535;
  h.timestamp = 0xFFFFFFF0u;
  h.ssrc = 0x01020304;
  h.csrc_count = 2;
  h.csrcs[0] = 0xAAAAAAAA;
  h.csrcs[1] = 0xBBBBBBBB;
  h.has_extension = true;
  h.extension_profile = 0xBEDE;
  h.extension = ext;
  absl::StatusOr<Bytes> wire = BuildRtp(h, payload, 5);
  REQUIRE(wire.ok());
  CHECK(wire->size() == 12 + 8 + 4 + 8 + 3 + 5);
  CHECK(((*wire)[0] & 0x20) != 0);  // P
  CHECK(wire->back() == 5);

  absl::StatusOr<RtpPacket> p = ParseRtp(*wire);
  REQUIRE(p.ok());
  CHECK(p->header.marker);
  CHECK(p->header.payload_type == 101);
  CHECK(p->header.sequence == 65535);
  CHECK(p->header.timestamp == 0xFFFFFFF0u);
  CHECK(p->header.ssrc == 0x01020304u);
  REQUIRE(p->header.csrc_count == 2);
  CHECK(p->header.csrcs[1] == 0xBBBBBBBBu);
  CHECK(p->header.extension_profile == 0xBEDE);
  CHECK(Bytes(p->header.extension.begin(), p->header.extension.end()) == ext);
  CHECK(Bytes(p->payload.begin(), p->payload.end()) == payload);
  CHECK(p->padding == 5);
}

TEST_CASE("RTP serialization refuses what it cannot encode") {
  RtpHeader h;
  Bytes out(100);
  h.payload_type = 128;
  CHECK(absl::IsInvalidArgument(SerializeRtp(h, {}, out).status()));
  h.payload_type = 0;
  h.csrc_count = 16;
  CHECK(absl::IsInvalidArgument(SerializeRtp(h, {}, out).status()));
  h.csrc_count = 0;
  const Bytes odd_ext = {1, 2, 3};
  h.has_extension = true;
  h.extension = odd_ext;
  CHECK(absl::IsInvalidArgument(SerializeRtp(h, {}, out).status()));
  h.has_extension = false;
  Bytes tiny(11);
  CHECK(absl::IsResourceExhausted(SerializeRtp(h, {}, tiny).status()));
  CHECK(absl::IsInvalidArgument(SerializeRtp(h, {}, out, 256).status()));
}

TEST_CASE("RTP rejects malformed packets with a reason") {
  struct Case {
    const char* what;
    Bytes wire;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"empty", {}, "too short"},
      {"11 bytes", Bytes(11, 0x80), "too short"},
      {"version 1", {0x40, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1}, "version 1"},
      {"version 0 (STUN-like)", {0x00, 1, 0, 8, 0x21, 0x12, 0xA4, 0x42, 0, 0, 0, 0}, "version 0"},
      {"CSRC count past the end", {0x8F, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4}, "CSRC list truncated"},
      {"extension header missing", {0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xBE}, "extension truncated"},
      {"extension longer than packet",
       {0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xBE, 0xDE, 0xFF, 0xFF, 1, 2, 3, 4},
       "extension declares"},
      {"padding count zero", {0xA0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0}, "padding count is zero"},
      {"padding larger than packet", {0xA0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 200}, "exceeds"},
      {"padding eating the header", {0xA0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 13}, "exceeds"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    absl::StatusOr<RtpPacket> p = ParseRtp(c.wire);
    REQUIRE_FALSE(p.ok());
    CHECK(absl::IsInvalidArgument(p.status()));
    CHECK_THAT(std::string(p.status().message()), Catch::Contains(c.message));
  }
}

TEST_CASE("RTP parser survives random bytes") {
  // Fuzz-style: any outcome is fine as long as spans stay inside the input.
  std::mt19937 rng(42);
  for (int i = 0; i < 20000; ++i) {
    Bytes wire(rng() % 64);
    for (uint8_t& b : wire) b = static_cast<uint8_t>(rng());
    if (!wire.empty() && i % 2 == 0) wire[0] = static_cast<uint8_t>(0x80 | (wire[0] & 0x3F));
    absl::StatusOr<RtpPacket> p = ParseRtp(wire);
    if (!p.ok()) continue;
    const uint8_t* begin = wire.data();
    const uint8_t* end = wire.data() + wire.size();
    if (!p->payload.empty()) {
      REQUIRE(p->payload.data() >= begin);
      REQUIRE(p->payload.data() + p->payload.size() <= end);
    }
    if (!p->header.extension.empty()) {
      REQUIRE(p->header.extension.data() >= begin);
      REQUIRE(p->header.extension.data() + p->header.extension.size() <= end);
    }
    REQUIRE(kRtpHeaderSize + 4u * p->header.csrc_count + p->payload.size() + p->padding <= wire.size());
  }
}

TEST_CASE("RTP and RTCP are told apart (RFC 5761)") {
  CHECK(LooksLikeRtcp(Bytes{0x80, 200, 0, 6}));
  CHECK(LooksLikeRtcp(Bytes{0x81, 201, 0, 7}));
  CHECK_FALSE(LooksLikeRtcp(Bytes{0x80, 0x00}));
  CHECK_FALSE(LooksLikeRtcp(Bytes{0x80, 0xE5}));  // marker + PT 101
}

TEST_CASE("Sequence numbers unwrap across 65535 -> 0 and tolerate reordering") {
  SequenceUnwrapper u;
  CHECK(u.Unwrap(65534) == 65534);
  CHECK(u.Unwrap(65535) == 65535);
  CHECK(u.Unwrap(0) == 65536);
  CHECK(u.Unwrap(65535) == 65535);  // late packet from before the wrap
  CHECK(u.Unwrap(2) == 65538);
  CHECK(u.Unwrap(1) == 65537);
  CHECK(u.highest() == 65538);
  for (int i = 3; i < 200000; ++i) u.Unwrap(static_cast<uint16_t>(i));
  CHECK(u.Unwrap(static_cast<uint16_t>(200000)) == 65536 + 200000);

  TimestampUnwrapper t;
  CHECK(t.Unwrap(0xFFFFFF00u) == 0xFFFFFF00LL);
  CHECK(t.Unwrap(0x00000060u) == 0x100000060LL);
  CHECK(SequenceNewer(1, 65535));
  CHECK_FALSE(SequenceNewer(65535, 1));
  CHECK(TimestampNewer(5, 0xFFFFFFF0u));
}

TEST_CASE("RTCP SR and RR round-trip, with SDES and BYE") {
  RtcpSenderReport sr;
  sr.ssrc = 0x11111111;
  sr.sender = {0xE1234567'89ABCDEFULL, 123456, 1000, 160000};
  RtcpReportBlock b;
  b.ssrc = 0x22222222;
  b.fraction_lost = 64;
  b.cumulative_lost = -3;
  b.extended_highest_sequence = 0x00010005;
  b.jitter = 37;
  b.last_sr = 0x456789AB;
  b.delay_since_last_sr = 65536;
  sr.reports = {b};
  Bytes wire;
  AppendSenderReport(sr, &wire);
  CHECK(wire.size() == 52);
  AppendReceiverReport({0x33333333, {b, b}}, &wire);
  AppendSdesCname(0x11111111, "vm-1@switchboard", &wire);
  AppendBye(0x11111111, &wire);
  CHECK(wire.size() % 4 == 0);

  absl::StatusOr<RtcpCompound> c = ParseRtcp(wire);
  REQUIRE(c.ok());
  REQUIRE(c->sender_reports.size() == 1);
  CHECK(c->sender_reports[0].ssrc == 0x11111111u);
  CHECK(c->sender_reports[0].sender == sr.sender);
  REQUIRE(c->sender_reports[0].reports.size() == 1);
  CHECK(c->sender_reports[0].reports[0] == b);
  REQUIRE(c->receiver_reports.size() == 1);
  CHECK(c->receiver_reports[0].reports.size() == 2);
  REQUIRE(c->cnames.size() == 1);
  CHECK(c->cnames[0].cname == "vm-1@switchboard");
  REQUIRE(c->byes.size() == 1);
  CHECK(c->byes[0] == 0x11111111u);
}

TEST_CASE("RTCP rejects inconsistent lengths") {
  Bytes wire;
  AppendReceiverReport({1, {RtcpReportBlock{}}}, &wire);
  SECTION("truncated") {
    wire.pop_back();
    CHECK_FALSE(ParseRtcp(wire).ok());
  }
  SECTION("report count larger than the packet") {
    wire[0] = 0x80 | 5;
    CHECK_THAT(std::string(ParseRtcp(wire).status().message()), Catch::Contains("blocks"));
  }
  SECTION("length field past the end") {
    wire[3] = 0xFF;
    CHECK_THAT(std::string(ParseRtcp(wire).status().message()), Catch::Contains("declares"));
  }
  SECTION("bad version") {
    wire[0] = 0x40 | 1;
    CHECK_FALSE(ParseRtcp(wire).ok());
  }
  SECTION("SDES item overrunning its packet") {
    Bytes sdes;
    AppendSdesCname(7, "abc", &sdes);
    sdes[9] = 200;  // item length
    CHECK_FALSE(ParseRtcp(sdes).ok());
  }
}

TEST_CASE("NTP time conversion and round-trip time") {
  const absl::Time t = absl::FromUnixSeconds(1700000000) + absl::Milliseconds(250);
  const uint64_t ntp = ToNtpTime(t);
  CHECK((ntp >> 32) == 1700000000ULL + 2208988800ULL);
  CHECK((ntp & 0xFFFFFFFF) == 0x40000000ULL);
  CHECK(absl::AbsDuration(FromNtpTime(ntp) - t) < absl::Microseconds(1));

  // We sent an SR at t; the peer held it 100 ms and answered; it arrives at
  // t + 180 ms: the network round trip is 80 ms.
  RtcpReportBlock block;
  block.last_sr = NtpMiddle32(ntp);
  block.delay_since_last_sr = 65536 / 10;
  std::optional<absl::Duration> rtt = RoundTripTime(block, t + absl::Milliseconds(180));
  REQUIRE(rtt.has_value());
  CHECK(absl::AbsDuration(*rtt - absl::Milliseconds(80)) < absl::Milliseconds(1));
  block.last_sr = 0;
  CHECK_FALSE(RoundTripTime(block, t).has_value());
}

TEST_CASE("Receive statistics count loss, duplicates and reordering") {
  RtpReceiveStatistics stats(8000);
  using A = RtpReceiveStatistics::Arrival;
  // 100..119 with 105 and 110 lost, 112 late, 115 duplicated.
  std::vector<uint16_t> order;
  for (uint16_t s = 100; s < 120; ++s) {
    if (s == 105 || s == 110 || s == 112) continue;
    order.push_back(s);
    if (s == 114) order.push_back(112);
    if (s == 115) order.push_back(115);
  }
  int dups = 0, late = 0;
  for (uint16_t s : order) {
    const A a = stats.OnPacket(s);
    dups += a == A::kDuplicate;
    late += a == A::kLate;
  }
  CHECK(dups == 1);
  CHECK(late == 1);
  RtpStreamStats s = stats.stats();
  CHECK(s.expected == 20);
  CHECK(s.received == 18);
  CHECK(s.lost == 2);
  CHECK(s.duplicates == 1);
  CHECK(s.late == 1);
  CHECK(s.extended_highest_sequence == 119);

  RtcpReportBlock block = stats.MakeReportBlock(0xABCD, absl::UnixEpoch());
  CHECK(block.cumulative_lost == 2);
  CHECK(block.fraction_lost == 2 * 256 / 20);
  CHECK(block.extended_highest_sequence == 119);
  // Next interval: 10 more packets, none lost.
  for (uint16_t q = 120; q < 130; ++q) stats.OnPacket(q);
  CHECK(stats.MakeReportBlock(0xABCD, absl::UnixEpoch()).fraction_lost == 0);
}

TEST_CASE("Receive statistics: wrap, implausible jumps and resync") {
  RtpReceiveStatistics stats(8000);
  using A = RtpReceiveStatistics::Arrival;
  for (int i = 0; i < 10; ++i) stats.OnPacket(static_cast<uint16_t>(65530 + i));
  CHECK(stats.stats().extended_highest_sequence == 65536 + 3);
  CHECK(stats.stats().lost == 0);
  // A stray far-off packet is not believed...
  CHECK(stats.OnPacket(30000) == A::kJump);
  CHECK(stats.stats().received == 10);
  CHECK(stats.OnPacket(4) == A::kInOrder);
  // ...but two consecutive ones mean the sender restarted.
  CHECK(stats.OnPacket(40000) == A::kJump);
  CHECK(stats.OnPacket(40001) == A::kResync);
  CHECK(stats.stats().received == 1);
  CHECK(stats.stats().resyncs == 1);
  CHECK(stats.OnPacket(40002) == A::kInOrder);
  CHECK(stats.stats().lost == 0);
}

TEST_CASE("Interarrival jitter follows RFC 3550 A.8") {
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  SECTION("perfectly paced packets have no jitter") {
    RtpReceiveStatistics stats(8000);
    for (int i = 0; i < 100; ++i) {
      stats.OnPacket(static_cast<uint16_t>(i));
      stats.UpdateJitter(static_cast<uint32_t>(i * 160), t0 + absl::Milliseconds(20 * i));
    }
    CHECK(stats.stats().jitter == 0);
  }
  SECTION("alternating 10 ms early/late converges to ~80 units (10 ms at 8 kHz)") {
    RtpReceiveStatistics stats(8000);
    for (int i = 0; i < 2000; ++i) {
      const int skew_ms = i % 2 ? 5 : -5;
      stats.OnPacket(static_cast<uint16_t>(i));
      stats.UpdateJitter(static_cast<uint32_t>(i * 160), t0 + absl::Milliseconds(20 * i + skew_ms));
    }
    // |D| is always 10 ms = 80 units; J converges to |D|.
    CHECK(stats.stats().jitter >= 78);
    CHECK(stats.stats().jitter <= 80);
  }
}

TEST_CASE("Report block carries LSR/DLSR from the peer's sender report") {
  RtpReceiveStatistics stats(8000);
  stats.OnPacket(1);
  const absl::Time arrival = absl::FromUnixSeconds(5000);
  const uint64_t ntp = 0x0123456789ABCDEFULL;
  stats.OnSenderReport(ntp, arrival);
  RtcpReportBlock block = stats.MakeReportBlock(9, arrival + absl::Milliseconds(500));
  CHECK(block.last_sr == 0x456789ABu);
  CHECK(block.delay_since_last_sr == 32768);
}

}  // namespace
}  // namespace sb::media
