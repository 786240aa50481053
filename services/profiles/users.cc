// Users: profile fields (A5), roles, licences (A7), photos; and who may see whom.
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/status.h"
#include "services/profiles/credential_policy.h"
#include "services/profiles/profile_manager.h"
#include "services/profiles/secrets.h"
#include "services/profiles/validation.h"
#include "switchboard/events/v1/events.pb.h"

namespace sb::profiles {
namespace {

using core::InvalidField;
using core::PrincipalRole;

absl::Status ValidateProfile(const pb::User& u) {
  SB_RETURN_IF_ERROR(CheckText("first_name", u.first_name(), 50));
  SB_RETURN_IF_ERROR(CheckText("last_name", u.last_name(), 50));
  if (u.first_name().empty() && u.last_name().empty()) {
    return InvalidField("last_name", "a first or last name is required");
  }
  SB_RETURN_IF_ERROR(CheckEmail("email", u.email()));
  SB_RETURN_IF_ERROR(CheckEmail("security_email", u.security_email()));
  SB_RETURN_IF_ERROR(CheckLanguage("language", u.language()));
  SB_RETURN_IF_ERROR(CheckTimezone("timezone", u.timezone()));
  SB_RETURN_IF_ERROR(CheckText("department", u.department(), 100));
  SB_RETURN_IF_ERROR(CheckText("title", u.title(), 100));
  SB_RETURN_IF_ERROR(CheckText("user_code", u.user_code(), 64));
  SB_RETURN_IF_ERROR(CheckText("outgoing_cli", u.outgoing_cli(), 32));
  if (u.decline_reasons_size() > 20) return InvalidField("decline_reasons", "at most 20 decline reasons");
  for (const auto& r : u.decline_reasons()) {
    SB_RETURN_IF_ERROR(CheckText("decline_reasons", r, 100, /*required=*/true));
  }
  if (u.working_hours_size() > 14) return InvalidField("working_hours", "at most two periods a day");
  for (const auto& h : u.working_hours()) {
    auto hhmm = [](const std::string& s) {
      return s.size() == 5 && s[2] == ':' && absl::ascii_isdigit(s[0]) && absl::ascii_isdigit(s[1]) &&
             absl::ascii_isdigit(s[3]) && absl::ascii_isdigit(s[4]) && (s[0] - '0') * 10 + (s[1] - '0') < 24 &&
             (s[3] - '0') * 10 + (s[4] - '0') < 60;
    };
    if (h.day() < 1 || h.day() > 7) return InvalidField("working_hours.day", "day must be 1 (Monday) to 7 (Sunday)");
    if (!hhmm(h.start()) || !hhmm(h.end()) || h.start() >= h.end()) {
      return InvalidField("working_hours", "start and end must be HH:MM with start before end");
    }
  }
  return absl::OkStatus();
}

absl::Status ConflictField(absl::Status st) {
  if (st.code() != absl::StatusCode::kAlreadyExists) return st;
  std::string msg(st.message());
  if (absl::StrContains(msg, "users_email")) {
    return core::WithField(absl::AlreadyExistsError("this e-mail is already used by another account"), "email");
  }
  if (absl::StrContains(msg, "lines_number")) {
    return core::WithField(absl::AlreadyExistsError("this number is already assigned"), "number");
  }
  if (absl::StrContains(msg, "lines_extension")) {
    return core::WithField(absl::AlreadyExistsError("this extension is already used in the tenant"),
                           "extension");
  }
  if (absl::StrContains(msg, "devices_mac")) {
    return core::WithField(absl::AlreadyExistsError("a phone with this MAC address already exists"), "mac");
  }
  return st;
}

}  // namespace

absl::Status ProfileConflict(absl::Status st) { return ConflictField(std::move(st)); }

OutboxEvent ProfileManager::Notice(const std::string& type, const pb::User& user, std::vector<std::string> to,
                                   const std::string& token, absl::Time expires,
                                   const std::string& client_address) {
  ::switchboard::events::v1::SecurityNotice n;
  n.set_tenant_id(user.tenant_id());
  n.set_user_id(user.id());
  n.set_language(user.language());
  n.set_display_name(absl::StrCat(user.first_name(), user.first_name().empty() ? "" : " ", user.last_name()));
  for (auto& a : to) {
    if (!a.empty()) n.add_to(a);
  }
  n.set_reset_token(token);
  if (expires != absl::InfinitePast()) n.mutable_expires_at()->set_seconds(absl::ToUnixSeconds(expires));
  n.set_client_address(client_address);
  return OutboxEvent{"security", type, user.tenant_id(), n.SerializeAsString()};
}

OutboxEvent ProfileManager::Changed(const std::string& type, const std::string& tenant_id,
                                    const std::string& user_id, const pb::Line* line, const pb::Device* device) {
  ::switchboard::events::v1::ProfileChanged c;
  c.set_tenant_id(tenant_id);
  c.set_user_id(user_id);
  if (line) {
    c.set_line_id(line->id());
    c.set_number_e164(line->number_e164());
    c.set_extension(line->extension());
  }
  if (device) {
    c.set_device_id(device->id());
    c.set_sip_username(device->sip_username());
  }
  return OutboxEvent{"profile", type, tenant_id, c.SerializeAsString()};
}

std::vector<std::string> ProfileManager::AccountNumbers(const pb::User& user) {
  std::vector<std::string> out;
  for (const auto& l : user.lines()) {
    if (!l.number().empty()) out.push_back(l.number());
    if (!l.number_e164().empty()) out.push_back(l.number_e164().substr(1));
    if (!l.extension().empty()) out.push_back(l.extension());
  }
  if (user.lines_size() == 0) {
    if (!user.number().empty()) out.push_back(user.number());
    if (!user.number_e164().empty()) out.push_back(user.number_e164().substr(1));
    if (!user.extension().empty()) out.push_back(user.extension());
  }
  return out;
}

absl::StatusOr<pb::User> ProfileManager::VisibleUser(const Principal& p, const std::string& user_id) {
  const std::string& id = user_id == "me" ? p.user_id : user_id;
  SB_ASSIGN_OR_RETURN(pb::User u, store_->GetUser(id));
  if (p.IsPlatformWide() || u.id() == p.user_id) return u;
  if (p.role == PrincipalRole::kAdmin && u.tenant_id() == p.tenant_id) return u;
  return absl::NotFoundError("user not found");
}

absl::StatusOr<pb::User> ProfileManager::CreateUser(const Principal& p, const std::string& tenant_id, pb::User u) {
  u.clear_id();
  if (u.role() == pb::ROLE_UNSPECIFIED) u.set_role(pb::USER);
  if (u.role() == pb::OPERATOR) {
    if (!p.IsPlatformWide()) return absl::PermissionDeniedError("only an operator creates operators");
    if (!tenant_id.empty()) return InvalidField("role", "an operator belongs to no tenant");
  } else if (!p.CanManageTenant(tenant_id)) {
    return p.CanSeeTenant(tenant_id) ? absl::PermissionDeniedError("only an admin creates users")
                                     : absl::NotFoundError("tenant not found");
  }
  pb::Tenant tenant;
  if (!tenant_id.empty()) {
    SB_ASSIGN_OR_RETURN(tenant, store_->GetTenant(tenant_id));
  }
  u.set_tenant_id(tenant_id);
  u.set_email(absl::AsciiStrToLower(u.email()));
  u.set_security_email(absl::AsciiStrToLower(u.security_email()));
  if (u.language().empty()) u.set_language(tenant.country() == "FR" || tenant.country() == "BE" ? "fr" : "en");
  SB_RETURN_IF_ERROR(ValidateProfile(u));
  if (u.role() == pb::OPERATOR && u.email().empty()) return InvalidField("email", "an operator signs in with an e-mail");

  std::optional<pb::Line> line;
  if (!u.number().empty() || !u.extension().empty()) {
    if (u.role() == pb::OPERATOR) return InvalidField("number", "an operator has no line");
    pb::Line l;
    l.set_tenant_id(tenant_id);
    l.set_number(u.number());
    l.set_extension(u.extension());
    l.set_kind(pb::OFFICE);
    SB_RETURN_IF_ERROR(NormalizeLine(tenant, &l, ""));
    u.set_number(l.number());
    u.set_number_e164(l.number_e164());
    u.set_extension(l.extension());
    line = l;
  }
  absl::flat_hash_set<std::string> offered(tenant.offered_licences().begin(), tenant.offered_licences().end());
  for (const auto& l : u.licences()) {
    if (!offered.contains(l)) return InvalidField("licences", absl::StrCat("licence '", l, "' is not offered to this tenant"));
  }
  if (u.password().empty()) return InvalidField("password", "password is required");
  SB_RETURN_IF_ERROR(PasswordStatus(u.password(), AccountNumbers(u), "password"));
  SB_ASSIGN_OR_RETURN(std::string hash, HashSecret(u.password()));
  u.clear_password();
  u.set_security_email_confirmed(false);
  Events events = {Changed("profile.user_created", tenant_id, "", line ? &*line : nullptr)};
  auto out = store_->InsertUser(u, hash, line, events);
  if (!out.ok()) return ConflictField(out.status());
  return out;
}

absl::StatusOr<pb::User> ProfileManager::GetUser(const Principal& p, const std::string& id) {
  return VisibleUser(p, id);
}

absl::StatusOr<pb::ListUsersResponse> ProfileManager::ListUsers(const Principal& p, const pb::ListUsersRequest& req) {
  std::string tenant_id = req.tenant_id().empty() ? p.tenant_id : req.tenant_id();
  if (!p.CanManageTenant(tenant_id)) {
    if (!p.CanSeeTenant(tenant_id)) return absl::NotFoundError("tenant not found");
    return absl::PermissionDeniedError("only an admin lists the tenant's users (see the directory)");
  }
  Page page = PageOf(req.page_size(), req.page_token());
  SB_ASSIGN_OR_RETURN(auto items, store_->ListUsers(tenant_id, page));
  pb::ListUsersResponse out;
  out.set_next_page_token(NextToken(&items, page));
  for (auto& u : items) *out.add_items() = std::move(u);
  return out;
}

absl::StatusOr<pb::User> ProfileManager::UpdateUser(const Principal& p, const pb::UpdateUserRequest& req) {
  SB_ASSIGN_OR_RETURN(pb::User u, VisibleUser(p, req.user().id().empty() ? "me" : req.user().id()));
  if (req.update_mask().paths_size() == 0) return InvalidField("update_mask", "nothing to update");
  const bool admin = p.IsPlatformWide() || (p.role == PrincipalRole::kAdmin && u.tenant_id() == p.tenant_id);
  const pb::User& in = req.user();
  const std::string old_security_email = u.security_email();
  pb::Tenant tenant;
  if (!u.tenant_id().empty()) {
    SB_ASSIGN_OR_RETURN(tenant, store_->GetTenant(u.tenant_id()));
  }
  for (const auto& path : req.update_mask().paths()) {
    if (path == "first_name") u.set_first_name(in.first_name());
    else if (path == "last_name") u.set_last_name(in.last_name());
    else if (path == "email") u.set_email(absl::AsciiStrToLower(in.email()));
    else if (path == "security_email") u.set_security_email(absl::AsciiStrToLower(in.security_email()));
    else if (path == "language") u.set_language(in.language());
    else if (path == "timezone") u.set_timezone(in.timezone());
    else if (path == "department") u.set_department(in.department());
    else if (path == "title") u.set_title(in.title());
    else if (path == "decline_reasons") *u.mutable_decline_reasons() = in.decline_reasons();
    else if (path == "working_hours") *u.mutable_working_hours() = in.working_hours();
    else if (path == "user_code" || path == "outgoing_cli" || path == "role" || path == "licences") {
      if (!admin) return core::WithField(absl::PermissionDeniedError(absl::StrCat("only an admin changes ", path)), path);
      if (path == "user_code") u.set_user_code(in.user_code());
      if (path == "outgoing_cli") u.set_outgoing_cli(in.outgoing_cli());
      if (path == "role") {
        if (in.role() == pb::OPERATOR || in.role() == pb::ROLE_UNSPECIFIED || u.role() == pb::OPERATOR) {
          return InvalidField("role", "role must be USER or ADMIN");
        }
        u.set_role(in.role());
      }
      if (path == "licences") {
        absl::flat_hash_set<std::string> offered(tenant.offered_licences().begin(), tenant.offered_licences().end());
        for (const auto& l : in.licences()) {
          if (!offered.contains(l)) return InvalidField("licences", absl::StrCat("licence '", l, "' is not offered to this tenant"));
        }
        *u.mutable_licences() = in.licences();
      }
    } else if (path == "number" || path == "extension" || path == "number_e164" || path == "lines") {
      return InvalidField(path, "numbers and extensions change through the user's lines");
    } else if (path == "password") {
      return InvalidField(path, "the password changes through POST /v1/users/{user_id}/password");
    } else {
      return InvalidField(path, absl::StrCat("field '", path, "' can't be changed"));
    }
  }
  SB_RETURN_IF_ERROR(ValidateProfile(u));
  if (u.security_email().empty() && !old_security_email.empty()) {
    return InvalidField("security_email", "the security e-mail can be changed but not removed");
  }
  Events events = {Changed("profile.user_updated", u.tenant_id(), u.id())};
  if (u.security_email() != old_security_email) {
    u.set_security_email_confirmed(false);
    // A2/F4: both addresses hear of the change; the new one gets a confirmation link.
    events.push_back(Notice("security.security_email_changed", u, {old_security_email, u.security_email()}));
    std::string token = GenerateToken();
    absl::Time expires = clock_() + config_.confirm_token_ttl;
    SB_RETURN_IF_ERROR(store_->InsertToken(TokenHash(token), "confirm_email", u.id(), u.security_email(), expires,
                                           {Notice("security.security_email_confirmation", u,
                                                   {u.security_email()}, token, expires)}));
  }
  auto out = store_->UpdateUser(u, events);
  if (!out.ok()) return ConflictField(out.status());
  return out;
}

absl::Status ProfileManager::DeleteUser(const Principal& p, const std::string& id) {
  SB_ASSIGN_OR_RETURN(pb::User u, VisibleUser(p, id));
  if (!(p.IsPlatformWide() || (p.role == PrincipalRole::kAdmin && u.tenant_id() == p.tenant_id))) {
    return absl::PermissionDeniedError("only an admin deletes users");
  }
  if (u.id() == p.user_id) return absl::FailedPreconditionError("you can't delete your own account");
  return store_->DeleteUser(u.id(), {Changed("profile.user_deleted", u.tenant_id(), u.id())});
}

absl::Status ProfileManager::SetPhoto(const Principal& p, const pb::SetPhotoRequest& req) {
  SB_ASSIGN_OR_RETURN(pb::User u, VisibleUser(p, req.user_id()));
  const std::string& data = req.data();
  if (data.empty()) return InvalidField("photo", "the photo is empty");
  if (data.size() > config_.max_photo_bytes) {
    return core::WithField(absl::OutOfRangeError(absl::StrCat("the photo is larger than ",
                                                              config_.max_photo_bytes >> 20, " MiB")),
                           "photo");
  }
  // Trust the bytes, not the declared type: the signature must match.
  auto starts = [&](absl::string_view magic) { return absl::StartsWith(data, magic); };
  std::string detected;
  if (starts("\xFF\xD8\xFF")) detected = "image/jpeg";
  else if (starts("\x89PNG\r\n\x1a\n")) detected = "image/png";
  else if (starts("GIF87a") || starts("GIF89a")) detected = "image/gif";
  if (detected.empty()) return InvalidField("photo", "the photo must be a JPEG, PNG or GIF image");
  if (!req.content_type().empty() && req.content_type() != detected) {
    return InvalidField("content_type", absl::StrCat("the file is ", detected, ", not ", req.content_type()));
  }
  return store_->SetPhoto(u.id(), detected, data);
}

absl::StatusOr<pb::Photo> ProfileManager::GetPhoto(const Principal& p, const std::string& user_id) {
  // Colleagues see each other's photos, as in a company directory.
  const std::string& id = user_id == "me" ? p.user_id : user_id;
  SB_ASSIGN_OR_RETURN(pb::User u, store_->GetUser(id));
  if (!p.CanSeeTenant(u.tenant_id())) return absl::NotFoundError("photo not found");
  return store_->GetPhoto(u.id());
}

absl::Status ProfileManager::DeletePhoto(const Principal& p, const std::string& user_id) {
  SB_ASSIGN_OR_RETURN(pb::User u, VisibleUser(p, user_id));
  return store_->SetPhoto(u.id(), "", "");
}

}  // namespace sb::profiles
