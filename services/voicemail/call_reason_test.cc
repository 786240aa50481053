#include "services/voicemail/call_reason.h"

#include <catch2/catch.hpp>

namespace sb::voicemail {
namespace {

TEST_CASE("History-Info causes (RFC 4458) give the deposit reason") {
  struct Case {
    const char* header;
    vpb::DepositReason reason;
    const char* from;
  } cases[] = {
      {"<sip:0297000001@acme.example>;index=1, "
       "<sip:vm@acme.example;cause=486;target=sip:0297000001%40acme.example>;index=1.1",
       vpb::BUSY, "0297000001"},
      {"<sip:4002@acme.example>;index=1,<sip:vm@acme.example;cause=408>;index=1.1", vpb::NO_ANSWER, "4002"},
      {"<sip:4002@acme.example>;index=1,<sip:vm@acme.example;cause=302>;index=1.1", vpb::UNCONDITIONAL,
       "4002"},
      {"<sip:4002@acme.example>;index=1,<sip:vm@acme.example;cause=480>;index=1.1", vpb::UNAVAILABLE, "4002"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.header);
    CallReason r = ReadCallReason({c.header}, {});
    CHECK(r.reason == c.reason);
    CHECK(r.diverted_from == c.from);
  }
}

TEST_CASE("History-Info entries may come in separate headers; the last cause wins") {
  CallReason r = ReadCallReason({"<sip:4001@a.example>;index=1", "<sip:4002@a.example;cause=302>;index=1.1",
                                 "<sip:vm@a.example;cause=486>;index=1.1.1"},
                                {});
  CHECK(r.reason == vpb::BUSY);
  CHECK(r.diverted_from == "4002");
}

TEST_CASE("Diversion reasons (RFC 5806) when there is no History-Info cause") {
  struct Case {
    const char* header;
    vpb::DepositReason reason;
  } cases[] = {
      {"<sip:0297000001@acme.example>;reason=user-busy;counter=1", vpb::BUSY},
      {"<sip:0297000001@acme.example>;reason=no-answer", vpb::NO_ANSWER},
      {"<sip:0297000001@acme.example>;reason=unconditional", vpb::UNCONDITIONAL},
      {"<sip:0297000001@acme.example>;reason=unavailable", vpb::UNAVAILABLE},
      {"<sip:0297000001@acme.example>;reason=\"do-not-disturb\"", vpb::UNAVAILABLE},
      {"<tel:0297000001>;reason=user-busy", vpb::BUSY},
  };
  for (const auto& c : cases) {
    CAPTURE(c.header);
    CallReason r = ReadCallReason({"<sip:4002@a.example>;index=1"}, {c.header});
    CHECK(r.reason == c.reason);
    CHECK(r.diverted_from == "0297000001");
  }
}

TEST_CASE("a call with neither header came straight to voicemail") {
  CHECK(ReadCallReason({}, {}).reason == vpb::DIRECT);
  CHECK(ReadCallReason({"garbage"}, {"<sip:x@y>;reason=weird"}).reason == vpb::DIRECT);
}

}  // namespace
}  // namespace sb::voicemail
