#pragma once
// Secrets at rest: portal passwords and PINs as Argon2id hashes (libsodium),
// SIP digest HA1 values instead of device passwords, and single-use tokens of
// which only a SHA-256 is stored. Nothing here logs what it handles.
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sb::profiles {

// Argon2id with OWASP's minimum parameters (19 MiB, 2 passes): strong enough
// against offline guessing while keeping a sign-in near 30 ms on one core.
absl::StatusOr<std::string> HashSecret(absl::string_view secret);
bool VerifySecret(absl::string_view hash, absl::string_view secret);

// A random password for a soft phone: 20 characters, letters and digits.
std::string GenerateSipPassword();
// A random SIP username: `prefix` followed by 8 lower-case letters and digits.
std::string GenerateSipUsername(absl::string_view prefix);

// HA1 = H(username ":" realm ":" password), hex, for MD5 (RFC 2617) and
// SHA-256 (RFC 7616).
std::string DigestHa1Md5(absl::string_view user, absl::string_view realm, absl::string_view password);
std::string DigestHa1Sha256(absl::string_view user, absl::string_view realm,
                            absl::string_view password);

// A URL-safe single-use token (256 random bits) and the hash stored for it.
std::string GenerateToken();
std::string TokenHash(absl::string_view token);

}  // namespace sb::profiles
