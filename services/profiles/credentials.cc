// Credentials: sign-in (A1), password and PIN changes under their policies
// (A3, A4), password reset by single-use link, security e-mail confirmation (A2).
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "core/status.h"
#include "services/profiles/credential_policy.h"
#include "services/profiles/profile_manager.h"
#include "services/profiles/secrets.h"

namespace sb::profiles {
namespace {
using core::InvalidField;

// Verifying against a real hash when the login is unknown keeps the answer
// time the same, so logins can't be discovered by timing.
const std::string& DecoyHash() {
  static const std::string* hash = new std::string(HashSecret("decoy-password-for-timing").value());
  return *hash;
}

bool IsSelf(const Principal& p, const pb::User& u) { return p.user_id == u.id(); }

}  // namespace

absl::StatusOr<pb::User> ProfileManager::Authenticate(const pb::AuthenticateRequest& req) {
  const std::string login(absl::StripAsciiWhitespace(req.login()));
  if (login.empty()) return InvalidField("login", "login is required");
  if (req.password().empty()) return InvalidField("password", "password is required");
  if (login.size() > 254 || req.password().size() > 256) {
    return absl::UnauthenticatedError("wrong login or password");
  }
  absl::StatusOr<LoginRecord> record = absl::NotFoundError("");
  if (login.find('@') != std::string::npos) {
    record = store_->FindLogin(absl::AsciiStrToLower(login), "");
  } else if (auto n = numbering_->Normalize(login, config_.default_country); n.ok()) {
    record = store_->FindLogin("", n->e164);
  }
  if (!record.ok()) {
    if (record.status().code() != absl::StatusCode::kNotFound) return record.status();
    VerifySecret(DecoyHash(), req.password());
    return absl::UnauthenticatedError("wrong login or password");
  }
  if (!VerifySecret(record->password_hash, req.password())) {
    return absl::UnauthenticatedError("wrong login or password");
  }
  SB_RETURN_IF_ERROR(store_->RecordSignIn(record->user.id(), clock_()));
  return std::move(record->user);
}

absl::Status ProfileManager::ChangePassword(const Principal& p, const pb::ChangePasswordRequest& req) {
  SB_ASSIGN_OR_RETURN(pb::User u, VisibleUser(p, req.user_id()));
  if (IsSelf(p, u)) {
    SB_ASSIGN_OR_RETURN(UserSecrets s, store_->GetSecrets(u.id()));
    if (!VerifySecret(s.password_hash, req.current_password())) {
      return InvalidField("current_password", "the current password is wrong");
    }
  }
  SB_RETURN_IF_ERROR(PasswordStatus(req.new_password(), AccountNumbers(u), "new_password"));
  SB_ASSIGN_OR_RETURN(std::string hash, HashSecret(req.new_password()));
  return store_->SetSecret(u.id(), SecretKind::kPassword, hash,
                           {Notice("security.password_changed", u, {u.security_email()})});
}

absl::Status ProfileManager::ChangePin(const Principal& p, SecretKind kind, const pb::ChangePinRequest& req) {
  SB_ASSIGN_OR_RETURN(pb::User u, VisibleUser(p, req.user_id()));
  SB_ASSIGN_OR_RETURN(UserSecrets s, store_->GetSecrets(u.id()));
  const std::string& current = kind == SecretKind::kVoicemailPin ? s.voicemail_pin_hash : s.call_pin_hash;
  // A PIN never set has nothing to confirm.
  if (IsSelf(p, u) && !current.empty() && !VerifySecret(current, req.current_pin())) {
    return InvalidField("current_pin", "the current PIN is wrong");
  }
  SB_RETURN_IF_ERROR(PinStatus(req.new_pin(), AccountNumbers(u), "new_pin"));
  SB_ASSIGN_OR_RETURN(std::string hash, HashSecret(req.new_pin()));
  const char* type = kind == SecretKind::kVoicemailPin ? "security.voicemail_pin_changed" : "security.call_pin_changed";
  return store_->SetSecret(u.id(), kind, hash, {Notice(type, u, {u.security_email()})});
}

absl::StatusOr<bool> ProfileManager::VerifyVoicemailPin(const Principal& p, const pb::VerifyPinRequest& req) {
  SB_ASSIGN_OR_RETURN(pb::User u, VisibleUser(p, req.user_id()));
  SB_ASSIGN_OR_RETURN(UserSecrets s, store_->GetSecrets(u.id()));
  return VerifySecret(s.voicemail_pin_hash, req.pin());
}

absl::Status ProfileManager::RequestPasswordReset(const pb::RequestPasswordResetRequest& req) {
  const std::string login(absl::StripAsciiWhitespace(req.login()));
  if (login.empty()) return InvalidField("login", "login is required");
  absl::StatusOr<LoginRecord> record = absl::NotFoundError("");
  if (login.find('@') != std::string::npos) {
    record = store_->FindLogin(absl::AsciiStrToLower(login), "");
  } else if (auto n = numbering_->Normalize(login, config_.default_country); n.ok()) {
    record = store_->FindLogin("", n->e164);
  }
  // The answer is the same whether the login exists or not.
  if (!record.ok()) {
    return record.status().code() == absl::StatusCode::kNotFound ? absl::OkStatus() : record.status();
  }
  const pb::User& u = record->user;
  if (u.security_email().empty()) return absl::OkStatus();  // nowhere to send the link
  std::string token = GenerateToken();
  absl::Time expires = clock_() + config_.reset_token_ttl;
  return store_->InsertToken(TokenHash(token), "password_reset", u.id(), "", expires,
                             {Notice("security.password_reset_requested", u, {u.security_email()}, token,
                                     expires, req.client_address())});
}

absl::Status ProfileManager::ResetPassword(const pb::ResetPasswordRequest& req) {
  if (req.token().empty()) return InvalidField("token", "token is required");
  // Check the policy before spending the token, so a weak choice can be retried.
  SB_ASSIGN_OR_RETURN(Store::ConsumedToken found, store_->FindToken(TokenHash(req.token()), "password_reset", clock_()));
  SB_ASSIGN_OR_RETURN(pb::User u, store_->GetUser(found.user_id));
  SB_RETURN_IF_ERROR(PasswordStatus(req.new_password(), AccountNumbers(u), "new_password"));
  SB_RETURN_IF_ERROR(store_->ConsumeToken(TokenHash(req.token()), "password_reset", clock_()).status());
  SB_ASSIGN_OR_RETURN(std::string hash, HashSecret(req.new_password()));
  return store_->SetSecret(u.id(), SecretKind::kPassword, hash,
                           {Notice("security.password_changed", u, {u.security_email()})});
}

absl::Status ProfileManager::ConfirmSecurityEmail(const std::string& token) {
  if (token.empty()) return InvalidField("token", "token is required");
  SB_ASSIGN_OR_RETURN(Store::ConsumedToken used, store_->ConsumeToken(TokenHash(token), "confirm_email", clock_()));
  SB_ASSIGN_OR_RETURN(pb::User u, store_->GetUser(used.user_id));
  if (u.security_email() != used.value) {
    return absl::FailedPreconditionError("the security e-mail changed since this link was sent");
  }
  u.set_security_email_confirmed(true);
  SB_ASSIGN_OR_RETURN(auto saved, store_->UpdateUser(u, {Changed("profile.user_updated", u.tenant_id(), u.id())}));
  (void)saved;
  return absl::OkStatus();
}

}  // namespace sb::profiles
