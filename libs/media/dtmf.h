#pragma once
// RFC 4733 telephone events ("RFC 2833 DTMF"): the 4-byte payload, a receiver
// that turns the packet stream into each key press exactly once, and a sender
// that produces the packets for one key press.
//
// An event is identified by its RTP timestamp (the instant it started): every
// update and each of the (usually three) end packets repeat it. The receiver
// reports a digit on the first packet of a new event, so a press is seen even
// if its end packets are all lost, and is not seen twice when they all arrive.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "media/rtp.h"

namespace sb::media {

inline constexpr uint8_t kDtmfEventFlash = 16;

struct TelephoneEvent {
  uint8_t event = 0;      // 0-9, 10 '*', 11 '#', 12-15 'A'-'D', 16 flash, ...
  bool end = false;       // E bit
  uint8_t volume = 0;     // 0..63, in -dBm0 (so 10 means -10 dBm0)
  uint16_t duration = 0;  // RTP timestamp units since the event started

  bool operator==(const TelephoneEvent&) const = default;
};

// One or more 4-byte event blocks (RFC 4733 2.5.1.5 allows consecutive events
// in one packet; all but the last must have ended). INVALID_ARGUMENT if the
// payload is empty or not a multiple of 4 bytes.
absl::StatusOr<std::vector<TelephoneEvent>> ParseTelephoneEvents(std::span<const uint8_t> payload);
std::array<uint8_t, 4> SerializeTelephoneEvent(const TelephoneEvent& event);

// '0'-'9', '*', '#', 'A'-'D' (lower case accepted) <-> event codes 0-15.
std::optional<uint8_t> DtmfEventForDigit(char digit);
std::optional<char> DigitForDtmfEvent(uint8_t event);

// A key press as the receiver reports it.
struct DtmfDigit {
  char digit = 0;  // 0 for events that are not DTMF (e.g. flash)
  uint8_t event = 0;
  uint32_t timestamp = 0;  // RTP timestamp of the event start
  bool operator==(const DtmfDigit&) const = default;
};

// Not thread-safe; one per received stream. Reset it when the source (SSRC)
// changes, since timestamps restart.
class DtmfReceiver {
 public:
  // Feeds one telephone-event packet. Appends the events it starts to `out`
  // and returns how many; malformed payloads are INVALID_ARGUMENT and change
  // nothing.
  absl::StatusOr<int> OnPacket(const RtpHeader& header, std::span<const uint8_t> payload,
                               std::vector<DtmfDigit>* out);
  void Reset();

  // Packets of events older than the newest one seen (late retransmissions,
  // or an event whose every packet but a straggler was lost): ignored.
  uint64_t stale_packets() const { return stale_packets_; }

 private:
  struct Known {
    uint32_t start = 0;
    uint8_t event = 0;
    uint32_t duration = 0;
    bool ended = false;
  };
  static constexpr size_t kRemembered = 8;

  Known* Find(uint32_t start, uint8_t event);
  void OnBlock(uint32_t start, const TelephoneEvent& block, std::vector<DtmfDigit>* out, int* emitted);

  std::array<Known, kRemembered> known_{};
  size_t known_count_ = 0;
  size_t next_slot_ = 0;
  std::optional<uint32_t> newest_start_;
  uint64_t stale_packets_ = 0;
};

struct DtmfSenderConfig {
  int clock_rate = 8000;
  // RFC 4733 2.5.1.3 suggests 50 ms between updates of an ongoing event.
  absl::Duration update_interval = absl::Milliseconds(50);
  uint8_t volume = 10;  // -10 dBm0
  int end_packets = 3;  // 2.5.1.4: the final packet is sent three times
};

// One packet to send, `send_offset` after the event started. The caller
// assigns sequence numbers (one per packet, end retransmissions included) and
// SSRC, and sets the payload type it negotiated.
struct DtmfPacket {
  absl::Duration send_offset;
  bool marker = false;     // first packet of the event
  uint32_t timestamp = 0;  // the event start, identical in every packet
  TelephoneEvent event;
};

// The packets for one key press of `duration` starting at RTP timestamp
// `start_timestamp`: updates every update_interval with the duration so far,
// then the end packet `end_packets` times, one interval apart.
// INVALID_ARGUMENT for an unknown digit, or a duration outside 10 ms .. 8 s
// (one segment: longer events need RFC 4733 segmenting, never needed for keys).
absl::StatusOr<std::vector<DtmfPacket>> MakeDtmfPackets(char digit, uint32_t start_timestamp,
                                                        absl::Duration duration,
                                                        const DtmfSenderConfig& config = {});

}  // namespace sb::media
