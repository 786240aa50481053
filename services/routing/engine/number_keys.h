#pragma once
// Number keys: the one form in which the engine compares a caller's number
// with the numbers of the settings (lists, priority callers, contacts,
// diversion history). "0612345678", "06 12 34 56 78", "0033612345678" and
// "+33612345678" all have the key "+33612345678" for a French callee.
//
// Why not libphonenumber: Numbering::Normalize costs ~50 µs on Debian 12's
// build, and the engine has a budget of ~5 µs for a whole decision. It also
// refuses numbers that are well formed but unallocated (the Proximus guide's
// example caller 021234589), and a list must still match what a caller
// presents. So the engine applies each country's dialing rules itself (the
// calling code, the national trunk prefix, the international prefix): a
// handful of string operations. libphonenumber still normalizes what is
// stored (the portal, Compile), and where it succeeds the two agree (tested).
#include <string>
#include <string_view>

namespace sb::routing {

// How numbers are dialed inside one country.
struct DialingRules {
  std::string country;               // "FR"
  std::string calling_code;          // "33"; empty when the country is unknown
  std::string trunk_prefix;          // "0" (FR, BE), "1" (NANP), "" (IT, ES)
  std::string international_prefix;  // "00" (FR), "011" (NANP)
  // The national form keeps the trunk prefix ("0612345678" in FR) or not
  // ("5149073400" in NANP, where "1" is only dialed for long distance).
  bool national_form_has_trunk = true;
  bool nanp = false;
};

// The rules of `country` ("FR", case-insensitive) from the engine's table;
// an unknown country gets empty rules (only "+…" and "00…" are read), and
// `international_prefix_hint` (Numbering::InternationalAccessCode) fills the
// international prefix when given.
DialingRules DialingRulesFor(std::string_view country, std::string_view international_prefix_hint = "");

// The dialed string without separators (spaces, dots, dashes, parentheses,
// slashes) and without a trailing '#'. Keeps digits, '+', '*' and '#'.
std::string CleanDialString(std::string_view dialed);
// Only the digits of `s`.
std::string DigitsOf(std::string_view s);

// The key of a complete number: "+<calling code><national significant
// number>" when the rules can tell, else the cleaned digits as they are
// (extensions, short codes, numbers of an unknown country without '+').
std::string NumberKey(std::string_view number, const DialingRules& rules);

// The key of a number prefix ("0612*" is entered as "0612"): the same
// conversion, without the length checks a complete number gets, so that
// "0612" becomes "+33612" and "514" (NANP) becomes "+1514". A prefix too
// short to be a national number stays literal (an extension range "4").
std::string PrefixKey(std::string_view prefix, const DialingRules& rules);

// The national digits ("0612345678", "5149073400") of a key of the rules'
// own country; "" for another country's key or a literal.
std::string NationalDigits(std::string_view key, const DialingRules& rules);

}  // namespace sb::routing
