#pragma once
// The demo tenant `tools/dev up` seeds (profiles-seed), as tests sign in to
// it: the credentials are the README's.
#include <string>

#include "tests/support/http_client.h"

namespace sb::testing::demo {

inline constexpr char kAliceLogin[] = "0222969569";  // Alice Martin, extension 4001
inline constexpr char kAlicePassword[] = "Alice!Portal42";
inline constexpr char kAdminLogin[] = "admin@demo.switchboard.local";
inline constexpr char kAdminPassword[] = "Dem0-Admin!Pass";
inline constexpr char kOperatorLogin[] = "operator@switchboard.local";
inline constexpr char kOperatorPassword[] = "Sw1tchboard!Op";

// A client of the gateway at `base` signed in as `login`. A failed sign-in
// ends the test binary with the answer printed: nothing after it could pass.
HttpClient SignIn(const std::string& base, const std::string& login, const std::string& password);

inline HttpClient Alice(const std::string& base) { return SignIn(base, kAliceLogin, kAlicePassword); }
inline HttpClient Admin(const std::string& base) { return SignIn(base, kAdminLogin, kAdminPassword); }
inline HttpClient Operator(const std::string& base) {
  return SignIn(base, kOperatorLogin, kOperatorPassword);
}

}  // namespace sb::testing::demo
