#include "sip/message.h"

#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "sip/transaction.h"

namespace sb::sip {
namespace {

// A parsed message from wire text ("\n" line ends are fine).
MsgRef Parse(std::string text) {
  std::string wire;
  for (char c : text) {
    if (c == '\n')
      wire += "\r\n";
    else
      wire += c;
  }
  return MsgRef(msg_make(sip_default_mclass(), 0, wire.data(), static_cast<ssize_t>(wire.size())));
}

std::string Register(const std::string& extra) {
  return absl::StrCat(
      "REGISTER sip:demo.example SIP/2.0\n"
      "Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK-1;rport\n"
      "From: <sip:alice@Demo.Example>;tag=1\n"
      "To: <sip:alice@Demo.Example>\n"
      "Call-ID: c1\n"
      "CSeq: 1 REGISTER\n"
      "Max-Forwards: 70\n",
      extra, "Content-Length: 0\n\n");
}

TEST_CASE("address of record") {
  MsgRef msg = Parse(Register(""));
  REQUIRE(msg.sip() != nullptr);
  auto aor = AddressOfRecord(msg.sip()->sip_to->a_url);
  REQUIRE(aor.ok());
  CHECK(*aor == "sip:alice@demo.example");
  CHECK(CallId(*msg.sip()) == "c1");
  CHECK(MaxForwards(*msg.sip()) == 70u);
  CHECK_FALSE(ExpiresHeader(*msg.sip()).has_value());

  MsgRef no_user = Parse(
      "REGISTER sip:demo.example SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.5;branch=z9hG4bK-1\nFrom: "
      "<sip:demo.example>;tag=1\n"
      "To: <sip:demo.example>\nCall-ID: c1\nCSeq: 1 REGISTER\nContent-Length: 0\n\n");
  REQUIRE(no_user.sip() != nullptr);
  CHECK_FALSE(AddressOfRecord(no_user.sip()->sip_to->a_url).ok());
}

TEST_CASE("contacts with expires, q, instance and reg-id") {
  MsgRef msg =
      Parse(Register("Contact: \"Alice\" <sip:alice@10.0.0.5:5060;transport=udp>;expires=120;q=0.50;"
                     "+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>\";reg-id=1\n"
                     "Contact: <sip:alice@10.0.0.6>\n"
                     "Expires: 600\n"));
  REQUIRE(msg.sip() != nullptr);
  auto list = ReadContacts(*msg.sip());
  REQUIRE(list.ok());
  CHECK_FALSE(list->wildcard);
  REQUIRE(list->contacts.size() == 2);
  const ContactInfo& a = list->contacts[0];
  CHECK(a.uri == "sip:alice@10.0.0.5:5060;transport=udp");
  CHECK(a.expires == 120);
  CHECK(a.q == "0.5");
  CHECK(a.instance == "<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>");
  CHECK(a.reg_id == 1u);
  CHECK(a.value ==
        "<sip:alice@10.0.0.5:5060;transport=udp>;q=0.50;"
        "+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>\";reg-id=1");
  const ContactInfo& b = list->contacts[1];
  CHECK_FALSE(b.expires.has_value());
  CHECK(b.instance.empty());
  CHECK(ExpiresHeader(*msg.sip()) == 600);
}

TEST_CASE("contact wildcard and malformed contacts") {
  MsgRef star = Parse(Register("Contact: *\nExpires: 0\n"));
  REQUIRE(star.sip() != nullptr);
  auto list = ReadContacts(*star.sip());
  REQUIRE(list.ok());
  CHECK(list->wildcard);
  CHECK(list->contacts.empty());

  for (const char* bad :
       {"Contact: *\nContact: <sip:a@b>\n", "Contact: <sip:a@b>;q=2\n", "Contact: <sip:a@b>;reg-id=x\n",
        "Contact: <sip:a@b>;expires=soon\n", "Contact: <tel:+33123456789>\n", "Contact: <sip:a@b\n"}) {
    INFO(bad);
    MsgRef msg = Parse(Register(bad));
    REQUIRE(msg.sip() != nullptr);
    CHECK(ReadContacts(*msg.sip()).status().code() == absl::StatusCode::kInvalidArgument);
  }
}

TEST_CASE("option tags") {
  MsgRef msg = Parse(Register("Supported: path, outbound\nRequire: outbound, foo\n"));
  REQUIRE(msg.sip() != nullptr);
  CHECK(HasOptionTag(msg.sip()->sip_supported, "OUTBOUND"));
  CHECK_FALSE(HasOptionTag(msg.sip()->sip_supported, "gruu"));
  CHECK(UnsupportedOptionTags(msg.sip()->sip_require, {"outbound", "path"}) ==
        std::vector<std::string>{"foo"});
}

TEST_CASE("digest credentials are picked by realm") {
  MsgRef msg = Parse(
      Register("Authorization: Digest username=\"bob\", realm=\"other.example\", nonce=\"n\", uri=\"sip:x\", "
               "response=\"0123456789abcdef0123456789abcdef\"\n"
               "Authorization: Digest username=\"alice\", realm=\"demo.example\", nonce=\"n2\", "
               "uri=\"sip:demo.example\", "
               "response=\"0123456789abcdef0123456789abcdef\", qop=auth, nc=00000002, cnonce=\"c\"\n"));
  REQUIRE(msg.sip() != nullptr);
  auto found = DigestCredentialsFor(msg.sip()->sip_authorization, "Demo.Example");
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  CHECK((*found)->username == "alice");
  CHECK((*found)->nc == "00000002");
  auto none = DigestCredentialsFor(msg.sip()->sip_authorization, "third.example");
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());

  MsgRef broken = Parse(Register(
      "Authorization: Digest username=\"alice\", realm=\"demo.example\", nonce=\"n2\", response=\"zz\"\n"));
  REQUIRE(broken.sip() != nullptr);
  CHECK(DigestCredentialsFor(broken.sip()->sip_authorization, "demo.example").status().code() ==
        absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sb::sip
