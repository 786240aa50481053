#pragma once
// Schedules (B7): is a moment inside a named schedule?
//
// A schedule is a weekly plan (per day, up to 3 periods on a 15-minute grid;
// a lunch break is two periods), special days that override it (single dates
// or ranges, closed all day or open some hours, optionally every year), the
// public holidays of a country (closed all day), or the opposite of another
// schedule (Proximus "non-<name>": in it exactly when the other isn't, which
// includes the other's special days and holidays).
//
// Schedules are read in wall-clock time of the subscriber's time zone:
// Decide converts `now` once with absl::ToCivilSecond(now, tz), so a period
// "01:30–03:30" on the night clocks go forward (Europe/Paris, last Sunday of
// March, 02:00 → 03:00) lasts one real hour, and two on the night they go
// back. Periods never span midnight: "18:00–09:00" is the opposite schedule.
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/civil_time.h"
#include "switchboard/routing/v1/routing.pb.h"

namespace sb::routing {

// [start, end) in minutes since midnight; end may be 1440 ("24:00").
struct MinuteRange {
  int start = 0;
  int end = 0;
  bool Contains(int minute) const { return minute >= start && minute < end; }
};

// "08:00" → 480, "24:00" → 1440; nullopt when malformed or out of range.
std::optional<int> ParseTimeOfDay(std::string_view text);
// "2026-05-14" → the civil day; nullopt when malformed.
std::optional<absl::CivilDay> ParseDate(std::string_view text);

// One schedule, parsed once. Its `opposite_of` is resolved by ScheduleSet.
class CompiledSchedule {
 public:
  explicit CompiledSchedule(const ::switchboard::routing::v1::Schedule& schedule);

  const std::string& id() const { return id_; }
  const std::string& name() const { return name_; }
  const std::string& opposite_of() const { return opposite_of_; }

  // Inside the schedule's own definition (without `opposite_of`).
  bool Contains(absl::CivilSecond when) const;
  // A special day or a public holiday of this schedule.
  bool IsSpecialDay(absl::CivilDay day) const;

 private:
  struct SpecialDay {
    absl::CivilDay first;
    absl::CivilDay last;
    bool every_year = false;
    bool closed_all_day = true;
    std::vector<MinuteRange> open;
    bool Covers(absl::CivilDay day) const;
  };

  // The special days covering `day`, if any: closed wins over open hours,
  // open hours of several entries add up.
  const SpecialDay* FirstCovering(absl::CivilDay day) const;

  std::string id_;
  std::string name_;
  std::string opposite_of_;
  std::string holiday_country_;
  std::array<std::vector<MinuteRange>, 7> weekly_;  // [0] = Monday
  std::vector<SpecialDay> special_days_;
};

// The schedules a callee can refer to (its own and its tenant's), by id.
class ScheduleSet {
 public:
  ScheduleSet() = default;
  explicit ScheduleSet(const std::vector<::switchboard::routing::v1::Schedule>& schedules);

  // Whether `when` is inside schedule `id_or_name` (ids first, then names,
  // so that `opposite_of` may hold either). nullopt when there is no such
  // schedule: callers decide what an unknown schedule means.
  std::optional<bool> Contains(std::string_view id_or_name, absl::CivilSecond when) const;
  // Whether `day` is a special day (or holiday) of that schedule; for an
  // opposite schedule, of the schedule it is the opposite of.
  bool IsSpecialDay(std::string_view id_or_name, absl::CivilDay day) const;
  // Whether `day` is a special day of any schedule of the set.
  bool IsSpecialDayOfAny(absl::CivilDay day) const;

  size_t size() const { return schedules_.size(); }

 private:
  std::optional<size_t> Find(std::string_view id_or_name) const;
  bool ContainsAt(size_t index, absl::CivilSecond when, int depth) const;

  std::vector<CompiledSchedule> schedules_;
  absl::flat_hash_map<std::string, size_t> by_id_;
  absl::flat_hash_map<std::string, size_t> by_name_;
  std::vector<std::optional<size_t>> opposite_;  // per schedule, resolved
};

}  // namespace sb::routing
