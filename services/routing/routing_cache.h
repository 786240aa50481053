#pragma once
// Routing's own data as the decision path reads it, cached in memory: a
// user's saved settings, schedules and rule lists; a tenant's blacklist
// (compiled once for the engine) and group schedules. On a warm cache a
// decision makes no database round trip.
//
// Freshness: a write through this copy invalidates at once (RoutingManager
// calls Invalidate*); a write through another copy arrives as a
// routing.*_changed event on events.routing, which every copy tails
// (invalidation.h); entries also expire after `ttl`, in case an event is
// lost.
//
// Threading: any thread. User()/Tenant() may block on PostgreSQL;
// Peek*() never block.
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/routing/engine/engine.h"
#include "services/routing/store.h"
#include "services/routing/ttl_cache.h"

namespace sb::routing {

struct UserRouting {
  std::optional<rpb::CallSettings> saved;  // empty: the user never saved settings
  std::vector<rpb::Schedule> schedules;    // the user's own
  std::vector<rpb::RuleList> rule_lists;
};

struct TenantRouting {
  rpb::Blacklist blacklist;
  std::shared_ptr<const CompiledBlacklist> compiled_blacklist;
  std::vector<rpb::Schedule> schedules;  // group (tenant-level) schedules
};

struct RoutingDataStats {
  int64_t hits = 0;
  int64_t loads = 0;  // round trips to the store
};

class RoutingData {
 public:
  RoutingData(Store* store, absl::Duration ttl = absl::Seconds(30),
              std::function<absl::Time()> clock = absl::Now);

  absl::StatusOr<std::shared_ptr<const UserRouting>> User(const std::string& tenant_id,
                                                          const std::string& user_id);
  absl::StatusOr<std::shared_ptr<const TenantRouting>> Tenant(const std::string& tenant_id);
  std::shared_ptr<const UserRouting> PeekUser(const std::string& user_id);
  std::shared_ptr<const TenantRouting> PeekTenant(const std::string& tenant_id);

  void InvalidateUser(const std::string& user_id) { users_.Erase(user_id); }
  void InvalidateTenant(const std::string& tenant_id) { tenants_.Erase(tenant_id); }
  void Clear();

  RoutingDataStats Stats() const;

 private:
  Store* store_;
  const absl::Duration ttl_;
  std::function<absl::Time()> clock_;
  TtlCache<std::string, UserRouting> users_;
  TtlCache<std::string, TenantRouting> tenants_;
  mutable std::atomic<int64_t> hits_{0};
  std::atomic<int64_t> loads_{0};
};

}  // namespace sb::routing
