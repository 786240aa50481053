#pragma once
// SDP offer/answer (RFC 3264) for the one audio stream a media-service call
// has: G.711 µ-law or A-law plus RFC 4733 telephone-events.
//
// Only what a voicemail/fax/conference UA needs is modelled: the connection
// address, the first audio m-line, its payload types, direction and a=rtcp.
// Anything else in an offer (video, other codecs) is declined or ignored as
// RFC 3264 allows: an m-line we can't use gets port 0 in the answer.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "media/g711.h"

namespace sb::sipua {

enum class MediaDirection { kSendRecv, kSendOnly, kRecvOnly, kInactive };

struct SdpMediaLine {
  std::string media;  // "audio", "video", ...
  uint16_t port = 0;
  std::string proto;  // "RTP/AVP"
  std::vector<int> payload_types;
  std::string connection;  // m-level c= address, if any
  MediaDirection direction = MediaDirection::kSendRecv;
  std::optional<uint16_t> rtcp_port;
  int telephone_event_pt = -1;  // from a=rtpmap:<pt> telephone-event/8000
  // a=rtpmap names by payload type, lowercased ("pcmu", "pcma", ...).
  std::vector<std::pair<int, std::string>> rtpmaps;
};

struct SessionDescription {
  std::string origin_address;
  std::string connection;  // session-level c= address
  std::vector<SdpMediaLine> media;
};

// INVALID_ARGUMENT naming what is wrong ("no v= line", "bad m= line: ...").
absl::StatusOr<SessionDescription> ParseSdp(absl::string_view text);

// What both sides agreed on for the audio stream.
struct NegotiatedAudio {
  media::G711Law law = media::G711Law::kUlaw;
  uint8_t payload_type = 0;     // 0 (PCMU) or 8 (PCMA)
  int telephone_event_pt = -1;  // -1: no RFC 4733
  std::string remote_address;   // where to send RTP
  uint16_t remote_port = 0;     // 0: on hold / declined
  std::optional<uint16_t> remote_rtcp_port;
  MediaDirection remote_direction = MediaDirection::kSendRecv;
  size_t audio_index = 0;  // which m-line of the offer
};

// Picks PCMU or PCMA (in the offerer's order of preference) and telephone-
// events from an offer. NOT_ACCEPTABLE-like errors come back as
// FAILED_PRECONDITION ("no common codec: offer has 18 96") so the UA
// answers 488.
absl::StatusOr<NegotiatedAudio> NegotiateOffer(const SessionDescription& offer);

// Reads the answer to an offer we made (`offered_telephone_event_pt` is what
// we put in the offer).
absl::StatusOr<NegotiatedAudio> ReadAnswer(const SessionDescription& answer);

struct LocalMedia {
  std::string address;  // our RTP address (IPv4)
  uint16_t rtp_port = 0;
  uint64_t session_id = 0;
  uint64_t version = 0;  // incremented for every new offer/answer of the dialog
  std::string user = "switchboard";
};

// The answer to `offer` for the negotiated audio; other m-lines are declined
// (port 0). The direction mirrors the offer's (sendonly → recvonly, ...).
std::string BuildAnswer(const SessionDescription& offer, const NegotiatedAudio& audio,
                        const LocalMedia& local);
// Our offer: PCMU, PCMA, telephone-event/8000 (pt 101), sendrecv.
std::string BuildOffer(const LocalMedia& local);

absl::string_view DirectionName(MediaDirection direction);

}  // namespace sb::sipua
