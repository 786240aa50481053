#include "sipua/sdp.h"

#include <catch2/catch.hpp>

namespace sb::sipua {
namespace {

constexpr char kSippOffer[] =
    "v=0\r\no=user1 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 6000 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-11,16\r\n";

TEST_CASE("an offer of PCMA with telephone-events is answered in kind") {
  auto sd = ParseSdp(kSippOffer);
  REQUIRE(sd.ok());
  auto a = NegotiateOffer(*sd);
  REQUIRE(a.ok());
  CHECK(a->law == media::G711Law::kAlaw);
  CHECK(a->payload_type == 8);
  CHECK(a->telephone_event_pt == 101);
  CHECK(a->remote_address == "127.0.0.1");
  CHECK(a->remote_port == 6000);
  std::string answer =
      BuildAnswer(*sd, *a, {.address = "10.0.0.1", .rtp_port = 20000, .session_id = 1, .version = 2});
  CHECK(answer.find("m=audio 20000 RTP/AVP 8 101\r\n") != std::string::npos);
  CHECK(answer.find("c=IN IP4 10.0.0.1") != std::string::npos);
  CHECK(answer.find("a=sendrecv") != std::string::npos);
  // The answer parses back to the same choice.
  auto back = ParseSdp(answer);
  REQUIRE(back.ok());
  auto again = ReadAnswer(*back);
  REQUIRE(again.ok());
  CHECK(again->payload_type == 8);
  CHECK(again->remote_port == 20000);
}

TEST_CASE("the offerer's order of preference decides between PCMU and PCMA") {
  auto sd = ParseSdp("v=0\r\nc=IN IP4 192.0.2.1\r\nm=audio 4000 RTP/AVP 18 0 8\r\n");
  REQUIRE(sd.ok());
  auto a = NegotiateOffer(*sd);
  REQUIRE(a.ok());
  CHECK(a->law == media::G711Law::kUlaw);
  CHECK(a->telephone_event_pt == -1);
  std::string answer = BuildAnswer(*sd, *a, {.address = "192.0.2.9", .rtp_port = 30000});
  CHECK(answer.find("m=audio 30000 RTP/AVP 0\r\n") != std::string::npos);
  CHECK(answer.find("telephone-event") == std::string::npos);
}

TEST_CASE("a dynamic payload type mapped to PCMU is accepted") {
  auto sd = ParseSdp("v=0\r\nc=IN IP4 192.0.2.1\r\nm=audio 4000 RTP/AVP 96\r\na=rtpmap:96 PCMU/8000\r\n");
  REQUIRE(sd.ok());
  auto a = NegotiateOffer(*sd);
  REQUIRE(a.ok());
  CHECK(a->payload_type == 96);
  CHECK(a->law == media::G711Law::kUlaw);
}

TEST_CASE("an offer without G.711 is refused naming the payload types") {
  auto sd = ParseSdp("v=0\r\nc=IN IP4 192.0.2.1\r\nm=audio 4000 RTP/AVP 18 9\r\n");
  REQUIRE(sd.ok());
  auto a = NegotiateOffer(*sd);
  REQUIRE_FALSE(a.ok());
  CHECK(a.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(std::string(a.status().message()).find("18 9") != std::string::npos);
}

TEST_CASE("video is declined with port 0 and audio answered") {
  auto sd = ParseSdp(
      "v=0\r\nc=IN IP4 192.0.2.1\r\nm=video 5000 RTP/AVP 96\r\nm=audio 4000 RTP/AVP 0 101\r\n"
      "a=rtpmap:101 telephone-event/8000\r\na=sendonly\r\na=rtcp:4003\r\n");
  REQUIRE(sd.ok());
  auto a = NegotiateOffer(*sd);
  REQUIRE(a.ok());
  CHECK(a->audio_index == 1);
  CHECK(a->remote_rtcp_port == 4003);
  CHECK(a->remote_direction == MediaDirection::kSendOnly);
  std::string answer = BuildAnswer(*sd, *a, {.address = "192.0.2.9", .rtp_port = 30000});
  CHECK(answer.find("m=video 0 RTP/AVP 96\r\n") != std::string::npos);
  // The peer puts us on hold (sendonly): we answer recvonly.
  CHECK(answer.find("a=recvonly") != std::string::npos);
}

TEST_CASE("hold with c=0.0.0.0 (RFC 2543) stops sending") {
  auto sd = ParseSdp("v=0\r\nc=IN IP4 0.0.0.0\r\nm=audio 4000 RTP/AVP 0\r\n");
  REQUIRE(sd.ok());
  auto a = NegotiateOffer(*sd);
  REQUIRE(a.ok());
  CHECK(a->remote_port == 0);
}

TEST_CASE("malformed SDP is refused with the problem named") {
  CHECK(ParseSdp("hello").status().message().find("bad SDP line") != std::string::npos);
  CHECK(ParseSdp("v=0\r\ns=x\r\n").status().message() == "SDP has no m= line");
  CHECK(ParseSdp("v=0\r\nm=audio port RTP/AVP 0\r\n").status().message().find("bad m= line") !=
        std::string::npos);
  CHECK(ParseSdp("c=IN IP4 1.2.3.4\r\nm=audio 4 RTP/AVP 0\r\n").status().message() == "not SDP: no v= line");
  auto no_c = ParseSdp("v=0\r\nm=audio 4000 RTP/AVP 0\r\n");
  REQUIRE(no_c.ok());
  CHECK(NegotiateOffer(*no_c).status().message() == "no c= line for the audio stream");
}

TEST_CASE("our offer lists PCMU, PCMA and telephone-events") {
  std::string offer = BuildOffer({.address = "127.0.0.1", .rtp_port = 20002, .session_id = 7, .version = 7});
  auto sd = ParseSdp(offer);
  REQUIRE(sd.ok());
  REQUIRE(sd->media.size() == 1);
  CHECK(sd->media[0].payload_types == std::vector<int>{0, 8, 101});
  CHECK(sd->media[0].telephone_event_pt == 101);
}

}  // namespace
}  // namespace sb::sipua
