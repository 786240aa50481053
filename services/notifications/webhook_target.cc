#include "services/notifications/webhook_target.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/status.h"

namespace sb::notifications {
namespace {

using core::InvalidField;

AddressClass ClassifyV4(uint32_t a) {  // host byte order
  auto in = [a](uint32_t net, int bits) { return bits == 0 || (a >> (32 - bits)) == (net >> (32 - bits)); };
  if (in(0x00000000, 8)) return AddressClass::kUnspecified;  // 0.0.0.0/8 "this network"
  if (in(0x7f000000, 8)) return AddressClass::kLoopback;
  if (in(0x0a000000, 8) || in(0xac100000, 12) || in(0xc0a80000, 16)) return AddressClass::kPrivate;
  if (in(0x64400000, 10)) return AddressClass::kPrivate;  // 100.64/10, carrier-grade NAT
  if (in(0xa9fe0000, 16)) return AddressClass::kLinkLocal;
  if (in(0xe0000000, 4)) return AddressClass::kMulticast;
  if (in(0xf0000000, 4)) return AddressClass::kReserved;   // 240/4 and the broadcast address
  if (in(0xc0000000, 24)) return AddressClass::kReserved;  // 192.0.0/24, IETF protocol assignments
  return AddressClass::kPublic;
}

AddressClass ClassifyV6(const std::array<uint8_t, 16>& b) {
  auto zero = [&b](int from, int to) {
    for (int i = from; i < to; ++i)
      if (b[i] != 0) return false;
    return true;
  };
  auto v4 = [&b] {
    return (uint32_t{b[12]} << 24) | (uint32_t{b[13]} << 16) | (uint32_t{b[14]} << 8) | uint32_t{b[15]};
  };
  if (zero(0, 16)) return AddressClass::kUnspecified;
  if (zero(0, 15) && b[15] == 1) return AddressClass::kLoopback;
  // ::ffff:a.b.c.d (IPv4-mapped) and 64:ff9b::a.b.c.d (NAT64) reach that IPv4 address.
  if (zero(0, 10) && b[10] == 0xff && b[11] == 0xff) return ClassifyV4(v4());
  if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && zero(4, 12)) return ClassifyV4(v4());
  if (b[0] == 0) return AddressClass::kReserved;  // ::/8: IPv4-compatible and other retired forms
  if (b[0] == 0xff) return AddressClass::kMulticast;
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return AddressClass::kLinkLocal;
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return AddressClass::kPrivate;  // fec0::/10, site-local
  if ((b[0] & 0xfe) == 0xfc) return AddressClass::kPrivate;                  // fc00::/7, ULA
  return AddressClass::kPublic;
}

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
struct CurlFree {
  void operator()(char* p) const { curl_free(p); }
};

std::string Part(CURLU* u, CURLUPart part) {
  char* raw = nullptr;
  if (curl_url_get(u, part, &raw, part == CURLUPART_PORT ? CURLU_DEFAULT_PORT : 0) != CURLUE_OK) return "";
  std::unique_ptr<char, CurlFree> p(raw);
  return p ? std::string(p.get()) : "";
}

}  // namespace

absl::string_view AddressClassName(AddressClass c) {
  switch (c) {
    case AddressClass::kPublic:
      return "public";
    case AddressClass::kLoopback:
      return "loopback";
    case AddressClass::kPrivate:
      return "private";
    case AddressClass::kLinkLocal:
      return "link-local";
    case AddressClass::kMulticast:
      return "multicast";
    case AddressClass::kUnspecified:
      return "unspecified";
    case AddressClass::kReserved:
      return "reserved";
  }
  return "";
}

absl::StatusOr<AddressClass> ClassifyAddress(absl::string_view ip) {
  const std::string s(ip);
  in_addr v4;
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) return ClassifyV4(ntohl(v4.s_addr));
  in6_addr v6;
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::array<uint8_t, 16> b;
    std::memcpy(b.data(), v6.s6_addr, 16);
    return ClassifyV6(b);
  }
  return absl::InvalidArgumentError(absl::StrCat("'", ip, "' is not a numeric IP address"));
}

bool AllowedTarget(AddressClass c, bool allow_private) {
  switch (c) {
    case AddressClass::kPublic:
      return true;
    case AddressClass::kLoopback:
    case AddressClass::kPrivate:
      return allow_private;
    default:
      return false;
  }
}

absl::StatusOr<WebhookTarget> ParseWebhookUrl(absl::string_view url) {
  if (url.empty()) return InvalidField("url", "url is required");
  if (url.size() > 2000) return InvalidField("url", "url is longer than 2000 characters");
  std::unique_ptr<CURLU, UrlDeleter> u(curl_url());
  if (!u) return absl::ResourceExhaustedError("libcurl could not allocate a URL");
  // No scheme guessing: "example.com/hook" is refused, not taken as http.
  if (curl_url_set(u.get(), CURLUPART_URL, std::string(url).c_str(), 0) != CURLUE_OK) {
    return InvalidField("url", "url is not a valid absolute URL");
  }
  WebhookTarget t;
  t.scheme = absl::AsciiStrToLower(Part(u.get(), CURLUPART_SCHEME));
  if (t.scheme != "http" && t.scheme != "https") {
    return InvalidField("url", absl::StrCat("url must be an http:// or https:// URL, not ", t.scheme, "://"));
  }
  if (!Part(u.get(), CURLUPART_USER).empty() || !Part(u.get(), CURLUPART_PASSWORD).empty()) {
    return InvalidField("url", "url must not carry credentials (the signature authenticates the sender)");
  }
  t.host = Part(u.get(), CURLUPART_HOST);
  if (t.host.size() >= 2 && t.host.front() == '[' && t.host.back() == ']') {
    t.host = t.host.substr(1, t.host.size() - 2);
  }
  if (t.host.empty()) return InvalidField("url", "url has no host");
  if (const size_t pct = t.host.find('%'); pct != std::string::npos) {
    return InvalidField("url", "url must not name an IPv6 zone (link-local scope)");
  }
  if (!absl::SimpleAtoi(Part(u.get(), CURLUPART_PORT), &t.port) || t.port <= 0 || t.port > 65535) {
    return InvalidField("url", "url has an invalid port");
  }
  return t;
}

absl::StatusOr<WebhookTarget> CheckWebhookUrl(absl::string_view url, bool allow_private) {
  SB_ASSIGN_OR_RETURN(WebhookTarget t, ParseWebhookUrl(url));
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const int rc = getaddrinfo(t.host.c_str(), nullptr, &hints, &res);
  if (rc != 0) {
    return absl::UnavailableError(
        absl::StrCat("url: host ", t.host, " does not resolve: ", gai_strerror(rc)));
  }
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> guard(res, freeaddrinfo);
  // Every address must pass: a name resolving to a public and a private
  // address could be answered with either.
  for (const addrinfo* a = res; a != nullptr; a = a->ai_next) {
    char buf[INET6_ADDRSTRLEN] = {0};
    if (a->ai_family == AF_INET) {
      inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(a->ai_addr)->sin_addr, buf, sizeof buf);
    } else if (a->ai_family == AF_INET6) {
      inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(a->ai_addr)->sin6_addr, buf, sizeof buf);
    } else {
      continue;
    }
    SB_ASSIGN_OR_RETURN(AddressClass c, ClassifyAddress(buf));
    if (!AllowedTarget(c, allow_private)) {
      return InvalidField(
          "url", absl::StrCat("url: ", t.host, " is ", buf, ", a ", AddressClassName(c),
                              " address; webhooks may only reach public addresses",
                              c == AddressClass::kLoopback || c == AddressClass::kPrivate
                                  ? " (the operator may allow private ones with --webhook_allow_private)"
                                  : ""));
    }
    if (t.address.empty()) t.address = buf;
  }
  if (t.address.empty()) return absl::UnavailableError(absl::StrCat("url: host ", t.host, " has no address"));
  return t;
}

}  // namespace sb::notifications
