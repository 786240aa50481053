#include "services/profiles/credential_policy.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <cstdint>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "core/status.h"

namespace sb::profiles {
namespace {

// A sequence is this many consecutive digits, each one more (or one less)
// than the one before.
constexpr int kSequenceDigits = 4;
// A digit may appear this many times in a row, not more.
constexpr int kMaxSameDigitInRow = 2;
// Windows of an account's number this long may not appear in a secret.
constexpr size_t kAccountWindowDigits = 4;

struct Composition {
  bool valid_utf8 = true;
  int chars = 0;  // code points
  bool has_digit = false;
  bool has_letter = false;
  bool has_special = false;
  bool has_control = false;
  bool has_non_digit = false;
};

Composition Compose(std::string_view text) {
  Composition c;
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const auto length = static_cast<int32_t>(text.size());
  for (int32_t i = 0; i < length;) {
    UChar32 cp;
    U8_NEXT(bytes, i, length, cp);
    if (cp < 0) {
      c.valid_utf8 = false;
      return c;
    }
    ++c.chars;
    if (cp >= '0' && cp <= '9') {
      c.has_digit = true;
      continue;
    }
    c.has_non_digit = true;
    if (u_iscntrl(cp)) {
      c.has_control = true;
    } else if (u_isalpha(cp)) {
      c.has_letter = true;
    } else {
      c.has_special = true;
    }
  }
  return c;
}

// "111": the same digit more than kMaxSameDigitInRow times in a row.
bool HasRepeatedDigit(std::string_view s) {
  int run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (!absl::ascii_isdigit(s[i])) {
      run = 0;
      continue;
    }
    run = (i > 0 && s[i] == s[i - 1]) ? run + 1 : 1;
    if (run > kMaxSameDigitInRow) return true;
  }
  return false;
}

// "1234" or "4321": kSequenceDigits digits, each one step from the last.
bool HasSequence(std::string_view s) {
  int up = 0;
  int down = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (!absl::ascii_isdigit(s[i])) {
      up = down = 0;
      continue;
    }
    const bool after_digit = i > 0 && absl::ascii_isdigit(s[i - 1]);
    up = after_digit && s[i] == s[i - 1] + 1 ? up + 1 : 1;
    down = after_digit && s[i] == s[i - 1] - 1 ? down + 1 : 1;
    if (up >= kSequenceDigits || down >= kSequenceDigits) return true;
  }
  return false;
}

bool ContainsAccountNumber(std::string_view secret, const std::vector<std::string>& numbers) {
  std::set<std::string, std::less<>> windows;
  for (const std::string& number : numbers) {
    std::string digits;
    for (char ch : number) {
      if (absl::ascii_isdigit(ch)) digits.push_back(ch);
    }
    for (size_t i = 0; i + kAccountWindowDigits <= digits.size(); ++i) {
      windows.insert(digits.substr(i, kAccountWindowDigits));
    }
  }
  for (size_t i = 0; i + kAccountWindowDigits <= secret.size(); ++i) {
    if (windows.contains(secret.substr(i, kAccountWindowDigits))) return true;
  }
  return false;
}

PolicyViolation Violation(std::string rule, std::string message) {
  return PolicyViolation{std::move(rule), std::move(message)};
}

// The rules passwords and PINs share, in the guide's order.
void CheckDigitRules(std::string_view secret, const std::vector<std::string>& account_numbers,
                     std::vector<PolicyViolation>* out) {
  if (HasSequence(secret)) {
    out->push_back(Violation("sequence",
                             "must not contain a logical sequence of digits such as 1234 or 4321"));
  }
  if (ContainsAccountNumber(secret, account_numbers)) {
    out->push_back(Violation("account_number",
                             "must not contain a phone number (or part of a phone number) "
                             "associated with this account"));
  }
}

PolicyViolation RepeatedDigitViolation() {
  return Violation("repeated_digit", absl::StrCat("must not repeat the same digit more than ",
                                                  kMaxSameDigitInRow, " times in a row"));
}

absl::Status ToStatus(const std::vector<PolicyViolation>& violations, std::string_view field) {
  if (violations.empty()) return absl::OkStatus();
  return sb::core::InvalidField(
      absl::string_view(field.data(), field.size()),
      absl::StrJoin(violations, "; ",
                    [](std::string* out, const PolicyViolation& v) { out->append(v.message); }));
}

}  // namespace

std::vector<PolicyViolation> CheckPassword(std::string_view password,
                                           const std::vector<std::string>& account_numbers) {
  std::vector<PolicyViolation> out;
  const Composition c = Compose(password);
  if (!c.valid_utf8) return {Violation("encoding", "must be valid UTF-8 text")};
  if (c.chars < kPasswordMinChars || c.chars > kPasswordMaxChars) {
    out.push_back(Violation("length", absl::StrCat("must be ", kPasswordMinChars, " to ",
                                                   kPasswordMaxChars, " characters long")));
  }
  if (HasRepeatedDigit(password)) out.push_back(RepeatedDigitViolation());
  if (!c.has_digit) out.push_back(Violation("digit", "must contain at least 1 digit"));
  if (!c.has_letter) out.push_back(Violation("letter", "must contain at least 1 letter"));
  if (!c.has_special) {
    out.push_back(Violation("special", "must contain at least 1 special character"));
  }
  if (c.has_control) {
    out.push_back(Violation("control_character",
                            "must not contain control characters such as tab or newline"));
  }
  CheckDigitRules(password, account_numbers, &out);
  return out;
}

std::vector<PolicyViolation> CheckPin(std::string_view pin,
                                      const std::vector<std::string>& account_numbers) {
  std::vector<PolicyViolation> out;
  const Composition c = Compose(pin);
  if (!c.valid_utf8) return {Violation("encoding", "must be valid UTF-8 text")};
  if (c.has_non_digit) out.push_back(Violation("digits_only", "must contain only digits"));
  if (c.chars < kPinMinDigits || c.chars > kPinMaxDigits) {
    out.push_back(Violation(
        "length", absl::StrCat("must be ", kPinMinDigits, " to ", kPinMaxDigits, " digits long")));
  }
  if (HasRepeatedDigit(pin)) out.push_back(RepeatedDigitViolation());
  CheckDigitRules(pin, account_numbers, &out);
  return out;
}

absl::Status PasswordStatus(std::string_view password,
                            const std::vector<std::string>& account_numbers,
                            std::string_view field) {
  return ToStatus(CheckPassword(password, account_numbers), field);
}

absl::Status PinStatus(std::string_view pin, const std::vector<std::string>& account_numbers,
                       std::string_view field) {
  return ToStatus(CheckPin(pin, account_numbers), field);
}

}  // namespace sb::profiles
