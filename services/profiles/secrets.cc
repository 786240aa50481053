#include "services/profiles/secrets.h"

#include <openssl/evp.h>
#include <sodium.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace sb::profiles {
namespace {

constexpr unsigned long long kOpsLimit = 2;
constexpr size_t kMemLimit = 19u << 20;

bool SodiumReady() {
  // sodium_init is idempotent and thread-safe; it returns 1 when already done.
  static const bool ok = sodium_init() >= 0;
  return ok;
}

std::string RandomFrom(absl::string_view alphabet, int n) {
  SodiumReady();
  std::string out(n, ' ');
  for (int i = 0; i < n; ++i) {
    out[i] = alphabet[randombytes_uniform(static_cast<uint32_t>(alphabet.size()))];
  }
  return out;
}

std::string HexDigest(const EVP_MD* md, absl::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, md, nullptr);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(digest), len));
}

}  // namespace

absl::StatusOr<std::string> HashSecret(absl::string_view secret) {
  if (!SodiumReady()) return absl::InternalError("libsodium failed to initialize");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, secret.data(), secret.size(), kOpsLimit, kMemLimit,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return absl::ResourceExhaustedError("not enough memory to hash the secret");
  }
  return std::string(out);
}

bool VerifySecret(absl::string_view hash, absl::string_view secret) {
  if (hash.empty() || !SodiumReady()) return false;
  std::string h(hash);  // must be NUL-terminated
  return crypto_pwhash_str_verify(h.c_str(), secret.data(), secret.size()) == 0;
}

std::string GenerateSipPassword() {
  return RandomFrom("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789", 20);
}

std::string GenerateSipUsername(absl::string_view prefix) {
  return absl::StrCat(prefix, RandomFrom("abcdefghijkmnpqrstuvwxyz23456789", 8));
}

std::string DigestHa1Md5(absl::string_view user, absl::string_view realm,
                         absl::string_view password) {
  return HexDigest(EVP_md5(), absl::StrCat(user, ":", realm, ":", password));
}

std::string DigestHa1Sha256(absl::string_view user, absl::string_view realm,
                            absl::string_view password) {
  return HexDigest(EVP_sha256(), absl::StrCat(user, ":", realm, ":", password));
}

std::string GenerateToken() {
  SodiumReady();
  unsigned char raw[32];
  randombytes_buf(raw, sizeof raw);
  char out[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(out, sizeof out, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return std::string(out);
}

std::string TokenHash(absl::string_view token) { return HexDigest(EVP_sha256(), token); }

}  // namespace sb::profiles
