#include "services/gateway/sessions.h"

#include <openssl/evp.h>
#include <sodium.h>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace sb::gateway {
namespace {

std::string Key(const std::string& token) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(token.data(), token.size(), digest, &len, EVP_sha256(), nullptr);
  return absl::StrCat("sb:session:", absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(digest), len)));
}

std::string Encode(const Session& s) {
  return absl::StrCat(core::PrincipalRoleName(s.principal.role), "|", s.principal.user_id, "|", s.principal.tenant_id,
                      "|", s.security_email_required ? 1 : 0, "|", absl::ToUnixSeconds(s.expires_at));
}

std::optional<Session> Decode(const std::string& value) {
  std::vector<std::string> p = absl::StrSplit(value, '|');
  if (p.size() != 5) return std::nullopt;
  Session s;
  if (p[0] == "USER") s.principal.role = core::PrincipalRole::kUser;
  else if (p[0] == "ADMIN") s.principal.role = core::PrincipalRole::kAdmin;
  else if (p[0] == "OPERATOR") s.principal.role = core::PrincipalRole::kOperator;
  else return std::nullopt;
  s.principal.user_id = p[1];
  s.principal.tenant_id = p[2];
  s.security_email_required = p[3] == "1";
  int64_t expires = 0;
  if (!absl::SimpleAtoi(p[4], &expires)) return std::nullopt;
  s.expires_at = absl::FromUnixSeconds(expires);
  return s;
}

std::string NewToken() {
  unsigned char raw[32];
  randombytes_buf(raw, sizeof raw);
  char out[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(out, sizeof out, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return out;
}

}  // namespace

absl::StatusOr<std::string> SessionStore::Create(Session session, absl::Duration ttl) {
  if (sodium_init() < 0) return absl::InternalError("libsodium failed to initialize");
  std::string token = NewToken();
  session.expires_at = clock_() + ttl;
  auto st = redis_->Set(Key(token), Encode(session), {.ttl = ttl});
  if (!st.ok()) return st.status();
  return token;
}

absl::StatusOr<std::optional<Session>> SessionStore::Find(const std::string& token) {
  if (token.empty() || token.size() > 128) return std::nullopt;
  auto value = redis_->Get(Key(token));
  if (!value.ok()) return value.status();
  if (!value->has_value()) return std::nullopt;
  auto s = Decode(**value);
  if (!s || s->expires_at <= clock_()) return std::nullopt;
  return s;
}

absl::Status SessionStore::Update(const std::string& token, const Session& session) {
  auto st = redis_->Command({"SET", Key(token), Encode(session), "KEEPTTL", "XX"});
  return st.status();
}

absl::Status SessionStore::Delete(const std::string& token) { return redis_->Del(Key(token)).status(); }

}  // namespace sb::gateway
