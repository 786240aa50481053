#pragma once
// One RTP endpoint of a call: G.711 audio plus RFC 4733 events, over a UDP
// socket pair (RTP on an even port, RTCP on the next).
//
// Threading: a session belongs to one MediaEngine and is only touched on that
// engine's thread (callbacks run there too and must not block). It has no
// thread or timer of its own: the engine calls OnReadable when a socket has
// data and OnTimer at the deadline the session asked for, which is how one
// thread drives hundreds of sessions (see media_engine.h).
//
// Every 20 ms frame tick the session:
//   - pops one frame from the jitter buffer and gives it to the sink (also
//     when nothing is received, so a recorder can time silence);
//   - takes one frame from the source, encodes it and sends it (or the packets
//     of a DTMF key being sent, or silence when the source is idle).
// Received packets go through statistics (duplicates and implausible jumps
// dropped), then telephone-events to the DTMF receiver and audio to the
// jitter buffer.
//
// Symmetric RTP (RFC 4961, "comedia"): replies go to where the peer's packets
// come from, not only to the address in its SDP, since behind NAT they differ.
// The session latches onto the source of the first valid packet; later it
// re-latches only for a packet carrying the SSRC already being received (a NAT
// rebinding), or once the latched source has been silent for a second (media
// moved without a re-INVITE), so a stranger's packets cannot steal a live
// stream.
//
// A new SSRC from the peer (a transfer, a B2BUA switching legs) restarts the
// receive statistics, jitter buffer and DTMF receiver.
#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "core/logging.h"
#include "media/audio.h"
#include "media/dtmf.h"
#include "media/g711.h"
#include "media/jitter_buffer.h"
#include "media/rtp.h"
#include "media/rtp_stats.h"
#include "media/udp.h"

namespace sb::media {

struct RtpSessionConfig {
  G711Law law = G711Law::kUlaw;                // what we send; both laws are decoded on receipt
  uint8_t telephone_event_payload_type = 101;  // as negotiated; 0 disables RFC 4733
  // From the peer's SDP; may be unset until the first packet arrives.
  std::optional<Endpoint> remote_rtp;
  std::optional<Endpoint> remote_rtcp;  // a=rtcp; default remote_rtp port + 1
  bool symmetric = true;
  JitterBufferConfig jitter;
  absl::Duration rtcp_interval = absl::Seconds(5);
  // Nothing received for this long: on_inactivity fires (once). Zero: never.
  absl::Duration inactivity_timeout = absl::Seconds(30);
  // Keep sending silence while the source is idle: keeps NAT bindings open
  // and some gateways hang up on a silent stream.
  bool send_silence_when_idle = true;
  absl::Duration dtmf_duration = absl::Milliseconds(100);
  absl::Duration dtmf_gap = absl::Milliseconds(60);  // between keys of a sequence
  std::string cname = "switchboard";
  core::CallCtx call;  // for logs
};

struct RtpSessionCallbacks {
  std::function<void(const DtmfDigit&)> on_digit;
  std::function<void()> on_source_finished;  // the source ran dry (once per SetSource)
  std::function<void()> on_inactivity;
  std::function<void(uint32_t old_ssrc, uint32_t new_ssrc)> on_ssrc_change;
};

struct RtpSessionStats {
  uint64_t packets_sent = 0;
  uint64_t octets_sent = 0;  // payload octets, as RTCP counts them
  uint64_t send_errors = 0;  // the kernel refused (buffer full, unreachable)
  uint64_t datagrams_received = 0;
  uint64_t invalid_packets = 0;  // not RTP
  uint64_t wrong_source = 0;     // from an address we are not latched to
  uint64_t unknown_payload_type = 0;
  uint64_t ssrc_changes = 0;
  uint64_t digits_received = 0;
  uint64_t digits_sent = 0;
  uint64_t rtcp_received = 0;
  uint64_t rtcp_sent = 0;
  uint64_t late_ticks = 0;  // frames skipped because the engine fell behind
  RtpStreamStats stream;
  JitterBufferStats jitter_buffer;
  std::optional<absl::Duration> round_trip_time;
  std::optional<Endpoint> remote_rtp;
};

class RtpSession {
 public:
  RtpSession(const RtpSession&) = delete;
  RtpSession& operator=(const RtpSession&) = delete;
  ~RtpSession();

  uint64_t id() const { return id_; }
  uint16_t local_rtp_port() const { return sockets_.rtp_port; }
  uint16_t local_rtcp_port() const { return static_cast<uint16_t>(sockets_.rtp_port + 1); }
  uint32_t ssrc() const { return ssrc_; }

  // Re-INVITE: the peer moved. The latch is released so that symmetric RTP
  // picks up the new source.
  void SetRemote(const Endpoint& rtp, std::optional<Endpoint> rtcp = std::nullopt);
  // The codec we send, once the answer to our offer (PCMU and PCMA) says
  // which the peer took. Both laws are always decoded.
  void SetLaw(G711Law law) { config_.law = law; }
  G711Law law() const { return config_.law; }
  // What to send (prompts, tones); null: silence.
  void SetSource(std::shared_ptr<AudioSource> source);
  // Where received audio goes; null: discarded.
  void SetSink(std::shared_ptr<AudioSink> sink);
  // Queues keys to send as RFC 4733 events. INVALID_ARGUMENT for a character
  // that is not a DTMF key (nothing queued then); FAILED_PRECONDITION when
  // telephone-events were not negotiated.
  absl::Status SendDigits(absl::string_view digits);

  RtpSessionStats stats() const;

 private:
  friend class MediaEngine;
  // The first frame tick is at `first_frame` (>= now): the engine staggers
  // sessions across the 20 ms period.
  RtpSession(uint64_t id, RtpSocketPair sockets, RtpSessionConfig config, RtpSessionCallbacks callbacks,
             absl::BitGen& random, absl::Time now, absl::Time first_frame);

  // Driven by the engine. A socket is readable: drain it (a bounded number
  // of datagrams, so one flooded session cannot starve the others).
  // `scratch` is the engine's receive buffer.
  void OnReadable(bool rtcp, absl::Time now, std::span<uint8_t> scratch);
  // A deadline passed; returns the next one.
  absl::Time OnTimer(absl::Time now);
  // Sends a final report with BYE; the engine calls it before destroying.
  void SendBye(absl::Time now);

  void HandleRtp(std::span<const uint8_t> datagram, const Endpoint& from, absl::Time now);
  void HandleRtcp(std::span<const uint8_t> datagram, const Endpoint& from, absl::Time now);
  bool AcceptSource(const Endpoint& from, const RtpPacket& packet, absl::Time now);
  void OnNewSsrc(uint32_t ssrc);
  void FrameTick(absl::Time frame_time);
  void SendAudioFrame();
  void SendDtmfDue(absl::Time now);
  void SendRtcpReport(absl::Time now, bool bye);
  void SendRtp(const RtpHeader& header, std::span<const uint8_t> payload);
  absl::Duration NextRtcpInterval();

  uint64_t id_;
  RtpSocketPair sockets_;
  RtpSessionConfig config_;
  RtpSessionCallbacks callbacks_;
  absl::BitGen& random_;
  std::shared_ptr<spdlog::logger> log_;

  // Sending.
  uint32_t ssrc_;
  uint16_t next_sequence_;
  uint32_t frame_timestamp_;  // RTP timestamp of the current frame
  absl::Time next_frame_;
  bool talkspurt_start_ = true;  // next audio packet gets the marker bit
  std::shared_ptr<AudioSource> source_;
  bool source_finished_ = false;
  std::array<int16_t, kFrameSamples> pcm_{};     // to send
  std::array<int16_t, kFrameSamples> rx_pcm_{};  // received, to the sink
  std::array<uint8_t, kFrameSamples> encoded_{};
  std::array<uint8_t, 1500> packet_{};
  uint64_t packets_sent_at_last_report_ = 0;

  // DTMF sending.
  std::deque<char> digits_to_send_;
  std::vector<DtmfPacket> dtmf_packets_;  // of the key being sent
  size_t dtmf_next_ = 0;
  absl::Time dtmf_start_;
  absl::Time dtmf_quiet_until_ = absl::InfinitePast();  // gap after a key

  // Receiving.
  std::optional<Endpoint> remote_rtp_;
  std::optional<Endpoint> remote_rtcp_;
  bool rtcp_explicit_ = false;  // from SDP a=rtcp: do not derive from RTP
  bool latched_ = false;
  bool rtcp_latched_ = false;
  std::optional<uint32_t> remote_ssrc_;
  RtpReceiveStatistics receive_stats_;
  JitterBuffer jitter_buffer_;
  DtmfReceiver dtmf_receiver_;
  std::vector<DtmfDigit> digits_scratch_;
  std::shared_ptr<AudioSink> sink_;
  absl::Time last_receive_;
  bool inactivity_reported_ = false;

  absl::Time next_rtcp_;
  RtpSessionStats counters_;
};

}  // namespace sb::media
