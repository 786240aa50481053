#pragma once
// SIP credentials of devices: fetched from profiles (GetSipCredentials, as
// the SYSTEM principal, with a deadline) and cached in memory, because every
// REGISTER and INVITE needs the HA1 and profiles is another process away.
//
// The cache keeps an entry for credentials_ttl (unknown users for
// negative_ttl, so a flood of made-up usernames doesn't reach profiles every
// time); profile.device_* events drop entries sooner (profile_events.h), so
// a reset password or a deleted phone stops working within moments, and the
// TTL bounds the damage of a missed event.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "switchboard/profiles/v1/profiles.grpc.pb.h"

namespace sb::edge {

// What the edge needs of profiles' SipCredentials. Never logged: HA1s.
struct DeviceCredentials {
  std::string sip_username;
  std::string sip_domain;
  std::string ha1_md5;
  std::string ha1_sha256;
  std::string tenant_id;
  std::string user_id;
  std::string device_id;
  std::vector<std::string> line_ids;  // the lines the device registers for
};

class CredentialSource {
 public:
  virtual ~CredentialSource() = default;
  // NOT_FOUND for an unknown username or a username of another domain;
  // UNAVAILABLE / DEADLINE_EXCEEDED when profiles can't answer.
  virtual absl::StatusOr<DeviceCredentials> Fetch(const std::string& username, const std::string& domain) = 0;
};

// The profiles service over gRPC. Thread-safe.
class ProfilesCredentialSource : public CredentialSource {
 public:
  ProfilesCredentialSource(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout);
  absl::StatusOr<DeviceCredentials> Fetch(const std::string& username, const std::string& domain) override;

 private:
  std::unique_ptr<switchboard::profiles::v1::Profiles::Stub> stub_;
  const absl::Duration timeout_;
};

struct CredentialCacheConfig {
  absl::Duration ttl = absl::Seconds(60);
  absl::Duration negative_ttl = absl::Seconds(10);
  size_t max_entries = 200000;
};

// Thread-safe.
class CredentialCache {
 public:
  using Clock = std::function<absl::Time()>;

  CredentialCache(CredentialSource* source, CredentialCacheConfig config, Clock clock = nullptr);

  // From the cache, or fetched (the caller's thread blocks on profiles).
  // NOT_FOUND answers are cached too; errors are not.
  absl::StatusOr<DeviceCredentials> Get(const std::string& username, const std::string& domain);
  // From the cache only, never blocking: nullopt when it would have to ask
  // profiles (absent or expired).
  std::optional<absl::StatusOr<DeviceCredentials>> Peek(const std::string& username,
                                                        const std::string& domain) const;
  // Forgets `username` under every domain.
  void Invalidate(const std::string& username);
  void Clear();
  size_t size() const;

 private:
  struct Entry {
    absl::Time fetched_at;
    bool found = false;
    DeviceCredentials credentials;
  };

  void PruneLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  CredentialSource* const source_;
  const CredentialCacheConfig config_;
  const Clock clock_;

  mutable absl::Mutex mu_;
  // username → domain (lower case) → entry.
  absl::flat_hash_map<std::string, absl::flat_hash_map<std::string, Entry>> entries_ ABSL_GUARDED_BY(mu_);
  size_t count_ ABSL_GUARDED_BY(mu_) = 0;
  // Bumped by every invalidation, so a fetch that raced with one does not
  // put back what the invalidation removed.
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace sb::edge
