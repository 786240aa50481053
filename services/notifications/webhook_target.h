#pragma once
// Where a webhook may point. Webhook URLs are typed by tenant admins, and the
// service POSTs to them from inside the platform's network: without a check,
// a URL naming 127.0.0.1, 10.x, or the cloud metadata address 169.254.169.254
// would make the service a proxy into the platform (SSRF). So:
//  - only http:// and https:// URLs;
//  - every address the host resolves to must be public. Loopback and private
//    ranges (RFC 1918, CGNAT 100.64/10, IPv6 ULA fc00::/7, site-local) are
//    allowed only with allow_private (on-premise installs whose receivers are
//    on the LAN, and the tests' sink on loopback); link-local (where cloud
//    metadata lives), multicast, unspecified and reserved addresses never are.
// The check runs when the webhook is created and again at every delivery
// (DNS may have changed since); the delivery then connects to the very
// address that was checked (no second lookup) and follows no redirect.
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sb::notifications {

enum class AddressClass {
  kPublic,
  kLoopback,     // 127/8, ::1
  kPrivate,      // 10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7, fec0::/10
  kLinkLocal,    // 169.254/16, fe80::/10
  kMulticast,    // 224/4, ff00::/8
  kUnspecified,  // 0/8, ::
  kReserved,     // 240/4, 255.255.255.255, 192.0.0/24 (IETF), ::/8 leftovers (IPv4-compatible, …)
};

absl::string_view AddressClassName(AddressClass c);  // "public", "loopback", …

// The class of a numeric IPv4 or IPv6 address (IPv4-mapped and NAT64 IPv6
// addresses are classed by the IPv4 address they carry). INVALID_ARGUMENT
// when `ip` is not a numeric address.
absl::StatusOr<AddressClass> ClassifyAddress(absl::string_view ip);

// Whether a webhook may connect to an address of this class.
bool AllowedTarget(AddressClass c, bool allow_private);

struct WebhookTarget {
  std::string scheme;   // "http", "https"
  std::string host;     // as in the URL, without IPv6 brackets
  int port = 0;         // explicit or the scheme's default
  std::string address;  // the checked address to connect to
};

// Parses `url` and checks its scheme (INVALID_ARGUMENT naming "url": not
// http(s), no host, credentials in the URL, malformed).
absl::StatusOr<WebhookTarget> ParseWebhookUrl(absl::string_view url);

// ParseWebhookUrl, then resolves the host and checks every address:
//   INVALID_ARGUMENT (field "url")   refused: names the address and its class
//   UNAVAILABLE                      the host does not resolve (now)
absl::StatusOr<WebhookTarget> CheckWebhookUrl(absl::string_view url, bool allow_private);

}  // namespace sb::notifications
