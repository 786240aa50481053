#include "sip/proxy.h"

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "sip/message.h"

namespace sb::sip {
namespace {

MsgRef ParseInvite(const std::string& extra = "") {
  std::string wire =
      "INVITE sip:4002@demo.example SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 192.0.2.4:5062;branch=z9hG4bK-a\r\n"
      "Route: <sip:198.51.100.1:5060;lr>\r\n"
      "Route: <sip:203.0.113.9;lr>\r\n"
      "From: <sip:4001@demo.example>;tag=f1\r\n"
      "To: <sip:4002@demo.example>\r\n"
      "Call-ID: c1\r\n"
      "CSeq: 2 INVITE\r\n"
      "Contact: <sip:4001@192.0.2.4:5062>\r\n"
      "Max-Forwards: 70\r\n"
      "Proxy-Authorization: Digest username=\"u\", realm=\"demo.example\", nonce=\"n\", uri=\"sip:x\", response=\"r\"\r\n"
      "History-Info: <sip:a@x>;index=1\r\n"
      "X-Sb-Tenant: forged\r\n" +
      extra + "Content-Length: 0\r\n\r\n";
  return MsgRef(msg_make(sip_default_mclass(), 0, wire.data(), static_cast<ssize_t>(wire.size())));
}

std::string Encode(msg_t* msg) {
  msg_serialize(msg, nullptr);
  size_t size = 0;
  char* text = msg_as_string(msg_home(msg), msg, nullptr, 0, &size);
  return text != nullptr ? std::string(text, size) : "";
}

TEST_CASE("a forwarded copy is retargeted, counted down and record-routed") {
  MsgRef in = ParseInvite();
  REQUIRE(in.sip() != nullptr);
  auto out = PrepareForward(in.get(), {.request_uri = "sip:bob@192.0.2.7:5070",
                                       .record_route = "<sip:198.51.100.1:5060;lr>",
                                       .remove_headers = {"Proxy-Authorization", "X-Sb-Tenant"},
                                       .extra_headers = "Alert-Info: <urn:alert:priority:high>\r\n"});
  REQUIRE(out.ok());
  const std::string text = Encode(out->get());
  CHECK(absl::StartsWith(text, "INVITE sip:bob@192.0.2.7:5070 SIP/2.0\r\n"));
  CHECK(absl::StrContains(text, "Max-Forwards: 69\r\n"));
  CHECK(absl::StrContains(text, "Record-Route: <sip:198.51.100.1:5060;lr>\r\n"));
  CHECK(absl::StrContains(text, "Alert-Info: <urn:alert:priority:high>\r\n"));
  CHECK_FALSE(absl::StrContains(text, "Proxy-Authorization"));
  CHECK_FALSE(absl::StrContains(text, "X-Sb-Tenant"));
  // The original is untouched.
  CHECK(in.sip()->sip_max_forwards->mf_count == 70);
  CHECK(HeaderValues(in.get(), "X-Sb-Tenant") == std::vector<std::string>{"forged"});
  CHECK(HeaderValues(in.get(), "History-Info") == std::vector<std::string>{"<sip:a@x>;index=1"});
}

TEST_CASE("a prefix ending in * removes every extension header it starts, in any case, and no other") {
  MsgRef in = ParseInvite("x-sb-announcement: closed-today\r\nX-SB-Out-Of-Hours: 1\r\nX-Other: kept\r\n");
  REQUIRE(in.sip() != nullptr);
  auto out = PrepareForward(in.get(), {.remove_headers = {"X-Sb-*"}, .extra_headers = "X-Sb-Tenant: ours\r\n"});
  REQUIRE(out.ok());
  CHECK(HeaderValues(out->get(), "X-Sb-Tenant") == std::vector<std::string>{"ours"});
  CHECK(HeaderValues(out->get(), "X-Sb-Announcement").empty());
  CHECK(HeaderValues(out->get(), "X-Sb-Out-Of-Hours").empty());
  CHECK(HeaderValues(out->get(), "X-Other") == std::vector<std::string>{"kept"});
  CHECK(HeaderValues(out->get(), "History-Info") == std::vector<std::string>{"<sip:a@x>;index=1"});
}

TEST_CASE("our own Route is popped, another proxy's is not") {
  MsgRef in = ParseInvite();
  CHECK_FALSE(PopOwnRoute(in.get(), "198.51.100.2", "5060"));
  CHECK(PopOwnRoute(in.get(), "198.51.100.1", "5060"));
  REQUIRE(in.sip()->sip_route != nullptr);
  CHECK(std::string(in.sip()->sip_route->r_url->url_host) == "203.0.113.9");
  CHECK_FALSE(PopOwnRoute(in.get(), "198.51.100.1", "5060"));
}

TEST_CASE("a request that comes back unchanged is a loop, a spiral is not") {
  MsgRef in = ParseInvite();
  const std::string key = LoopKey(*in.sip());
  CHECK(key.size() == 16);
  CHECK(LoopKey(*ParseInvite().sip()) == key);  // stable across copies
  MsgRef looped = ParseInvite("Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bK" + key + ".1\r\n");
  CHECK(HasOwnLoopVia(*looped.sip(), "198.51.100.1", "5060", LoopKey(*looped.sip())));
  CHECK_FALSE(HasOwnLoopVia(*looped.sip(), "198.51.100.1", "5061", LoopKey(*looped.sip())));
  // Sent back with another Request-URI (a forward through a trunk): a spiral.
  std::string wire = absl::StrReplaceAll(Encode(looped.get()), {{"INVITE sip:4002@", "INVITE sip:4003@"}});
  MsgRef spiral(msg_make(sip_default_mclass(), 0, wire.data(), static_cast<ssize_t>(wire.size())));
  REQUIRE(spiral.sip() != nullptr);
  CHECK_FALSE(HasOwnLoopVia(*spiral.sip(), "198.51.100.1", "5060", LoopKey(*spiral.sip())));
}

}  // namespace
}  // namespace sb::sip
