#pragma once
// The profiles domain: who may do what to tenants, users, lines, devices,
// credentials and contacts, and what makes a value valid. It talks to the
// database only through Store; the gRPC server only converts to and from it.
// Methods are split by concern across tenants.cc, users.cc, credentials.cc,
// lines.cc, devices.cc and contacts.cc.
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/principal.h"
#include "numbering/numbering.h"
#include "services/profiles/store.h"

namespace sb::profiles {

using core::Principal;

struct ProfilesConfig {
  // Where phones send SIP, shown with a device's credentials.
  std::string sip_proxy = "127.0.0.1:5060";
  absl::Duration reset_token_ttl = absl::Hours(1);
  absl::Duration confirm_token_ttl = absl::Hours(48);
  size_t max_photo_bytes = 2 << 20;
  // The country in which a sign-in number without a country code is read.
  std::string default_country = "FR";
  // Licences the platform knows (A7); a tenant offers a subset.
  std::vector<std::string> known_licences = {"VOICEMAIL",        "FAX",        "CONFERENCING",
                                             "FIND_ME_FOLLOW_ME", "RECORDING", "HUNT_GROUP",
                                             "CALL_PARK",         "MOBILE",    "EXECUTIVE",
                                             "CLICK_TO_CALL",     "RECEPTIONIST"};
};

class ProfileManager {
 public:
  ProfileManager(ProfilesConfig config, Store* store, const numbering::Numbering* numbering,
                 std::function<absl::Time()> clock = absl::Now)
      : config_(std::move(config)), store_(store), numbering_(numbering), clock_(std::move(clock)) {}

  // Tenants (operators).
  absl::StatusOr<pb::Tenant> CreateTenant(const Principal& p, pb::Tenant tenant);
  absl::StatusOr<pb::Tenant> GetTenant(const Principal& p, const std::string& id);
  absl::StatusOr<pb::ListTenantsResponse> ListTenants(const Principal& p, const pb::ListTenantsRequest& req);
  absl::StatusOr<pb::Tenant> UpdateTenant(const Principal& p, const pb::UpdateTenantRequest& req);
  absl::Status DeleteTenant(const Principal& p, const std::string& id);

  // Users.
  absl::StatusOr<pb::User> CreateUser(const Principal& p, const std::string& tenant_id, pb::User user);
  absl::StatusOr<pb::User> GetUser(const Principal& p, const std::string& id);
  absl::StatusOr<pb::ListUsersResponse> ListUsers(const Principal& p, const pb::ListUsersRequest& req);
  absl::StatusOr<pb::User> UpdateUser(const Principal& p, const pb::UpdateUserRequest& req);
  absl::Status DeleteUser(const Principal& p, const std::string& id);
  absl::Status SetPhoto(const Principal& p, const pb::SetPhotoRequest& req);
  absl::StatusOr<pb::Photo> GetPhoto(const Principal& p, const std::string& user_id);
  absl::Status DeletePhoto(const Principal& p, const std::string& user_id);

  // Credentials.
  absl::StatusOr<pb::User> Authenticate(const pb::AuthenticateRequest& req);
  absl::Status ChangePassword(const Principal& p, const pb::ChangePasswordRequest& req);
  absl::Status ChangePin(const Principal& p, SecretKind kind, const pb::ChangePinRequest& req);
  absl::StatusOr<bool> VerifyVoicemailPin(const Principal& p, const pb::VerifyPinRequest& req);
  absl::Status RequestPasswordReset(const pb::RequestPasswordResetRequest& req);
  absl::Status ResetPassword(const pb::ResetPasswordRequest& req);
  absl::Status ConfirmSecurityEmail(const std::string& token);

  // Lines (extensions and numbers).
  absl::StatusOr<pb::Line> CreateLine(const Principal& p, const std::string& tenant_id, pb::Line line);
  absl::StatusOr<pb::Line> GetLine(const Principal& p, const std::string& id);
  absl::StatusOr<pb::ListLinesResponse> ListLines(const Principal& p, const pb::ListLinesRequest& req);
  absl::StatusOr<pb::Line> UpdateLine(const Principal& p, const pb::UpdateLineRequest& req);
  absl::Status DeleteLine(const Principal& p, const std::string& id);
  absl::StatusOr<pb::ResolveLineResponse> ResolveLine(const Principal& p, const pb::ResolveLineRequest& req);

  // Devices.
  absl::StatusOr<pb::Device> CreateDevice(const Principal& p, const std::string& user_id, pb::Device device);
  absl::StatusOr<pb::Device> GetDevice(const Principal& p, const std::string& user_id, const std::string& id);
  absl::StatusOr<pb::ListDevicesResponse> ListDevices(const Principal& p, const pb::ListDevicesRequest& req);
  absl::StatusOr<pb::Device> UpdateDevice(const Principal& p, const pb::UpdateDeviceRequest& req);
  absl::Status DeleteDevice(const Principal& p, const std::string& user_id, const std::string& id);
  absl::StatusOr<pb::Device> ResetDevicePassword(const Principal& p, const std::string& user_id,
                                                 const std::string& id);
  absl::StatusOr<pb::SipCredentials> GetSipCredentials(const Principal& p,
                                                       const pb::GetSipCredentialsRequest& req);

  // Contacts, groups, directory, speed dials.
  absl::StatusOr<pb::Contact> CreateContact(const Principal& p, const std::string& user_id, pb::Contact c);
  absl::StatusOr<pb::Contact> GetContact(const Principal& p, const std::string& user_id, const std::string& id);
  absl::StatusOr<pb::ListContactsResponse> ListContacts(const Principal& p, const pb::ListContactsRequest& req);
  absl::StatusOr<pb::Contact> UpdateContact(const Principal& p, const pb::UpdateContactRequest& req);
  absl::Status DeleteContact(const Principal& p, const std::string& user_id, const std::string& id);
  absl::StatusOr<pb::ContactGroup> CreateGroup(const Principal& p, const std::string& user_id,
                                               pb::ContactGroup g);
  absl::StatusOr<pb::ContactGroup> GetGroup(const Principal& p, const std::string& user_id,
                                            const std::string& id);
  absl::StatusOr<pb::ListContactGroupsResponse> ListGroups(const Principal& p,
                                                           const pb::ListContactGroupsRequest& req);
  absl::StatusOr<pb::ContactGroup> UpdateGroup(const Principal& p, const pb::UpdateContactGroupRequest& req);
  absl::Status DeleteGroup(const Principal& p, const std::string& user_id, const std::string& id);
  absl::StatusOr<pb::SearchDirectoryResponse> SearchDirectory(const Principal& p,
                                                              const pb::SearchDirectoryRequest& req);
  absl::StatusOr<pb::ListSpeedDialsResponse> ListSpeedDials(const Principal& p, const std::string& user_id);
  absl::StatusOr<pb::SpeedDial> SetSpeedDial(const Principal& p, const std::string& user_id, pb::SpeedDial s);
  absl::Status DeleteSpeedDial(const Principal& p, const std::string& user_id, const std::string& code);

 private:
  // The user `user_id` if `p` may see it (itself, its tenant's admin, an
  // operator), else NOT_FOUND.
  absl::StatusOr<pb::User> VisibleUser(const Principal& p, const std::string& user_id);
  // Same, for acting on the user's own things (contacts, devices): the user
  // itself, or an admin/operator managing it.
  absl::StatusOr<pb::User> ManageableUser(const Principal& p, const std::string& user_id);
  absl::StatusOr<pb::Tenant> VisibleTenant(const Principal& p, const std::string& tenant_id);
  // Validates and normalizes a line's number and extension in `tenant`.
  absl::Status NormalizeLine(const pb::Tenant& tenant, pb::Line* line, absl::string_view field_prefix);
  // The digits a password or PIN must not contain.
  std::vector<std::string> AccountNumbers(const pb::User& user);
  OutboxEvent Notice(const std::string& type, const pb::User& user, std::vector<std::string> to,
                     const std::string& token = "", absl::Time expires = absl::InfinitePast(),
                     const std::string& client_address = "");
  OutboxEvent Changed(const std::string& type, const std::string& tenant_id, const std::string& user_id,
                      const pb::Line* line = nullptr, const pb::Device* device = nullptr);

  ProfilesConfig config_;
  Store* store_;
  const numbering::Numbering* numbering_;
  std::function<absl::Time()> clock_;
};

// Names the field behind a uniqueness conflict (e-mail, number, extension, MAC).
absl::Status ProfileConflict(absl::Status st);

// Paging shared by the list methods: a page token is the last id seen, and
// the store is asked for one row more than the page to know if more follow.
Page PageOf(int32_t page_size, const std::string& page_token);
template <typename T>
std::string NextToken(std::vector<T>* items, const Page& page) {
  const int size = page.limit - 1;
  if (static_cast<int>(items->size()) <= size) return "";
  items->resize(size);
  return items->back().id();
}

}  // namespace sb::profiles
