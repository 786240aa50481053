#include "services/voicemail/profiles_client.h"

#include "core/principal.h"
#include "core/server.h"
#include "core/status.h"

namespace sb::voicemail {
namespace {

template <typename Stub, typename Req, typename Resp>
absl::StatusOr<Resp> Call(Stub* stub, grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                          const Req& req, absl::Duration timeout) {
  grpc::ClientContext ctx;
  ctx.set_deadline(core::DeadlineIn(timeout));
  core::AttachPrincipal(&ctx, core::Principal::System());
  Resp resp;
  grpc::Status st = (stub->*method)(&ctx, req, &resp);
  if (!st.ok()) return core::FromGrpc(st);
  return resp;
}

}  // namespace

absl::StatusOr<ppb::User> ProfilesClient::GetUser(const std::string& user_id) {
  ppb::GetUserRequest req;
  req.set_user_id(user_id);
  return Call(stub_.get(), &ppb::Profiles::Stub::GetUser, req, timeout_);
}

absl::StatusOr<ppb::Tenant> ProfilesClient::GetTenant(const std::string& tenant_id) {
  ppb::GetTenantRequest req;
  req.set_tenant_id(tenant_id);
  return Call(stub_.get(), &ppb::Profiles::Stub::GetTenant, req, timeout_);
}

absl::StatusOr<ppb::Line> ProfilesClient::GetLine(const std::string& line_id) {
  ppb::GetLineRequest req;
  req.set_line_id(line_id);
  return Call(stub_.get(), &ppb::Profiles::Stub::GetLine, req, timeout_);
}

absl::StatusOr<ppb::ResolveLineResponse> ProfilesClient::ResolveLine(const std::string& tenant_id,
                                                                     const std::string& dialed) {
  ppb::ResolveLineRequest req;
  req.set_tenant_id(tenant_id);
  req.set_dialed(dialed);
  return Call(stub_.get(), &ppb::Profiles::Stub::ResolveLine, req, timeout_);
}

absl::StatusOr<bool> ProfilesClient::VerifyVoicemailPin(const std::string& user_id, const std::string& pin) {
  ppb::VerifyPinRequest req;
  req.set_user_id(user_id);
  req.set_pin(pin);
  auto r = Call(stub_.get(), &ppb::Profiles::Stub::VerifyVoicemailPin, req, timeout_);
  if (!r.ok()) return r.status();
  return r->ok();
}

}  // namespace sb::voicemail
