#include "services/routing/profiles_client.h"

#include <grpcpp/client_context.h>

#include "core/server.h"
#include "core/status.h"

namespace sb::routing {

GrpcProfilesSource::GrpcProfilesSource(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout)
    : stub_(ppb::Profiles::NewStub(channel)), timeout_(timeout) {}

template <typename Req, typename Resp>
absl::StatusOr<Resp> GrpcProfilesSource::Call(
    grpc::Status (ppb::Profiles::Stub::*method)(grpc::ClientContext*, const Req&, Resp*), const Req& req,
    const core::Principal& principal) {
  grpc::ClientContext ctx;
  ctx.set_deadline(core::DeadlineIn(timeout_));
  core::AttachPrincipal(&ctx, principal);
  Resp resp;
  grpc::Status st = (stub_.get()->*method)(&ctx, req, &resp);
  if (!st.ok()) return core::FromGrpc(st);
  return resp;
}

absl::StatusOr<ppb::Tenant> GrpcProfilesSource::GetTenant(const std::string& tenant_id) {
  ppb::GetTenantRequest req;
  req.set_tenant_id(tenant_id);
  return Call(&ppb::Profiles::Stub::GetTenant, req);
}

absl::StatusOr<ppb::User> GrpcProfilesSource::GetUser(const std::string& user_id) {
  ppb::GetUserRequest req;
  req.set_user_id(user_id);
  return Call(&ppb::Profiles::Stub::GetUser, req);
}

absl::StatusOr<ppb::ResolveLineResponse> GrpcProfilesSource::ResolveLine(const std::string& tenant_id,
                                                                         const std::string& dialed) {
  ppb::ResolveLineRequest req;
  req.set_tenant_id(tenant_id);
  req.set_dialed(dialed);
  return Call(&ppb::Profiles::Stub::ResolveLine, req);
}

absl::StatusOr<std::vector<ppb::Contact>> GrpcProfilesSource::ListContacts(const std::string& user_id) {
  std::vector<ppb::Contact> out;
  ppb::ListContactsRequest req;
  req.set_user_id(user_id);
  req.set_page_size(500);
  // A runaway loop would hold a worker; 20 pages is 10,000 contacts.
  for (int page = 0; page < 20; ++page) {
    SB_ASSIGN_OR_RETURN(auto resp, Call(&ppb::Profiles::Stub::ListContacts, req));
    for (auto& c : *resp.mutable_items()) out.push_back(std::move(c));
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  return out;
}

absl::StatusOr<std::vector<ppb::ContactGroup>> GrpcProfilesSource::ListContactGroups(
    const std::string& user_id) {
  std::vector<ppb::ContactGroup> out;
  ppb::ListContactGroupsRequest req;
  req.set_user_id(user_id);
  req.set_page_size(500);
  for (int page = 0; page < 20; ++page) {
    SB_ASSIGN_OR_RETURN(auto resp, Call(&ppb::Profiles::Stub::ListContactGroups, req));
    for (auto& g : *resp.mutable_items()) out.push_back(std::move(g));
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  return out;
}

absl::StatusOr<std::vector<ppb::User>> GrpcProfilesSource::ListUsers(const core::Principal& principal,
                                                                     const std::string& tenant_id) {
  std::vector<ppb::User> out;
  ppb::ListUsersRequest req;
  req.set_tenant_id(tenant_id);
  req.set_page_size(500);
  for (int page = 0; page < 20; ++page) {
    SB_ASSIGN_OR_RETURN(auto resp, Call(&ppb::Profiles::Stub::ListUsers, req, principal));
    for (auto& u : *resp.mutable_items()) out.push_back(std::move(u));
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  return out;
}

}  // namespace sb::routing
