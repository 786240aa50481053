#include "services/routing/engine/schedule.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "services/routing/engine/absl_view.h"
#include "services/routing/engine/holidays.h"

namespace sb::routing {
namespace {

namespace rpb = ::switchboard::routing::v1;

constexpr int kMinutesPerDay = 24 * 60;
// An opposite of an opposite is legal ("non-non-x"); a cycle is not, and is
// cut here instead of recursing forever.
constexpr int kMaxOppositeDepth = 4;

bool InRanges(const std::vector<MinuteRange>& ranges, int minute) {
  for (const MinuteRange& range : ranges) {
    if (range.Contains(minute)) return true;
  }
  return false;
}

std::vector<MinuteRange> CompileRanges(const google::protobuf::RepeatedPtrField<rpb::TimeRange>& ranges) {
  std::vector<MinuteRange> out;
  out.reserve(ranges.size());
  for (const rpb::TimeRange& range : ranges) {
    const std::optional<int> start = ParseTimeOfDay(range.start());
    const std::optional<int> end = ParseTimeOfDay(range.end());
    // The portal refuses these; one that got stored anyway covers nothing
    // rather than everything.
    if (!start || !end || *end <= *start) continue;
    out.push_back({*start, *end});
  }
  return out;
}

int MonthDay(absl::CivilDay day) { return day.month() * 100 + day.day(); }

// Monday = 0 … Sunday = 6.
int WeekdayIndex(absl::CivilDay day) {
  switch (absl::GetWeekday(day)) {
    case absl::Weekday::monday:
      return 0;
    case absl::Weekday::tuesday:
      return 1;
    case absl::Weekday::wednesday:
      return 2;
    case absl::Weekday::thursday:
      return 3;
    case absl::Weekday::friday:
      return 4;
    case absl::Weekday::saturday:
      return 5;
    case absl::Weekday::sunday:
      return 6;
  }
  return 0;
}

}  // namespace

std::optional<int> ParseTimeOfDay(std::string_view text) {
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 2) return std::nullopt;
  const std::string_view hours = text.substr(0, colon);
  const std::string_view minutes = text.substr(colon + 1);
  if (minutes.size() != 2) return std::nullopt;
  int h = 0;
  for (char c : hours) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    h = h * 10 + (c - '0');
  }
  if (!absl::ascii_isdigit(static_cast<unsigned char>(minutes[0])) ||
      !absl::ascii_isdigit(static_cast<unsigned char>(minutes[1]))) {
    return std::nullopt;
  }
  const int m = (minutes[0] - '0') * 10 + (minutes[1] - '0');
  if (m > 59) return std::nullopt;
  const int total = h * 60 + m;
  if (total > kMinutesPerDay) return std::nullopt;  // "24:00" is the last one
  return total;
}

std::optional<absl::CivilDay> ParseDate(std::string_view text) {
  // absl::ParseCivilTime also takes "2026-05-14T10"; a date is exactly ten.
  if (text.size() != 10) return std::nullopt;
  absl::CivilDay day;
  if (!absl::ParseCivilTime(absl::string_view(text.data(), text.size()), &day)) {
    return std::nullopt;
  }
  return day;
}

bool CompiledSchedule::SpecialDay::Covers(absl::CivilDay day) const {
  if (!every_year) return first <= day && day <= last;
  const int md = MonthDay(day);
  const int from = MonthDay(first);
  const int to = MonthDay(last);
  // Ranges may cross the new year ("24 Dec – 2 Jan, every year"); a range
  // of a year or more covers every day.
  if (last - first >= 365) return true;
  if (from <= to) return from <= md && md <= to;
  return md >= from || md <= to;
}

CompiledSchedule::CompiledSchedule(const rpb::Schedule& schedule)
    : id_(schedule.id()),
      name_(schedule.name()),
      opposite_of_(schedule.opposite_of()),
      holiday_country_(schedule.holiday_country()) {
  for (const rpb::DaySchedule& day : schedule.days()) {
    if (day.day() < 1 || day.day() > 7) continue;
    std::vector<MinuteRange>& ranges = weekly_[day.day() - 1];
    for (const MinuteRange& range : CompileRanges(day.periods())) ranges.push_back(range);
  }
  for (const rpb::SpecialDay& special : schedule.special_days()) {
    const std::optional<absl::CivilDay> first = ParseDate(special.date());
    if (!first) continue;
    std::optional<absl::CivilDay> last = first;
    if (!special.end_date().empty()) last = ParseDate(special.end_date());
    if (!last || *last < *first) last = first;
    SpecialDay compiled;
    compiled.first = *first;
    compiled.last = *last;
    compiled.every_year = special.repeat_every_year();
    compiled.open = CompileRanges(special.open());
    // "Open some hours" with no valid hours is a day closed all day.
    compiled.closed_all_day = special.closed_all_day() || compiled.open.empty();
    special_days_.push_back(std::move(compiled));
  }
}

const CompiledSchedule::SpecialDay* CompiledSchedule::FirstCovering(absl::CivilDay day) const {
  const SpecialDay* found = nullptr;
  for (const SpecialDay& special : special_days_) {
    if (!special.Covers(day)) continue;
    if (special.closed_all_day) return &special;
    if (found == nullptr) found = &special;
  }
  return found;
}

bool CompiledSchedule::Contains(absl::CivilSecond when) const {
  const absl::CivilDay day(when);
  const int minute = when.hour() * 60 + when.minute();
  if (const SpecialDay* special = FirstCovering(day)) {
    if (special->closed_all_day) return false;
    // Open hours of every special entry covering the day count.
    for (const SpecialDay& other : special_days_) {
      if (!other.closed_all_day && other.Covers(day) && InRanges(other.open, minute)) return true;
    }
    return false;
  }
  // Explicit special days come first: an admin may open on a holiday.
  if (!holiday_country_.empty() && IsPublicHoliday(holiday_country_, day)) return false;
  return InRanges(weekly_[WeekdayIndex(day)], minute);
}

bool CompiledSchedule::IsSpecialDay(absl::CivilDay day) const {
  if (FirstCovering(day) != nullptr) return true;
  return !holiday_country_.empty() && IsPublicHoliday(holiday_country_, day);
}

ScheduleSet::ScheduleSet(const std::vector<rpb::Schedule>& schedules) {
  schedules_.reserve(schedules.size());
  for (const rpb::Schedule& schedule : schedules) {
    const size_t index = schedules_.size();
    schedules_.emplace_back(schedule);
    if (!schedule.id().empty()) by_id_.try_emplace(schedule.id(), index);
    if (!schedule.name().empty()) by_name_.try_emplace(schedule.name(), index);
  }
  opposite_.reserve(schedules_.size());
  for (const CompiledSchedule& schedule : schedules_) {
    opposite_.push_back(schedule.opposite_of().empty() ? std::nullopt : Find(schedule.opposite_of()));
  }
}

std::optional<size_t> ScheduleSet::Find(std::string_view id_or_name) const {
  if (auto it = by_id_.find(Av(id_or_name)); it != by_id_.end()) return it->second;
  if (auto it = by_name_.find(Av(id_or_name)); it != by_name_.end()) return it->second;
  return std::nullopt;
}

bool ScheduleSet::ContainsAt(size_t index, absl::CivilSecond when, int depth) const {
  const CompiledSchedule& schedule = schedules_[index];
  if (schedule.opposite_of().empty()) return schedule.Contains(when);
  // The opposite of a schedule that no longer exists (or a cycle) is never
  // in: a rule tied to it stops applying instead of applying all the time.
  if (!opposite_[index] || depth >= kMaxOppositeDepth) return false;
  return !ContainsAt(*opposite_[index], when, depth + 1);
}

std::optional<bool> ScheduleSet::Contains(std::string_view id_or_name, absl::CivilSecond when) const {
  const std::optional<size_t> index = Find(id_or_name);
  if (!index) return std::nullopt;
  return ContainsAt(*index, when, 0);
}

bool ScheduleSet::IsSpecialDay(std::string_view id_or_name, absl::CivilDay day) const {
  std::optional<size_t> index = Find(id_or_name);
  for (int depth = 0; index && depth < kMaxOppositeDepth; ++depth) {
    const CompiledSchedule& schedule = schedules_[*index];
    if (schedule.opposite_of().empty()) return schedule.IsSpecialDay(day);
    index = opposite_[*index];
  }
  return false;
}

bool ScheduleSet::IsSpecialDayOfAny(absl::CivilDay day) const {
  return std::any_of(schedules_.begin(), schedules_.end(),
                     [day](const CompiledSchedule& s) { return s.IsSpecialDay(day); });
}

}  // namespace sb::routing
