#pragma once
// Debian's Abseil 20220623 is built with its own absl::string_view (not an
// alias of std::string_view), so std::string_view values cross into Abseil
// (StrCat, hash-set lookups) through this one conversion.
#include <string_view>

#include "absl/strings/string_view.h"

namespace sb::routing {

inline absl::string_view Av(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace sb::routing
