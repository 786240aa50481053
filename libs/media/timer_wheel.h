#pragma once
// A hashed timer wheel (Varghese & Lauck): O(1) to schedule, O(1) per tick to
// expire, however many timers are pending. The media engine keeps one entry
// per session — its next deadline, usually the next 20 ms frame — so at 500
// sessions it expires ~25,000 timers a second without a heap.
//
// Cancellation is lazy: an entry carries the generation it was scheduled
// with, and the owner ignores entries whose generation is stale.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace sb::media {

class TimerWheel {
 public:
  struct Entry {
    int64_t tick;
    uint64_t key;
    uint64_t generation;
  };

  TimerWheel(absl::Time origin, absl::Duration resolution = absl::Milliseconds(1), size_t slots = 1024)
      : origin_(origin), resolution_(resolution), slots_(slots) {}

  // Due times in the past fire at the next Advance.
  void Schedule(absl::Time due, uint64_t key, uint64_t generation) {
    int64_t tick = absl::ToInt64Nanoseconds(due - origin_) / absl::ToInt64Nanoseconds(resolution_);
    // Round up: a timer never fires early.
    if (origin_ + resolution_ * tick < due) ++tick;
    tick = std::max(tick, current_ + 1);
    slots_[static_cast<size_t>(tick) % slots_.size()].push_back(Entry{tick, key, generation});
    ++size_;
  }

  // Calls fire(key, generation) for every entry due at or before `now`, in
  // tick order. `fire` may Schedule (including at ticks already due: they
  // fire within this call).
  template <typename Fire>
  void Advance(absl::Time now, Fire&& fire) {
    const int64_t now_tick = TickAt(now);
    if (now_tick <= current_) return;
    // Past a whole revolution every slot is due at least once: sweep them
    // all once instead of spinning through each missed tick.
    const int64_t span = now_tick - current_;
    const int64_t first =
        span > static_cast<int64_t>(slots_.size()) ? now_tick - slots_.size() + 1 : current_ + 1;
    for (int64_t t = first; t <= now_tick; ++t) {
      current_ = t;
      std::vector<Entry>& slot = slots_[static_cast<size_t>(t) % slots_.size()];
      if (slot.empty()) continue;
      std::vector<Entry> entries;
      entries.swap(slot);
      for (const Entry& e : entries) {
        if (e.tick <= now_tick) {
          --size_;
          fire(e.key, e.generation);
        } else {
          slot.push_back(e);  // a later revolution
        }
      }
      // Reuse the swapped-out buffer next time round, to avoid allocating.
      if (slot.empty()) {
        entries.clear();
        slot.swap(entries);
      }
    }
  }

  // The earliest due time within one revolution, or the end of the
  // revolution if entries are further out; nullopt if empty.
  std::optional<absl::Time> NextDue() const {
    if (size_ == 0) return std::nullopt;
    for (int64_t t = current_ + 1; t <= current_ + static_cast<int64_t>(slots_.size()); ++t) {
      for (const Entry& e : slots_[static_cast<size_t>(t) % slots_.size()]) {
        if (e.tick <= t) return origin_ + resolution_ * t;
      }
    }
    return origin_ + resolution_ * (current_ + static_cast<int64_t>(slots_.size()));
  }

  size_t size() const { return size_; }

 private:
  int64_t TickAt(absl::Time t) const {
    return absl::ToInt64Nanoseconds(t - origin_) / absl::ToInt64Nanoseconds(resolution_);
  }

  absl::Time origin_;
  absl::Duration resolution_;
  std::vector<std::vector<Entry>> slots_;
  int64_t current_ = 0;  // last tick processed
  size_t size_ = 0;
};

}  // namespace sb::media
