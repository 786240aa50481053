#pragma once
// Flags with environment fallbacks.
//
// Every process defines its ABSL_FLAGs in main.cc and calls ParseFlags(). A
// flag `foo_bar` takes its value from, in order: the command line, the
// environment variable SB_FOO_BAR, its default. Flags naming another gRPC
// service (`profiles_addr`) read PROFILES_ADDR, as in ARCHITECTURE.md.
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace sb::core {

// The environment variable a flag falls back to.
std::string EnvNameForFlag(absl::string_view flag_name);

// Parses argv with absl, after applying the environment fallbacks of every
// registered flag. Returns the positional arguments.
std::vector<char*> ParseFlags(int argc, char** argv, absl::string_view usage);

}  // namespace sb::core
