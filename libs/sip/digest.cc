#include "sip/digest.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstring>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace sb::sip {
namespace {

constexpr size_t kNonceBody = 16;  // issued_at (8) + random (8)
constexpr size_t kNonceMac = 16;

std::string Hex(const unsigned char* data, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0xf];
  }
  return out;
}

// "\"a\\\"b\"" → "a\"b"; unquoted tokens are returned as they are.
std::string Unquote(absl::string_view v) {
  v = absl::StripAsciiWhitespace(v);
  if (v.size() < 2 || v.front() != '"' || v.back() != '"') return std::string(v);
  v = v.substr(1, v.size() - 2);
  std::string out;
  out.reserve(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 1 < v.size()) ++i;
    out.push_back(v[i]);
  }
  return out;
}

bool IsHex(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

size_t HexLength(DigestAlgorithm algorithm) { return algorithm == DigestAlgorithm::kMd5 ? 32 : 64; }

// OpenSSL 3 looks an algorithm up in its provider store (under a lock) each
// time EVP_md5() & co. are used; fetching once keeps that off the hot path.
const EVP_MD* FetchedMd(DigestAlgorithm algorithm) {
  static const EVP_MD* const md5 = EVP_MD_fetch(nullptr, "MD5", nullptr);
  static const EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  const EVP_MD* md = algorithm == DigestAlgorithm::kMd5 ? md5 : sha256;
  if (md == nullptr) std::abort();  // the default provider is part of libcrypto
  return md;
}

}  // namespace

absl::string_view DigestAlgorithmName(DigestAlgorithm algorithm) {
  return algorithm == DigestAlgorithm::kMd5 ? "MD5" : "SHA-256";
}

std::optional<DigestAlgorithm> ParseDigestAlgorithm(absl::string_view name) {
  name = absl::StripAsciiWhitespace(name);
  if (name.empty() || absl::EqualsIgnoreCase(name, "MD5")) return DigestAlgorithm::kMd5;
  if (absl::EqualsIgnoreCase(name, "SHA-256")) return DigestAlgorithm::kSha256;
  return std::nullopt;
}

absl::StatusOr<std::vector<DigestAlgorithm>> ParseDigestAlgorithmList(absl::string_view list) {
  std::vector<DigestAlgorithm> out;
  for (absl::string_view item : absl::StrSplit(list, ',', absl::SkipWhitespace())) {
    item = absl::StripAsciiWhitespace(item);
    auto algorithm = ParseDigestAlgorithm(item);
    if (item.empty() || !algorithm) {
      return absl::InvalidArgumentError(
          absl::StrCat("digest algorithm \"", item, "\" is not supported (use MD5 and/or SHA-256)"));
    }
    out.push_back(*algorithm);
  }
  if (out.empty()) return absl::InvalidArgumentError("offer at least one digest algorithm");
  return out;
}

std::string DigestHex(DigestAlgorithm algorithm, absl::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), digest, &n, FetchedMd(algorithm), nullptr);
  return Hex(digest, n);
}

std::string DigestHa1(DigestAlgorithm algorithm, absl::string_view username, absl::string_view realm,
                      absl::string_view password) {
  return DigestHex(algorithm, absl::StrCat(username, ":", realm, ":", password));
}

absl::StatusOr<DigestCredentials> ParseDigestCredentials(absl::string_view scheme,
                                                         const std::vector<std::string>& params) {
  if (!absl::EqualsIgnoreCase(scheme, "Digest")) {
    return absl::InvalidArgumentError(absl::StrCat("authorization scheme \"", scheme, "\" is not Digest"));
  }
  DigestCredentials c;
  for (const std::string& param : params) {
    const size_t eq = param.find('=');
    if (eq == std::string::npos) continue;  // a lone token: not a digest parameter
    const std::string name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(param.substr(0, eq)));
    std::string value = Unquote(absl::string_view(param).substr(eq + 1));
    if (name == "username")
      c.username = std::move(value);
    else if (name == "realm")
      c.realm = std::move(value);
    else if (name == "nonce")
      c.nonce = std::move(value);
    else if (name == "uri")
      c.uri = std::move(value);
    else if (name == "response")
      c.response = absl::AsciiStrToLower(value);
    else if (name == "algorithm")
      c.algorithm = std::move(value);
    else if (name == "cnonce")
      c.cnonce = std::move(value);
    else if (name == "qop")
      c.qop = absl::AsciiStrToLower(value);
    else if (name == "nc")
      c.nc = absl::AsciiStrToLower(value);
    else if (name == "opaque")
      c.opaque = std::move(value);
  }
  for (const auto& [field, value] : {std::pair<const char*, const std::string*>{"username", &c.username},
                                     {"realm", &c.realm},
                                     {"nonce", &c.nonce},
                                     {"uri", &c.uri},
                                     {"response", &c.response}}) {
    if (value->empty()) return absl::InvalidArgumentError(absl::StrCat("digest ", field, " is missing"));
  }
  auto algorithm = ParseDigestAlgorithm(c.algorithm);
  if (!algorithm) {
    return absl::InvalidArgumentError(
        absl::StrCat("digest algorithm \"", c.algorithm, "\" is not supported"));
  }
  if (c.response.size() != HexLength(*algorithm) || !IsHex(c.response)) {
    return absl::InvalidArgumentError("digest response is not a hash of the algorithm");
  }
  if (!c.qop.empty()) {
    if (c.qop != "auth")
      return absl::InvalidArgumentError(absl::StrCat("digest qop \"", c.qop, "\" is not offered"));
    if (c.cnonce.empty()) return absl::InvalidArgumentError("digest cnonce is missing");
    if (c.nc.size() != 8 || !IsHex(c.nc)) return absl::InvalidArgumentError("digest nc must be 8 hex digits");
  }
  return c;
}

std::string ExpectedDigestResponse(DigestAlgorithm algorithm, absl::string_view ha1, absl::string_view method,
                                   const DigestCredentials& c) {
  const std::string ha2 = DigestHex(algorithm, absl::StrCat(method, ":", c.uri));
  if (c.qop.empty()) return DigestHex(algorithm, absl::StrCat(ha1, ":", c.nonce, ":", ha2));
  return DigestHex(algorithm,
                   absl::StrCat(ha1, ":", c.nonce, ":", c.nc, ":", c.cnonce, ":", c.qop, ":", ha2));
}

bool DigestResponseMatches(DigestAlgorithm algorithm, absl::string_view ha1, absl::string_view method,
                           const DigestCredentials& credentials) {
  const std::string expected = ExpectedDigestResponse(algorithm, ha1, method, credentials);
  return expected.size() == credentials.response.size() &&
         CRYPTO_memcmp(expected.data(), credentials.response.data(), expected.size()) == 0;
}

std::string ChallengeHeaderValue(const DigestChallenge& challenge) {
  // Realm and nonce are ours (a host name, base64url): nothing to escape.
  return absl::StrCat("Digest realm=\"", challenge.realm, "\", nonce=\"", challenge.nonce,
                      "\", algorithm=", DigestAlgorithmName(challenge.algorithm), ", qop=\"auth\"",
                      challenge.stale ? ", stale=true" : "");
}

struct HmacSha256::State {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~State() { EVP_MD_CTX_free(ctx); }
};

namespace {
// A scratch hash context per thread, reused for every MAC.
EVP_MD_CTX* ScratchContext() {
  struct Holder {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Holder() { EVP_MD_CTX_free(ctx); }
  };
  thread_local Holder holder;
  return holder.ctx;
}
}  // namespace

HmacSha256::HmacSha256(absl::string_view key) : inner_(new State), outer_(new State) {
  constexpr size_t kBlock = 64;
  std::string k(key);
  const EVP_MD* sha256 = FetchedMd(DigestAlgorithm::kSha256);
  if (k.size() > kBlock) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(k.data(), k.size(), digest, &n, sha256, nullptr);
    k.assign(reinterpret_cast<const char*>(digest), n);
  }
  k.resize(kBlock, '\0');
  std::string ipad(kBlock, '\0'), opad(kBlock, '\0');
  for (size_t i = 0; i < kBlock; ++i) {
    ipad[i] = static_cast<char>(k[i] ^ 0x36);
    opad[i] = static_cast<char>(k[i] ^ 0x5c);
  }
  EVP_DigestInit_ex(inner_->ctx, sha256, nullptr);
  EVP_DigestUpdate(inner_->ctx, ipad.data(), ipad.size());
  EVP_DigestInit_ex(outer_->ctx, sha256, nullptr);
  EVP_DigestUpdate(outer_->ctx, opad.data(), opad.size());
}

HmacSha256::~HmacSha256() {
  delete inner_;
  delete outer_;
}

std::string HmacSha256::Compute(absl::string_view data) const {
  EVP_MD_CTX* ctx = ScratchContext();
  unsigned char inner[EVP_MAX_MD_SIZE], mac[EVP_MAX_MD_SIZE];
  unsigned int n = 0, m = 0;
  EVP_MD_CTX_copy_ex(ctx, inner_->ctx);
  EVP_DigestUpdate(ctx, data.data(), data.size());
  EVP_DigestFinal_ex(ctx, inner, &n);
  EVP_MD_CTX_copy_ex(ctx, outer_->ctx);
  EVP_DigestUpdate(ctx, inner, n);
  EVP_DigestFinal_ex(ctx, mac, &m);
  return std::string(reinterpret_cast<const char*>(mac), m);
}

NonceCodec::NonceCodec(std::string key, absl::Duration ttl, Clock clock)
    : mac_(key), ttl_(ttl), clock_(clock ? std::move(clock) : Clock([] { return absl::Now(); })) {}

std::string NonceCodec::Mac(absl::string_view body, absl::string_view realm) const {
  return mac_.Compute(absl::StrCat(body, absl::AsciiStrToLower(realm))).substr(0, kNonceMac);
}

std::string NonceCodec::Issue(absl::string_view realm) const {
  std::string body(kNonceBody, '\0');
  const uint64_t issued_ms = static_cast<uint64_t>(absl::ToUnixMillis(clock_()));
  for (int i = 0; i < 8; ++i) body[i] = static_cast<char>(issued_ms >> (56 - 8 * i));
  // Uniqueness is all the random part needs (the MAC makes it unforgeable):
  // a per-thread generator, seeded by the OS, instead of the CSPRNG's lock.
  thread_local absl::BitGen gen;
  const uint64_t random = absl::Uniform<uint64_t>(gen);
  std::memcpy(body.data() + 8, &random, 8);
  return absl::WebSafeBase64Escape(body + Mac(body, realm));
}

NonceCodec::Verdict NonceCodec::Check(absl::string_view nonce, absl::string_view realm) const {
  std::string raw;
  if (nonce.size() > 64 || !absl::WebSafeBase64Unescape(nonce, &raw) ||
      raw.size() != kNonceBody + kNonceMac) {
    return Verdict::kForged;
  }
  const absl::string_view body = absl::string_view(raw).substr(0, kNonceBody);
  const std::string expected = Mac(body, realm);
  if (CRYPTO_memcmp(expected.data(), raw.data() + kNonceBody, kNonceMac) != 0) return Verdict::kForged;
  uint64_t issued_ms = 0;
  for (int i = 0; i < 8; ++i) issued_ms = (issued_ms << 8) | static_cast<unsigned char>(raw[i]);
  const absl::Time issued = absl::FromUnixMillis(static_cast<int64_t>(issued_ms));
  const absl::Time now = clock_();
  if (issued > now + absl::Seconds(5)) return Verdict::kForged;  // clocks of edge copies drift a little
  return now - issued > ttl_ ? Verdict::kStale : Verdict::kValid;
}

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    // The CSPRNG failing is a broken invariant of the host, not input.
    std::abort();
  }
  return out;
}

}  // namespace sb::sip
