#pragma once
// A small thread-safe map of immutable values that expire, for the data the
// decision path reads on every call (profiles records, routing settings).
//
// Values are shared_ptr<const V>: a reader keeps what it got even if the
// entry is replaced or dropped meanwhile, and never copies it.
//
// Loads are single-flight: when many callers miss the same key at once (a
// burst of calls to a callee whose entry just expired), one loads and the
// others wait for its answer, so the backend sees one request, not fifty.
//
// Invalidation races: a value loaded before an invalidation must not be
// stored after it (it would bring stale data back until the TTL). A load
// remembers the cache's generation when it starts and its value is stored
// only if no invalidation happened since. Coarse (one counter for the whole
// cache), which is right for data that changes rarely.
#include <cstdint>
#include <memory>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace sb::routing {

template <typename K, typename V>
class TtlCache {
 public:
  using Ticket = uint64_t;

  // Past `max_entries`, a Put first drops the expired entries, then, if that
  // is not enough, everything: keys come from the network (dialed strings)
  // and must not grow the process without bound.
  explicit TtlCache(size_t max_entries = 100000) : max_entries_(max_entries) {}

  // The value, or null when absent or expired at `now`.
  std::shared_ptr<const V> Get(const K& key, absl::Time now) const {
    absl::ReaderMutexLock lock(&mu_);
    auto it = map_.find(key);
    if (it == map_.end() || it->second.expires <= now) return nullptr;
    return it->second.value;
  }

  // The value for `key`: cached, or loaded by `load` (returning
  // absl::StatusOr<std::shared_ptr<const V>>) once however many callers ask
  // at the same time. A failed load is not cached; its waiters get its
  // status. `*hit` says whether the cache answered.
  template <typename Load>
  absl::StatusOr<std::shared_ptr<const V>> GetOrLoad(const K& key, absl::Time now, absl::Duration ttl,
                                                     Load&& load, bool* hit = nullptr) {
    std::shared_ptr<Flight> flight;
    Ticket ticket;
    {
      absl::MutexLock lock(&mu_);
      if (auto it = map_.find(key); it != map_.end() && it->second.expires > now) {
        if (hit != nullptr) *hit = true;
        return it->second.value;
      }
      if (hit != nullptr) *hit = false;
      if (auto f = flights_.find(key); f != flights_.end()) {
        std::shared_ptr<Flight> other = f->second;
        mu_.Await(absl::Condition(&other->done));
        return other->result;
      }
      flight = std::make_shared<Flight>();
      flights_[key] = flight;
      ticket = generation_;
    }
    absl::StatusOr<std::shared_ptr<const V>> result = load();
    absl::MutexLock lock(&mu_);
    if (result.ok() && ticket == generation_) InsertLocked(key, *result, now + ttl, now);
    flight->result = result;
    flight->done = true;
    flights_.erase(key);
    return result;
  }

  Ticket Begin() const {
    absl::ReaderMutexLock lock(&mu_);
    return generation_;
  }

  // Stores `value` until now + ttl unless the cache was invalidated since
  // `ticket`. Returns whether it was stored.
  bool Put(const K& key, std::shared_ptr<const V> value, absl::Time now, absl::Duration ttl, Ticket ticket) {
    absl::MutexLock lock(&mu_);
    if (ticket != generation_) return false;
    InsertLocked(key, std::move(value), now + ttl, now);
    return true;
  }

  void Erase(const K& key) {
    absl::MutexLock lock(&mu_);
    ++generation_;
    map_.erase(key);
  }

  // Drops the entries `pred(key, value)` selects.
  template <typename Pred>
  void EraseIf(Pred pred) {
    absl::MutexLock lock(&mu_);
    ++generation_;
    for (auto it = map_.begin(); it != map_.end();) {
      if (pred(it->first, *it->second.value)) {
        map_.erase(it++);
      } else {
        ++it;
      }
    }
  }

  void Clear() {
    absl::MutexLock lock(&mu_);
    ++generation_;
    map_.clear();
  }

  size_t size() const {
    absl::ReaderMutexLock lock(&mu_);
    return map_.size();
  }

 private:
  struct Entry {
    std::shared_ptr<const V> value;
    absl::Time expires;
  };
  struct Flight {
    bool done = false;
    absl::StatusOr<std::shared_ptr<const V>> result = absl::UnknownError("loading");
  };

  void InsertLocked(const K& key, std::shared_ptr<const V> value, absl::Time expires, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (map_.size() >= max_entries_ && !map_.contains(key)) {
      for (auto it = map_.begin(); it != map_.end();) {
        if (it->second.expires <= now) {
          map_.erase(it++);
        } else {
          ++it;
        }
      }
      if (map_.size() >= max_entries_) map_.clear();
    }
    map_[key] = Entry{std::move(value), expires};
  }

  const size_t max_entries_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<K, Entry> map_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<K, std::shared_ptr<Flight>> flights_ ABSL_GUARDED_BY(mu_);
  Ticket generation_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace sb::routing
