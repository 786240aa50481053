#include "tests/support/demo.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "tests/support/json.h"

namespace sb::testing::demo {

HttpClient SignIn(const std::string& base, const std::string& login, const std::string& password) {
  HttpClient http(base);
  HttpResult r =
      http.Post("/v1/sessions", absl::StrCat(R"({"login":")", login, R"(","password":")", password, R"("})"));
  if (r.status != 201) {
    std::fprintf(stderr, "sign-in of %s failed: HTTP %d %s\n", login.c_str(), r.status, r.body.c_str());
    std::abort();
  }
  http.set_token(Json::Parse(r.body)["token"].str());
  return http;
}

}  // namespace sb::testing::demo
