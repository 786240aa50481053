#include "services/profiles/validation.h"

#include <catch2/catch.hpp>

#include "core/status.h"

using namespace sb::profiles;

TEST_CASE("extensions: reserved service numbers are refused (CT 11: Poste invalide)") {
  sb::numbering::Numbering numbering;
  struct Case {
    const char* ext;
    const char* country;
    bool ok;
  } cases[] = {
      {"4001", "FR", true}, {"20", "FR", true},    {"123456", "FR", true}, {"311", "CA", false},
      {"511", "CA", false}, {"911", "CA", false},  {"911", "FR", false},   {"112", "FR", false},
      {"15", "FR", false},  {"17", "FR", false},   {"700", "FR", false},   {"705", "FR", false},
      {"1", "FR", false},   {"1234567", "FR", false}, {"40a1", "FR", false}, {"3001", "FR", true},
  };
  for (const auto& c : cases) {
    INFO(c.ext << " in " << c.country);
    absl::Status st = CheckExtension("extension", c.ext, c.country, numbering);
    CHECK(st.ok() == c.ok);
    if (!st.ok()) CHECK(sb::core::FieldOf(st) == "extension");
  }
}

TEST_CASE("MAC addresses are 12 hex digits, separators allowed") {
  std::string mac = "00:15:65:AA:BB:CC";
  REQUIRE(NormalizeMac("mac", &mac).ok());
  CHECK(mac == "001565aabbcc");
  std::string bad = "00156";
  CHECK(NormalizeMac("mac", &bad).code() == absl::StatusCode::kInvalidArgument);
  std::string letters = "00156zaabbcc";
  CHECK_FALSE(NormalizeMac("mac", &letters).ok());
}

TEST_CASE("text, e-mail, language and time zone checks name the field") {
  CHECK(CheckText("first_name", "Zoé", 3).ok());
  CHECK(sb::core::FieldOf(CheckText("first_name", "Zoéa", 3)) == "first_name");
  CHECK_FALSE(CheckText("first_name", "a\x1f" "b", 50).ok());
  CHECK(CheckText("first_name", "Robert'); DROP TABLE users;--", 50).ok());
  CHECK(CheckEmail("email", "a@b.fr").ok());
  for (const char* bad : {"a", "a@", "@b.fr", "a@b", "a b@c.fr", "a@b@c.fr"}) {
    INFO(bad);
    CHECK(sb::core::FieldOf(CheckEmail("email", bad)) == "email");
  }
  CHECK(CheckLanguage("language", "fr").ok());
  CHECK_FALSE(CheckLanguage("language", "de").ok());
  CHECK(CheckTimezone("timezone", "Europe/Paris").ok());
  CHECK_FALSE(CheckTimezone("timezone", "Mars/Olympus").ok());
}
