#include "services/notifications/signing.h"

#include <catch2/catch.hpp>

#include "absl/strings/escaping.h"

namespace sb::notifications {
namespace {

TEST_CASE("HMAC-SHA256 matches RFC 4231 test case 2") {
  CHECK(HmacSha256Hex("Jefe", "what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("SHA-256 of \"abc\" (FIPS 180-2)") {
  CHECK(Sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("webhook signature covers timestamp and body") {
  const absl::Time t = absl::FromUnixSeconds(1700000000);
  CHECK(WebhookSignature("k", "{}", t) == "t=1700000000,v1=" + HmacSha256Hex("k", "1700000000.{}"));
}

TEST_CASE("action links verify, and refuse tampering and expiry") {
  const absl::Time now = absl::FromUnixSeconds(1700000000);
  LinkClaims c{LinkAction::kMarkRead, "t1", "u1", "m1", now + absl::Hours(1)};
  std::string token = SignLink("secret", c);
  auto ok = VerifyLink("secret", token, now);
  REQUIRE(ok.ok());
  CHECK(ok->action == LinkAction::kMarkRead);
  CHECK(ok->user_id == "u1");
  CHECK(ok->message_id == "m1");
  CHECK(VerifyLink("other", token, now).status().code() == absl::StatusCode::kPermissionDenied);
  CHECK(VerifyLink("secret", token, now + absl::Hours(2)).status().code() ==
        absl::StatusCode::kFailedPrecondition);
  std::string forged =
      SignLink("attacker", LinkClaims{LinkAction::kDelete, "t1", "u1", "m1", now + absl::Hours(1)});
  // Claims of one token with the signature of another.
  std::string mixed = forged.substr(0, forged.find('.')) + token.substr(token.find('.'));
  CHECK(VerifyLink("secret", mixed, now).status().code() == absl::StatusCode::kPermissionDenied);
  CHECK(VerifyLink("secret", "garbage", now).status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("action links carry the e-mail's language and a nonce; links of older e-mails still verify") {
  const absl::Time now = absl::FromUnixSeconds(1700000000);
  LinkClaims c{LinkAction::kMarkAllRead, "t1", "u1", "", now + absl::Hours(1), "fr", "0123abcd"};
  auto ok = VerifyLink("secret", SignLink("secret", c), now);
  REQUIRE(ok.ok());
  CHECK(ok->action == LinkAction::kMarkAllRead);
  CHECK(ok->language == "fr");
  CHECK(ok->nonce == "0123abcd");
  CHECK(ok->message_id.empty());
  // Same claims, another nonce: another link.
  c.nonce = "ffff0000";
  CHECK(SignLink("secret", c) != SignLink("secret", LinkClaims{LinkAction::kMarkAllRead, "t1", "u1", "",
                                                               now + absl::Hours(1), "fr", "0123abcd"}));
  // A v1 token as e-mails sent before this version carry: no language.
  const std::string claims = "v1|DELETE|t1|u1|m9|1700003600";
  const std::string v1 = absl::WebSafeBase64Escape(claims) + "." +
                         absl::WebSafeBase64Escape(absl::HexStringToBytes(HmacSha256Hex("secret", claims)));
  auto old = VerifyLink("secret", v1, now);
  REQUIRE(old.ok());
  CHECK(old->action == LinkAction::kDelete);
  CHECK(old->message_id == "m9");
  CHECK(old->language.empty());
  // Claims of an unknown version are refused even when signed.
  const std::string v3claims = "v3|DELETE|t1|u1|m9|1700003600|fr|00";
  const std::string v3 = absl::WebSafeBase64Escape(v3claims) + "." +
                         absl::WebSafeBase64Escape(absl::HexStringToBytes(HmacSha256Hex("secret", v3claims)));
  CHECK(VerifyLink("secret", v3, now).status().code() == absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sb::notifications
