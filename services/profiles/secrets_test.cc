#include "services/profiles/secrets.h"

#include <catch2/catch.hpp>

#include "absl/strings/match.h"

using namespace sb::profiles;

TEST_CASE("HA1 matches RFC 2617's worked example") {
  // RFC 2617 section 3.5: Mufasa / testrealm@host.com / Circle Of Life.
  CHECK(DigestHa1Md5("Mufasa", "testrealm@host.com", "Circle Of Life") == "939e7578ed9e3c518a452acee763bce9");
  // RFC 7616 section 3.9.1 uses the same credentials with realm http-auth@example.org.
  CHECK(DigestHa1Sha256("Mufasa", "http-auth@example.org", "Circle of Life") ==
        "7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232");
}

TEST_CASE("secrets are stored as Argon2id and verify only with the right value") {
  auto hash = HashSecret("Alice!Portal42");
  REQUIRE(hash.ok());
  CHECK(absl::StartsWith(*hash, "$argon2id$"));
  CHECK(hash->find("Alice!Portal42") == std::string::npos);
  CHECK(VerifySecret(*hash, "Alice!Portal42"));
  CHECK_FALSE(VerifySecret(*hash, "Alice!Portal43"));
  CHECK_FALSE(VerifySecret("", "anything"));
  auto again = HashSecret("Alice!Portal42");
  REQUIRE(again.ok());
  CHECK(*again != *hash);  // salted
}

TEST_CASE("generated SIP credentials and tokens are random and well formed") {
  std::string a = GenerateSipPassword(), b = GenerateSipPassword();
  CHECK(a.size() == 20);
  CHECK(a != b);
  std::string user = GenerateSipUsername("4001-");
  CHECK(absl::StartsWith(user, "4001-"));
  CHECK(user.size() == 13);
  std::string t1 = GenerateToken(), t2 = GenerateToken();
  CHECK(t1.size() == 43);
  CHECK(t1 != t2);
  CHECK(TokenHash(t1).size() == 64);
  CHECK(TokenHash(t1) == TokenHash(t1));
}
