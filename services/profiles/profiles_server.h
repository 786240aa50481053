#pragma once
// gRPC handlers: read the caller's principal, call ProfileManager, convert the
// status. Sync service: handlers block on PostgreSQL, so they run on gRPC's
// sync thread pool rather than on the callback executor.
#include "services/profiles/profile_manager.h"
#include "services/profiles/trunks.h"
#include "switchboard/profiles/v1/profiles.grpc.pb.h"

namespace sb::profiles {

class ProfilesServer final : public pb::Profiles::Service {
 public:
  // Tenants, users, lines, devices, contacts (manager); carrier trunks (trunks.h).
  ProfilesServer(ProfileManager* manager, TrunkService* trunks) : manager_(manager), trunks_(trunks) {}

#define SB_RPC(Name, Req, Resp) \
  grpc::Status Name(grpc::ServerContext* ctx, const pb::Req* req, pb::Resp* resp) override;
  SB_RPC(CreateTenant, CreateTenantRequest, Tenant)
  SB_RPC(GetTenant, GetTenantRequest, Tenant)
  SB_RPC(ListTenants, ListTenantsRequest, ListTenantsResponse)
  SB_RPC(UpdateTenant, UpdateTenantRequest, Tenant)
  SB_RPC(DeleteTenant, DeleteTenantRequest, Empty)
  SB_RPC(CreateUser, CreateUserRequest, User)
  SB_RPC(GetUser, GetUserRequest, User)
  SB_RPC(ListUsers, ListUsersRequest, ListUsersResponse)
  SB_RPC(UpdateUser, UpdateUserRequest, User)
  SB_RPC(DeleteUser, DeleteUserRequest, Empty)
  SB_RPC(SetPhoto, SetPhotoRequest, Empty)
  SB_RPC(GetPhoto, GetPhotoRequest, Photo)
  SB_RPC(DeletePhoto, DeletePhotoRequest, Empty)
  SB_RPC(Authenticate, AuthenticateRequest, AuthenticateResponse)
  SB_RPC(ChangePassword, ChangePasswordRequest, Empty)
  SB_RPC(ChangeVoicemailPin, ChangePinRequest, Empty)
  SB_RPC(ChangeCallServicesPin, ChangePinRequest, Empty)
  SB_RPC(VerifyVoicemailPin, VerifyPinRequest, VerifyPinResponse)
  SB_RPC(RequestPasswordReset, RequestPasswordResetRequest, Empty)
  SB_RPC(ResetPassword, ResetPasswordRequest, Empty)
  SB_RPC(ConfirmSecurityEmail, ConfirmSecurityEmailRequest, Empty)
  SB_RPC(CreateLine, CreateLineRequest, Line)
  SB_RPC(GetLine, GetLineRequest, Line)
  SB_RPC(ListLines, ListLinesRequest, ListLinesResponse)
  SB_RPC(UpdateLine, UpdateLineRequest, Line)
  SB_RPC(DeleteLine, DeleteLineRequest, Empty)
  SB_RPC(ResolveLine, ResolveLineRequest, ResolveLineResponse)
  SB_RPC(CreateDevice, CreateDeviceRequest, Device)
  SB_RPC(GetDevice, GetDeviceRequest, Device)
  SB_RPC(ListDevices, ListDevicesRequest, ListDevicesResponse)
  SB_RPC(UpdateDevice, UpdateDeviceRequest, Device)
  SB_RPC(DeleteDevice, DeleteDeviceRequest, Empty)
  SB_RPC(ResetDevicePassword, ResetDevicePasswordRequest, Device)
  SB_RPC(GetSipCredentials, GetSipCredentialsRequest, SipCredentials)
  SB_RPC(CreateContact, CreateContactRequest, Contact)
  SB_RPC(GetContact, GetContactRequest, Contact)
  SB_RPC(ListContacts, ListContactsRequest, ListContactsResponse)
  SB_RPC(UpdateContact, UpdateContactRequest, Contact)
  SB_RPC(DeleteContact, DeleteContactRequest, Empty)
  SB_RPC(CreateContactGroup, CreateContactGroupRequest, ContactGroup)
  SB_RPC(GetContactGroup, GetContactGroupRequest, ContactGroup)
  SB_RPC(ListContactGroups, ListContactGroupsRequest, ListContactGroupsResponse)
  SB_RPC(UpdateContactGroup, UpdateContactGroupRequest, ContactGroup)
  SB_RPC(DeleteContactGroup, DeleteContactGroupRequest, Empty)
  SB_RPC(SearchDirectory, SearchDirectoryRequest, SearchDirectoryResponse)
  SB_RPC(ListSpeedDials, ListSpeedDialsRequest, ListSpeedDialsResponse)
  SB_RPC(SetSpeedDial, SetSpeedDialRequest, SpeedDial)
  SB_RPC(DeleteSpeedDial, DeleteSpeedDialRequest, Empty)
  SB_RPC(CreateTrunk, CreateTrunkRequest, Trunk)
  SB_RPC(GetTrunk, GetTrunkRequest, Trunk)
  SB_RPC(ListTrunks, ListTrunksRequest, ListTrunksResponse)
  SB_RPC(DeleteTrunk, DeleteTrunkRequest, Empty)
#undef SB_RPC

 private:
  ProfileManager* manager_;
  TrunkService* trunks_ = nullptr;
};

}  // namespace sb::profiles
