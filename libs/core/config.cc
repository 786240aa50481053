#include "core/config.h"

#include <cstdlib>

#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace sb::core {

std::string EnvNameForFlag(absl::string_view flag_name) {
  std::string upper = absl::AsciiStrToUpper(flag_name);
  if (absl::EndsWith(flag_name, "_addr")) return upper;
  return absl::StrCat("SB_", upper);
}

std::vector<char*> ParseFlags(int argc, char** argv, absl::string_view usage) {
  absl::SetProgramUsageMessage(usage);
  // Environment values go first so that the command line wins over them.
  static std::vector<std::string> storage;  // argv strings must outlive parsing
  std::vector<char*> args;
  args.push_back(argv[0]);
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    const char* value = std::getenv(EnvNameForFlag(name).c_str());
    if (value == nullptr) continue;
    storage.push_back(absl::StrCat("--", name, "=", value));
  }
  for (auto& s : storage) args.push_back(s.data());
  for (int i = 1; i < argc; ++i) args.push_back(argv[i]);
  return absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
}

}  // namespace sb::core
