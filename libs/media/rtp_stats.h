#pragma once
// Reception statistics for one RTP source (RFC 3550 appendix A.1, A.3, A.8):
// extended highest sequence number, expected/lost counts, duplicates and
// reordering, interarrival jitter, and the report block RTCP carries.
//
// Not thread-safe: owned by the session that receives the stream.
#include <bitset>
#include <cstdint>
#include <optional>

#include "absl/time/time.h"
#include "media/rtcp.h"

namespace sb::media {

struct RtpStreamStats {
  uint64_t received = 0;    // distinct packets (duplicates excluded)
  uint64_t expected = 0;    // extended highest - base + 1
  int64_t lost = 0;         // expected - received; negative only after a resync
  uint64_t duplicates = 0;  // a sequence number seen again
  uint64_t late = 0;        // arrived after a higher-numbered packet (reordered)
  uint64_t resyncs = 0;     // sequence jumped by more than kMaxDropout and restarted
  uint32_t jitter = 0;      // interarrival jitter, RTP timestamp units (A.8)
  int64_t extended_highest_sequence = 0;
};

class RtpReceiveStatistics {
 public:
  // RFC 3550 A.1: a forward jump larger than this, or a backward one larger
  // than kMaxMisorder, is not a plausible gap: it is only believed once the
  // next packet confirms it.
  static constexpr uint16_t kMaxDropout = 3000;
  static constexpr uint16_t kMaxMisorder = 100;

  enum class Arrival {
    kInOrder,    // newest so far (possibly after a gap)
    kLate,       // older than the newest, first time seen
    kDuplicate,  // seen before
    kJump,       // implausible jump, discarded until confirmed
    kResync,     // confirmed jump: statistics restarted at this packet
  };

  explicit RtpReceiveStatistics(int clock_rate) : clock_rate_(clock_rate) {}

  // Classifies and counts one packet. Callers should drop kDuplicate and
  // kJump packets.
  Arrival OnPacket(uint16_t sequence);
  // Updates interarrival jitter (A.8) with a media packet's RTP timestamp and
  // arrival time. Only for packets whose timestamp is a sampling instant:
  // RFC 4733 events carry their start time and would inflate jitter.
  void UpdateJitter(uint32_t rtp_timestamp, absl::Time arrival);
  // Remembers the last sender report of this source for LSR/DLSR.
  void OnSenderReport(uint64_t ntp_timestamp, absl::Time arrival);

  // The report block for this source, and the start of a new reporting
  // interval (fraction lost is relative to the previous call).
  RtcpReportBlock MakeReportBlock(uint32_t ssrc, absl::Time now);

  RtpStreamStats stats() const;
  bool started() const { return started_; }
  void Reset();

 private:
  static constexpr int kWindow = 1024;  // duplicate detection horizon, packets

  void Restart(uint16_t sequence);
  void MarkSeen(int64_t extended);

  int clock_rate_;
  bool started_ = false;
  uint16_t max_seq_ = 0;
  int64_t cycles_ = 0;          // count of wraps << 16
  int64_t base_seq_ = 0;        // extended
  uint32_t bad_seq_ = 0x10000;  // > 0xFFFF: no jump pending
  uint64_t received_ = 0;
  uint64_t duplicates_ = 0;
  uint64_t late_ = 0;
  uint64_t resyncs_ = 0;
  uint64_t expected_prior_ = 0;
  uint64_t received_prior_ = 0;
  std::bitset<kWindow> seen_;

  // Jitter, scaled by 16 as in the A.8 integer form.
  std::optional<absl::Time> first_arrival_;
  std::optional<uint32_t> last_transit_;
  uint32_t jitter_q4_ = 0;

  std::optional<uint64_t> last_sr_ntp_;
  absl::Time last_sr_arrival_;
};

}  // namespace sb::media
