#include "services/routing/routing_cache.h"

#include "core/status.h"

namespace sb::routing {

RoutingData::RoutingData(Store* store, absl::Duration ttl, std::function<absl::Time()> clock)
    : store_(store), ttl_(ttl), clock_(std::move(clock)) {}

std::shared_ptr<const UserRouting> RoutingData::PeekUser(const std::string& user_id) {
  return users_.Get(user_id, clock_());
}

std::shared_ptr<const TenantRouting> RoutingData::PeekTenant(const std::string& tenant_id) {
  return tenants_.Get(tenant_id, clock_());
}

absl::StatusOr<std::shared_ptr<const UserRouting>> RoutingData::User(const std::string& tenant_id,
                                                                     const std::string& user_id) {
  bool hit = false;
  auto out = users_.GetOrLoad(
      user_id, clock_(), ttl_,
      [&]() -> absl::StatusOr<std::shared_ptr<const UserRouting>> {
        loads_.fetch_add(1, std::memory_order_relaxed);
        auto value = std::make_shared<UserRouting>();
        auto settings = store_->GetCallSettings(user_id);
        if (settings.ok()) {
          value->saved = std::move(*settings);
        } else if (settings.status().code() != absl::StatusCode::kNotFound) {
          return settings.status();
        }
        SB_ASSIGN_OR_RETURN(value->schedules, store_->ListSchedules(tenant_id, user_id));
        SB_ASSIGN_OR_RETURN(value->rule_lists, store_->ListRuleLists(user_id));
        return std::shared_ptr<const UserRouting>(std::move(value));
      },
      &hit);
  if (hit) hits_.fetch_add(1, std::memory_order_relaxed);
  return out;
}

absl::StatusOr<std::shared_ptr<const TenantRouting>> RoutingData::Tenant(const std::string& tenant_id) {
  bool hit = false;
  auto out = tenants_.GetOrLoad(
      tenant_id, clock_(), ttl_,
      [&]() -> absl::StatusOr<std::shared_ptr<const TenantRouting>> {
        loads_.fetch_add(1, std::memory_order_relaxed);
        auto value = std::make_shared<TenantRouting>();
        SB_ASSIGN_OR_RETURN(value->blacklist, store_->GetBlacklist(tenant_id));
        value->compiled_blacklist = CompileBlacklist(value->blacklist);
        SB_ASSIGN_OR_RETURN(value->schedules, store_->ListSchedules(tenant_id, ""));
        return std::shared_ptr<const TenantRouting>(std::move(value));
      },
      &hit);
  if (hit) hits_.fetch_add(1, std::memory_order_relaxed);
  return out;
}

void RoutingData::Clear() {
  users_.Clear();
  tenants_.Clear();
}

RoutingDataStats RoutingData::Stats() const {
  return {hits_.load(std::memory_order_relaxed), loads_.load(std::memory_order_relaxed)};
}

}  // namespace sb::routing
