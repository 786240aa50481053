#include "numbering/service_codes.h"

#include <algorithm>
#include <iterator>
#include <span>

#include "absl/strings/ascii.h"
#include "numbering/numbering.h"

namespace sb::numbering {
namespace {

// Star codes that change the line's configuration. MetaCentrex documents
// *72 / *90 / *92 (guide 2.5.2); the rest are the North American vertical
// service codes that switch a stored setting on or off or edit a stored list,
// which Metaswitch-style platforms share. Per-call codes that
// change nothing stored (*67 withhold once, *82 present once, *69 call return,
// *70 cancel call waiting once) and service access (*318 voicemail) are
// deliberately absent: they are plain access codes. GSM MMI strings (#31#,
// *21*...#) are plain access codes too: our phones are SIP phones, and the
// GSM codes collide with the NANP ones (*67).
constexpr ConfigAccessCode kConfigAccessCodes[] = {
    {"*72", "activate unconditional call forwarding"},
    {"*73", "deactivate unconditional call forwarding"},
    {"*90", "activate call forwarding on busy"},
    {"*91", "deactivate call forwarding on busy"},
    {"*92", "activate call forwarding on no answer"},
    {"*93", "deactivate call forwarding on no answer"},
    {"*78", "activate do not disturb"},
    {"*79", "deactivate do not disturb"},
    {"*77", "activate anonymous call rejection"},
    {"*87", "deactivate anonymous call rejection"},
    {"*60", "edit the selective call rejection list"},
    {"*61", "edit the distinctive ring (priority call) list"},
    {"*63", "edit the selective call forwarding list"},
    {"*64", "edit the selective call acceptance list"},
};

struct RegionNumbers {
  std::string_view region;
  std::string_view number;
};

// libphonenumber 8.12 lists only 112, 15, 17 and 18 as emergency numbers for
// France; the French list of free emergency numbers (the numbers a barring
// profile must never block) also has these. Belgium (112, 100, 101) and NANP
// (911, 112) are complete in libphonenumber.
constexpr RegionNumbers kSupplementaryEmergency[] = {
    {"FR", "114"},  // emergency by SMS/fax for the deaf and hard of hearing
    {"FR", "115"},  // SAMU social
    {"FR", "119"},  // children at risk
    {"FR", "191"},  // aeronautical rescue
    {"FR", "196"},  // maritime rescue
    {"FR", "197"},  // terrorist alert / kidnapping
};

// Fixed directory-enquiry numbers that have no pattern of their own.
constexpr RegionNumbers kDirectoryNumbers[] = {
    {"BE", "1207"},  // Dutch-language directory enquiries
    {"BE", "1307"},  // French-language directory enquiries
};

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), absl::ascii_isdigit);
}

bool InTable(std::span<const RegionNumbers> table, std::string_view region,
             std::string_view digits) {
  return std::any_of(table.begin(), table.end(), [&](const RegionNumbers& row) {
    return row.region == region && row.number == digits;
  });
}

// NANP directory assistance for another area: [1] NPA 555 1212.
bool IsNanpAreaDirectory(std::string_view digits) {
  if (digits.size() == 11 && digits[0] == '1') digits.remove_prefix(1);
  return digits.size() == 10 && AllDigits(digits) && digits[0] >= '2' &&
         digits.substr(3) == "5551212";
}

}  // namespace

std::span<const ConfigAccessCode> ConfigAccessCodes() { return kConfigAccessCodes; }

namespace internal {

bool IsConfigAccessCode(std::string_view dialed) {
  // Whatever follows a code is its argument (the forward-to number of *72).
  // Prefix matching is sound because no other code we know starts with one of
  // these (*318 is not *31..., and there is no *31 here).
  return std::any_of(std::begin(kConfigAccessCodes), std::end(kConfigAccessCodes),
                     [&](const ConfigAccessCode& c) { return dialed.starts_with(c.code); });
}

bool IsSupplementaryEmergencyNumber(std::string_view region, std::string_view digits) {
  return InTable(kSupplementaryEmergency, region, digits);
}

bool IsDirectoryNumber(std::string_view region, bool nanp, std::string_view digits) {
  if (!AllDigits(digits)) return false;
  if (region == "FR") return digits.size() == 6 && digits.starts_with("118");
  if (nanp) return digits == "411" || IsNanpAreaDirectory(digits);
  return InTable(kDirectoryNumbers, region, digits);
}

bool IsOperatorNumber(bool nanp, std::string_view digits) {
  // "00" is the NANP long-distance operator; 0 + a number (operator-assisted
  // calls) is left to libphonenumber, which rejects it as invalid.
  return nanp && (digits == "0" || digits == "00");
}

}  // namespace internal
}  // namespace sb::numbering
