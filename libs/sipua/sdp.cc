#include "sipua/sdp.h"

#include <charconv>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace sb::sipua {
namespace {

// "IN IP4 192.0.2.1" → "192.0.2.1".
absl::StatusOr<std::string> ParseConnection(absl::string_view value) {
  std::vector<absl::string_view> parts = absl::StrSplit(value, ' ', absl::SkipEmpty());
  if (parts.size() < 3 || parts[0] != "IN") {
    return absl::InvalidArgumentError(absl::StrCat("bad c= line: ", value));
  }
  // Multicast TTL suffix ("/127") is not for us, but tolerate it.
  return std::string(parts[2].substr(0, parts[2].find('/')));
}

std::optional<MediaDirection> ParseDirection(absl::string_view attr) {
  if (attr == "sendrecv") return MediaDirection::kSendRecv;
  if (attr == "sendonly") return MediaDirection::kSendOnly;
  if (attr == "recvonly") return MediaDirection::kRecvOnly;
  if (attr == "inactive") return MediaDirection::kInactive;
  return std::nullopt;
}

MediaDirection Mirror(MediaDirection d) {
  switch (d) {
    case MediaDirection::kSendOnly:
      return MediaDirection::kRecvOnly;
    case MediaDirection::kRecvOnly:
      return MediaDirection::kSendOnly;
    default:
      return d;
  }
}

std::string RtpmapName(const SdpMediaLine& m, int pt) {
  for (const auto& [p, name] : m.rtpmaps) {
    if (p == pt) return name;
  }
  return "";
}

absl::StatusOr<NegotiatedAudio> PickAudio(const SessionDescription& sd, bool answer) {
  for (size_t i = 0; i < sd.media.size(); ++i) {
    const SdpMediaLine& m = sd.media[i];
    if (m.media != "audio" || m.proto.find("RTP/AVP") == std::string::npos) continue;
    NegotiatedAudio a;
    a.audio_index = i;
    bool found = false;
    for (int pt : m.payload_types) {
      // Static types are known without an rtpmap; a dynamic number mapped
      // to PCMU/PCMA by rtpmap is honoured too.
      std::string name = RtpmapName(m, pt);
      if (pt == 0 || name.rfind("pcmu/", 0) == 0) {
        a.law = media::G711Law::kUlaw;
      } else if (pt == 8 || name.rfind("pcma/", 0) == 0) {
        a.law = media::G711Law::kAlaw;
      } else {
        continue;
      }
      a.payload_type = static_cast<uint8_t>(pt);
      found = true;
      break;
    }
    if (!found) {
      if (answer && m.port == 0) return absl::FailedPreconditionError("the answer declined the audio stream");
      return absl::FailedPreconditionError(absl::StrCat("no common codec: ", answer ? "answer" : "offer",
                                                        " has ", absl::StrJoin(m.payload_types, " "),
                                                        ", we take PCMU (0) and PCMA (8)"));
    }
    a.telephone_event_pt = m.telephone_event_pt;
    a.remote_address = !m.connection.empty() ? m.connection : sd.connection;
    if (a.remote_address.empty()) return absl::InvalidArgumentError("no c= line for the audio stream");
    a.remote_port = m.port;
    // c=0.0.0.0 is the RFC 2543 way of putting a call on hold.
    if (a.remote_address == "0.0.0.0") a.remote_port = 0;
    a.remote_rtcp_port = m.rtcp_port;
    a.remote_direction = m.direction;
    return a;
  }
  return absl::FailedPreconditionError("no RTP audio stream in the SDP");
}

}  // namespace

absl::string_view DirectionName(MediaDirection direction) {
  switch (direction) {
    case MediaDirection::kSendRecv:
      return "sendrecv";
    case MediaDirection::kSendOnly:
      return "sendonly";
    case MediaDirection::kRecvOnly:
      return "recvonly";
    case MediaDirection::kInactive:
      return "inactive";
  }
  return "sendrecv";
}

absl::StatusOr<SessionDescription> ParseSdp(absl::string_view text) {
  SessionDescription sd;
  bool saw_version = false;
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    absl::string_view line = absl::StripTrailingAsciiWhitespace(raw);
    if (line.empty()) continue;
    if (line.size() < 2 || line[1] != '=') {
      return absl::InvalidArgumentError(absl::StrCat("bad SDP line: ", line.substr(0, 40)));
    }
    const char type = line[0];
    absl::string_view value = line.substr(2);
    SdpMediaLine* m = sd.media.empty() ? nullptr : &sd.media.back();
    switch (type) {
      case 'v':
        saw_version = true;
        break;
      case 'o': {
        std::vector<absl::string_view> parts = absl::StrSplit(value, ' ', absl::SkipEmpty());
        if (parts.size() >= 6) sd.origin_address = std::string(parts[5]);
        break;
      }
      case 'c': {
        auto address = ParseConnection(value);
        if (!address.ok()) return address.status();
        (m != nullptr ? m->connection : sd.connection) = *address;
        break;
      }
      case 'm': {
        std::vector<absl::string_view> parts = absl::StrSplit(value, ' ', absl::SkipEmpty());
        SdpMediaLine media;
        uint32_t port = 0;
        if (parts.size() < 3 || !absl::SimpleAtoi(parts[1].substr(0, parts[1].find('/')), &port) ||
            port > 65535) {
          return absl::InvalidArgumentError(absl::StrCat("bad m= line: ", value));
        }
        media.media = std::string(parts[0]);
        media.port = static_cast<uint16_t>(port);
        media.proto = std::string(parts[2]);
        for (size_t i = 3; i < parts.size(); ++i) {
          int pt = 0;
          if (absl::SimpleAtoi(parts[i], &pt) && pt >= 0 && pt <= 127) media.payload_types.push_back(pt);
        }
        sd.media.push_back(std::move(media));
        break;
      }
      case 'a': {
        if (m == nullptr) break;  // session-level attributes: direction handled per m-line
        if (auto d = ParseDirection(value)) {
          m->direction = *d;
        } else if (absl::ConsumePrefix(&value, "rtpmap:")) {
          std::vector<absl::string_view> parts = absl::StrSplit(value, absl::MaxSplits(' ', 1));
          int pt = 0;
          if (parts.size() == 2 && absl::SimpleAtoi(parts[0], &pt)) {
            std::string name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(parts[1]));
            if (name.rfind("telephone-event/8000", 0) == 0) m->telephone_event_pt = pt;
            m->rtpmaps.emplace_back(pt, std::move(name));
          }
        } else if (absl::ConsumePrefix(&value, "rtcp:")) {
          uint32_t port = 0;
          absl::string_view digits = value.substr(0, value.find(' '));
          if (absl::SimpleAtoi(digits, &port) && port > 0 && port <= 65535) {
            m->rtcp_port = static_cast<uint16_t>(port);
          }
        }
        break;
      }
      default:
        break;
    }
  }
  if (!saw_version) return absl::InvalidArgumentError("not SDP: no v= line");
  if (sd.media.empty()) return absl::InvalidArgumentError("SDP has no m= line");
  // A session-level direction attribute applies to m-lines without their own;
  // rare enough in practice that per-m-line parsing above is what we rely on.
  return sd;
}

absl::StatusOr<NegotiatedAudio> NegotiateOffer(const SessionDescription& offer) {
  return PickAudio(offer, false);
}

absl::StatusOr<NegotiatedAudio> ReadAnswer(const SessionDescription& answer) {
  return PickAudio(answer, true);
}

namespace {
std::string Header(const LocalMedia& local) {
  return absl::StrCat("v=0\r\no=", local.user, " ", local.session_id, " ", local.version, " IN IP4 ",
                      local.address, "\r\ns=", local.user, "\r\nc=IN IP4 ", local.address, "\r\nt=0 0\r\n");
}
}  // namespace

std::string BuildAnswer(const SessionDescription& offer, const NegotiatedAudio& audio,
                        const LocalMedia& local) {
  std::string out = Header(local);
  for (size_t i = 0; i < offer.media.size(); ++i) {
    const SdpMediaLine& m = offer.media[i];
    if (i != audio.audio_index) {
      // RFC 3264 6: every offered m-line gets one in the answer; port 0 declines it.
      absl::StrAppend(&out, "m=", m.media, " 0 ", m.proto, " ",
                      m.payload_types.empty() ? std::string("0") : std::to_string(m.payload_types[0]),
                      "\r\n");
      continue;
    }
    absl::StrAppend(&out, "m=audio ", local.rtp_port, " RTP/AVP ", audio.payload_type);
    if (audio.telephone_event_pt >= 0) absl::StrAppend(&out, " ", audio.telephone_event_pt);
    absl::StrAppend(&out, "\r\na=rtpmap:", audio.payload_type,
                    audio.law == media::G711Law::kUlaw ? " PCMU/8000" : " PCMA/8000", "\r\n");
    if (audio.telephone_event_pt >= 0) {
      absl::StrAppend(&out, "a=rtpmap:", audio.telephone_event_pt,
                      " telephone-event/8000\r\na=fmtp:", audio.telephone_event_pt, " 0-16\r\n");
    }
    absl::StrAppend(&out, "a=ptime:20\r\na=", DirectionName(Mirror(audio.remote_direction)), "\r\n");
  }
  return out;
}

std::string BuildOffer(const LocalMedia& local) {
  return absl::StrCat(Header(local), "m=audio ", local.rtp_port,
                      " RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
                      "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n");
}

}  // namespace sb::sipua
