// The proxy's pure pieces: the diversion headers the voicemail service
// reads, trunk configuration, and RFC 3842 message summaries.
#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "services/edge/diversion.h"
#include "services/edge/mwi.h"
#include "services/edge/trunks.h"

namespace sb::edge {
namespace {

TEST_CASE("diversion causes and reasons follow RFC 4458 and what voicemail reads") {
  struct Row {
    rpb::DiversionReason reason;
    int cause;
    const char* token;
  };
  for (const Row& r : {Row{rpb::USER_BUSY, 486, "user-busy"}, Row{rpb::NO_ANSWER, 408, "no-answer"},
                       Row{rpb::UNCONDITIONAL, 302, "unconditional"}, Row{rpb::UNAVAILABLE, 480, "unavailable"},
                       Row{rpb::DO_NOT_DISTURB, 480, "unavailable"}, Row{rpb::TIME_OF_DAY, 302, "unconditional"}}) {
    CHECK(DiversionCause(r.reason) == r.cause);
    CHECK(DiversionToken(r.reason) == r.token);
  }
  CHECK(ExactDiversionToken(rpb::DO_NOT_DISTURB) == "do-not-disturb");
}

TEST_CASE("a voicemail Request-URI carries target and cause") {
  CHECK(VoicemailRequestUri("sip:voicemail@127.0.0.1:5070", "sip:+33222969570@demo.example", rpb::USER_BUSY) ==
        "sip:voicemail@127.0.0.1:5070;target=sip%3A%2B33222969570%40demo.example;cause=486");
}

TEST_CASE("History-Info and Diversion name the diverting user and the reason") {
  const std::string h = DiversionHeaders({.diverting_uri = "sip:+33222969570@demo.example",
                                          .target_uri = "sip:voicemail@vm;cause=408",
                                          .reason = rpb::NO_ANSWER});
  CHECK(h ==
        "History-Info: <sip:+33222969570@demo.example>;index=1, <sip:voicemail@vm;cause=408>;index=1.1;mp=1\r\n"
        "Diversion: <sip:+33222969570@demo.example>;reason=no-answer;counter=1\r\n");
  // A call diverted before keeps its history and counts on.
  const std::string again = DiversionHeaders({.diverting_uri = "sip:+33222969571@demo.example",
                                              .target_uri = "sip:+33612345678@gw",
                                              .reason = rpb::UNCONDITIONAL,
                                              .previous_history = {"<sip:a@x>;index=1"},
                                              .previous_diversions = 1});
  CHECK(absl::StrContains(again, "History-Info: <sip:a@x>;index=1, <sip:+33612345678@gw;cause=302>;index=2.1"));
  CHECK(absl::StrContains(again, "reason=unconditional;counter=2"));
}

TEST_CASE("static trunks parse, match by source and build outbound URIs") {
  auto trunks = ParseStaticTrunks("t1|tenant-a|198.51.100.7:5060+198.51.100.8|sip:gw.example:5080;transport=tcp");
  REQUIRE(trunks.ok());
  REQUIRE(trunks->size() == 1);
  TrunkTable table;
  table.Replace(*trunks);
  CHECK(table.BySource("198.51.100.7", 5060).has_value());
  CHECK_FALSE(table.BySource("198.51.100.7", 5061).has_value());
  CHECK(table.BySource("198.51.100.8", 40000).has_value());  // any port of that address
  CHECK_FALSE(table.BySource("203.0.113.1", 5060).has_value());
  REQUIRE(table.OutboundFor("tenant-b").has_value());  // the platform's default carrier
  CHECK(OutboundRequestUri(*table.OutboundFor("tenant-a"), "+33612345678") ==
        "sip:+33612345678@gw.example:5080;transport=tcp");
  CHECK_FALSE(ParseStaticTrunks("t1|tenant|source").ok());
  CHECK_FALSE(ParseStaticTrunks("t1|tenant|source|http://x").ok());
}

TEST_CASE("message summaries follow the line's MWI choice (RFC 3842)") {
  switchboard::events::v1::MailboxChanged m;
  m.set_voice_new(2);
  m.set_voice_old(8);
  m.set_voice_urgent_new(0);
  m.set_voice_urgent_old(2);
  m.set_fax_new(1);
  m.set_mailbox_address("sip:+33222969570@demo.example");
  CHECK(MessageSummaryBody(m) ==
        "Messages-Waiting: yes\r\nMessage-Account: sip:+33222969570@demo.example\r\nVoice-Message: 2/8 (0/2)\r\n");
  m.set_mwi_mode("URGENT_VOICEMAIL");
  CHECK(absl::StartsWith(MessageSummaryBody(m), "Messages-Waiting: no\r\n"));
  m.set_mwi_mode("ALL_FAXES");
  CHECK(MessageSummaryBody(m) ==
        "Messages-Waiting: yes\r\nMessage-Account: sip:+33222969570@demo.example\r\nFax-Message: 1/0\r\n");
  m.set_mwi_mode("ALL");
  m.set_voice_new(0);
  CHECK(absl::StrContains(MessageSummaryBody(m), "Messages-Waiting: yes"));
  CHECK(absl::StrContains(MessageSummaryBody(m), "Fax-Message: 1/0"));
}

}  // namespace
}  // namespace sb::edge
