#include "media/rtp_stats.h"

#include <algorithm>
#include <cstdlib>

namespace sb::media {

void RtpReceiveStatistics::Reset() { *this = RtpReceiveStatistics(clock_rate_); }

void RtpReceiveStatistics::Restart(uint16_t sequence) {
  max_seq_ = sequence;
  cycles_ = 0;
  base_seq_ = sequence;
  bad_seq_ = 0x10000;
  received_ = 0;
  expected_prior_ = 0;
  received_prior_ = 0;
  seen_.reset();
  last_transit_.reset();
}

void RtpReceiveStatistics::MarkSeen(int64_t extended) { seen_.set(static_cast<size_t>(extended % kWindow)); }

RtpReceiveStatistics::Arrival RtpReceiveStatistics::OnPacket(uint16_t sequence) {
  if (!started_) {
    started_ = true;
    Restart(sequence);
    received_ = 1;
    MarkSeen(sequence);
    return Arrival::kInOrder;
  }
  const uint16_t udelta = static_cast<uint16_t>(sequence - max_seq_);
  const int64_t highest = cycles_ + max_seq_;
  if (udelta == 0) {
    ++duplicates_;
    return Arrival::kDuplicate;
  }
  if (udelta < kMaxDropout) {
    // In order, possibly with a gap. Forget what we knew about the sequence
    // numbers the window now slides over.
    if (sequence < max_seq_) cycles_ += 0x10000;
    max_seq_ = sequence;
    const int64_t extended = cycles_ + sequence;
    const int64_t advance = extended - highest;
    if (advance >= kWindow) {
      seen_.reset();
    } else {
      for (int64_t s = highest + 1; s < extended; ++s) seen_.reset(static_cast<size_t>(s % kWindow));
    }
    MarkSeen(extended);
    bad_seq_ = 0x10000;
    ++received_;
    return Arrival::kInOrder;
  }
  if (udelta <= 0x10000 - kMaxMisorder) {
    // A big jump: the source restarted, or this is a stray. Believe it when
    // the next packet follows it.
    if (sequence == bad_seq_) {
      Restart(sequence);
      received_ = 1;
      MarkSeen(sequence);
      ++resyncs_;
      return Arrival::kResync;
    }
    bad_seq_ = (uint32_t{sequence} + 1) & 0xFFFF;
    return Arrival::kJump;
  }
  // Older than the newest, within kMaxMisorder.
  const int64_t extended = highest - (0x10000 - udelta);
  if (extended < base_seq_) {
    // Before the first packet we counted: move the base back so that the
    // expected count includes it.
    if (base_seq_ - extended >= kWindow) return Arrival::kJump;
    base_seq_ = extended;
  }
  if (highest - extended < kWindow && seen_.test(static_cast<size_t>(extended % kWindow))) {
    ++duplicates_;
    return Arrival::kDuplicate;
  }
  MarkSeen(extended);
  ++late_;
  ++received_;
  return Arrival::kLate;
}

void RtpReceiveStatistics::UpdateJitter(uint32_t rtp_timestamp, absl::Time arrival) {
  if (!first_arrival_) first_arrival_ = arrival;
  // Arrival expressed in RTP units since the first packet: the origin cancels
  // out of the transit difference, and keeping it small avoids overflow.
  const int64_t micros = absl::ToInt64Microseconds(arrival - *first_arrival_);
  const uint32_t arrival_units = static_cast<uint32_t>(micros * clock_rate_ / 1000000);
  const uint32_t transit = arrival_units - rtp_timestamp;
  if (last_transit_) {
    const int32_t d = static_cast<int32_t>(transit - *last_transit_);
    const uint32_t abs_d = static_cast<uint32_t>(std::abs(static_cast<int64_t>(d)));
    // J += (|D| - J) / 16, with J kept in 1/16 units.
    jitter_q4_ = static_cast<uint32_t>(static_cast<int64_t>(jitter_q4_) + abs_d - ((jitter_q4_ + 8) >> 4));
  }
  last_transit_ = transit;
}

void RtpReceiveStatistics::OnSenderReport(uint64_t ntp_timestamp, absl::Time arrival) {
  last_sr_ntp_ = ntp_timestamp;
  last_sr_arrival_ = arrival;
}

RtpStreamStats RtpReceiveStatistics::stats() const {
  RtpStreamStats s;
  s.received = received_;
  s.duplicates = duplicates_;
  s.late = late_;
  s.resyncs = resyncs_;
  s.jitter = jitter_q4_ >> 4;
  if (started_) {
    s.extended_highest_sequence = cycles_ + max_seq_;
    s.expected = static_cast<uint64_t>(s.extended_highest_sequence - base_seq_ + 1);
    s.lost = static_cast<int64_t>(s.expected) - static_cast<int64_t>(received_);
  }
  return s;
}

RtcpReportBlock RtpReceiveStatistics::MakeReportBlock(uint32_t ssrc, absl::Time now) {
  const RtpStreamStats s = stats();
  RtcpReportBlock block;
  block.ssrc = ssrc;
  block.cumulative_lost = static_cast<int32_t>(std::clamp<int64_t>(s.lost, -0x800000, 0x7FFFFF));
  block.extended_highest_sequence = static_cast<uint32_t>(s.extended_highest_sequence);
  block.jitter = s.jitter;
  // A.3: the fraction is over this interval only, and never negative.
  const int64_t expected_interval = static_cast<int64_t>(s.expected - expected_prior_);
  const int64_t received_interval = static_cast<int64_t>(received_ - received_prior_);
  const int64_t lost_interval = expected_interval - received_interval;
  expected_prior_ = s.expected;
  received_prior_ = received_;
  if (expected_interval > 0 && lost_interval > 0) {
    block.fraction_lost =
        static_cast<uint8_t>(std::min<int64_t>(255, (lost_interval << 8) / expected_interval));
  }
  if (last_sr_ntp_) {
    block.last_sr = NtpMiddle32(*last_sr_ntp_);
    const int64_t delay_micros = std::max<int64_t>(0, absl::ToInt64Microseconds(now - last_sr_arrival_));
    block.delay_since_last_sr = static_cast<uint32_t>(delay_micros * 65536 / 1000000);
  }
  return block;
}

}  // namespace sb::media
