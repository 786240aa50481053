#include "sip/digest.h"

#include <catch2/catch.hpp>

namespace sb::sip {
namespace {

DigestCredentials Rfc2617Example() {
  // RFC 2617 §3.5.
  DigestCredentials c;
  c.username = "Mufasa";
  c.realm = "testrealm@host.com";
  c.nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093";
  c.uri = "/dir/index.html";
  c.qop = "auth";
  c.nc = "00000001";
  c.cnonce = "0a4f113b";
  return c;
}

DigestCredentials Rfc7616Example() {
  // RFC 7616 §3.9.1.
  DigestCredentials c;
  c.username = "Mufasa";
  c.realm = "http-auth@example.org";
  c.nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
  c.uri = "/dir/index.html";
  c.qop = "auth";
  c.nc = "00000001";
  c.cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
  return c;
}

TEST_CASE("digest responses match the RFC examples") {
  struct Case {
    const char* name;
    DigestCredentials credentials;
    std::string password;
    DigestAlgorithm algorithm;
    std::string response;
  };
  const Case cases[] = {
      {"RFC 2617 MD5", Rfc2617Example(), "Circle Of Life", DigestAlgorithm::kMd5,
       "6629fae49393a05397450978507c4ef1"},
      {"RFC 7616 MD5", Rfc7616Example(), "Circle of Life", DigestAlgorithm::kMd5,
       "8ca523f5e9506fed4657c9700eebdbec"},
      {"RFC 7616 SHA-256", Rfc7616Example(), "Circle of Life", DigestAlgorithm::kSha256,
       "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const std::string ha1 = DigestHa1(c.algorithm, c.credentials.username, c.credentials.realm, c.password);
    CHECK(ExpectedDigestResponse(c.algorithm, ha1, "GET", c.credentials) == c.response);
    DigestCredentials answered = c.credentials;
    answered.response = c.response;
    CHECK(DigestResponseMatches(c.algorithm, ha1, "GET", answered));
    answered.response[0] = answered.response[0] == 'a' ? 'b' : 'a';
    CHECK_FALSE(DigestResponseMatches(c.algorithm, ha1, "GET", answered));
    CHECK_FALSE(DigestResponseMatches(c.algorithm, ha1, "POST", answered));
  }
}

TEST_CASE("digest without qop (RFC 2069 compatibility)") {
  DigestCredentials c = Rfc2617Example();
  c.qop.clear();
  const std::string ha1 = DigestHa1(DigestAlgorithm::kMd5, c.username, c.realm, "Circle Of Life");
  const std::string ha2 = DigestHex(DigestAlgorithm::kMd5, "REGISTER:/dir/index.html");
  CHECK(ExpectedDigestResponse(DigestAlgorithm::kMd5, ha1, "REGISTER", c) ==
        DigestHex(DigestAlgorithm::kMd5, ha1 + ":" + c.nonce + ":" + ha2));
}

TEST_CASE("parsing the Authorization parameters") {
  const std::vector<std::string> params = {"username=\"alice\"",
                                           "realm=\"demo.example\"",
                                           "nonce=\"abc\"",
                                           "uri=\"sip:demo.example\"",
                                           "response=\"0123456789ABCDEF0123456789abcdef\"",
                                           "algorithm=MD5",
                                           "cnonce=\"xyz\"",
                                           "qop=auth",
                                           "nc=00000001",
                                           "opaque=\"o\""};
  auto c = ParseDigestCredentials("Digest", params);
  REQUIRE(c.ok());
  CHECK(c->username == "alice");
  CHECK(c->realm == "demo.example");
  CHECK(c->uri == "sip:demo.example");
  CHECK(c->response == "0123456789abcdef0123456789abcdef");
  CHECK(c->qop == "auth");
  CHECK(c->nc == "00000001");

  struct Bad {
    const char* why;
    std::string scheme;
    std::vector<std::string> params;
  };
  const Bad bad[] = {
      {"not digest", "Basic", params},
      {"no username",
       "Digest",
       {"realm=\"r\"", "nonce=\"n\"", "uri=\"u\"", "response=\"0123456789abcdef0123456789abcdef\""}},
      {"short response",
       "Digest",
       {"username=\"a\"", "realm=\"r\"", "nonce=\"n\"", "uri=\"u\"", "response=\"abc\""}},
      {"not hex",
       "Digest",
       {"username=\"a\"", "realm=\"r\"", "nonce=\"n\"", "uri=\"u\"",
        "response=\"0123456789abcdef0123456789abcdeg\""}},
      {"MD5 length for SHA-256",
       "Digest",
       {"username=\"a\"", "realm=\"r\"", "nonce=\"n\"", "uri=\"u\"", "algorithm=SHA-256",
        "response=\"0123456789abcdef0123456789abcdef\""}},
      {"unknown algorithm",
       "Digest",
       {"username=\"a\"", "realm=\"r\"", "nonce=\"n\"", "uri=\"u\"", "algorithm=MD5-sess",
        "response=\"0123456789abcdef0123456789abcdef\""}},
      {"qop without cnonce",
       "Digest",
       {"username=\"a\"", "realm=\"r\"", "nonce=\"n\"", "uri=\"u\"", "qop=auth", "nc=00000001",
        "response=\"0123456789abcdef0123456789abcdef\""}},
      {"qop auth-int",
       "Digest",
       {"username=\"a\"", "realm=\"r\"", "nonce=\"n\"", "uri=\"u\"", "qop=auth-int", "cnonce=\"c\"",
        "nc=00000001", "response=\"0123456789abcdef0123456789abcdef\""}},
      {"bad nc",
       "Digest",
       {"username=\"a\"", "realm=\"r\"", "nonce=\"n\"", "uri=\"u\"", "qop=auth", "cnonce=\"c\"", "nc=1",
        "response=\"0123456789abcdef0123456789abcdef\""}},
  };
  for (const Bad& b : bad) {
    INFO(b.why);
    CHECK(ParseDigestCredentials(b.scheme, b.params).status().code() == absl::StatusCode::kInvalidArgument);
  }
}

TEST_CASE("challenge header") {
  CHECK(
      ChallengeHeaderValue({.realm = "demo.example", .nonce = "n1", .algorithm = DigestAlgorithm::kSha256}) ==
      "Digest realm=\"demo.example\", nonce=\"n1\", algorithm=SHA-256, qop=\"auth\"");
  CHECK(ChallengeHeaderValue({.realm = "d", .nonce = "n", .stale = true}) ==
        "Digest realm=\"d\", nonce=\"n\", algorithm=MD5, qop=\"auth\", stale=true");
}

TEST_CASE("algorithm lists") {
  auto both = ParseDigestAlgorithmList("SHA-256, md5");
  REQUIRE(both.ok());
  CHECK(*both == std::vector<DigestAlgorithm>{DigestAlgorithm::kSha256, DigestAlgorithm::kMd5});
  CHECK_FALSE(ParseDigestAlgorithmList("MD5,SHA-512").ok());
  CHECK_FALSE(ParseDigestAlgorithmList("").ok());
}

TEST_CASE("HMAC-SHA256 matches RFC 4231") {
  const std::string jefe = HmacSha256("Jefe").Compute("what do ya want for nothing?");
  CHECK(DigestHex(DigestAlgorithm::kMd5, "") == "d41d8cd98f00b204e9800998ecf8427e");
  std::string hex;
  for (unsigned char c : jefe) hex += "0123456789abcdef"[c >> 4], hex += "0123456789abcdef"[c & 0xf];
  CHECK(hex == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // A key longer than the block is hashed first (RFC 4231 test case 6).
  const std::string long_key(131, '\xaa');
  const std::string big =
      HmacSha256(long_key).Compute("Test Using Larger Than Block-Size Key - Hash Key First");
  hex.clear();
  for (unsigned char c : big) hex += "0123456789abcdef"[c >> 4], hex += "0123456789abcdef"[c & 0xf];
  CHECK(hex == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST_CASE("nonces are verified statelessly, go stale, and can't be forged") {
  absl::Time now = absl::FromUnixSeconds(1700000000);
  NonceCodec codec("secret key", absl::Seconds(300), [&] { return now; });
  const std::string nonce = codec.Issue("demo.example");
  CHECK(codec.Check(nonce, "demo.example") == NonceCodec::Verdict::kValid);
  CHECK(codec.Check(nonce, "DEMO.example") == NonceCodec::Verdict::kValid);
  CHECK(codec.Check(nonce, "other.example") == NonceCodec::Verdict::kForged);
  CHECK(codec.Issue("demo.example") != nonce);

  // Another edge copy with the same key accepts it; one with another key doesn't.
  NonceCodec same_key("secret key", absl::Seconds(300), [&] { return now; });
  NonceCodec other_key("other key", absl::Seconds(300), [&] { return now; });
  CHECK(same_key.Check(nonce, "demo.example") == NonceCodec::Verdict::kValid);
  CHECK(other_key.Check(nonce, "demo.example") == NonceCodec::Verdict::kForged);

  std::string tampered = nonce;
  tampered[3] = tampered[3] == 'A' ? 'B' : 'A';
  CHECK(codec.Check(tampered, "demo.example") == NonceCodec::Verdict::kForged);
  CHECK(codec.Check("", "demo.example") == NonceCodec::Verdict::kForged);
  CHECK(codec.Check("not base64 !!", "demo.example") == NonceCodec::Verdict::kForged);
  CHECK(codec.Check(std::string(1000, 'A'), "demo.example") == NonceCodec::Verdict::kForged);

  now += absl::Seconds(300);
  CHECK(codec.Check(nonce, "demo.example") == NonceCodec::Verdict::kValid);
  now += absl::Seconds(1);
  CHECK(codec.Check(nonce, "demo.example") == NonceCodec::Verdict::kStale);

  // Issued in the future (beyond clock drift): not ours.
  absl::Time later = now + absl::Minutes(10);
  NonceCodec ahead("secret key", absl::Seconds(300), [&] { return later; });
  CHECK(codec.Check(ahead.Issue("demo.example"), "demo.example") == NonceCodec::Verdict::kForged);
}

}  // namespace
}  // namespace sb::sip
