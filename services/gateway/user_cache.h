#pragma once
// Signed-in users' own profiles as the JSON the portal gets, cached in each
// gateway copy: GET /v1/users/me is the portal's hottest read, and a hit
// costs neither a profiles call, a database query nor a JSON conversion.
//
// Freshness: this copy drops a user's entry on any change it makes; every
// copy drops entries on the `profile.*` events (Tail, broadcast) that
// profiles publishes with each change; and entries expire after `ttl` in
// case an event was missed while Redis was unreachable.
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace sb::gateway {

class UserCache {
 public:
  explicit UserCache(absl::Duration ttl = absl::Seconds(30), size_t max_entries = 100000,
                     std::function<absl::Time()> clock = absl::Now)
      : ttl_(ttl), max_entries_(max_entries), clock_(std::move(clock)) {}

  std::optional<std::string> Get(const std::string& user_id);
  void Put(const std::string& user_id, std::string json);
  void Invalidate(const std::string& user_id);
  void Clear();

 private:
  struct Entry {
    std::string json;
    absl::Time expires;
  };
  const absl::Duration ttl_;
  const size_t max_entries_;
  std::function<absl::Time()> clock_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sb::gateway
