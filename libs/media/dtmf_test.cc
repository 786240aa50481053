#include "media/dtmf.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace sb::media {
namespace {

using Bytes = std::vector<uint8_t>;

RtpHeader EventHeader(uint32_t timestamp, bool marker = false) {
  RtpHeader h;
  h.payload_type = 101;
  h.timestamp = timestamp;
  h.marker = marker;
  return h;
}

Bytes Payload(uint8_t event, bool end, uint16_t duration, uint8_t volume = 10) {
  const auto a = SerializeTelephoneEvent({event, end, volume, duration});
  return Bytes(a.begin(), a.end());
}

// Feeds packets and returns the digits reported, as a string.
struct Harness {
  DtmfReceiver receiver;
  std::string digits;
  void Feed(uint32_t timestamp, uint8_t event, bool end, uint16_t duration, bool marker = false) {
    std::vector<DtmfDigit> out;
    absl::StatusOr<int> n =
        receiver.OnPacket(EventHeader(timestamp, marker), Payload(event, end, duration), &out);
    REQUIRE(n.ok());
    REQUIRE(static_cast<size_t>(*n) == out.size());
    for (const DtmfDigit& d : out) digits.push_back(d.digit ? d.digit : '!');
  }
};

TEST_CASE("telephone-event payload layout (RFC 4733 2.3)") {
  CHECK(Payload(5, true, 800, 10) == Bytes{0x05, 0x8A, 0x03, 0x20});
  CHECK(Payload(11, false, 0xFFFF, 63) == Bytes{0x0B, 0x3F, 0xFF, 0xFF});

  absl::StatusOr<std::vector<TelephoneEvent>> e = ParseTelephoneEvents(Bytes{0x0B, 0xCA, 0x01, 0x90});
  REQUIRE(e.ok());
  REQUIRE(e->size() == 1);
  CHECK((*e)[0] == TelephoneEvent{11, true, 10, 400});  // R bit (0x40) ignored

  for (size_t size : {0, 3, 5, 7}) {
    INFO("size " << size);
    CHECK(absl::IsInvalidArgument(ParseTelephoneEvents(Bytes(size, 0)).status()));
  }
  e = ParseTelephoneEvents(Bytes{1, 0x80, 0, 100, 2, 0x0A, 0, 50});
  REQUIRE(e.ok());
  CHECK(e->size() == 2);
}

TEST_CASE("DTMF digit <-> event code") {
  const std::string keys = "0123456789*#ABCD";
  for (size_t i = 0; i < keys.size(); ++i) {
    CHECK(DtmfEventForDigit(keys[i]) == i);
    CHECK(DigitForDtmfEvent(static_cast<uint8_t>(i)) == keys[i]);
  }
  CHECK(DtmfEventForDigit('a') == 12);
  CHECK_FALSE(DtmfEventForDigit('E').has_value());
  CHECK_FALSE(DigitForDtmfEvent(kDtmfEventFlash).has_value());
}

TEST_CASE("A key press with three end packets is one digit") {
  Harness h;
  h.Feed(1000, 5, false, 400, true);
  h.Feed(1000, 5, false, 800);
  h.Feed(1000, 5, true, 960);
  h.Feed(1000, 5, true, 960);
  h.Feed(1000, 5, true, 960);
  CHECK(h.digits == "5");
  // The same key again is a new event (new timestamp): reported again.
  h.Feed(4000, 5, false, 400, true);
  h.Feed(4000, 5, true, 800);
  CHECK(h.digits == "55");
}

TEST_CASE("Lost start packets, reordering and late stragglers") {
  Harness h;
  SECTION("only the end packets arrive") {
    h.Feed(2000, 9, true, 800);
    h.Feed(2000, 9, true, 800);
    CHECK(h.digits == "9");
  }
  SECTION("end before start") {
    h.Feed(2000, 1, true, 800);
    h.Feed(2000, 1, false, 400, true);
    CHECK(h.digits == "1");
  }
  SECTION("a retransmission of an older key after a newer one started") {
    h.Feed(2000, 1, false, 400, true);
    h.Feed(3000, 2, false, 400, true);
    h.Feed(2000, 1, true, 800);
    CHECK(h.digits == "12");
    CHECK(h.receiver.stale_packets() == 0);  // still remembered: not stale, just known
    h.Feed(1500, 7, true, 400);              // never seen, older than the newest: ignored
    CHECK(h.digits == "12");
    CHECK(h.receiver.stale_packets() == 1);
  }
  SECTION("timestamps wrapping around 2^32") {
    h.Feed(0xFFFFFF00u, 3, true, 800);
    h.Feed(0x00000200u, 4, true, 800);
    h.Feed(0xFFFFFF00u, 3, true, 800);
    CHECK(h.digits == "34");
  }
  SECTION("non-DTMF events are reported with their code") {
    h.Feed(100, kDtmfEventFlash, true, 800);
    CHECK(h.digits == "!");
  }
}

TEST_CASE("Packed events (RFC 4733 2.5.1.5) are split and deduplicated") {
  DtmfReceiver r;
  std::vector<DtmfDigit> out;
  // '1' ran 800 units from 10000 and ended; '2' started right after it.
  Bytes packed = Payload(1, true, 800);
  const Bytes second = Payload(2, false, 400);
  packed.insert(packed.end(), second.begin(), second.end());
  REQUIRE(*r.OnPacket(EventHeader(10000), packed, &out) == 2);
  REQUIRE(out.size() == 2);
  CHECK(out[0] == DtmfDigit{'1', 1, 10000});
  CHECK(out[1] == DtmfDigit{'2', 2, 10800});
  // '2' continues in its own packets: not reported again.
  CHECK(*r.OnPacket(EventHeader(10800), Payload(2, true, 800), &out) == 0);
}

TEST_CASE("A long key spanning RFC 4733 segments is one digit") {
  Harness h;
  h.Feed(0, 8, false, 0xFF00, true);
  h.Feed(0, 8, false, 0xFFFF);
  h.Feed(0xFFFF, 8, false, 400);  // next segment starts where the first ended
  h.Feed(0xFFFF, 8, true, 800);
  CHECK(h.digits == "8");
}

TEST_CASE("Malformed event packets change nothing") {
  DtmfReceiver r;
  std::vector<DtmfDigit> out;
  CHECK_FALSE(r.OnPacket(EventHeader(1), Bytes{1, 2, 3}, &out).ok());
  CHECK(out.empty());
  CHECK(*r.OnPacket(EventHeader(1), Payload(4, true, 800), &out) == 1);
}

TEST_CASE("Sender produces updates every 50 ms and three end packets") {
  absl::StatusOr<std::vector<DtmfPacket>> p = MakeDtmfPackets('7', 123456, absl::Milliseconds(100));
  REQUIRE(p.ok());
  REQUIRE(p->size() == 4);
  const std::vector<int> offsets_ms = {50, 100, 150, 200};
  const std::vector<uint16_t> durations = {400, 800, 800, 800};
  for (size_t i = 0; i < p->size(); ++i) {
    INFO("packet " << i);
    const DtmfPacket& packet = (*p)[i];
    CHECK(packet.send_offset == absl::Milliseconds(offsets_ms[i]));
    CHECK(packet.marker == (i == 0));
    CHECK(packet.timestamp == 123456u);
    CHECK(packet.event.event == 7);
    CHECK(packet.event.volume == 10);
    CHECK(packet.event.duration == durations[i]);
    CHECK(packet.event.end == (i >= 1));
  }

  p = MakeDtmfPackets('#', 0, absl::Milliseconds(230));
  REQUIRE(p.ok());
  std::vector<uint16_t> got;
  int ends = 0;
  for (const DtmfPacket& packet : *p) {
    got.push_back(packet.event.duration);
    ends += packet.event.end;
  }
  CHECK(got == std::vector<uint16_t>{400, 800, 1200, 1600, 1840, 1840, 1840});
  CHECK(ends == 3);
  CHECK(p->back().send_offset == absl::Milliseconds(330));

  CHECK(absl::IsInvalidArgument(MakeDtmfPackets('X', 0, absl::Milliseconds(100)).status()));
  CHECK(absl::IsInvalidArgument(MakeDtmfPackets('1', 0, absl::Milliseconds(5)).status()));
  CHECK(absl::IsInvalidArgument(MakeDtmfPackets('1', 0, absl::Seconds(9)).status()));
}

TEST_CASE("Sender to receiver: every key exactly once even with every packet doubled") {
  const std::string keys = "123#*0ABCD";
  DtmfReceiver r;
  std::string got;
  uint32_t ts = 0xFFFF0000u;  // wraps during the sequence
  for (char key : keys) {
    absl::StatusOr<std::vector<DtmfPacket>> packets = MakeDtmfPackets(key, ts, absl::Milliseconds(120));
    REQUIRE(packets.ok());
    for (const DtmfPacket& p : *packets) {
      for (int copy = 0; copy < 2; ++copy) {
        std::vector<DtmfDigit> out;
        const auto payload = SerializeTelephoneEvent(p.event);
        REQUIRE(r.OnPacket(EventHeader(p.timestamp, p.marker), payload, &out).ok());
        for (const DtmfDigit& d : out) got.push_back(d.digit);
      }
    }
    ts += 8000 * 3 / 10;  // 300 ms later
  }
  CHECK(got == keys);
}

}  // namespace
}  // namespace sb::media
