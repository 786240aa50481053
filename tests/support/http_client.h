#pragma once
// A small blocking HTTP client (libcurl) for black-box tests of the gateway.
#include <map>
#include <string>
#include <vector>

namespace sb::testing {

struct HttpResult {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string error;                           // transport error, if any
  std::string Header(const std::string& name) const;
};

class HttpClient {
 public:
  explicit HttpClient(std::string base_url);
  ~HttpClient();

  void set_token(std::string token) { token_ = std::move(token); }
  const std::string& token() const { return token_; }

  HttpResult Request(const std::string& method, const std::string& path, const std::string& body = "",
                     const std::vector<std::string>& headers = {});
  HttpResult Get(const std::string& path) { return Request("GET", path); }
  HttpResult Post(const std::string& path, const std::string& body) { return Request("POST", path, body); }
  HttpResult Patch(const std::string& path, const std::string& body) { return Request("PATCH", path, body); }
  HttpResult Delete(const std::string& path) { return Request("DELETE", path); }

 private:
  std::string base_;
  std::string token_;
  void* curl_;
};

}  // namespace sb::testing
