#include "services/profiles/profiles_server.h"

#include "core/handler.h"
#include "core/logging.h"
#include "core/status.h"

namespace sb::profiles {
namespace {

using core::ToGrpc;

using core::Fill;

}  // namespace

#define SB_HANDLER(Name, Req, Resp) \
  grpc::Status ProfilesServer::Name(grpc::ServerContext* ctx, const pb::Req* req, pb::Resp* resp) { \
    return core::WithPrincipal("profiles", #Name, ctx, [&](const Principal& p) -> absl::Status {
#define SB_END \
    });        \
  }

SB_HANDLER(CreateTenant, CreateTenantRequest, Tenant)
  return Fill(manager_->CreateTenant(p, req->tenant()), resp);
SB_END
SB_HANDLER(GetTenant, GetTenantRequest, Tenant)
  return Fill(manager_->GetTenant(p, req->tenant_id()), resp);
SB_END
SB_HANDLER(ListTenants, ListTenantsRequest, ListTenantsResponse)
  return Fill(manager_->ListTenants(p, *req), resp);
SB_END
SB_HANDLER(UpdateTenant, UpdateTenantRequest, Tenant)
  return Fill(manager_->UpdateTenant(p, *req), resp);
SB_END
SB_HANDLER(DeleteTenant, DeleteTenantRequest, Empty)
  return manager_->DeleteTenant(p, req->tenant_id());
SB_END
SB_HANDLER(CreateUser, CreateUserRequest, User)
  return Fill(manager_->CreateUser(p, req->tenant_id(), req->user()), resp);
SB_END
SB_HANDLER(GetUser, GetUserRequest, User)
  return Fill(manager_->GetUser(p, req->user_id()), resp);
SB_END
SB_HANDLER(ListUsers, ListUsersRequest, ListUsersResponse)
  return Fill(manager_->ListUsers(p, *req), resp);
SB_END
SB_HANDLER(UpdateUser, UpdateUserRequest, User)
  return Fill(manager_->UpdateUser(p, *req), resp);
SB_END
SB_HANDLER(DeleteUser, DeleteUserRequest, Empty)
  return manager_->DeleteUser(p, req->user_id());
SB_END
SB_HANDLER(SetPhoto, SetPhotoRequest, Empty)
  return manager_->SetPhoto(p, *req);
SB_END
SB_HANDLER(GetPhoto, GetPhotoRequest, Photo)
  return Fill(manager_->GetPhoto(p, req->user_id()), resp);
SB_END
SB_HANDLER(DeletePhoto, DeletePhotoRequest, Empty)
  return manager_->DeletePhoto(p, req->user_id());
SB_END
SB_HANDLER(Authenticate, AuthenticateRequest, AuthenticateResponse)
  if (p.role != core::PrincipalRole::kSystem) return absl::PermissionDeniedError("sign-in goes through the gateway");
  auto user = manager_->Authenticate(*req);
  if (!user.ok()) return user.status();
  *resp->mutable_user() = std::move(*user);
  return absl::OkStatus();
SB_END
SB_HANDLER(ChangePassword, ChangePasswordRequest, Empty)
  return manager_->ChangePassword(p, *req);
SB_END
SB_HANDLER(ChangeVoicemailPin, ChangePinRequest, Empty)
  return manager_->ChangePin(p, SecretKind::kVoicemailPin, *req);
SB_END
SB_HANDLER(ChangeCallServicesPin, ChangePinRequest, Empty)
  return manager_->ChangePin(p, SecretKind::kCallPin, *req);
SB_END
SB_HANDLER(VerifyVoicemailPin, VerifyPinRequest, VerifyPinResponse)
  auto ok = manager_->VerifyVoicemailPin(p, *req);
  if (!ok.ok()) return ok.status();
  resp->set_ok(*ok);
  return absl::OkStatus();
SB_END
SB_HANDLER(RequestPasswordReset, RequestPasswordResetRequest, Empty)
  if (p.role != core::PrincipalRole::kSystem) return absl::PermissionDeniedError("password reset goes through the gateway");
  return manager_->RequestPasswordReset(*req);
SB_END
SB_HANDLER(ResetPassword, ResetPasswordRequest, Empty)
  if (p.role != core::PrincipalRole::kSystem) return absl::PermissionDeniedError("password reset goes through the gateway");
  return manager_->ResetPassword(*req);
SB_END
SB_HANDLER(ConfirmSecurityEmail, ConfirmSecurityEmailRequest, Empty)
  return manager_->ConfirmSecurityEmail(req->token());
SB_END
SB_HANDLER(CreateLine, CreateLineRequest, Line)
  return Fill(manager_->CreateLine(p, req->tenant_id(), req->line()), resp);
SB_END
SB_HANDLER(GetLine, GetLineRequest, Line)
  return Fill(manager_->GetLine(p, req->line_id()), resp);
SB_END
SB_HANDLER(ListLines, ListLinesRequest, ListLinesResponse)
  return Fill(manager_->ListLines(p, *req), resp);
SB_END
SB_HANDLER(UpdateLine, UpdateLineRequest, Line)
  return Fill(manager_->UpdateLine(p, *req), resp);
SB_END
SB_HANDLER(DeleteLine, DeleteLineRequest, Empty)
  return manager_->DeleteLine(p, req->line_id());
SB_END
SB_HANDLER(ResolveLine, ResolveLineRequest, ResolveLineResponse)
  return Fill(manager_->ResolveLine(p, *req), resp);
SB_END
SB_HANDLER(CreateDevice, CreateDeviceRequest, Device)
  return Fill(manager_->CreateDevice(p, req->user_id(), req->device()), resp);
SB_END
SB_HANDLER(GetDevice, GetDeviceRequest, Device)
  return Fill(manager_->GetDevice(p, req->user_id(), req->device_id()), resp);
SB_END
SB_HANDLER(ListDevices, ListDevicesRequest, ListDevicesResponse)
  return Fill(manager_->ListDevices(p, *req), resp);
SB_END
SB_HANDLER(UpdateDevice, UpdateDeviceRequest, Device)
  return Fill(manager_->UpdateDevice(p, *req), resp);
SB_END
SB_HANDLER(DeleteDevice, DeleteDeviceRequest, Empty)
  return manager_->DeleteDevice(p, req->user_id(), req->device_id());
SB_END
SB_HANDLER(ResetDevicePassword, ResetDevicePasswordRequest, Device)
  return Fill(manager_->ResetDevicePassword(p, req->user_id(), req->device_id()), resp);
SB_END
SB_HANDLER(GetSipCredentials, GetSipCredentialsRequest, SipCredentials)
  return Fill(manager_->GetSipCredentials(p, *req), resp);
SB_END
SB_HANDLER(CreateContact, CreateContactRequest, Contact)
  return Fill(manager_->CreateContact(p, req->user_id(), req->contact()), resp);
SB_END
SB_HANDLER(GetContact, GetContactRequest, Contact)
  return Fill(manager_->GetContact(p, req->user_id(), req->contact_id()), resp);
SB_END
SB_HANDLER(ListContacts, ListContactsRequest, ListContactsResponse)
  return Fill(manager_->ListContacts(p, *req), resp);
SB_END
SB_HANDLER(UpdateContact, UpdateContactRequest, Contact)
  return Fill(manager_->UpdateContact(p, *req), resp);
SB_END
SB_HANDLER(DeleteContact, DeleteContactRequest, Empty)
  return manager_->DeleteContact(p, req->user_id(), req->contact_id());
SB_END
SB_HANDLER(CreateContactGroup, CreateContactGroupRequest, ContactGroup)
  return Fill(manager_->CreateGroup(p, req->user_id(), req->group()), resp);
SB_END
SB_HANDLER(GetContactGroup, GetContactGroupRequest, ContactGroup)
  return Fill(manager_->GetGroup(p, req->user_id(), req->group_id()), resp);
SB_END
SB_HANDLER(ListContactGroups, ListContactGroupsRequest, ListContactGroupsResponse)
  return Fill(manager_->ListGroups(p, *req), resp);
SB_END
SB_HANDLER(UpdateContactGroup, UpdateContactGroupRequest, ContactGroup)
  return Fill(manager_->UpdateGroup(p, *req), resp);
SB_END
SB_HANDLER(DeleteContactGroup, DeleteContactGroupRequest, Empty)
  return manager_->DeleteGroup(p, req->user_id(), req->group_id());
SB_END
SB_HANDLER(SearchDirectory, SearchDirectoryRequest, SearchDirectoryResponse)
  return Fill(manager_->SearchDirectory(p, *req), resp);
SB_END
SB_HANDLER(ListSpeedDials, ListSpeedDialsRequest, ListSpeedDialsResponse)
  return Fill(manager_->ListSpeedDials(p, req->user_id()), resp);
SB_END
SB_HANDLER(SetSpeedDial, SetSpeedDialRequest, SpeedDial)
  return Fill(manager_->SetSpeedDial(p, req->user_id(), req->speed_dial()), resp);
SB_END
SB_HANDLER(DeleteSpeedDial, DeleteSpeedDialRequest, Empty)
  return manager_->DeleteSpeedDial(p, req->user_id(), req->code());
SB_END
SB_HANDLER(CreateTrunk, CreateTrunkRequest, Trunk)
  return Fill(trunks_->Create(p, req->trunk()), resp);
SB_END
SB_HANDLER(GetTrunk, GetTrunkRequest, Trunk)
  return Fill(trunks_->Get(p, req->trunk_id()), resp);
SB_END
SB_HANDLER(ListTrunks, ListTrunksRequest, ListTrunksResponse)
  return Fill(trunks_->List(p, req->tenant_id()), resp);
SB_END
SB_HANDLER(DeleteTrunk, DeleteTrunkRequest, Empty)
  return trunks_->Delete(p, req->trunk_id());
SB_END

#undef SB_HANDLER
#undef SB_END

}  // namespace sb::profiles
