#include "services/edge/authenticator.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/logging.h"

namespace sb::edge {

Authenticator::Authenticator(AuthConfig config, const sip::NonceCodec* nonces, CredentialCache* credentials,
                             AuthThrottle* throttle)
    : config_(std::move(config)), nonces_(nonces), credentials_(credentials), throttle_(throttle) {}

sip::SipResponse Authenticator::Challenge(const std::string& realm, bool stale, bool proxy) const {
  sip::SipResponse response(proxy ? 407 : 401);
  for (sip::DigestAlgorithm algorithm : config_.algorithms) {
    response.Header(
        proxy ? "Proxy-Authenticate" : "WWW-Authenticate",
        sip::ChallengeHeaderValue(
            {.realm = realm, .nonce = nonces_->Issue(realm), .algorithm = algorithm, .stale = stale}));
  }
  return response;
}

void Authenticator::RecordFailure(const std::string& source_ip, const std::string& call_id) {
  if (throttle_->RecordFailure(source_ip)) {
    core::Logger("auth")->warn("{} too many failed authentications from {}: blocked",
                               core::CallCtx{call_id, ""}, source_ip);
  }
}

sip::SipResponse Authenticator::Forbidden(const AuthRequest& request, const std::string& why) {
  core::Logger("auth")->debug("{} {} from {} refused: {}", core::CallCtx{request.call_id, ""}, request.method,
                              request.source_ip, why);
  RecordFailure(request.source_ip, request.call_id);
  // The same answer for an unknown user and a wrong password: no probing
  // for valid usernames.
  return sip::SipResponse(403, "Forbidden");
}

AuthResult Authenticator::Authenticate(const AuthRequest& request) {
  std::optional<AuthResult> result = Run(request, [&](const std::string& username) {
    return std::optional<absl::StatusOr<DeviceCredentials>>(credentials_->Get(username, request.realm));
  });
  return *std::move(result);  // a blocking lookup always answers
}

std::optional<AuthResult> Authenticator::AuthenticateCached(const AuthRequest& request) {
  return Run(request,
             [&](const std::string& username) { return credentials_->Peek(username, request.realm); });
}

std::optional<AuthResult> Authenticator::Run(const AuthRequest& request, Lookup lookup) {
  AuthResult result;
  if (throttle_->Blocked(request.source_ip)) {
    result.response = sip::SipResponse(403, "Too many failed attempts");
    return result;
  }
  if (!request.credentials_error.ok()) {
    result.response = sip::SipResponse(400, "Malformed Authorization header");
    return result;
  }
  if (!request.credentials) {
    result.response = Challenge(request.realm, /*stale=*/false, request.proxy);
    return result;
  }
  const sip::DigestCredentials& c = *request.credentials;
  const sip::NonceCodec::Verdict verdict = nonces_->Check(c.nonce, request.realm);
  if (verdict == sip::NonceCodec::Verdict::kForged) {
    core::Logger("auth")->debug("{} nonce not issued by us: new challenge",
                                core::CallCtx{request.call_id, ""});
    result.response = Challenge(request.realm, /*stale=*/false, request.proxy);
    return result;
  }
  const std::optional<sip::DigestAlgorithm> algorithm = sip::ParseDigestAlgorithm(c.algorithm);
  if (!algorithm || std::find(config_.algorithms.begin(), config_.algorithms.end(), *algorithm) ==
                        config_.algorithms.end()) {
    result.response = Challenge(request.realm, /*stale=*/false, request.proxy);
    return result;
  }

  std::optional<absl::StatusOr<DeviceCredentials>> found = lookup(c.username);
  if (!found) return std::nullopt;
  absl::StatusOr<DeviceCredentials>& device = *found;
  if (!device.ok()) {
    if (device.status().code() == absl::StatusCode::kNotFound) {
      result.response = Forbidden(request, "unknown user");
      return result;
    }
    core::Logger("auth")->warn("{} credentials of {} unavailable ({}): answering 503",
                               core::CallCtx{request.call_id, ""}, c.username, device.status().message());
    result.response = sip::SipResponse(503, "Credentials unavailable")
                          .Header("Retry-After", absl::StrCat(config_.retry_after_s));
    return result;
  }
  const std::string& ha1 = *algorithm == sip::DigestAlgorithm::kMd5 ? device->ha1_md5 : device->ha1_sha256;
  if (ha1.empty() || !sip::DigestResponseMatches(*algorithm, ha1, request.method, c)) {
    result.response = Forbidden(request, "wrong credentials");
    return result;
  }
  if (verdict == sip::NonceCodec::Verdict::kStale) {
    // The password was right: let the client retry with a new nonce
    // without asking its user (RFC 2617 stale).
    result.response = Challenge(request.realm, /*stale=*/true, request.proxy);
    return result;
  }
  result.authenticated = true;
  result.device = std::move(*device);
  result.nonce = c.nonce;
  if (!c.nc.empty()) {
    uint32_t nc = 0;
    absl::SimpleHexAtoi(c.nc, &nc);
    result.nc = nc;
  }
  return result;
}

}  // namespace sb::edge
