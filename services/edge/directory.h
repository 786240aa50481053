#pragma once
// What the edge must know of profiles beyond credentials, cached: the line a
// dialed string reaches in a tenant (for the degraded mode, when routing
// can't say) and a tenant's SIP domain (to name a diverting user as
// sip:<e164>@<domain> in History-Info). Blocking on a miss: worker threads.
#include <memory>
#include <optional>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/edge/trunks.h"
#include "switchboard/profiles/v1/profiles.grpc.pb.h"

namespace sb::edge {

struct ResolvedLine {
  std::string line_id;
  std::string user_id;
  std::string tenant_id;
  std::string number_e164;
  std::string extension;
};

class EdgeDirectory {
 public:
  EdgeDirectory(std::shared_ptr<grpc::Channel> profiles, absl::Duration timeout, absl::Duration ttl);

  // NOT_FOUND when the dialed string reaches no line of ours.
  absl::StatusOr<ResolvedLine> Resolve(const std::string& tenant_id, const std::string& dialed);
  absl::StatusOr<std::string> TenantDomain(const std::string& tenant_id);
  // The cached answers only, never blocking (fit for the SIP loop): nullopt
  // when not cached (or expired) — then ask on a worker.
  std::optional<absl::StatusOr<ResolvedLine>> PeekResolve(const std::string& tenant_id, const std::string& dialed);
  std::optional<std::string> PeekTenantDomain(const std::string& tenant_id);
  // Every trunk provisioned through the API (ListTrunks as SYSTEM); no cache:
  // TrunkTable reloads it periodically.
  absl::StatusOr<std::vector<Trunk>> Trunks();

 private:
  template <typename T>
  struct Entry {
    absl::Time at;
    absl::StatusOr<T> value;
  };

  std::unique_ptr<switchboard::profiles::v1::Profiles::Stub> stub_;
  const absl::Duration timeout_;
  const absl::Duration ttl_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry<ResolvedLine>> lines_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, Entry<std::string>> domains_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sb::edge
