#pragma once
// What a portal password and a PIN must look like (FEATURES A3, A4), after the
// MetaCentrex user guide, 2.11.1 "Modifier le mot de passe" and 2.11.4
// "Changement du code PIN de la messagerie vocale". Pure functions: no I/O, no
// logging (these strings are secrets).
//
// Readings of the guide's rules that are ours:
// - "No logical sequence such as 12345 or 54321": no run of 4 or more
//   consecutive digits going up or down by one (1234, 4321, 6789, 9876; 0123
//   counts, 9012 does not wrap). Four rather than five: the guide's examples
//   are not a threshold, and with 6-digit PINs a 5-digit limit would still
//   let "123406" through.
// - "No part of a number associated with the account": no 4-digit window of
//   any of the account's numbers (pass the national digits, the E.164 digits
//   and the extension; separators and '+' are ignored, numbers shorter than 4
//   digits never match).
// - Repetition is about digits only, as the guide says: "111" is refused,
//   "aaa" is not.
// - Characters are counted in UTF-8 code points. A letter is any Unicode
//   letter ("é", "ß", "ж"); a digit is 0-9; anything else is a special
//   character, including the space (allowed anywhere: pass phrases are
//   welcome) and other scripts' digits. Control characters (tab, newline) are
//   refused: they cannot be typed into a sign-in form or a phone. Text that is
//   not valid UTF-8 is refused as a whole.
// - The call-services PIN follows the voicemail PIN's rules: the guide gives
//   none of its own (on MetaCentrex that PIN is unused), and one rule set for
//   both PINs is what a subscriber expects.
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace sb::profiles {

inline constexpr int kPasswordMinChars = 12;
inline constexpr int kPasswordMaxChars = 20;
inline constexpr int kPinMinDigits = 6;
inline constexpr int kPinMaxDigits = 8;

struct PolicyViolation {
  // Stable id for clients: "length", "digit", "letter", "special",
  // "control_character", "repeated_digit", "sequence", "account_number",
  // "digits_only", "encoding".
  std::string rule;
  // The rule as the guide states it, in English: "must be 12 to 20 characters long".
  std::string message;
};

// Every rule the portal password breaks, in the guide's order; empty if none.
std::vector<PolicyViolation> CheckPassword(std::string_view password,
                                           const std::vector<std::string>& account_numbers);

// Every rule a voicemail or call-services PIN breaks; empty if none.
std::vector<PolicyViolation> CheckPin(std::string_view pin,
                                      const std::vector<std::string>& account_numbers);

// OK, or INVALID_ARGUMENT naming `field` whose message lists every broken
// rule, joined by "; ", so the portal can show them all at once.
absl::Status PasswordStatus(std::string_view password,
                            const std::vector<std::string>& account_numbers,
                            std::string_view field = "password");
absl::Status PinStatus(std::string_view pin, const std::vector<std::string>& account_numbers,
                       std::string_view field);

}  // namespace sb::profiles
