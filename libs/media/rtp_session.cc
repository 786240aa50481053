#include "media/rtp_session.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include "absl/strings/str_cat.h"
#include "media/rtcp.h"

namespace sb::media {
namespace {

constexpr absl::Duration kFrame = absl::Milliseconds(20);
// Falling further behind than this (a stalled engine) skips frames rather
// than bursting them out: a burst would only overflow the peer's buffer.
constexpr int kMaxCatchUpFrames = 10;
// Datagrams read per readiness event: fairness between sessions.
constexpr int kReadBudget = 32;
// A latched source silent this long may be replaced by a new one (media
// moved without a re-INVITE, e.g. an SBC failing over).
constexpr absl::Duration kRelatchAfterSilence = absl::Seconds(1);
constexpr uint8_t kPayloadTypeComfortNoise = 13;

}  // namespace

RtpSession::RtpSession(uint64_t id, RtpSocketPair sockets, RtpSessionConfig config,
                       RtpSessionCallbacks callbacks, absl::BitGen& random, absl::Time now,
                       absl::Time first_frame)
    : id_(id),
      sockets_(std::move(sockets)),
      config_(std::move(config)),
      callbacks_(std::move(callbacks)),
      random_(random),
      log_(core::Logger("media")),
      // RFC 3550 5.1: random initial SSRC, sequence number and timestamp.
      ssrc_(absl::Uniform<uint32_t>(random_)),
      next_sequence_(absl::Uniform<uint16_t>(random_)),
      frame_timestamp_(absl::Uniform<uint32_t>(random_)),
      next_frame_(first_frame),
      receive_stats_(kNarrowbandRate),
      jitter_buffer_(config_.jitter),
      last_receive_(now) {
  if (config_.remote_rtp) SetRemote(*config_.remote_rtp, config_.remote_rtcp);
  // RFC 3550 6.2: the first report comes after half an interval.
  next_rtcp_ = now + NextRtcpInterval() / 2;
}

RtpSession::~RtpSession() = default;

void RtpSession::SetRemote(const Endpoint& rtp, std::optional<Endpoint> rtcp) {
  remote_rtp_ = rtp;
  rtcp_explicit_ = rtcp.has_value();
  remote_rtcp_ = rtcp ? *rtcp : rtp.WithPort(static_cast<uint16_t>(rtp.port() + 1));
  latched_ = false;
  rtcp_latched_ = false;
}

void RtpSession::SetSource(std::shared_ptr<AudioSource> source) {
  source_ = std::move(source);
  source_finished_ = false;
  talkspurt_start_ = true;
}

void RtpSession::SetSink(std::shared_ptr<AudioSink> sink) { sink_ = std::move(sink); }

absl::Status RtpSession::SendDigits(absl::string_view digits) {
  if (config_.telephone_event_payload_type == 0) {
    return absl::FailedPreconditionError("telephone-event was not negotiated for this call");
  }
  for (char c : digits) {
    if (!DtmfEventForDigit(c)) {
      return absl::InvalidArgumentError(absl::StrCat("not a DTMF key: '", std::string(1, c), "'"));
    }
  }
  digits_to_send_.insert(digits_to_send_.end(), digits.begin(), digits.end());
  return absl::OkStatus();
}

RtpSessionStats RtpSession::stats() const {
  RtpSessionStats s = counters_;
  s.stream = receive_stats_.stats();
  s.jitter_buffer = jitter_buffer_.stats();
  s.remote_rtp = remote_rtp_;
  return s;
}

absl::Duration RtpSession::NextRtcpInterval() {
  // RFC 3550 6.3.1: randomized over [0.5, 1.5] x interval so that endpoints
  // started together do not report in lockstep.
  return config_.rtcp_interval * absl::Uniform<double>(random_, 0.5, 1.5);
}

void RtpSession::OnReadable(bool rtcp, absl::Time now, std::span<uint8_t> scratch) {
  const int fd = rtcp ? sockets_.rtcp.get() : sockets_.rtp.get();
  for (int i = 0; i < kReadBudget; ++i) {
    sockaddr_storage from{};
    socklen_t from_len = sizeof(from);
    const ssize_t n = ::recvfrom(fd, scratch.data(), scratch.size(), MSG_TRUNC,
                                 reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 0) {
      if (errno == EINTR) continue;
      // EAGAIN: drained. ECONNREFUSED: an ICMP error for something we sent
      // earlier; nothing to read either way.
      return;
    }
    ++counters_.datagrams_received;
    if (static_cast<size_t>(n) > scratch.size()) {
      ++counters_.invalid_packets;  // larger than any RTP we accept
      continue;
    }
    const Endpoint source = Endpoint::FromSockaddr(reinterpret_cast<sockaddr*>(&from), from_len);
    const std::span<const uint8_t> datagram(scratch.data(), static_cast<size_t>(n));
    if (rtcp || LooksLikeRtcp(datagram)) {
      HandleRtcp(datagram, source, now);
    } else {
      HandleRtp(datagram, source, now);
    }
  }
}

bool RtpSession::AcceptSource(const Endpoint& from, const RtpPacket& packet, absl::Time now) {
  if (!config_.symmetric) return true;  // send where SDP says, take from anyone
  if (latched_ && remote_rtp_ && from == *remote_rtp_) return true;
  const bool same_stream = remote_ssrc_ && packet.header.ssrc == *remote_ssrc_;
  if (latched_ && !same_stream && now - last_receive_ < kRelatchAfterSilence) return false;
  if (!remote_rtp_ || from != *remote_rtp_) {
    log_->info("{} RTP from {} (was {}): sending there", config_.call, from.ToString(),
               remote_rtp_ ? remote_rtp_->ToString() : std::string("unknown"));
  }
  remote_rtp_ = from;
  if (!rtcp_explicit_ && !rtcp_latched_) remote_rtcp_ = from.WithPort(static_cast<uint16_t>(from.port() + 1));
  latched_ = true;
  return true;
}

void RtpSession::OnNewSsrc(uint32_t ssrc) {
  const uint32_t old = remote_ssrc_.value_or(0);
  log_->info("{} peer SSRC changed {:08x} -> {:08x}: restarting receive state", config_.call, old, ssrc);
  ++counters_.ssrc_changes;
  remote_ssrc_ = ssrc;
  receive_stats_.Reset();
  jitter_buffer_.Reset();
  dtmf_receiver_.Reset();
  if (callbacks_.on_ssrc_change) callbacks_.on_ssrc_change(old, ssrc);
}

void RtpSession::HandleRtp(std::span<const uint8_t> datagram, const Endpoint& from, absl::Time now) {
  absl::StatusOr<RtpPacket> packet = ParseRtp(datagram);
  if (!packet.ok()) {
    ++counters_.invalid_packets;
    log_->debug("{} dropped datagram from {}: {}", config_.call, from.ToString(), packet.status().message());
    return;
  }
  const RtpHeader& h = packet->header;
  const std::optional<G711Law> law = LawForPayloadType(h.payload_type);
  const bool is_event =
      config_.telephone_event_payload_type != 0 && h.payload_type == config_.telephone_event_payload_type;
  if (!law && !is_event && h.payload_type != kPayloadTypeComfortNoise) {
    ++counters_.unknown_payload_type;
    return;
  }
  if (!AcceptSource(from, *packet, now)) {
    ++counters_.wrong_source;
    return;
  }
  if (!remote_ssrc_) {
    remote_ssrc_ = h.ssrc;
  } else if (h.ssrc != *remote_ssrc_) {
    OnNewSsrc(h.ssrc);
  }
  last_receive_ = now;
  inactivity_reported_ = false;

  const RtpReceiveStatistics::Arrival arrival = receive_stats_.OnPacket(h.sequence);
  if (arrival == RtpReceiveStatistics::Arrival::kDuplicate ||
      arrival == RtpReceiveStatistics::Arrival::kJump) {
    return;
  }
  if (law) {
    receive_stats_.UpdateJitter(h.timestamp, now);
    jitter_buffer_.PushG711(h.timestamp, *law, packet->payload);
  } else if (is_event) {
    digits_scratch_.clear();
    absl::StatusOr<int> started = dtmf_receiver_.OnPacket(h, packet->payload, &digits_scratch_);
    if (!started.ok()) {
      ++counters_.invalid_packets;
      return;
    }
    for (const DtmfDigit& digit : digits_scratch_) {
      ++counters_.digits_received;
      log_->debug("{} DTMF '{}' received", config_.call, digit.digit ? digit.digit : '?');
      if (callbacks_.on_digit) callbacks_.on_digit(digit);
    }
  }
  // Comfort noise: nothing to play; the jitter buffer treats the gap as a pause.
}

void RtpSession::HandleRtcp(std::span<const uint8_t> datagram, const Endpoint& from, absl::Time now) {
  ++counters_.rtcp_received;
  absl::StatusOr<RtcpCompound> rtcp = ParseRtcp(datagram);
  if (!rtcp.ok()) {
    ++counters_.invalid_packets;
    return;
  }
  if (config_.symmetric && !rtcp_explicit_) {
    remote_rtcp_ = from;
    rtcp_latched_ = true;
  }
  auto look_at_blocks = [&](const std::vector<RtcpReportBlock>& blocks) {
    for (const RtcpReportBlock& block : blocks) {
      if (block.ssrc != ssrc_) continue;
      if (std::optional<absl::Duration> rtt = RoundTripTime(block, now)) counters_.round_trip_time = *rtt;
    }
  };
  for (const RtcpSenderReport& sr : rtcp->sender_reports) {
    if (remote_ssrc_ && sr.ssrc == *remote_ssrc_) receive_stats_.OnSenderReport(sr.sender.ntp_timestamp, now);
    look_at_blocks(sr.reports);
  }
  for (const RtcpReceiverReport& rr : rtcp->receiver_reports) look_at_blocks(rr.reports);
  for (uint32_t bye : rtcp->byes) {
    if (remote_ssrc_ && bye == *remote_ssrc_) log_->debug("{} peer sent RTCP BYE", config_.call);
  }
}

absl::Time RtpSession::OnTimer(absl::Time now) {
  for (int n = 0; next_frame_ <= now; ++n) {
    if (n == kMaxCatchUpFrames) {
      const int64_t missed = (now - next_frame_) / kFrame + 1;
      frame_timestamp_ += static_cast<uint32_t>(missed * kFrameSamples);
      next_frame_ += kFrame * missed;
      counters_.late_ticks += static_cast<uint64_t>(missed);
      talkspurt_start_ = true;
      break;
    }
    FrameTick(next_frame_);
    next_frame_ += kFrame;
  }
  SendDtmfDue(now);
  if (now >= next_rtcp_) {
    SendRtcpReport(now, false);
    next_rtcp_ = now + NextRtcpInterval();
  }
  absl::Time next = std::min(next_frame_, next_rtcp_);
  if (dtmf_next_ < dtmf_packets_.size()) {
    next = std::min(next, dtmf_start_ + dtmf_packets_[dtmf_next_].send_offset);
  }
  if (config_.inactivity_timeout > absl::ZeroDuration() && !inactivity_reported_) {
    const absl::Time deadline = last_receive_ + config_.inactivity_timeout;
    if (now >= deadline) {
      inactivity_reported_ = true;
      log_->info("{} no RTP for {}", config_.call, absl::FormatDuration(config_.inactivity_timeout));
      if (callbacks_.on_inactivity) callbacks_.on_inactivity();
    } else {
      next = std::min(next, deadline);
    }
  }
  return next;
}

void RtpSession::FrameTick(absl::Time frame_time) {
  const FrameKind kind = jitter_buffer_.Pop(rx_pcm_);
  if (sink_) sink_->Write(rx_pcm_, kind);

  if (dtmf_next_ < dtmf_packets_.size()) {
    // A key is being sent: its packets replace the audio (RFC 4733 2.5.1.1).
  } else if (!digits_to_send_.empty() && frame_time >= dtmf_quiet_until_) {
    const char digit = digits_to_send_.front();
    digits_to_send_.pop_front();
    absl::StatusOr<std::vector<DtmfPacket>> packets =
        MakeDtmfPackets(digit, frame_timestamp_, config_.dtmf_duration);
    if (packets.ok()) {
      dtmf_packets_ = std::move(*packets);
      dtmf_next_ = 0;
      dtmf_start_ = frame_time;
    } else {
      log_->warn("{} cannot send DTMF '{}': {}", config_.call, digit, packets.status().message());
      SendAudioFrame();
    }
  } else {
    SendAudioFrame();
  }
  frame_timestamp_ += kFrameSamples;
}

void RtpSession::SendAudioFrame() {
  bool have_audio = false;
  if (source_ && !source_finished_) {
    have_audio = source_->Read(pcm_);
    if (!have_audio) {
      source_finished_ = true;
      if (callbacks_.on_source_finished) callbacks_.on_source_finished();
    }
  }
  if (!have_audio && !config_.send_silence_when_idle) {
    talkspurt_start_ = true;
    return;
  }
  if (have_audio) {
    Encode(config_.law, pcm_, encoded_);
  } else {
    encoded_.fill(SilenceCode(config_.law));
  }
  RtpHeader h;
  h.marker = talkspurt_start_;
  h.payload_type = PayloadTypeForLaw(config_.law);
  h.timestamp = frame_timestamp_;
  SendRtp(h, encoded_);
  talkspurt_start_ = false;
}

void RtpSession::SendDtmfDue(absl::Time now) {
  while (dtmf_next_ < dtmf_packets_.size() && dtmf_start_ + dtmf_packets_[dtmf_next_].send_offset <= now) {
    const DtmfPacket& p = dtmf_packets_[dtmf_next_++];
    RtpHeader h;
    h.marker = p.marker;
    h.payload_type = config_.telephone_event_payload_type;
    h.timestamp = p.timestamp;
    const std::array<uint8_t, 4> payload = SerializeTelephoneEvent(p.event);
    SendRtp(h, payload);
  }
  if (!dtmf_packets_.empty() && dtmf_next_ == dtmf_packets_.size()) {
    ++counters_.digits_sent;
    dtmf_packets_.clear();
    dtmf_next_ = 0;
    dtmf_quiet_until_ = now + config_.dtmf_gap;
    talkspurt_start_ = true;  // audio after an event starts a new talkspurt
  }
}

void RtpSession::SendRtp(const RtpHeader& header, std::span<const uint8_t> payload) {
  if (!remote_rtp_) return;  // nowhere to send yet (waiting for SDP or the first packet)
  RtpHeader h = header;
  h.ssrc = ssrc_;
  h.sequence = next_sequence_++;
  absl::StatusOr<size_t> size = SerializeRtp(h, payload, packet_);
  if (!size.ok()) {
    ++counters_.send_errors;
    return;
  }
  const ssize_t sent =
      ::sendto(sockets_.rtp.get(), packet_.data(), *size, 0, remote_rtp_->addr(), remote_rtp_->length());
  if (sent < 0) {
    ++counters_.send_errors;
    return;
  }
  ++counters_.packets_sent;
  counters_.octets_sent += payload.size();
}

void RtpSession::SendRtcpReport(absl::Time now, bool bye) {
  if (!remote_rtcp_) return;
  std::vector<RtcpReportBlock> blocks;
  if (remote_ssrc_ && receive_stats_.started())
    blocks.push_back(receive_stats_.MakeReportBlock(*remote_ssrc_, now));
  std::vector<uint8_t> out;
  out.reserve(128);
  // RFC 3550 6.4: a sender report if we sent since the last report.
  if (counters_.packets_sent > packets_sent_at_last_report_) {
    RtcpSenderReport sr;
    sr.ssrc = ssrc_;
    sr.sender.ntp_timestamp = ToNtpTime(now);
    sr.sender.rtp_timestamp = frame_timestamp_;
    sr.sender.packet_count = static_cast<uint32_t>(counters_.packets_sent);
    sr.sender.octet_count = static_cast<uint32_t>(counters_.octets_sent);
    sr.reports = std::move(blocks);
    AppendSenderReport(sr, &out);
  } else {
    AppendReceiverReport(RtcpReceiverReport{ssrc_, std::move(blocks)}, &out);
  }
  AppendSdesCname(ssrc_, config_.cname, &out);
  if (bye) AppendBye(ssrc_, &out);
  packets_sent_at_last_report_ = counters_.packets_sent;
  if (::sendto(sockets_.rtcp.get(), out.data(), out.size(), 0, remote_rtcp_->addr(),
               remote_rtcp_->length()) >= 0) {
    ++counters_.rtcp_sent;
  } else {
    ++counters_.send_errors;
  }
}

void RtpSession::SendBye(absl::Time now) { SendRtcpReport(now, true); }

}  // namespace sb::media
