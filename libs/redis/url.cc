#include "redis/url.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace sb::redis {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Passwords with '@' or ':' must be percent-encoded in the URL.
bool PercentDecode(std::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    const int hi = HexValue(in[i + 1]);
    const int lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

absl::Status Invalid(std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(
      "redis url: ", std::string(why), " (expected redis://[[user]:password@]host[:port][/db])"));
}

}  // namespace

absl::StatusOr<RedisUrl> ParseRedisUrl(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  if (url.starts_with("rediss://")) return Invalid("TLS (rediss://) is not supported");
  if (!url.starts_with(kScheme)) return Invalid("must start with redis://");
  std::string_view rest = url.substr(kScheme.size());

  RedisUrl parsed;
  // Userinfo first: a password may contain '/'.
  const size_t at = rest.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const size_t colon = userinfo.find(':');
    if (colon == std::string_view::npos) {
      // redis://secret@host is how some tools spell a password-only URL.
      if (!PercentDecode(userinfo, &parsed.password)) return Invalid("bad percent-encoding");
    } else {
      if (!PercentDecode(userinfo.substr(0, colon), &parsed.user) ||
          !PercentDecode(userinfo.substr(colon + 1), &parsed.password)) {
        return Invalid("bad percent-encoding");
      }
    }
  }
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    std::string_view db = rest.substr(slash + 1);
    if (!db.empty() && (!absl::SimpleAtoi(std::string(db), &parsed.db) || parsed.db < 0)) {
      return Invalid("the database must be a non-negative number");
    }
  }
  std::string_view port;
  if (authority.starts_with('[')) {  // [::1]:6379
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return Invalid("unterminated [IPv6] host");
    parsed.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return Invalid("garbage after [IPv6] host");
      port = after.substr(1);
    }
  } else {
    const size_t colon = authority.rfind(':');
    parsed.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (parsed.host.empty()) return Invalid("missing host");
  if (!port.empty() && (!absl::SimpleAtoi(std::string(port), &parsed.port) || parsed.port <= 0 ||
                        parsed.port > 65535)) {
    return Invalid("the port must be a number from 1 to 65535");
  }
  return parsed;
}

}  // namespace sb::redis
