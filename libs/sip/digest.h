#pragma once
// Digest authentication for SIP (RFC 3261 §22, RFC 2617 qop=auth, RFC 7616
// SHA-256): the challenge we send, the client's answer parsed and checked
// against a stored HA1, and stateless nonces.
//
// Nonces carry their own proof: base64url(issued_at_ms ‖ 8 random bytes ‖
// HMAC-SHA256(key, issued_at_ms ‖ random ‖ realm)[0..16]). Any edge copy
// sharing the key verifies them without shared state; an old one is "stale"
// (RFC 2617: the client retries with the new nonce without asking its user).
// Replay of one nonce within its lifetime is stopped by the nonce-count
// check, which needs shared state and so lives with the caller (Redis).
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace sb::sip {

enum class DigestAlgorithm { kMd5, kSha256 };

// "MD5", "SHA-256".
absl::string_view DigestAlgorithmName(DigestAlgorithm algorithm);
// Case-insensitive; empty means MD5 (RFC 2617). nullopt for what we don't
// support (the -sess variants, SHA-512-256, unknown names).
std::optional<DigestAlgorithm> ParseDigestAlgorithm(absl::string_view name);
// "SHA-256,MD5" → {kSha256, kMd5}; INVALID_ARGUMENT naming the bad entry.
absl::StatusOr<std::vector<DigestAlgorithm>> ParseDigestAlgorithmList(absl::string_view list);

// Lower-case hex of the algorithm's hash of `data`.
std::string DigestHex(DigestAlgorithm algorithm, absl::string_view data);
// H(username:realm:password), what profiles stores.
std::string DigestHa1(DigestAlgorithm algorithm, absl::string_view username, absl::string_view realm,
                      absl::string_view password);

// What the client sent in Authorization (values unquoted).
struct DigestCredentials {
  std::string username;
  std::string realm;
  std::string nonce;
  std::string uri;
  std::string response;
  std::string algorithm;  // as sent; empty means MD5
  std::string cnonce;
  std::string qop;  // "" (RFC 2069 compatibility) or "auth"
  std::string nc;   // 8 hex digits with qop
  std::string opaque;
};

// Parses the auth-params of a Digest Authorization header ("username=\"a\"",
// "nc=00000001", … as sofia splits them). INVALID_ARGUMENT names what is
// missing or malformed.
absl::StatusOr<DigestCredentials> ParseDigestCredentials(absl::string_view scheme,
                                                         const std::vector<std::string>& params);

// The response a client knowing the password computes (RFC 2617 §3.2.2.1).
std::string ExpectedDigestResponse(DigestAlgorithm algorithm, absl::string_view ha1, absl::string_view method,
                                   const DigestCredentials& credentials);
// Constant-time comparison of the client's response with the expected one.
bool DigestResponseMatches(DigestAlgorithm algorithm, absl::string_view ha1, absl::string_view method,
                           const DigestCredentials& credentials);

struct DigestChallenge {
  std::string realm;
  std::string nonce;
  DigestAlgorithm algorithm = DigestAlgorithm::kMd5;
  bool stale = false;
};

// The value of a WWW-Authenticate / Proxy-Authenticate header:
//   Digest realm="r", nonce="n", algorithm=MD5, qop="auth"[, stale=true]
std::string ChallengeHeaderValue(const DigestChallenge& challenge);

// HMAC-SHA256 (RFC 2104) with the key's inner and outer states computed
// once: each MAC is then two hash-state copies and two short updates, not a
// provider lookup and a key schedule. Thread-safe.
class HmacSha256 {
 public:
  explicit HmacSha256(absl::string_view key);
  ~HmacSha256();
  HmacSha256(const HmacSha256&) = delete;
  HmacSha256& operator=(const HmacSha256&) = delete;

  // The 32-byte MAC of `data`.
  std::string Compute(absl::string_view data) const;

 private:
  struct State;
  State* inner_;
  State* outer_;
};

// Issues and checks the stateless nonces described above. Thread-safe.
class NonceCodec {
 public:
  using Clock = std::function<absl::Time()>;
  enum class Verdict { kValid, kStale, kForged };

  // `key`: the shared secret (any length; empty is refused by the caller).
  // `clock`: absl::Now when null.
  NonceCodec(std::string key, absl::Duration ttl, Clock clock = nullptr);

  std::string Issue(absl::string_view realm) const;
  // kForged: not ours (bad MAC, malformed, another realm, from the future).
  Verdict Check(absl::string_view nonce, absl::string_view realm) const;
  absl::Duration ttl() const { return ttl_; }

 private:
  std::string Mac(absl::string_view body, absl::string_view realm) const;

  HmacSha256 mac_;
  absl::Duration ttl_;
  Clock clock_;
};

// Random bytes from the system's CSPRNG, for keys.
std::string RandomBytes(size_t n);

}  // namespace sb::sip
