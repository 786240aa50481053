#pragma once
// Reading requests: the header helpers the registrar and the proxy share.
// Everything here copies out of sofia's structures into plain values, so the
// result can cross to another thread. Loop thread only (they read sip_t).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "sip/digest.h"
#include "sip/sofia.h"

namespace sb::sip {

// A URL as text ("sip:alice@example.com;transport=tcp").
std::string UriString(const url_t* url);

// The canonical address-of-record of a To/From URI: "sip:user@host", host in
// lower case, no port, parameters or headers (RFC 3261 §10.3 step 5).
// INVALID_ARGUMENT unless it is a sip/sips URI with a user and a host.
absl::StatusOr<std::string> AddressOfRecord(const url_t* url);

// Where a request came from, as the socket saw it (behind NAT: the public
// address, RFC 3581).
struct Source {
  std::string ip;  // "203.0.113.9", "2001:db8::1"
  int port = 0;
  std::string transport;  // "udp", "tcp", "tls"
  // "ip:port", IPv6 in brackets.
  std::string HostPort() const;
  // "sip:ip:port;transport=x": where to send requests for this flow.
  std::string Uri() const;
};
Source RequestSource(nta_agent_t* agent, msg_t* request);

// The topmost Via, as received (nta has added received/rport to it).
struct ViaInfo {
  std::string protocol;  // "SIP/2.0/UDP"
  std::string host;
  std::string port;
  std::string received;
  std::string rport;
  std::string branch;
};
std::optional<ViaInfo> TopVia(const sip_t& sip);

// One Contact of a REGISTER (RFC 3261 §10.2.1, RFC 5626 §4.2).
struct ContactInfo {
  std::string uri;  // the contact URI as text
  // The contact-value to echo in responses: "<uri>" and its parameters,
  // without "expires" and the display name.
  std::string value;
  std::optional<int64_t> expires;  // the expires parameter, clamped to [0, 2^32-1]
  std::optional<std::string> q;    // "0.5": validated, normalized to ≤ 3 decimals
  std::string instance;            // +sip.instance, unquoted: "<urn:uuid:…>"
  std::optional<uint32_t> reg_id;  // reg-id (only meaningful with an instance)
};

struct ContactList {
  bool wildcard = false;  // "Contact: *"
  std::vector<ContactInfo> contacts;
};

// The Contact headers of a request. INVALID_ARGUMENT (with a reason fit for
// a 400) for a malformed one, "*" mixed with others, a bad q or reg-id.
absl::StatusOr<ContactList> ReadContacts(const sip_t& sip);

// The Expires header's delta-seconds, if present.
std::optional<int64_t> ExpiresHeader(const sip_t& sip);
// Max-Forwards, if present.
std::optional<uint32_t> MaxForwards(const sip_t& sip);
std::string CallId(const sip_t& sip);

// Name of the first header sofia could not parse among those named in
// `names` (case-insensitive, compact forms included), e.g. "Contact".
std::optional<std::string> MalformedHeader(const sip_t& sip, const std::vector<absl::string_view>& names);

// Whether an option-tag list (Supported, Require) holds `tag`.
bool HasOptionTag(const msg_list_t* list, absl::string_view tag);
// The option-tags of a Require header we don't support (for 420).
std::vector<std::string> UnsupportedOptionTags(const msg_list_t* require,
                                               const std::vector<absl::string_view>& supported);

// The Digest credentials among `auth` (Authorization or Proxy-Authorization
// headers) for `realm` (case-insensitive): nullopt when none answers that
// realm, INVALID_ARGUMENT when the one that does is malformed.
absl::StatusOr<std::optional<DigestCredentials>> DigestCredentialsFor(const msg_auth_t* auth,
                                                                      absl::string_view realm);

// Parameters ("name=value" or "flag") as strings.
std::vector<std::string> ParamList(msg_param_t const* params);
// The value of parameter `name` (case-insensitive): "" for a flag, nullopt
// when absent. Quotes are kept.
std::optional<std::string> ParamValue(msg_param_t const* params, absl::string_view name);

}  // namespace sb::sip
