#include "services/routing/engine/number_keys.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/routing/engine/absl_view.h"

namespace sb::routing {
namespace {

struct CountryRow {
  std::string_view country;
  std::string_view calling_code;
  std::string_view trunk_prefix;
  std::string_view international_prefix;
  bool national_form_has_trunk;
  bool nanp;
};

// The countries our tenants are in and the ones their callers most often
// come from. A country missing here still works for "+…" numbers and the
// libphonenumber-normalized numbers of the settings; adding one is one row.
// clang-format off
constexpr CountryRow kCountries[] = {
    {"FR", "33", "0", "00", true, false},
    {"BE", "32", "0", "00", true, false},
    {"CH", "41", "0", "00", true, false},
    {"DE", "49", "0", "00", true, false},
    {"GB", "44", "0", "00", true, false},
    {"IE", "353", "0", "00", true, false},
    {"NL", "31", "0", "00", true, false},
    {"AT", "43", "0", "00", true, false},
    // No trunk prefix: the leading 0 of an Italian number is part of it.
    {"IT", "39", "", "00", false, false},
    {"ES", "34", "", "00", false, false},
    {"PT", "351", "", "00", false, false},
    {"LU", "352", "", "00", false, false},
    {"MC", "377", "", "00", false, false},
    // NANP: "1" is dialed before long-distance numbers but is not part of
    // the national form people write ("514 907-3400").
    {"CA", "1", "1", "011", false, true},
    {"US", "1", "1", "011", false, true},
};
// clang-format on

bool IsSeparator(char c) {
  return c == ' ' || c == '\t' || c == '.' || c == '-' || c == '(' || c == ')' || c == '/';
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), absl::ascii_isdigit);
}

// National numbers are at least this long once the trunk prefix is gone
// (BE 8, FR 9); anything shorter is an extension or a service code.
constexpr size_t kMinNationalSignificant = 6;
// The longest E.164 number has 15 digits.
constexpr size_t kMaxE164Digits = 15;

}  // namespace

DialingRules DialingRulesFor(std::string_view country, std::string_view international_prefix_hint) {
  DialingRules rules;
  rules.country = absl::AsciiStrToUpper(absl::string_view(country.data(), country.size()));
  for (const CountryRow& row : kCountries) {
    if (row.country == rules.country) {
      rules.calling_code = std::string(row.calling_code);
      rules.trunk_prefix = std::string(row.trunk_prefix);
      rules.international_prefix = std::string(row.international_prefix);
      rules.national_form_has_trunk = row.national_form_has_trunk;
      rules.nanp = row.nanp;
      return rules;
    }
  }
  rules.international_prefix = std::string(international_prefix_hint);
  rules.national_form_has_trunk = false;
  return rules;
}

std::string CleanDialString(std::string_view dialed) {
  std::string out;
  out.reserve(dialed.size());
  for (char c : dialed) {
    if (IsSeparator(c)) continue;
    out.push_back(c);
  }
  // A trailing '#' ends dialing on many phones ("0612345678#"); it is not
  // part of the number. A lone "#" stays (it is not a number either way).
  if (out.size() > 1 && out.back() == '#') out.pop_back();
  return out;
}

std::string DigitsOf(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (absl::ascii_isdigit(c)) out.push_back(c);
  }
  return out;
}

std::string NumberKey(std::string_view number, const DialingRules& rules) {
  std::string raw(number);
  // "+33 (0)6 12 34 56 78": the "(0)" is the trunk prefix written for
  // readers at home, never dialed after the country code.
  if (size_t pos = raw.find("(0)"); pos != std::string::npos) raw.erase(pos, 3);
  std::string s = CleanDialString(raw);
  if (s.empty()) return s;
  if (s[0] == '+') {
    std::string digits = DigitsOf(s);
    if (digits.empty() || digits.size() + 1 != s.size()) return s;
    return absl::StrCat("+", digits);
  }
  // Service codes and anything that is not a plain number stay literal.
  if (!AllDigits(s)) return s;
  const std::string& idd = rules.international_prefix;
  if (!idd.empty() && s.starts_with(idd) && s.size() > idd.size() + 2) {
    return absl::StrCat("+", Av(std::string_view(s).substr(idd.size())));
  }
  if (rules.calling_code.empty() || s.size() > kMaxE164Digits) return s;
  if (rules.nanp) {
    if (s.size() == 11 && s[0] == '1') return absl::StrCat("+", s);
    if (s.size() == 10 && s[0] != '0' && s[0] != '1') return absl::StrCat("+1", s);
    return s;
  }
  if (!rules.trunk_prefix.empty()) {
    if (s.starts_with(rules.trunk_prefix) &&
        s.size() >= rules.trunk_prefix.size() + kMinNationalSignificant) {
      return absl::StrCat("+", rules.calling_code, Av(std::string_view(s).substr(rules.trunk_prefix.size())));
    }
    return s;
  }
  // No trunk prefix: a national number is recognized by its length alone.
  if (s.size() >= 8) return absl::StrCat("+", rules.calling_code, s);
  return s;
}

std::string PrefixKey(std::string_view prefix, const DialingRules& rules) {
  std::string s = CleanDialString(prefix);
  while (!s.empty() && s.back() == '*') s.pop_back();
  if (s.empty()) return s;
  if (s[0] == '+') return absl::StrCat("+", DigitsOf(s));
  if (!AllDigits(s)) return s;
  const std::string& idd = rules.international_prefix;
  if (!idd.empty() && s.starts_with(idd) && s.size() > idd.size()) {
    return absl::StrCat("+", Av(std::string_view(s).substr(idd.size())));
  }
  if (rules.calling_code.empty()) return s;
  if (rules.nanp) {
    if (s[0] == '1' && s.size() >= 2) return absl::StrCat("+", s);
    // An area code ("514*"); shorter prefixes are extension ranges.
    if (s.size() >= 3 && s[0] != '0') return absl::StrCat("+1", s);
    return s;
  }
  if (!rules.trunk_prefix.empty()) {
    if (s.starts_with(rules.trunk_prefix) && s.size() > rules.trunk_prefix.size()) {
      return absl::StrCat("+", rules.calling_code, Av(std::string_view(s).substr(rules.trunk_prefix.size())));
    }
    return s;
  }
  if (s.size() >= 4) return absl::StrCat("+", rules.calling_code, s);
  return s;
}

std::string NationalDigits(std::string_view key, const DialingRules& rules) {
  if (rules.calling_code.empty() || key.size() < 2 || key[0] != '+') return "";
  std::string_view rest = key.substr(1);
  if (!rest.starts_with(rules.calling_code)) return "";
  rest.remove_prefix(rules.calling_code.size());
  if (rest.empty()) return "";
  if (rules.national_form_has_trunk) return absl::StrCat(rules.trunk_prefix, Av(rest));
  return std::string(rest);
}

}  // namespace sb::routing
