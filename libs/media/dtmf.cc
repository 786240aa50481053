#include "media/dtmf.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "media/bytes.h"

namespace sb::media {
namespace {
constexpr char kDigits[] = "0123456789*#ABCD";

// A new segment of a long event (RFC 4733 2.5.2.3) restarts the timestamp once
// the duration field is about to overflow; a successor starting when the
// previous segment was within this much of the limit continues it.
constexpr uint32_t kSegmentSlack = 8000;
}  // namespace

absl::StatusOr<std::vector<TelephoneEvent>> ParseTelephoneEvents(std::span<const uint8_t> payload) {
  if (payload.empty() || payload.size() % 4 != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "telephone-event payload must be a non-empty multiple of 4 bytes, got ", payload.size()));
  }
  std::vector<TelephoneEvent> events;
  events.reserve(payload.size() / 4);
  for (size_t i = 0; i < payload.size(); i += 4) {
    TelephoneEvent e;
    e.event = payload[i];
    e.end = (payload[i + 1] & 0x80) != 0;
    // The R bit (0x40) is reserved: ignored on receipt.
    e.volume = payload[i + 1] & 0x3F;
    e.duration = ReadBe16(payload.subspan(i + 2));
    events.push_back(e);
  }
  return events;
}

std::array<uint8_t, 4> SerializeTelephoneEvent(const TelephoneEvent& e) {
  std::array<uint8_t, 4> out;
  out[0] = e.event;
  out[1] = static_cast<uint8_t>((e.end ? 0x80 : 0) | (e.volume & 0x3F));
  WriteBe16(std::span<uint8_t>(out).subspan(2), e.duration);
  return out;
}

std::optional<uint8_t> DtmfEventForDigit(char digit) {
  if (digit >= 'a' && digit <= 'd') digit = static_cast<char>(digit - 'a' + 'A');
  for (uint8_t i = 0; i < 16; ++i) {
    if (kDigits[i] == digit) return i;
  }
  return std::nullopt;
}

std::optional<char> DigitForDtmfEvent(uint8_t event) {
  if (event < 16) return kDigits[event];
  return std::nullopt;
}

void DtmfReceiver::Reset() { *this = DtmfReceiver(); }

DtmfReceiver::Known* DtmfReceiver::Find(uint32_t start, uint8_t event) {
  for (size_t i = 0; i < known_count_; ++i) {
    if (known_[i].start == start && known_[i].event == event) return &known_[i];
  }
  return nullptr;
}

void DtmfReceiver::OnBlock(uint32_t start, const TelephoneEvent& block, std::vector<DtmfDigit>* out,
                           int* emitted) {
  if (Known* k = Find(start, block.event)) {
    // An update or a retransmitted end of an event already reported.
    if (block.duration > k->duration) k->duration = block.duration;
    k->ended = k->ended || block.end;
    return;
  }
  if (newest_start_ && !TimestampNewer(start, *newest_start_)) {
    ++stale_packets_;
    return;
  }
  // Is this the next segment of a long event rather than a new press?
  bool continuation = false;
  for (size_t i = 0; i < known_count_; ++i) {
    const Known& k = known_[i];
    if (newest_start_ && k.start == *newest_start_ && k.event == block.event && !k.ended &&
        k.duration + kSegmentSlack >= 0xFFFF && static_cast<uint32_t>(start - k.start) <= 0xFFFF) {
      continuation = true;
    }
  }
  newest_start_ = start;
  known_[next_slot_] = Known{start, block.event, block.duration, block.end};
  next_slot_ = (next_slot_ + 1) % kRemembered;
  if (known_count_ < kRemembered) ++known_count_;
  if (continuation) return;
  out->push_back(DtmfDigit{DigitForDtmfEvent(block.event).value_or(0), block.event, start});
  ++*emitted;
}

absl::StatusOr<int> DtmfReceiver::OnPacket(const RtpHeader& header, std::span<const uint8_t> payload,
                                           std::vector<DtmfDigit>* out) {
  absl::StatusOr<std::vector<TelephoneEvent>> blocks = ParseTelephoneEvents(payload);
  if (!blocks.ok()) return blocks.status();
  // Packed events are consecutive: each starts where the previous ended.
  int emitted = 0;
  uint32_t start = header.timestamp;
  for (const TelephoneEvent& block : *blocks) {
    OnBlock(start, block, out, &emitted);
    start += block.duration;
  }
  return emitted;
}

absl::StatusOr<std::vector<DtmfPacket>> MakeDtmfPackets(char digit, uint32_t start_timestamp,
                                                        absl::Duration duration,
                                                        const DtmfSenderConfig& config) {
  const std::optional<uint8_t> code = DtmfEventForDigit(digit);
  if (!code)
    return absl::InvalidArgumentError(absl::StrCat("not a DTMF digit: '", std::string(1, digit), "'"));
  if (duration < absl::Milliseconds(10) || duration > absl::Seconds(8)) {
    return absl::InvalidArgumentError("DTMF duration must be between 10 ms and 8 s");
  }
  if (config.update_interval <= absl::ZeroDuration() || config.clock_rate <= 0 || config.end_packets < 1) {
    return absl::InvalidArgumentError(
        "DTMF sender config: interval, clock rate and end packets must be positive");
  }
  auto units = [&](absl::Duration d) {
    return static_cast<uint32_t>(absl::ToInt64Microseconds(d) * config.clock_rate / 1000000);
  };
  const uint32_t total = units(duration);
  if (total > 0xFFFF) return absl::InvalidArgumentError("DTMF duration does not fit one RFC 4733 segment");

  std::vector<DtmfPacket> packets;
  auto add = [&](absl::Duration at, uint32_t so_far, bool end) {
    DtmfPacket p;
    p.send_offset = at;
    p.marker = packets.empty();
    p.timestamp = start_timestamp;
    p.event = TelephoneEvent{*code, end, config.volume, static_cast<uint16_t>(so_far)};
    packets.push_back(p);
  };
  // Updates while the tone lasts, each reporting the duration so far (the
  // RFC 4733 section 5 example: first packet one interval in).
  for (absl::Duration at = config.update_interval; at < duration; at += config.update_interval) {
    add(at, units(at), false);
  }
  for (int i = 0; i < config.end_packets; ++i) add(duration + i * config.update_interval, total, true);
  return packets;
}

}  // namespace sb::media
