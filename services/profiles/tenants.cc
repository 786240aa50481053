// Tenants: created and managed by operators; an admin reads its own.
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "core/status.h"
#include "services/profiles/profile_manager.h"
#include "services/profiles/validation.h"

namespace sb::profiles {
namespace {

absl::Status ValidateTenant(const pb::Tenant& t, const std::vector<std::string>& known_licences) {
  SB_RETURN_IF_ERROR(CheckText("name", t.name(), 100, /*required=*/true));
  SB_RETURN_IF_ERROR(CheckCountry("country", t.country()));
  SB_RETURN_IF_ERROR(CheckTimezone("timezone", t.timezone(), /*required=*/true));
  SB_RETURN_IF_ERROR(CheckSipDomain("sip_domain", t.sip_domain()));
  if (t.max_concurrent_calls() < 1 || t.max_concurrent_calls() > 1000) {
    return core::InvalidField("max_concurrent_calls", "max_concurrent_calls must be between 1 and 1000");
  }
  absl::flat_hash_set<std::string> known(known_licences.begin(), known_licences.end());
  for (const auto& l : t.offered_licences()) {
    if (!known.contains(l)) {
      return core::InvalidField("offered_licences", absl::StrCat("unknown licence '", l, "'"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

Page PageOf(int32_t page_size, const std::string& page_token) {
  Page page;
  page.after_id = page_token;
  int size = page_size <= 0 ? 50 : std::min(page_size, 500);
  page.limit = size + 1;
  return page;
}

absl::StatusOr<pb::Tenant> ProfileManager::VisibleTenant(const Principal& p, const std::string& tenant_id) {
  if (!p.CanSeeTenant(tenant_id)) return absl::NotFoundError("tenant not found");
  return store_->GetTenant(tenant_id);
}

absl::StatusOr<pb::Tenant> ProfileManager::CreateTenant(const Principal& p, pb::Tenant t) {
  if (!p.IsPlatformWide()) return absl::PermissionDeniedError("only an operator creates tenants");
  t.clear_id();
  t.set_country(absl::AsciiStrToUpper(t.country()));
  t.set_sip_domain(absl::AsciiStrToLower(t.sip_domain()));
  if (t.max_concurrent_calls() == 0) t.set_max_concurrent_calls(5);
  SB_RETURN_IF_ERROR(ValidateTenant(t, config_.known_licences));
  auto out = store_->InsertTenant(t, {Changed("profile.tenant_created", "", "")});
  if (out.status().code() == absl::StatusCode::kAlreadyExists) {
    return core::WithField(absl::AlreadyExistsError(absl::StrCat("sip_domain '", t.sip_domain(),
                                                                  "' is already used by another tenant")),
                           "sip_domain");
  }
  return out;
}

absl::StatusOr<pb::Tenant> ProfileManager::GetTenant(const Principal& p, const std::string& id) {
  return VisibleTenant(p, id);
}

absl::StatusOr<pb::ListTenantsResponse> ProfileManager::ListTenants(const Principal& p,
                                                                   const pb::ListTenantsRequest& req) {
  pb::ListTenantsResponse out;
  if (!p.IsPlatformWide()) {
    // An admin or user sees its own tenant only.
    SB_ASSIGN_OR_RETURN(auto t, store_->GetTenant(p.tenant_id));
    *out.add_items() = std::move(t);
    return out;
  }
  Page page = PageOf(req.page_size(), req.page_token());
  SB_ASSIGN_OR_RETURN(auto items, store_->ListTenants(page));
  out.set_next_page_token(NextToken(&items, page));
  for (auto& t : items) *out.add_items() = std::move(t);
  return out;
}

absl::StatusOr<pb::Tenant> ProfileManager::UpdateTenant(const Principal& p, const pb::UpdateTenantRequest& req) {
  SB_ASSIGN_OR_RETURN(pb::Tenant t, VisibleTenant(p, req.tenant().id()));
  if (!p.IsPlatformWide()) return absl::PermissionDeniedError("only an operator changes a tenant");
  if (req.update_mask().paths_size() == 0) return core::InvalidField("update_mask", "nothing to update");
  const pb::Tenant& in = req.tenant();
  for (const auto& path : req.update_mask().paths()) {
    if (path == "name") t.set_name(in.name());
    else if (path == "country") t.set_country(absl::AsciiStrToUpper(in.country()));
    else if (path == "timezone") t.set_timezone(in.timezone());
    else if (path == "sip_domain") t.set_sip_domain(absl::AsciiStrToLower(in.sip_domain()));
    else if (path == "max_concurrent_calls") t.set_max_concurrent_calls(in.max_concurrent_calls());
    else if (path == "offered_licences") *t.mutable_offered_licences() = in.offered_licences();
    else return core::InvalidField(path, absl::StrCat("field '", path, "' can't be changed"));
  }
  SB_RETURN_IF_ERROR(ValidateTenant(t, config_.known_licences));
  return store_->UpdateTenant(t, {Changed("profile.tenant_updated", t.id(), "")});
}

absl::Status ProfileManager::DeleteTenant(const Principal& p, const std::string& id) {
  SB_ASSIGN_OR_RETURN(pb::Tenant t, VisibleTenant(p, id));
  if (!p.IsPlatformWide()) return absl::PermissionDeniedError("only an operator deletes a tenant");
  return store_->DeleteTenant(t.id(), {Changed("profile.tenant_deleted", t.id(), "")});
}

}  // namespace sb::profiles
