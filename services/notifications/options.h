#pragma once
// A delivery's rendering options, stored with it as "key=value;key=value"
// (language, time zone, attach, links): decided when the event is planned,
// so a retry renders the same e-mail even if settings changed meanwhile.
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace sb::notifications {

using Options = std::map<std::string, std::string>;

inline std::string EncodeOptions(const Options& o) {
  std::string out;
  for (const auto& [k, v] : o) {
    if (!out.empty()) out += ';';
    absl::StrAppend(&out, k, "=", v);  // keys and values never hold ';' or '='
  }
  return out;
}

inline Options DecodeOptions(const std::string& s) {
  Options o;
  for (absl::string_view kv : absl::StrSplit(s, ';', absl::SkipEmpty())) {
    std::pair<std::string, std::string> p = absl::StrSplit(kv, absl::MaxSplits('=', 1));
    o[p.first] = p.second;
  }
  return o;
}

inline std::string Opt(const Options& o, const std::string& key, const std::string& fallback = "") {
  auto it = o.find(key);
  return it == o.end() ? fallback : it->second;
}

}  // namespace sb::notifications
