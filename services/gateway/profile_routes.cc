// Routes of the profiles service: tenants, users, credentials, lines,
// devices, contacts, groups, directory, speed dials (A1–A9, G1, G3).
#include <google/protobuf/field_mask.pb.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/gateway/gateway.h"
#include "switchboard/gateway/v1/gateway.pb.h"

namespace sb::gateway {
namespace {

using Stub = pb::Profiles::Stub;

std::string Param(const HttpRequest& r, std::string_view name) { return std::string(r.PathParam(name)); }
std::string QueryOr(const HttpRequest& r, std::string_view name) { return r.Query(name).value_or(""); }

HttpResponse Binary(std::string content_type, std::string body) {
  HttpResponse r;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  r.headers.emplace_back("Cache-Control", "private, max-age=60");
  return r;
}

}  // namespace

void Gateway::AddProfileRoutes() {
  const auto* kUser = pb::User::descriptor();
  const std::vector<std::string> kOperator = {"OPERATOR"};
  const std::vector<std::string> kAdmin = {"ADMIN", "OPERATOR"};
  const std::vector<QueryParam> kPaging = {{.name = "page_size", .type = "integer"}, {.name = "page_token"}};

  // ---- tenants
  Authed("POST", "/v1/tenants",
         {.summary = "Create a tenant", .tag = "tenants", .request = pb::Tenant::descriptor(),
          .response = pb::Tenant::descriptor(), .roles = kOperator, .success_status = 201},
         [this](HttpRequest& r, const Caller& c) {
           pb::CreateTenantRequest req;
           if (auto st = ParseBody(r, req.mutable_tenant()); !st.ok()) return ErrorResponse(st);
           return Answer(Profiles(&Stub::CreateTenant, c.principal, req), 201);
         });
  Authed("GET", "/v1/tenants",
         {.summary = "List tenants (an admin sees its own)", .tag = "tenants",
          .response = pb::ListTenantsResponse::descriptor(), .query = kPaging},
         [this](HttpRequest& r, const Caller& c) {
           pb::ListTenantsRequest req;
           req.set_page_size(PageSize(r));
           req.set_page_token(QueryOr(r, "page_token"));
           return Answer(Profiles(&Stub::ListTenants, c.principal, req));
         });
  Authed("GET", "/v1/tenants/{tenant_id}",
         {.summary = "Get a tenant", .tag = "tenants", .response = pb::Tenant::descriptor()},
         [this](HttpRequest& r, const Caller& c) {
           pb::GetTenantRequest req;
           req.set_tenant_id(Param(r, "tenant_id"));
           return Answer(Profiles(&Stub::GetTenant, c.principal, req));
         });
  Authed("PATCH", "/v1/tenants/{tenant_id}",
         {.summary = "Change a tenant", .tag = "tenants", .request = pb::Tenant::descriptor(),
          .response = pb::Tenant::descriptor(), .roles = kOperator},
         [this](HttpRequest& r, const Caller& c) {
           pb::UpdateTenantRequest req;
           if (auto st = ParsePatch(r, req.mutable_tenant(), req.mutable_update_mask()); !st.ok()) {
             return ErrorResponse(st);
           }
           req.mutable_tenant()->set_id(Param(r, "tenant_id"));
           return Answer(Profiles(&Stub::UpdateTenant, c.principal, req));
         });
  Authed("DELETE", "/v1/tenants/{tenant_id}", {.summary = "Delete a tenant", .tag = "tenants", .roles = kOperator},
         [this](HttpRequest& r, const Caller& c) {
           pb::DeleteTenantRequest req;
           req.set_tenant_id(Param(r, "tenant_id"));
           return NoContent(Profiles(&Stub::DeleteTenant, c.principal, req).status());
         });

  // ---- users
  Authed("POST", "/v1/tenants/{tenant_id}/users",
         {.summary = "Create a user, with its number and extension", .tag = "users", .request = kUser,
          .response = kUser, .roles = kAdmin, .success_status = 201},
         [this](HttpRequest& r, const Caller& c) {
           pb::CreateUserRequest req;
           if (auto st = ParseBody(r, req.mutable_user()); !st.ok()) return ErrorResponse(st);
           req.set_tenant_id(Param(r, "tenant_id"));
           return Answer(Profiles(&Stub::CreateUser, c.principal, req), 201);
         });
  Authed("GET", "/v1/tenants/{tenant_id}/users",
         {.summary = "List a tenant's users", .tag = "users", .response = pb::ListUsersResponse::descriptor(),
          .roles = kAdmin, .query = kPaging},
         [this](HttpRequest& r, const Caller& c) {
           pb::ListUsersRequest req;
           req.set_tenant_id(Param(r, "tenant_id"));
           req.set_page_size(PageSize(r));
           req.set_page_token(QueryOr(r, "page_token"));
           return Answer(Profiles(&Stub::ListUsers, c.principal, req));
         });
  Authed("GET", "/v1/users/{user_id}",
         {.summary = "Get a user (`me` for oneself)", .tag = "users", .response = kUser},
         [this](HttpRequest& r, const Caller& c) {
           pb::GetUserRequest req;
           req.set_user_id(Param(r, "user_id"));
           // Only one's own profile is cached: what another caller may see of a
           // user depends on who asks, and profiles decides that.
           bool own = req.user_id() == c.principal.user_id;
           if (own) {
             if (auto json = user_cache_.Get(req.user_id())) {
               HttpResponse cached;
               cached.body = std::move(*json);
               return cached;
             }
           }
           HttpResponse response = Answer(Profiles(&Stub::GetUser, c.principal, req));
           if (own && response.status == 200) user_cache_.Put(req.user_id(), response.body);
           return response;
         },
         /*before_security_email=*/true);
  Authed("PATCH", "/v1/users/{user_id}",
         {.summary = "Change a user's profile (only the fields sent)", .tag = "users", .request = kUser,
          .response = kUser},
         [this](HttpRequest& r, const Caller& c) {
           pb::UpdateUserRequest req;
           if (auto st = ParsePatch(r, req.mutable_user(), req.mutable_update_mask()); !st.ok()) {
             return ErrorResponse(st);
           }
           req.mutable_user()->set_id(Param(r, "user_id"));
           if (c.security_email_required) {
             // Before anything else, the first sign-in sets the security e-mail (A2).
             bool sets_it = !req.user().security_email().empty();
             for (const auto& path : req.update_mask().paths()) {
               sets_it &= path == "security_email" || path == "language" || path == "timezone";
             }
             if (!sets_it || req.user().id() != c.principal.user_id) {
               return ErrorResponse(absl::FailedPreconditionError("set your security e-mail first"), 403);
             }
           }
           auto out = Profiles(&Stub::UpdateUser, c.principal, req);
           if (out.ok() && c.security_email_required && !out->security_email().empty()) {
             Session s{c.principal, /*security_email_required=*/false, c.session_expires_at};
             (void)sessions_.Update(c.token, s);
           }
           return Answer(out);
         },
         /*before_security_email=*/true);
  Authed("DELETE", "/v1/users/{user_id}", {.summary = "Delete a user", .tag = "users", .roles = kAdmin},
         [this](HttpRequest& r, const Caller& c) {
           pb::DeleteUserRequest req;
           req.set_user_id(Param(r, "user_id"));
           return NoContent(Profiles(&Stub::DeleteUser, c.principal, req).status());
         });

  // ---- photo (raw image bodies)
  Authed("PUT", "/v1/users/{user_id}/photo",
         {.summary = "Upload the user's photo (JPEG, PNG or GIF, at most 2 MiB)", .tag = "users",
          .request_content_type = "image/jpeg", .extra_statuses = {413},
          .max_body_bytes = config_.max_photo_bytes},
         [this](HttpRequest& r, const Caller& c) {
           pb::SetPhotoRequest req;
           req.set_user_id(Param(r, "user_id"));
           std::string type = r.Header("content-type");
           type = std::string(absl::StripAsciiWhitespace(type.substr(0, type.find(';'))));
           req.set_content_type(type);
           req.set_data(r.body);
           return NoContent(Profiles(&Stub::SetPhoto, c.principal, req).status());
         });
  Authed("GET", "/v1/users/{user_id}/photo",
         {.summary = "The user's photo", .tag = "users", .response_content_type = "image/*"},
         [this](HttpRequest& r, const Caller& c) {
           pb::GetPhotoRequest req;
           req.set_user_id(Param(r, "user_id"));
           auto photo = Profiles(&Stub::GetPhoto, c.principal, req);
           if (!photo.ok()) return ErrorResponse(photo.status());
           return Binary(photo->content_type(), photo->data());
         });
  Authed("DELETE", "/v1/users/{user_id}/photo", {.summary = "Remove the user's photo", .tag = "users"},
         [this](HttpRequest& r, const Caller& c) {
           pb::DeletePhotoRequest req;
           req.set_user_id(Param(r, "user_id"));
           return NoContent(Profiles(&Stub::DeletePhoto, c.principal, req).status());
         });

  // ---- credentials
  Authed("POST", "/v1/users/{user_id}/password",
         {.summary = "Change the portal password (A3 policy; a notice goes to the security e-mail)",
          .tag = "credentials", .request = pb::ChangePasswordRequest::descriptor()},
         [this](HttpRequest& r, const Caller& c) {
           pb::ChangePasswordRequest req;
           if (auto st = ParseBody(r, &req); !st.ok()) return ErrorResponse(st);
           req.set_user_id(Param(r, "user_id"));
           return NoContent(Profiles(&Stub::ChangePassword, c.principal, req).status());
         });
  Authed("POST", "/v1/users/{user_id}/voicemail-pin",
         {.summary = "Change the voicemail PIN (A4 policy)", .tag = "credentials",
          .request = pb::ChangePinRequest::descriptor()},
         [this](HttpRequest& r, const Caller& c) {
           pb::ChangePinRequest req;
           if (auto st = ParseBody(r, &req); !st.ok()) return ErrorResponse(st);
           req.set_user_id(Param(r, "user_id"));
           return NoContent(Profiles(&Stub::ChangeVoicemailPin, c.principal, req).status());
         });
  Authed("POST", "/v1/users/{user_id}/call-services-pin",
         {.summary = "Change the call-services PIN (A4 policy)", .tag = "credentials",
          .request = pb::ChangePinRequest::descriptor()},
         [this](HttpRequest& r, const Caller& c) {
           pb::ChangePinRequest req;
           if (auto st = ParseBody(r, &req); !st.ok()) return ErrorResponse(st);
           req.set_user_id(Param(r, "user_id"));
           return NoContent(Profiles(&Stub::ChangeCallServicesPin, c.principal, req).status());
         });

  // ---- lines (extensions and numbers)
  Authed("POST", "/v1/tenants/{tenant_id}/lines",
         {.summary = "Create an extension/number, for a user or admin-managed", .tag = "lines",
          .request = pb::Line::descriptor(), .response = pb::Line::descriptor(), .roles = kAdmin,
          .success_status = 201},
         [this](HttpRequest& r, const Caller& c) {
           pb::CreateLineRequest req;
           if (auto st = ParseBody(r, req.mutable_line()); !st.ok()) return ErrorResponse(st);
           req.set_tenant_id(Param(r, "tenant_id"));
           return Answer(Profiles(&Stub::CreateLine, c.principal, req), 201);
         });
  Authed("GET", "/v1/tenants/{tenant_id}/lines",
         {.summary = "List a tenant's lines", .tag = "lines", .response = pb::ListLinesResponse::descriptor(),
          .roles = kAdmin, .query = kPaging},
         [this](HttpRequest& r, const Caller& c) {
           pb::ListLinesRequest req;
           req.set_tenant_id(Param(r, "tenant_id"));
           req.set_page_size(PageSize(r));
           req.set_page_token(QueryOr(r, "page_token"));
           return Answer(Profiles(&Stub::ListLines, c.principal, req));
         });
  Authed("GET", "/v1/users/{user_id}/lines",
         {.summary = "A user's numbers (A6)", .tag = "lines", .response = pb::ListLinesResponse::descriptor(),
          .query = kPaging},
         [this](HttpRequest& r, const Caller& c) {
           pb::ListLinesRequest req;
           req.set_user_id(Param(r, "user_id"));
           req.set_page_size(PageSize(r));
           req.set_page_token(QueryOr(r, "page_token"));
           return Answer(Profiles(&Stub::ListLines, c.principal, req));
         });
  Authed("GET", "/v1/lines/{line_id}", {.summary = "Get a line", .tag = "lines", .response = pb::Line::descriptor()},
         [this](HttpRequest& r, const Caller& c) {
           pb::GetLineRequest req;
           req.set_line_id(Param(r, "line_id"));
           return Answer(Profiles(&Stub::GetLine, c.principal, req));
         });
  Authed("PATCH", "/v1/lines/{line_id}",
         {.summary = "Change or reassign a line", .tag = "lines", .request = pb::Line::descriptor(),
          .response = pb::Line::descriptor(), .roles = kAdmin},
         [this](HttpRequest& r, const Caller& c) {
           pb::UpdateLineRequest req;
           if (auto st = ParsePatch(r, req.mutable_line(), req.mutable_update_mask()); !st.ok()) {
             return ErrorResponse(st);
           }
           req.mutable_line()->set_id(Param(r, "line_id"));
           return Answer(Profiles(&Stub::UpdateLine, c.principal, req));
         });
  Authed("DELETE", "/v1/lines/{line_id}", {.summary = "Delete a line", .tag = "lines", .roles = kAdmin},
         [this](HttpRequest& r, const Caller& c) {
           pb::DeleteLineRequest req;
           req.set_line_id(Param(r, "line_id"));
           return NoContent(Profiles(&Stub::DeleteLine, c.principal, req).status());
         });

  // ---- devices
  Authed("POST", "/v1/users/{user_id}/devices",
         {.summary = "Add a soft phone (SIP credentials shown once) or a desk phone by MAC", .tag = "devices",
          .request = pb::Device::descriptor(), .response = pb::Device::descriptor(), .success_status = 201},
         [this](HttpRequest& r, const Caller& c) {
           pb::CreateDeviceRequest req;
           if (auto st = ParseBody(r, req.mutable_device()); !st.ok()) return ErrorResponse(st);
           req.set_user_id(Param(r, "user_id"));
           return Answer(Profiles(&Stub::CreateDevice, c.principal, req), 201);
         });
  Authed("GET", "/v1/users/{user_id}/devices",
         {.summary = "A user's devices", .tag = "devices", .response = pb::ListDevicesResponse::descriptor(),
          .query = kPaging},
         [this](HttpRequest& r, const Caller& c) {
           pb::ListDevicesRequest req;
           req.set_user_id(Param(r, "user_id"));
           req.set_page_size(PageSize(r));
           req.set_page_token(QueryOr(r, "page_token"));
           return Answer(Profiles(&Stub::ListDevices, c.principal, req));
         });
  Authed("GET", "/v1/tenants/{tenant_id}/devices",
         {.summary = "Every device of a tenant", .tag = "devices", .response = pb::ListDevicesResponse::descriptor(),
          .roles = kAdmin, .query = kPaging},
         [this](HttpRequest& r, const Caller& c) {
           pb::ListDevicesRequest req;
           req.set_tenant_id(Param(r, "tenant_id"));
           req.set_page_size(PageSize(r));
           req.set_page_token(QueryOr(r, "page_token"));
           return Answer(Profiles(&Stub::ListDevices, c.principal, req));
         });
  Authed("GET", "/v1/users/{user_id}/devices/{device_id}",
         {.summary = "Get a device", .tag = "devices", .response = pb::Device::descriptor()},
         [this](HttpRequest& r, const Caller& c) {
           pb::GetDeviceRequest req;
           req.set_user_id(Param(r, "user_id"));
           req.set_device_id(Param(r, "device_id"));
           return Answer(Profiles(&Stub::GetDevice, c.principal, req));
         });
  Authed("PATCH", "/v1/users/{user_id}/devices/{device_id}",
         {.summary = "Rename a device or program its line keys", .tag = "devices",
          .request = pb::Device::descriptor(), .response = pb::Device::descriptor()},
         [this](HttpRequest& r, const Caller& c) {
           pb::UpdateDeviceRequest req;
           if (auto st = ParsePatch(r, req.mutable_device(), req.mutable_update_mask()); !st.ok()) {
             return ErrorResponse(st);
           }
           req.set_user_id(Param(r, "user_id"));
           req.mutable_device()->set_id(Param(r, "device_id"));
           return Answer(Profiles(&Stub::UpdateDevice, c.principal, req));
         });
  Authed("DELETE", "/v1/users/{user_id}/devices/{device_id}", {.summary = "Remove a device", .tag = "devices"},
         [this](HttpRequest& r, const Caller& c) {
           pb::DeleteDeviceRequest req;
           req.set_user_id(Param(r, "user_id"));
           req.set_device_id(Param(r, "device_id"));
           return NoContent(Profiles(&Stub::DeleteDevice, c.principal, req).status());
         });
  Authed("POST", "/v1/users/{user_id}/devices/{device_id}/reset-password",
         {.summary = "Generate a new SIP password (shown once)", .tag = "devices",
          .response = pb::Device::descriptor()},
         [this](HttpRequest& r, const Caller& c) {
           pb::ResetDevicePasswordRequest req;
           req.set_user_id(Param(r, "user_id"));
           req.set_device_id(Param(r, "device_id"));
           return Answer(Profiles(&Stub::ResetDevicePassword, c.principal, req));
         });

  // ---- contacts and groups
  Authed("POST", "/v1/users/{user_id}/contacts",
         {.summary = "Add a personal contact", .tag = "contacts", .request = pb::Contact::descriptor(),
          .response = pb::Contact::descriptor(), .success_status = 201},
         [this](HttpRequest& r, const Caller& c) {
           pb::CreateContactRequest req;
           if (auto st = ParseBody(r, req.mutable_contact()); !st.ok()) return ErrorResponse(st);
           req.set_user_id(Param(r, "user_id"));
           return Answer(Profiles(&Stub::CreateContact, c.principal, req), 201);
         });
  Authed("GET", "/v1/users/{user_id}/contacts",
         {.summary = "List or search contacts (by name, organization, number; by group)", .tag = "contacts",
          .response = pb::ListContactsResponse::descriptor(),
          .query = {{.name = "query"}, {.name = "group_id"}, {.name = "page_size", .type = "integer"},
                    {.name = "page_token"}}},
         [this](HttpRequest& r, const Caller& c) {
           pb::ListContactsRequest req;
           req.set_user_id(Param(r, "user_id"));
           req.set_query(QueryOr(r, "query"));
           req.set_group_id(QueryOr(r, "group_id"));
           req.set_page_size(PageSize(r));
           req.set_page_token(QueryOr(r, "page_token"));
           return Answer(Profiles(&Stub::ListContacts, c.principal, req));
         });
  Authed("GET", "/v1/users/{user_id}/contacts/{contact_id}",
         {.summary = "Get a contact", .tag = "contacts", .response = pb::Contact::descriptor()},
         [this](HttpRequest& r, const Caller& c) {
           pb::GetContactRequest req;
           req.set_user_id(Param(r, "user_id"));
           req.set_contact_id(Param(r, "contact_id"));
           return Answer(Profiles(&Stub::GetContact, c.principal, req));
         });
  Authed("PATCH", "/v1/users/{user_id}/contacts/{contact_id}",
         {.summary = "Change a contact", .tag = "contacts", .request = pb::Contact::descriptor(),
          .response = pb::Contact::descriptor()},
         [this](HttpRequest& r, const Caller& c) {
           pb::UpdateContactRequest req;
           if (auto st = ParsePatch(r, req.mutable_contact(), req.mutable_update_mask()); !st.ok()) {
             return ErrorResponse(st);
           }
           req.set_user_id(Param(r, "user_id"));
           req.mutable_contact()->set_id(Param(r, "contact_id"));
           return Answer(Profiles(&Stub::UpdateContact, c.principal, req));
         });
  Authed("DELETE", "/v1/users/{user_id}/contacts/{contact_id}", {.summary = "Delete a contact", .tag = "contacts"},
         [this](HttpRequest& r, const Caller& c) {
           pb::DeleteContactRequest req;
           req.set_user_id(Param(r, "user_id"));
           req.set_contact_id(Param(r, "contact_id"));
           return NoContent(Profiles(&Stub::DeleteContact, c.principal, req).status());
         });
  Authed("POST", "/v1/users/{user_id}/contact-groups",
         {.summary = "Create a contact group (nestable with parent_id)", .tag = "contacts",
          .request = pb::ContactGroup::descriptor(), .response = pb::ContactGroup::descriptor(),
          .success_status = 201},
         [this](HttpRequest& r, const Caller& c) {
           pb::CreateContactGroupRequest req;
           if (auto st = ParseBody(r, req.mutable_group()); !st.ok()) return ErrorResponse(st);
           req.set_user_id(Param(r, "user_id"));
           return Answer(Profiles(&Stub::CreateContactGroup, c.principal, req), 201);
         });
  Authed("GET", "/v1/users/{user_id}/contact-groups",
         {.summary = "List contact groups", .tag = "contacts",
          .response = pb::ListContactGroupsResponse::descriptor(), .query = kPaging},
         [this](HttpRequest& r, const Caller& c) {
           pb::ListContactGroupsRequest req;
           req.set_user_id(Param(r, "user_id"));
           req.set_page_size(PageSize(r));
           req.set_page_token(QueryOr(r, "page_token"));
           return Answer(Profiles(&Stub::ListContactGroups, c.principal, req));
         });
  Authed("GET", "/v1/users/{user_id}/contact-groups/{group_id}",
         {.summary = "Get a contact group", .tag = "contacts", .response = pb::ContactGroup::descriptor()},
         [this](HttpRequest& r, const Caller& c) {
           pb::GetContactGroupRequest req;
           req.set_user_id(Param(r, "user_id"));
           req.set_group_id(Param(r, "group_id"));
           return Answer(Profiles(&Stub::GetContactGroup, c.principal, req));
         });
  Authed("PATCH", "/v1/users/{user_id}/contact-groups/{group_id}",
         {.summary = "Rename or move a contact group", .tag = "contacts", .request = pb::ContactGroup::descriptor(),
          .response = pb::ContactGroup::descriptor()},
         [this](HttpRequest& r, const Caller& c) {
           pb::UpdateContactGroupRequest req;
           if (auto st = ParsePatch(r, req.mutable_group(), req.mutable_update_mask()); !st.ok()) {
             return ErrorResponse(st);
           }
           req.set_user_id(Param(r, "user_id"));
           req.mutable_group()->set_id(Param(r, "group_id"));
           return Answer(Profiles(&Stub::UpdateContactGroup, c.principal, req));
         });
  Authed("DELETE", "/v1/users/{user_id}/contact-groups/{group_id}",
         {.summary = "Delete a contact group and its subgroups", .tag = "contacts"},
         [this](HttpRequest& r, const Caller& c) {
           pb::DeleteContactGroupRequest req;
           req.set_user_id(Param(r, "user_id"));
           req.set_group_id(Param(r, "group_id"));
           return NoContent(Profiles(&Stub::DeleteContactGroup, c.principal, req).status());
         });

  // ---- directory and speed dials
  Authed("GET", "/v1/directory",
         {.summary = "Company directory: colleagues by name, extension, number or department", .tag = "directory",
          .response = pb::SearchDirectoryResponse::descriptor(),
          .query = {{.name = "query"}, {.name = "page_size", .type = "integer"}, {.name = "page_token"}}},
         [this](HttpRequest& r, const Caller& c) {
           pb::SearchDirectoryRequest req;
           req.set_query(QueryOr(r, "query"));
           req.set_tenant_id(QueryOr(r, "tenant_id"));
           req.set_page_size(PageSize(r));
           req.set_page_token(QueryOr(r, "page_token"));
           return Answer(Profiles(&Stub::SearchDirectory, c.principal, req));
         });
  Authed("GET", "/v1/users/{user_id}/speed-dials",
         {.summary = "Speed dials (abbreviated numbers)", .tag = "directory",
          .response = pb::ListSpeedDialsResponse::descriptor()},
         [this](HttpRequest& r, const Caller& c) {
           pb::ListSpeedDialsRequest req;
           req.set_user_id(Param(r, "user_id"));
           return Answer(Profiles(&Stub::ListSpeedDials, c.principal, req));
         });
  Authed("PUT", "/v1/users/{user_id}/speed-dials/{code}",
         {.summary = "Set the speed dial `code` (1 or 2 digits)", .tag = "directory",
          .request = ::switchboard::gateway::v1::SpeedDialBody::descriptor(),
          .response = pb::SpeedDial::descriptor()},
         [this](HttpRequest& r, const Caller& c) {
           ::switchboard::gateway::v1::SpeedDialBody body;
           if (auto st = ParseBody(r, &body); !st.ok()) return ErrorResponse(st);
           pb::SetSpeedDialRequest req;
           req.set_user_id(Param(r, "user_id"));
           req.mutable_speed_dial()->set_code(Param(r, "code"));
           req.mutable_speed_dial()->set_number(body.number());
           req.mutable_speed_dial()->set_name(body.name());
           return Answer(Profiles(&Stub::SetSpeedDial, c.principal, req));
         });
  Authed("DELETE", "/v1/users/{user_id}/speed-dials/{code}", {.summary = "Remove a speed dial", .tag = "directory"},
         [this](HttpRequest& r, const Caller& c) {
           pb::DeleteSpeedDialRequest req;
           req.set_user_id(Param(r, "user_id"));
           req.set_code(Param(r, "code"));
           return NoContent(Profiles(&Stub::DeleteSpeedDial, c.principal, req).status());
         });
}

}  // namespace sb::gateway
