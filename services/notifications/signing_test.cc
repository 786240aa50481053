#include "services/notifications/signing.h"

#include <catch2/catch.hpp>

namespace sb::notifications {
namespace {

TEST_CASE("HMAC-SHA256 matches RFC 4231 test case 2") {
  CHECK(HmacSha256Hex("Jefe", "what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
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

}  // namespace
}  // namespace sb::notifications
