#include "services/notifications/signing.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace sb::notifications {
namespace {

std::string HmacRaw(absl::string_view key, absl::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

bool ParseAction(absl::string_view s, LinkAction* a) {
  for (LinkAction c :
       {LinkAction::kDelete, LinkAction::kMarkRead, LinkAction::kMarkAllRead, LinkAction::kOpenMailbox}) {
    if (LinkActionName(c) == s) {
      *a = c;
      return true;
    }
  }
  return false;
}

}  // namespace

std::string HmacSha256Hex(absl::string_view key, absl::string_view data) {
  return absl::BytesToHexString(HmacRaw(key, data));
}

std::string Sha256Hex(absl::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(out), len));
}

std::string WebhookSignature(absl::string_view secret, absl::string_view body, absl::Time at) {
  std::string t = absl::StrCat(absl::ToUnixSeconds(at));
  return absl::StrCat("t=", t, ",v1=", HmacSha256Hex(secret, absl::StrCat(t, ".", body)));
}

absl::string_view LinkActionName(LinkAction a) {
  switch (a) {
    case LinkAction::kDelete:
      return "DELETE";
    case LinkAction::kMarkRead:
      return "MARK_READ";
    case LinkAction::kMarkAllRead:
      return "MARK_ALL_READ";
    case LinkAction::kOpenMailbox:
      return "OPEN_MAILBOX";
  }
  return "";
}

std::string SignLink(absl::string_view secret, const LinkClaims& c) {
  // Ids, languages and nonces never hold '|'.
  std::string claims =
      absl::StrCat("v2|", LinkActionName(c.action), "|", c.tenant_id, "|", c.user_id, "|", c.message_id, "|",
                   absl::ToUnixSeconds(c.expires_at), "|", c.language, "|", c.nonce);
  return absl::StrCat(absl::WebSafeBase64Escape(claims), ".",
                      absl::WebSafeBase64Escape(HmacRaw(secret, claims)));
}

absl::StatusOr<LinkClaims> VerifyLink(absl::string_view secret, absl::string_view token, absl::Time now) {
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  std::string claims, mac;
  if (parts.size() != 2 || !absl::WebSafeBase64Unescape(parts[0], &claims) ||
      !absl::WebSafeBase64Unescape(parts[1], &mac)) {
    return absl::InvalidArgumentError("token: not an action link");
  }
  const std::string expected = HmacRaw(secret, claims);
  if (mac.size() != expected.size() || CRYPTO_memcmp(mac.data(), expected.data(), mac.size()) != 0) {
    return absl::PermissionDeniedError("token: the link's signature is not valid");
  }
  std::vector<std::string> f = absl::StrSplit(claims, '|');
  LinkClaims out;
  int64_t exp = 0;
  const bool v1 = f.size() == 6 && f[0] == "v1", v2 = f.size() == 8 && f[0] == "v2";
  if (!(v1 || v2) || !ParseAction(f[1], &out.action) || !absl::SimpleAtoi(f[5], &exp)) {
    return absl::InvalidArgumentError("token: not an action link");
  }
  if (v2) {
    out.language = f[6];
    out.nonce = f[7];
  }
  out.tenant_id = f[2];
  out.user_id = f[3];
  out.message_id = f[4];
  out.expires_at = absl::FromUnixSeconds(exp);
  if (now >= out.expires_at) return absl::FailedPreconditionError("token: this link has expired");
  return out;
}

}  // namespace sb::notifications
