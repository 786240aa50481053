#pragma once
// Carrier trunks (POST /v1/trunks): who may send us calls without digest
// (inbound_sources, "ip:port" or "ip" for any port), where a tenant's
// external calls leave (outbound_uri), which number blocks it delivers.
// Operators manage them; the edge reads them all as SYSTEM and caches them.
// Stored in the profiles schema (migrations/0002_trunks.sql).
#include <string>

#include "absl/status/statusor.h"
#include "core/principal.h"
#include "pg/pool.h"
#include "switchboard/profiles/v1/profiles.pb.h"

namespace sb::profiles {

namespace pb = ::switchboard::profiles::v1;

// Field-named INVALID_ARGUMENT for a trunk that can't be stored.
absl::Status ValidateTrunk(const pb::Trunk& trunk);

class TrunkService {
 public:
  explicit TrunkService(pg::Pool* pool) : pool_(pool) {}

  absl::StatusOr<pb::Trunk> Create(const core::Principal& p, pb::Trunk trunk);
  absl::StatusOr<pb::Trunk> Get(const core::Principal& p, const std::string& id);
  absl::StatusOr<pb::ListTrunksResponse> List(const core::Principal& p, const std::string& tenant_id);
  absl::Status Delete(const core::Principal& p, const std::string& id);

 private:
  pg::Pool* pool_;
};

}  // namespace sb::profiles
