#pragma once
// The service codes libphonenumber does not know, or does not know the way a
// business line needs them: configuration star codes, the rest of France's
// emergency list, directory enquiries and operator assistance. Each is a plain
// table in service_codes.cc so that the numbering plan can be read (and
// reviewed) in one place. Internal to sb_numbering: callers use Classify.
#include <string_view>

namespace sb::numbering::internal {

// `dialed` (cleaned, starting with * or #) is a configuration-changing code of
// ConfigAccessCodes(), possibly followed by what it takes: "*72", "*720612345678",
// "*72*0612345678#".
bool IsConfigAccessCode(std::string_view dialed);

// Emergency numbers of `region` missing from libphonenumber's metadata.
bool IsSupplementaryEmergencyNumber(std::string_view region, std::string_view digits);

// Directory enquiries: FR 118xxx, BE 1207/1307, NANP 411 and NPA-555-1212.
bool IsDirectoryNumber(std::string_view region, bool nanp, std::string_view digits);

// Operator assistance: "0" and "00" in NANP. France and Belgium have no
// dialable operator code (MetaCentrex: "sur MetaCentrex il n'y a pas de code
// opérateur"), so nothing is kOperator there.
bool IsOperatorNumber(bool nanp, std::string_view digits);

}  // namespace sb::numbering::internal
