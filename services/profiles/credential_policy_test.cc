#include "services/profiles/credential_policy.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/status.h"

namespace sb::profiles {
namespace {

// The account of the MetaCentrex guide's notification e-mails: line
// 02 22 96 95 69 (national and E.164 digits, as the profiles service passes
// them) and extension 4002.
const std::vector<std::string>& Account() {
  static const auto* numbers = new std::vector<std::string>{"0222969569", "33222969569", "4002"};
  return *numbers;
}

std::vector<std::string> Rules(const std::vector<PolicyViolation>& violations) {
  std::vector<std::string> rules;
  for (const PolicyViolation& v : violations) rules.push_back(v.rule);
  return rules;
}

struct Case {
  std::string secret;
  std::vector<std::string> rules;  // broken rules, in reporting order; empty: accepted
};

using R = std::vector<std::string>;

TEST_CASE("portal passwords (A3)") {
  const std::vector<Case> cases = {
      // Accepted.
      {"Rodolphe#2408", {}},
      {"abcdefgh1!xy", {}},          // exactly 12
      {"Abcdefghij1!Abcdefgh", {}},  // exactly 20
      {"Passw0rd!11x", {}},          // a digit twice in a row is fine
      {"Abc!1235xyzw", {}},          // 123 then 5: a run of 3 only
      {"Abc!9012xyzw", {}},          // sequences do not wrap from 9 to 0
      {"Abc!aaaaxyz1", {}},          // repetition is about digits
      {"my cat 7 jumps", {}},        // spaces are special characters
      {"Été2024, déjà!", {}},        // 14 code points, 18 bytes
      {"жжжжжж!1ЖЖЖЖЖ", {}},         // 13 code points but 24 bytes; Cyrillic letters
      // Each rule broken alone.
      {"Abc!1xyz", R{"length"}},
      {"Abcdefghij1!Abcdefghi", R{"length"}},  // 21
      {"Éléphant!1é", R{"length"}},            // 11 code points, 14 bytes
      {"Abc!111xyzwq", R{"repeated_digit"}},
      {"Abcdefgh!xyz", R{"digit"}},
      {"2468!0864#97", R{"letter"}},
      {"1!2@3#4$5%6^", R{"letter"}},
      {"Abcdefgh1xyz", R{"special"}},
      {"Abc!1234xyzw", R{"sequence"}},
      {"Abc!0123xyzw", R{"sequence"}},
      {"Abc!6789xyzw", R{"sequence"}},
      {"Abc!9876xyzw", R{"sequence"}},
      {"Abc!54321xyz", R{"sequence"}},
      {"Abc!2969xyzw", R{"account_number"}},  // national number window
      {"Abc!9569xyzw", R{"account_number"}},  // its last four digits
      {"Abc!3322xyzw", R{"account_number"}},  // E.164 window
      {"Abc!4002xyzw", R{"account_number"}},  // the extension
      {"Abc!1xyz\tdefg", R{"control_character"}},
      // Several at once, all named.
      {"", R{"length", "digit", "letter", "special"}},
      {"abc", R{"length", "digit", "special"}},
      {"1111234", R{"length", "repeated_digit", "letter", "special", "sequence"}},
      {"02229695", R{"length", "repeated_digit", "letter", "special", "account_number"}},
      {"Abc!1234xyzw0222969569", R{"length", "repeated_digit", "sequence", "account_number"}},
      // Not UTF-8: nothing else can be judged.
      {std::string("Abc\xff") + "1!defghij", R{"encoding"}},
  };
  for (const Case& c : cases) {
    INFO("password='" << c.secret << "'");
    CHECK(Rules(CheckPassword(c.secret, Account())) == c.rules);
  }
}

TEST_CASE("voicemail and call-services PINs (A4)") {
  const std::vector<Case> cases = {
      {"240817", {}},
      {"24081735", {}},  // 8
      {"135790", {}},
      {"110270", {}},  // a digit twice in a row is fine
      {"12a456", R{"digits_only"}},
      {"2408 17", R{"digits_only"}},
      {"٢٤٠٨١٧", R{"digits_only"}},  // Arabic-Indic digits are not 0-9
      {"24081", R{"length"}},
      {"240817351", R{"length"}},
      {"", R{"length"}},
      {"240111", R{"repeated_digit"}},
      {"111", R{"length", "repeated_digit"}},
      {"123456", R{"sequence"}},
      {"654321", R{"sequence"}},
      {"801234", R{"sequence"}},
      {"296956", R{"account_number"}},
      {"969569", R{"account_number"}},
      {"400281", R{"account_number"}},  // the extension
      {"abcd", R{"digits_only", "length"}},
      {"0222969569", R{"length", "repeated_digit", "account_number"}},
  };
  for (const Case& c : cases) {
    INFO("pin='" << c.secret << "'");
    CHECK(Rules(CheckPin(c.secret, Account())) == c.rules);
  }
}

TEST_CASE("account numbers are matched by their digits, 4 at a time") {
  CHECK(Rules(CheckPin("296956", {"+33 2 22 96 95 69"})) == R{"account_number"});
  CHECK(Rules(CheckPin("296956", {"02.22.96.95.69"})) == R{"account_number"});
  CHECK(CheckPin("296956", {}).empty());
  // Numbers shorter than a window (a 3-digit extension) never match.
  CHECK(CheckPin("400817", {"400"}).empty());
  CHECK(Rules(CheckPin("400817", {"4008"})) == R{"account_number"});
}

TEST_CASE("messages follow the guide") {
  const std::vector<PolicyViolation> password = CheckPassword("", Account());
  REQUIRE(password.size() == 4);
  CHECK(password[0].message == "must be 12 to 20 characters long");
  CHECK(password[1].message == "must contain at least 1 digit");
  CHECK(password[2].message == "must contain at least 1 letter");
  CHECK(password[3].message == "must contain at least 1 special character");
  const std::vector<PolicyViolation> pin = CheckPin("1112a", Account());
  REQUIRE(Rules(pin) == R{"digits_only", "length", "repeated_digit"});
  CHECK(pin[0].message == "must contain only digits");
  CHECK(pin[1].message == "must be 6 to 8 digits long");
  CHECK(pin[2].message == "must not repeat the same digit more than 2 times in a row");
  CHECK(CheckPin("123456", {})[0].message ==
        "must not contain a logical sequence of digits such as 1234 or 4321");
  CHECK(CheckPin("296956", Account())[0].message ==
        "must not contain a phone number (or part of a phone number) associated with this account");
}

TEST_CASE("statuses name the field and every broken rule") {
  CHECK(PasswordStatus("Rodolphe#2408", Account()).ok());
  CHECK(PinStatus("240817", Account(), "voicemail_pin").ok());

  absl::Status password = PasswordStatus("abc", Account());
  CHECK(password.code() == absl::StatusCode::kInvalidArgument);
  CHECK(sb::core::FieldOf(password) == "password");
  CHECK(std::string(password.message()) ==
        "must be 12 to 20 characters long; must contain at least 1 digit; "
        "must contain at least 1 special character");
  CHECK(sb::core::FieldOf(PasswordStatus("abc", Account(), "new_password")) == "new_password");

  absl::Status pin = PinStatus("12345", Account(), "call_services_pin");
  CHECK(pin.code() == absl::StatusCode::kInvalidArgument);
  CHECK(sb::core::FieldOf(pin) == "call_services_pin");
  CHECK(std::string(pin.message()) ==
        "must be 6 to 8 digits long; "
        "must not contain a logical sequence of digits such as 1234 or 4321");
}

}  // namespace
}  // namespace sb::profiles
