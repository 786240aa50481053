#pragma once
// What makes a profile value valid. Each check names the field it refuses.
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "numbering/numbering.h"

namespace sb::profiles {

// Printable text of at most `max_chars` code points (no control characters).
absl::Status CheckText(absl::string_view field, absl::string_view value, size_t max_chars,
                       bool required = false);
absl::Status CheckEmail(absl::string_view field, absl::string_view value, bool required = false);
absl::Status CheckLanguage(absl::string_view field, absl::string_view value);
absl::Status CheckTimezone(absl::string_view field, absl::string_view value, bool required = false);
absl::Status CheckCountry(absl::string_view field, absl::string_view value);
absl::Status CheckSipDomain(absl::string_view field, absl::string_view value);
// An extension: 2 to 6 digits, not a reserved service code (311, 511, 911,
// the park range 700–709, the tenant country's emergency and short numbers).
absl::Status CheckExtension(absl::string_view field, absl::string_view value, absl::string_view country,
                            const numbering::Numbering& numbering);
// A MAC address: 12 hex digits, separators allowed; returned lower case without them.
absl::Status NormalizeMac(absl::string_view field, std::string* mac);

}  // namespace sb::profiles
