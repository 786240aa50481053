#include "services/edge/directory.h"

#include "absl/strings/str_cat.h"
#include "core/principal.h"
#include "core/server.h"
#include "core/status.h"

namespace sb::edge {

namespace pb = ::switchboard::profiles::v1;

EdgeDirectory::EdgeDirectory(std::shared_ptr<grpc::Channel> profiles, absl::Duration timeout, absl::Duration ttl)
    : stub_(pb::Profiles::NewStub(std::move(profiles))), timeout_(timeout), ttl_(ttl) {}

absl::StatusOr<ResolvedLine> EdgeDirectory::Resolve(const std::string& tenant_id, const std::string& dialed) {
  const std::string key = absl::StrCat(tenant_id, "|", dialed);
  {
    absl::MutexLock lock(&mu_);
    if (auto it = lines_.find(key); it != lines_.end() && absl::Now() - it->second.at < ttl_) {
      return it->second.value;
    }
  }
  pb::ResolveLineRequest req;
  req.set_tenant_id(tenant_id);
  req.set_dialed(dialed);
  pb::ResolveLineResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(core::DeadlineIn(timeout_));
  core::AttachPrincipal(&ctx, core::Principal::System());
  absl::Status st = core::FromGrpc(stub_->ResolveLine(&ctx, req, &resp));
  absl::StatusOr<ResolvedLine> out;
  if (st.ok() && resp.line().id().empty()) st = absl::NotFoundError("no line for the dialed number");
  if (st.ok()) {
    out = ResolvedLine{resp.line().id(), resp.line().user_id(), resp.line().tenant_id(),
                       resp.line().number_e164(), resp.line().extension()};
  } else {
    out = st;
  }
  // Answers (found or not) are cached; failures to ask are not.
  if (st.ok() || st.code() == absl::StatusCode::kNotFound) {
    absl::MutexLock lock(&mu_);
    if (lines_.size() > 100000) lines_.clear();
    lines_[key] = {absl::Now(), out};
  }
  return out;
}

std::optional<absl::StatusOr<ResolvedLine>> EdgeDirectory::PeekResolve(const std::string& tenant_id,
                                                                      const std::string& dialed) {
  absl::MutexLock lock(&mu_);
  if (auto it = lines_.find(absl::StrCat(tenant_id, "|", dialed)); it != lines_.end() && absl::Now() - it->second.at < ttl_) {
    return it->second.value;
  }
  return std::nullopt;
}

std::optional<std::string> EdgeDirectory::PeekTenantDomain(const std::string& tenant_id) {
  absl::MutexLock lock(&mu_);
  if (auto it = domains_.find(tenant_id); it != domains_.end() && absl::Now() - it->second.at < ttl_) {
    if (it->second.value.ok()) return *it->second.value;
  }
  return std::nullopt;
}

absl::StatusOr<std::string> EdgeDirectory::TenantDomain(const std::string& tenant_id) {
  {
    absl::MutexLock lock(&mu_);
    if (auto it = domains_.find(tenant_id); it != domains_.end() && absl::Now() - it->second.at < ttl_) {
      return it->second.value;
    }
  }
  pb::GetTenantRequest req;
  req.set_tenant_id(tenant_id);
  pb::Tenant tenant;
  grpc::ClientContext ctx;
  ctx.set_deadline(core::DeadlineIn(timeout_));
  core::AttachPrincipal(&ctx, core::Principal::System());
  SB_RETURN_IF_ERROR(core::FromGrpc(stub_->GetTenant(&ctx, req, &tenant)));
  absl::MutexLock lock(&mu_);
  if (domains_.size() > 100000) domains_.clear();
  domains_[tenant_id] = {absl::Now(), tenant.sip_domain()};
  return tenant.sip_domain();
}

absl::StatusOr<std::vector<Trunk>> EdgeDirectory::Trunks() {
  pb::ListTrunksRequest req;
  pb::ListTrunksResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(core::DeadlineIn(timeout_));
  core::AttachPrincipal(&ctx, core::Principal::System());
  SB_RETURN_IF_ERROR(core::FromGrpc(stub_->ListTrunks(&ctx, req, &resp)));
  std::vector<Trunk> out;
  for (const pb::Trunk& t : resp.items()) {
    out.push_back(Trunk{.id = t.id(),
                        .name = t.name(),
                        .tenant_id = t.tenant_id(),
                        .inbound_sources = {t.inbound_sources().begin(), t.inbound_sources().end()},
                        .outbound_uri = t.outbound_uri()});
  }
  return out;
}

}  // namespace sb::edge
