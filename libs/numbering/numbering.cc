#include "numbering/numbering.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "core/status.h"
#include "numbering/service_codes.h"
#include "phonenumbers/phonenumber.pb.h"
#include "phonenumbers/phonenumberutil.h"
#include "phonenumbers/shortnumberinfo.h"

namespace sb::numbering {
namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;
using i18n::phonenumbers::ShortNumberInfo;

// One category per line reads better than clang-format's packed grid.
// clang-format off
constexpr std::pair<Category, std::string_view> kCategoryNames[] = {
    {Category::kExtension, "EXTENSION"},
    {Category::kLocal, "LOCAL"},
    {Category::kNational, "NATIONAL"},
    {Category::kMobile, "MOBILE"},
    {Category::kTollFree, "TOLL_FREE"},
    {Category::kSharedCost, "SHARED_COST"},
    {Category::kPremium, "PREMIUM"},
    {Category::kInternational, "INTERNATIONAL"},
    {Category::kOperator, "OPERATOR"},
    {Category::kDirectory, "DIRECTORY"},
    {Category::kEmergency, "EMERGENCY"},
    {Category::kShortCode, "SHORT_CODE"},
    {Category::kAccessCode, "ACCESS_CODE"},
    {Category::kConfigAccessCode, "CONFIG_ACCESS_CODE"},
    {Category::kInvalid, "INVALID"},
};
// clang-format on

// Portal input is untrusted and echoed back in error messages: cap both.
constexpr size_t kMaxInputChars = 64;
constexpr size_t kMaxEchoChars = 32;

// Separators people type between digit groups.
bool IsSeparator(char c) {
  return c == ' ' || c == '\t' || c == '.' || c == '-' || c == '(' || c == ')' || c == '/';
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), absl::ascii_isdigit);
}

absl::string_view AbslView(std::string_view s) { return absl::string_view(s.data(), s.size()); }

std::string UpperRegion(std::string_view country) {
  return absl::AsciiStrToUpper(AbslView(country));
}

// Text copied from a French document often separates digit groups with a
// (narrow) no-break space; treat those like a space.
std::string UnicodeSpacesToAscii(std::string_view input) {
  return absl::StrReplaceAll(AbslView(input), {{"\xC2\xA0", " "},        // U+00A0
                                               {"\xE2\x80\xAF", " "},    // U+202F
                                               {"\xE2\x80\x89", " "}});  // U+2009
}

std::string Quote(std::string_view s) {
  if (s.size() <= kMaxEchoChars) return absl::StrCat("'", AbslView(s), "'");
  return absl::StrCat("'", AbslView(s.substr(0, kMaxEchoChars)), "...'");
}

absl::Status NumberError(std::string_view message) {
  return sb::core::InvalidField("number", AbslView(message));
}

// Maps a valid number of the dialing country to its category; kLocal is
// decided by the caller, which knows the home number.
Category DomesticCategory(PhoneNumberUtil::PhoneNumberType type) {
  switch (type) {
    case PhoneNumberUtil::FIXED_LINE:
    // NANP does not tell mobiles from fixed lines; both are geographic.
    case PhoneNumberUtil::FIXED_LINE_OR_MOBILE:
      return Category::kNational;
    case PhoneNumberUtil::MOBILE:
      return Category::kMobile;
    case PhoneNumberUtil::TOLL_FREE:
      return Category::kTollFree;
    case PhoneNumberUtil::PREMIUM_RATE:
      return Category::kPremium;
    case PhoneNumberUtil::SHARED_COST:
      return Category::kSharedCost;
    // Non-geographic numbers charged like national calls (FR 09 is VOIP,
    // BE 078 is UAN).
    case PhoneNumberUtil::VOIP:
    case PhoneNumberUtil::PERSONAL_NUMBER:
    case PhoneNumberUtil::PAGER:
    case PhoneNumberUtil::UAN:
    case PhoneNumberUtil::VOICEMAIL:
      return Category::kNational;
    case PhoneNumberUtil::UNKNOWN:
      break;
  }
  return Category::kInvalid;
}

bool IsGeographic(PhoneNumberUtil::PhoneNumberType type) {
  return type == PhoneNumberUtil::FIXED_LINE || type == PhoneNumberUtil::FIXED_LINE_OR_MOBILE;
}

}  // namespace

std::string_view CategoryName(Category category) {
  for (const auto& [c, name] : kCategoryNames) {
    if (c == category) return name;
  }
  return "INVALID";
}

std::optional<Category> CategoryFromName(std::string_view name) {
  for (const auto& [c, n] : kCategoryNames) {
    if (n == name) return c;
  }
  return std::nullopt;
}

class Numbering::Impl {
 public:
  // PhoneNumberUtil is libphonenumber's own process-wide singleton (immutable
  // metadata, thread-safe); ShortNumberInfo is ours, built once per Numbering.
  Impl() : util_(*PhoneNumberUtil::GetInstance()) {}

  absl::StatusOr<Normalized> Normalize(std::string_view raw, std::string_view country) const;
  Classified Classify(std::string_view dialed, const DialPlan& plan) const;
  std::string InternationalAccessCode(const std::string& region) const;

 private:
  bool IsKnownRegion(const std::string& region) const {
    return util_.GetCountryCodeForRegion(region) != 0;
  }
  std::string E164(const PhoneNumber& n) const {
    std::string out;
    util_.Format(n, PhoneNumberUtil::E164, &out);
    return out;
  }
  std::string RegionOf(const PhoneNumber& n) const {
    std::string region;
    util_.GetRegionCodeForNumber(n, &region);
    return region;
  }
  std::string NationalSignificant(const PhoneNumber& n) const {
    std::string nsn;
    util_.GetNationalSignificantNumber(n, &nsn);
    return nsn;
  }
  // The geographic area code of a valid fixed number ("2" for +33 2..., "514"
  // for +1 514...), or "" when the number has none.
  std::string AreaCode(const PhoneNumber& n) const {
    int length = util_.GetLengthOfGeographicalAreaCode(n);
    if (length <= 0) return "";
    return NationalSignificant(n).substr(0, static_cast<size_t>(length));
  }
  // The region named in errors about `n`: its own when it carries a country
  // code ("+44 20" is too short for GB), else the tenant's.
  std::string ErrorRegion(const PhoneNumber& n, const std::string& fallback) const {
    if (!n.has_country_code_source() ||
        n.country_code_source() == PhoneNumber::FROM_DEFAULT_COUNTRY) {
      return fallback;
    }
    std::string region;
    util_.GetRegionCodeForCountryCode(n.country_code(), &region);
    return region == "ZZ" ? fallback : region;
  }

  std::optional<Category> ServiceCategory(const std::string& digits,
                                          const std::string& region) const;
  bool IsShortCode(const std::string& digits, const std::string& region) const;
  Classified ClassifyPhoneNumber(std::string digits, const DialPlan& plan,
                                 const std::string& region) const;

  const PhoneNumberUtil& util_;
  ShortNumberInfo short_info_;
};

absl::StatusOr<Normalized> Numbering::Impl::Normalize(std::string_view raw,
                                                      std::string_view country) const {
  const std::string spaced = UnicodeSpacesToAscii(raw);
  const std::string input(absl::StripAsciiWhitespace(spaced));
  if (input.empty()) return NumberError("must not be empty");
  if (input.size() > kMaxInputChars) {
    return NumberError(
        absl::StrCat("is too long to be a phone number (", input.size(), " characters)"));
  }
  // Refuse what libphonenumber would quietly accept: vanity letters
  // ("1-800-FLOWERS"), extensions ("x123") and stray symbols. A number stored
  // for forwarding must be exactly what will be dialed.
  int digit_count = 0;
  for (size_t i = 0; i < input.size(); ++i) {
    const char c = input[i];
    if (absl::ascii_isdigit(c)) {
      ++digit_count;
    } else if (absl::ascii_isalpha(c)) {
      return NumberError("letters are not allowed");
    } else if (c == '+') {
      if (i != 0) return NumberError("'+' is only allowed at the start");
    } else if (!IsSeparator(c)) {
      return NumberError(
          "only digits, spaces and the separators . - ( ) / are allowed, with an optional "
          "leading +");
    }
  }
  if (digit_count == 0) return NumberError(absl::StrCat(Quote(input), " has no digits"));

  const std::string region = UpperRegion(country);
  if (!IsKnownRegion(region)) {
    return sb::core::InvalidField(
        "country", absl::StrCat(Quote(country), " is not a known country code (e.g. FR, CA)"));
  }

  PhoneNumber number;
  switch (util_.ParseAndKeepRawInput(input, region, &number)) {
    case PhoneNumberUtil::NO_PARSING_ERROR:
      break;
    case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
      return NumberError(absl::StrCat(Quote(input), " does not start with a known country code"));
    case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
    case PhoneNumberUtil::TOO_SHORT_NSN:
      return NumberError(absl::StrCat(Quote(input), " is too short"));
    case PhoneNumberUtil::TOO_LONG_NSN:
      return NumberError(absl::StrCat(Quote(input), " is too long"));
    case PhoneNumberUtil::NOT_A_NUMBER:
      return NumberError(absl::StrCat(Quote(input), " is not a phone number"));
  }

  const std::string where = ErrorRegion(number, region);
  switch (util_.IsPossibleNumberWithReason(number)) {
    case PhoneNumberUtil::IS_POSSIBLE:
      break;
    case PhoneNumberUtil::IS_POSSIBLE_LOCAL_ONLY:
      return NumberError(absl::StrCat(Quote(input), " is missing its area code"));
    case PhoneNumberUtil::INVALID_COUNTRY_CODE:
      return NumberError(absl::StrCat(Quote(input), " does not start with a known country code"));
    case PhoneNumberUtil::TOO_SHORT:
      return NumberError(absl::StrCat(Quote(input), " is too short for ", where));
    case PhoneNumberUtil::TOO_LONG:
      return NumberError(absl::StrCat(Quote(input), " is too long for ", where));
    case PhoneNumberUtil::INVALID_LENGTH:
      return NumberError(
          absl::StrCat(Quote(input), " does not have the right number of digits for ", where));
  }
  if (!util_.IsValidNumber(number)) {
    return NumberError(absl::StrCat(Quote(input), " is not a valid phone number for ", where));
  }

  // A number valid in the tenant's own region belongs to it even when
  // libphonenumber files it elsewhere (NANP toll-free 1-800 is "US").
  const bool domestic = util_.IsValidNumberForRegion(number, region);
  Normalized out;
  out.e164 = E164(number);
  out.region = domestic ? region : RegionOf(number);
  std::string national;
  util_.Format(number, PhoneNumberUtil::NATIONAL, &national);
  national.erase(std::remove_if(national.begin(), national.end(),
                                [](char c) { return !absl::ascii_isdigit(c); }),
                 national.end());
  out.national = std::move(national);
  out.category =
      domestic ? DomesticCategory(util_.GetNumberType(number)) : Category::kInternational;
  return out;
}

bool Numbering::Impl::IsShortCode(const std::string& digits, const std::string& region) const {
  PhoneNumber number;
  if (util_.ParseAndKeepRawInput(digits, region, &number) != PhoneNumberUtil::NO_PARSING_ERROR) {
    return false;
  }
  // A short code is dialed as is: "003315" is 15 reached through the
  // international prefix, not a short code of its own.
  if (number.country_code_source() != PhoneNumber::FROM_DEFAULT_COUNTRY) return false;
  if (!short_info_.IsValidShortNumberForRegion(number, region)) return false;
  // Longer carrier-specific and SMS-only codes (every 5-6 digit number is an
  // SMS short code in NANP, every 4-digit one carrier-specific in the US) are
  // mobile-network artefacts a business line cannot reach; treating them as
  // short codes would take every extension of those lengths. Three digits
  // and fewer are network-wide service codes (311, 511) whatever the metadata
  // says about carriers.
  if (digits.size() <= 3) return true;
  return !short_info_.IsCarrierSpecificForRegion(number, region) &&
         !short_info_.IsSmsServiceForRegion(number, region);
}

std::optional<Category> Numbering::Impl::ServiceCategory(const std::string& digits,
                                                         const std::string& region) const {
  if (short_info_.IsEmergencyNumber(digits, region) ||
      internal::IsSupplementaryEmergencyNumber(region, digits)) {
    return Category::kEmergency;
  }
  const bool nanp = util_.IsNANPACountry(region);
  if (internal::IsDirectoryNumber(region, nanp, digits)) return Category::kDirectory;
  if (internal::IsOperatorNumber(nanp, digits)) return Category::kOperator;
  if (IsShortCode(digits, region)) return Category::kShortCode;
  return std::nullopt;
}

Classified Numbering::Impl::ClassifyPhoneNumber(std::string digits, const DialPlan& plan,
                                                const std::string& region) const {
  Classified out;
  out.digits = digits;
  if (!IsKnownRegion(region)) return out;

  // An explicit access code replaces libphonenumber's idea of the country's
  // international prefix.
  std::string to_parse = std::move(digits);
  if (!plan.international_access_code.empty() &&
      to_parse.starts_with(plan.international_access_code)) {
    to_parse = absl::StrCat("+", to_parse.substr(plan.international_access_code.size()));
  }

  PhoneNumber number;
  if (util_.ParseAndKeepRawInput(to_parse, region, &number) != PhoneNumberUtil::NO_PARSING_ERROR) {
    return out;
  }

  PhoneNumber home;
  const bool has_home =
      !plan.home_e164.empty() &&
      util_.Parse(plan.home_e164, region, &home) == PhoneNumberUtil::NO_PARSING_ERROR &&
      util_.IsValidNumber(home);

  // NANP 7-digit dialing: the area code is the caller's own.
  if (util_.IsPossibleNumberWithReason(number) == PhoneNumberUtil::IS_POSSIBLE_LOCAL_ONLY &&
      has_home && home.country_code() == number.country_code()) {
    const std::string area = AreaCode(home);
    PhoneNumber completed;
    if (!area.empty() &&
        util_.Parse(absl::StrCat("+", number.country_code(), area, NationalSignificant(number)),
                    region, &completed) == PhoneNumberUtil::NO_PARSING_ERROR &&
        util_.IsValidNumber(completed)) {
      number = completed;
    }
  }

  if (!util_.IsValidNumber(number)) {
    // Another country's metadata may lag behind its numbering plan; a number
    // of plausible length there is still an international call, and barring
    // must see it as one.
    if (number.country_code() != util_.GetCountryCodeForRegion(region) &&
        util_.IsPossibleNumber(number)) {
      out.category = Category::kInternational;
      out.e164 = E164(number);
    }
    return out;
  }

  out.e164 = E164(number);
  // By region, not by calling code: from Canada, a US or Jamaican number
  // (+1 as well) is another country, with other rates. Numbers valid in
  // several regions (NANP toll-free 1-800, which libphonenumber files under
  // US) are domestic wherever they are valid.
  if (!util_.IsValidNumberForRegion(number, region)) {
    out.category = Category::kInternational;
    return out;
  }
  const PhoneNumberUtil::PhoneNumberType type = util_.GetNumberType(number);
  out.category = DomesticCategory(type);
  if (out.category == Category::kInvalid) {
    out.e164.clear();
    return out;
  }
  if (IsGeographic(type) && has_home && RegionOf(home) == region) {
    const std::string area = AreaCode(number);
    if (!area.empty() && area == AreaCode(home)) out.category = Category::kLocal;
  }
  return out;
}

Classified Numbering::Impl::Classify(std::string_view dialed, const DialPlan& plan) const {
  Classified out;
  // Separators go; anything else that is not part of a dial string makes the
  // whole string invalid (but is kept in `digits`, for the logs).
  bool garbage = false;
  for (char c : dialed) {
    if (IsSeparator(c)) continue;
    if (!absl::ascii_isdigit(c) && c != '*' && c != '#' && c != '+') garbage = true;
    out.digits.push_back(c);
  }
  if (garbage || out.digits.empty()) return out;
  const std::string& digits = out.digits;

  // 1. Access codes. Whatever follows the code (a forward-to number, with its
  //    own '+', '*' or '#') is its argument.
  if (digits[0] == '*' || digits[0] == '#') {
    if (std::none_of(digits.begin(), digits.end(), absl::ascii_isdigit)) return out;
    out.category =
        internal::IsConfigAccessCode(digits) ? Category::kConfigAccessCode : Category::kAccessCode;
    return out;
  }
  // Past this point only digits, and a leading '+' for phone numbers.
  const bool plus = digits[0] == '+';
  if (!AllDigits(plus ? std::string_view(digits).substr(1) : std::string_view(digits))) {
    return out;
  }

  const std::string region = UpperRegion(plan.country);
  if (!plus) {
    // 2. Emergency, 3. directory, operator and other short services.
    if (std::optional<Category> service = ServiceCategory(digits, region)) {
      out.category = *service;
      return out;
    }
    // 4. Extensions of the tenant's plan.
    const int length = static_cast<int>(digits.size());
    if (length >= plan.min_extension_digits && length <= plan.max_extension_digits) {
      out.category = Category::kExtension;
      return out;
    }
  }
  // 5. Phone numbers.
  return ClassifyPhoneNumber(digits, plan, region);
}

std::string Numbering::Impl::InternationalAccessCode(const std::string& region) const {
  if (!IsKnownRegion(region)) return "";
  // libphonenumber does not expose the prefix itself; read it off a number of
  // another country formatted for dialing from `region` ("00 44 121 ...").
  PhoneNumber foreign;
  const bool is_gb = util_.GetCountryCodeForRegion(region) == 44;
  if (!util_.GetExampleNumber(is_gb ? "FR" : "GB", &foreign)) return "";
  std::string formatted;
  util_.FormatOutOfCountryCallingNumber(foreign, region, &formatted);
  if (formatted.empty() || formatted[0] == '+') return "";
  return formatted.substr(0, formatted.find(' '));
}

Numbering::Numbering() : impl_(std::make_shared<const Impl>()) {}
Numbering::~Numbering() = default;
Numbering::Numbering(const Numbering&) = default;
Numbering& Numbering::operator=(const Numbering&) = default;

absl::StatusOr<Normalized> Numbering::Normalize(std::string_view input,
                                                std::string_view country) const {
  return impl_->Normalize(input, country);
}

Classified Numbering::Classify(std::string_view dialed, const DialPlan& plan) const {
  return impl_->Classify(dialed, plan);
}

std::string Numbering::InternationalAccessCode(std::string_view country) const {
  return impl_->InternationalAccessCode(UpperRegion(country));
}

}  // namespace sb::numbering
