#pragma once
// Digest authentication of SIP requests against the devices' HA1 — the
// first processor of every chain (REGISTER now; INVITE and the rest when the
// proxy challenges with 407). Runs on worker threads: it may wait for
// profiles on a credential-cache miss.
//
// Outcomes, in the order they are decided:
//   source throttled                       → 403, no work done
//   Authorization malformed                → 400
//   no Authorization for the realm         → 401/407 challenge (one per algorithm)
//   nonce not ours (forged, other key)     → fresh challenge
//   algorithm we don't offer               → fresh challenge
//   unknown user, wrong password           → 403, alike; counts towards the throttle
//   right password, nonce expired          → challenge with stale=true
//   profiles unreachable                   → 503 Retry-After (degraded, logged at warn)
//   otherwise                              → authenticated: the device
// The nonce-count replay guard needs shared state; the caller applies it
// (the registrar does it in the same Redis script as the bindings).
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "services/edge/auth_throttle.h"
#include "services/edge/credentials.h"
#include "sip/digest.h"
#include "sip/transaction.h"

namespace sb::edge {

struct AuthRequest {
  std::string method;  // "REGISTER"
  std::string realm;   // the tenant's SIP domain: the To host for REGISTER
  std::string call_id;
  std::string source_ip;
  // The credentials for `realm`, if the request has some; a malformed
  // Authorization header sets credentials_error instead.
  std::optional<sip::DigestCredentials> credentials;
  absl::Status credentials_error;
  bool proxy = false;  // 407 / Proxy-Authenticate instead of 401 / WWW-Authenticate
};

struct AuthResult {
  bool authenticated = false;
  DeviceCredentials device;   // when authenticated
  sip::SipResponse response;  // when not
  std::string nonce;          // when authenticated: for the nonce-count guard
  uint32_t nc = 0;            // 0 without qop
};

struct AuthConfig {
  std::vector<sip::DigestAlgorithm> algorithms = {sip::DigestAlgorithm::kMd5};  // challenge order
  int retry_after_s = 5;  // when profiles is unreachable
};

// Thread-safe; the collaborators must outlive it.
class Authenticator {
 public:
  Authenticator(AuthConfig config, const sip::NonceCodec* nonces, CredentialCache* credentials,
                AuthThrottle* throttle);

  // May block on profiles (a credential-cache miss): worker threads.
  AuthResult Authenticate(const AuthRequest& request);
  // Never blocks (fit for the SIP loop thread): nullopt when the answer
  // needs credentials that are not cached — then call Authenticate on a
  // worker.
  std::optional<AuthResult> AuthenticateCached(const AuthRequest& request);
  // A 401/407 with one challenge per offered algorithm and fresh nonces.
  sip::SipResponse Challenge(const std::string& realm, bool stale, bool proxy) const;
  // Counts a failure decided by the caller after authentication (a device
  // registering an AOR that is not its own).
  void RecordFailure(const std::string& source_ip, const std::string& call_id);

 private:
  using Lookup =
      absl::FunctionRef<std::optional<absl::StatusOr<DeviceCredentials>>(const std::string& username)>;
  std::optional<AuthResult> Run(const AuthRequest& request, Lookup lookup);
  sip::SipResponse Forbidden(const AuthRequest& request, const std::string& why);

  const AuthConfig config_;
  const sip::NonceCodec* const nonces_;
  CredentialCache* const credentials_;
  AuthThrottle* const throttle_;
};

}  // namespace sb::edge
