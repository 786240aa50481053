#include "services/profiles/validation.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "core/status.h"

namespace sb::profiles {
namespace {

using core::InvalidField;

size_t CodePoints(absl::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool AllDigits(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

}  // namespace

absl::Status CheckText(absl::string_view field, absl::string_view value, size_t max_chars, bool required) {
  if (required && absl::StripAsciiWhitespace(value).empty()) return InvalidField(field, absl::StrCat(field, " is required"));
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) return InvalidField(field, absl::StrCat(field, " must not contain control characters"));
  }
  if (CodePoints(value) > max_chars) {
    return InvalidField(field, absl::StrCat(field, " must be at most ", max_chars, " characters"));
  }
  return absl::OkStatus();
}

absl::Status CheckEmail(absl::string_view field, absl::string_view value, bool required) {
  if (value.empty()) {
    return required ? InvalidField(field, absl::StrCat(field, " is required")) : absl::OkStatus();
  }
  if (value.size() > 254) return InvalidField(field, absl::StrCat(field, " must be at most 254 characters"));
  size_t at = value.find('@');
  if (at == absl::string_view::npos || at == 0 || at != value.rfind('@') || at + 1 >= value.size() ||
      value.find('.', at) == absl::string_view::npos || value.back() == '.') {
    return InvalidField(field, absl::StrCat(field, " '", value, "' is not an e-mail address"));
  }
  for (unsigned char c : value) {
    if (c <= 0x20 || c == 0x7f || c == ',' || c == ';' || c == '<' || c == '>') {
      return InvalidField(field, absl::StrCat(field, " must not contain spaces or , ; < >"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckLanguage(absl::string_view field, absl::string_view value) {
  if (value == "fr" || value == "en") return absl::OkStatus();
  return InvalidField(field, absl::StrCat(field, " must be \"fr\" or \"en\""));
}

absl::Status CheckTimezone(absl::string_view field, absl::string_view value, bool required) {
  if (value.empty()) {
    return required ? InvalidField(field, absl::StrCat(field, " is required")) : absl::OkStatus();
  }
  absl::TimeZone tz;
  if (value.size() > 64 || !absl::LoadTimeZone(std::string(value), &tz)) {
    return InvalidField(field, absl::StrCat(field, " '", value, "' is not a known time zone (e.g. Europe/Paris)"));
  }
  return absl::OkStatus();
}

absl::Status CheckCountry(absl::string_view field, absl::string_view value) {
  if (value.size() != 2 || !absl::ascii_isupper(value[0]) || !absl::ascii_isupper(value[1])) {
    return InvalidField(field, absl::StrCat(field, " must be a two-letter country code such as FR"));
  }
  return absl::OkStatus();
}

absl::Status CheckSipDomain(absl::string_view field, absl::string_view value) {
  if (value.empty() || value.size() > 253) return InvalidField(field, absl::StrCat(field, " must be a domain name"));
  for (char c : value) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') {
      return InvalidField(field, absl::StrCat(field, " '", value, "' is not a domain name"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckExtension(absl::string_view field, absl::string_view value, absl::string_view country,
                            const numbering::Numbering& numbering) {
  if (!AllDigits(value) || value.size() < 2 || value.size() > 6) {
    return InvalidField(field, absl::StrCat(field, " must be 2 to 6 digits"));
  }
  static constexpr absl::string_view kReserved[] = {"311", "511", "911", "411", "611", "711", "811", "112"};
  bool reserved = false;
  for (auto r : kReserved) reserved |= value == r;
  // The call park range (B16): 700 parks, 701–709 hold the parked calls.
  if (value.size() == 3 && value[0] == '7' && value[1] == '0') reserved = true;
  if (!reserved) {
    numbering::DialPlan plan;
    plan.country = std::string(country);
    plan.max_extension_digits = 0;  // classify as a number: is it a service code?
    auto c = numbering.Classify(std::string_view(value.data(), value.size()), plan).category;
    // Emergency numbers at any length; other service codes only when short
    // (N11): 4-digit carrier codes such as FR 3xxx would take too many
    // ordinary extensions, and the tenant's own extensions win when dialing.
    reserved = c == numbering::Category::kEmergency ||
               (value.size() <= 3 && (c == numbering::Category::kShortCode ||
                                      c == numbering::Category::kDirectory ||
                                      c == numbering::Category::kOperator));
  }
  if (reserved) {
    return InvalidField(field, absl::StrCat("invalid extension (Poste invalide): ", value,
                                            " is reserved for a service number"));
  }
  return absl::OkStatus();
}

absl::Status NormalizeMac(absl::string_view field, std::string* mac) {
  std::string hex;
  for (char c : *mac) {
    if (c == ':' || c == '-' || c == '.' || c == ' ') continue;
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) {
      return InvalidField(field, absl::StrCat(field, " must be 12 hexadecimal digits"));
    }
    hex += absl::ascii_tolower(static_cast<unsigned char>(c));
  }
  if (hex.size() != 12) return InvalidField(field, absl::StrCat(field, " must be 12 hexadecimal digits"));
  *mac = hex;
  return absl::OkStatus();
}

}  // namespace sb::profiles
