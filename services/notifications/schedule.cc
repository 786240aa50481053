#include "services/notifications/schedule.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/status.h"

namespace sb::notifications {
namespace {

int IsoWeekday(absl::CivilDay d) {
  switch (absl::GetWeekday(d)) {
    case absl::Weekday::monday:
      return 1;
    case absl::Weekday::tuesday:
      return 2;
    case absl::Weekday::wednesday:
      return 3;
    case absl::Weekday::thursday:
      return 4;
    case absl::Weekday::friday:
      return 5;
    case absl::Weekday::saturday:
      return 6;
    case absl::Weekday::sunday:
      return 7;
  }
  return 1;
}

absl::Time AtLocal(absl::CivilDay day, int seconds, absl::TimeZone tz) {
  absl::CivilSecond cs(day.year(), day.month(), day.day(), seconds / 3600, seconds / 60 % 60, seconds % 60);
  // A time skipped by a DST jump runs at the moment the clocks jumped to.
  return tz.At(cs).pre;
}

bool ParseDate(const std::string& s, absl::CivilDay* d) { return absl::ParseCivilTime(s, d); }

}  // namespace

absl::StatusOr<int> ParseClock(const std::string& value, const std::string& field) {
  int h = 0, m = 0, sec = 0;
  const bool hm = value.size() == 5 && value[2] == ':';
  const bool hms = value.size() == 8 && value[2] == ':' && value[5] == ':';
  if (!(hm || hms) || !absl::SimpleAtoi(value.substr(0, 2), &h) ||
      !absl::SimpleAtoi(value.substr(3, 2), &m) || (hms && !absl::SimpleAtoi(value.substr(6, 2), &sec)) ||
      h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59) {
    return core::InvalidField(field,
                              absl::StrCat(field, " must be a time of day as HH:MM or HH:MM:SS (24 h)"));
  }
  return h * 3600 + m * 60 + sec;
}

absl::Status ValidateReminder(const npb::Reminder& r) {
  if (r.name().size() > 100) return core::InvalidField("name", "name must be at most 100 characters");
  SB_RETURN_IF_ERROR(ParseClock(r.time(), "time").status());
  const bool once =
      r.recurrence() == npb::Reminder::ONCE || r.recurrence() == npb::Reminder::RECURRENCE_UNSPECIFIED;
  absl::CivilDay d;
  if (once && !ParseDate(r.date(), &d)) {
    return core::InvalidField("date", "date must be YYYY-MM-DD for a one-off reminder");
  }
  if (!once && !r.date().empty())
    return core::InvalidField("date", "date is only for a one-off reminder (ONCE)");
  if (r.announcement_wav().size() > (5 << 20)) {
    return core::InvalidField("announcement_wav", "the announcement must be at most 5 MiB");
  }
  return absl::OkStatus();
}

std::optional<absl::Time> NextReminderRun(const npb::Reminder& r, absl::TimeZone tz, absl::Time after) {
  auto seconds = ParseClock(r.time(), "time");
  if (!seconds.ok()) return std::nullopt;
  if (r.recurrence() == npb::Reminder::ONCE || r.recurrence() == npb::Reminder::RECURRENCE_UNSPECIFIED) {
    absl::CivilDay d;
    if (!ParseDate(r.date(), &d)) return std::nullopt;
    absl::Time t = AtLocal(d, *seconds, tz);
    return t > after ? std::optional<absl::Time>(t) : std::nullopt;
  }
  absl::CivilDay day = absl::ToCivilDay(after, tz);
  for (int i = 0; i < 9; ++i, ++day) {
    if (r.recurrence() == npb::Reminder::WORKDAYS && IsoWeekday(day) >= 6) continue;
    absl::Time t = AtLocal(day, *seconds, tz);
    if (t > after) return t;
  }
  return std::nullopt;
}

absl::Time NextAllowed(const google::protobuf::RepeatedPtrField<npb::TimeWindow>& windows, absl::TimeZone tz,
                       absl::Time t) {
  if (windows.empty()) return t;
  std::optional<absl::Time> best;
  absl::CivilDay day = absl::ToCivilDay(t, tz);
  for (int i = 0; i < 9; ++i, ++day) {
    for (const auto& w : windows) {
      bool day_ok = w.days().empty();
      for (int d : w.days()) day_ok |= d == IsoWeekday(day);
      if (!day_ok) continue;
      auto s = ParseClock(w.start(), "start");
      auto e = ParseClock(w.end(), "end");
      if (!s.ok() || !e.ok() || *e <= *s) continue;
      absl::Time start = AtLocal(day, *s, tz), end = AtLocal(day, *e, tz);
      if (t >= start && t < end) return t;
      if (start > t && (!best || start < *best)) best = start;
    }
  }
  return best.value_or(t);
}

absl::Status ValidateCallOut(const npb::CallOut& c) {
  if (c.enabled() && c.number().empty())
    return core::InvalidField("call_out.number", "call_out.number is required");
  if (c.normal_delay_min() < 0 || c.normal_delay_min() > 1440) {
    return core::InvalidField("call_out.normal_delay_min",
                              "call_out.normal_delay_min must be between 0 and 1440");
  }
  if (c.urgent_delay_min() < 0 || c.urgent_delay_min() > 1440) {
    return core::InvalidField("call_out.urgent_delay_min",
                              "call_out.urgent_delay_min must be between 0 and 1440");
  }
  if (c.retry_count() < 0 || c.retry_count() > 10) {
    return core::InvalidField("call_out.retry_count", "call_out.retry_count must be between 0 and 10");
  }
  if (c.retry_count() > 0 && (c.retry_interval_min() < 1 || c.retry_interval_min() > 1440)) {
    return core::InvalidField("call_out.retry_interval_min",
                              "call_out.retry_interval_min must be between 1 and 1440 when retries are set");
  }
  for (int i = 0; i < c.schedule_size(); ++i) {
    const auto& w = c.schedule(i);
    const std::string f = absl::StrCat("call_out.schedule[", i, "]");
    SB_ASSIGN_OR_RETURN(int s, ParseClock(w.start(), f + ".start"));
    SB_ASSIGN_OR_RETURN(int e, ParseClock(w.end(), f + ".end"));
    if (e <= s) return core::InvalidField(f + ".end", f + ".end must be after its start");
    for (int d : w.days()) {
      if (d < 1 || d > 7) return core::InvalidField(f + ".days", f + ".days are 1 (Monday) to 7 (Sunday)");
    }
  }
  return absl::OkStatus();
}

}  // namespace sb::notifications
