#include "services/gateway/user_cache.h"

namespace sb::gateway {

std::optional<std::string> UserCache::Get(const std::string& user_id) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(user_id);
  if (it == entries_.end()) return std::nullopt;
  if (it->second.expires <= clock_()) {
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second.json;
}

void UserCache::Put(const std::string& user_id, std::string json) {
  absl::MutexLock lock(&mu_);
  // Bounded memory: when full, start over rather than track recency; the
  // cache refills from the hot users within a few requests.
  if (entries_.size() >= max_entries_) entries_.clear();
  entries_[user_id] = Entry{std::move(json), clock_() + ttl_};
}

void UserCache::Invalidate(const std::string& user_id) {
  absl::MutexLock lock(&mu_);
  entries_.erase(user_id);
}

void UserCache::Clear() {
  absl::MutexLock lock(&mu_);
  entries_.clear();
}

}  // namespace sb::gateway
