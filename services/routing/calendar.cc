#include "services/routing/calendar.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/status.h"
#include "services/routing/engine/holidays.h"
#include "services/routing/engine/schedule.h"
#include "services/routing/settings.h"

namespace sb::routing {
namespace {

using core::InvalidField;

std::string Item(absl::string_view field, int index) { return absl::StrCat(field, "[", index, "]"); }

// Minutes after midnight of "HH:MM", or -1: the engine's reading.
int MinutesOf(absl::string_view hhmm) {
  return ParseTimeOfDay(std::string_view(hhmm.data(), hhmm.size())).value_or(-1);
}

std::string FormatMinutes(int m) { return absl::StrFormat("%02d:%02d", m / 60, m % 60); }

// Checks a day's periods: on the grid, start before end, no overlap; sorts them.
absl::Status CheckPeriods(google::protobuf::RepeatedPtrField<rpb::TimeRange>* periods,
                          absl::string_view field) {
  if (periods->size() > kMaxPeriodsPerDay) {
    return InvalidField(field, absl::StrCat(field, " takes at most ", kMaxPeriodsPerDay, " periods a day"));
  }
  for (int i = 0; i < periods->size(); ++i) {
    auto* p = periods->Mutable(i);
    const std::string item = Item(field, i);
    int start = MinutesOf(p->start());
    int end = MinutesOf(p->end());
    for (auto [value, name] : {std::pair{start, "start"}, std::pair{end, "end"}}) {
      const std::string f = absl::StrCat(item, ".", name);
      if (value < 0) return InvalidField(f, absl::StrCat(f, " must be a time of day such as 08:00"));
      if (value % kGridMinutes != 0) {
        return InvalidField(f, absl::StrCat(f, " must fall on a quarter hour (:00, :15, :30, :45)"));
      }
    }
    if (end <= start) return InvalidField(item + ".end", absl::StrCat(item, ".end must be after its start"));
    p->set_start(FormatMinutes(start));
    p->set_end(FormatMinutes(end));
  }
  std::sort(periods->begin(), periods->end(), [](const rpb::TimeRange& a, const rpb::TimeRange& b) {
    return MinutesOf(a.start()) < MinutesOf(b.start());
  });
  for (int i = 1; i < periods->size(); ++i) {
    if (MinutesOf((*periods)[i].start()) < MinutesOf((*periods)[i - 1].end())) {
      return InvalidField(
          field, absl::StrCat(field, ": periods ", (*periods)[i - 1].start(), "–", (*periods)[i - 1].end(),
                              " and ", (*periods)[i].start(), "–", (*periods)[i].end(), " overlap"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateSchedule(rpb::Schedule* s) {
  SB_RETURN_IF_ERROR(CheckText(s->name(), "name", 64, /*required=*/true));
  s->set_name(std::string(absl::StripAsciiWhitespace(s->name())));
  bool seen[8] = {};
  for (int i = 0; i < s->days_size(); ++i) {
    auto* d = s->mutable_days(i);
    const std::string item = Item("days", i);
    if (d->day() < 1 || d->day() > 7) {
      return InvalidField(item + ".day", absl::StrCat(item, ".day must be 1 (Monday) to 7 (Sunday)"));
    }
    if (seen[d->day()]) return InvalidField(item + ".day", absl::StrCat(item, ".day appears twice"));
    seen[d->day()] = true;
    SB_RETURN_IF_ERROR(CheckPeriods(d->mutable_periods(), item + ".periods"));
  }
  std::sort(s->mutable_days()->begin(), s->mutable_days()->end(),
            [](const rpb::DaySchedule& a, const rpb::DaySchedule& b) { return a.day() < b.day(); });

  if (s->special_days_size() > kMaxSpecialDays) {
    return InvalidField("special_days",
                        absl::StrCat("special_days takes at most ", kMaxSpecialDays, " entries"));
  }
  for (int i = 0; i < s->special_days_size(); ++i) {
    auto* sd = s->mutable_special_days(i);
    const std::string item = Item("special_days", i);
    SB_RETURN_IF_ERROR(CheckText(sd->name(), item + ".name", 64));
    auto from = ParseDate(sd->date());
    if (!from) {
      return InvalidField(item + ".date", absl::StrCat(item, ".date must be a date such as 2026-12-24"));
    }
    if (!sd->end_date().empty()) {
      auto to = ParseDate(sd->end_date());
      if (!to) {
        return InvalidField(item + ".end_date",
                            absl::StrCat(item, ".end_date must be a date such as 2026-12-31"));
      }
      if (*to < *from)
        return InvalidField(item + ".end_date", absl::StrCat(item, ".end_date is before its date"));
      if (*to - *from > 366) {
        return InvalidField(item + ".end_date", absl::StrCat(item, " may span at most a year"));
      }
    }
    if (sd->closed_all_day() && sd->open_size() > 0) {
      return InvalidField(item + ".open", absl::StrCat(item, " is closed all day: it has no open hours"));
    }
    if (!sd->closed_all_day() && sd->open_size() == 0) {
      return InvalidField(item + ".open",
                          absl::StrCat(item, " needs open hours, or closed_all_day for a day off"));
    }
    SB_RETURN_IF_ERROR(CheckPeriods(sd->mutable_open(), item + ".open"));
  }
  if (!s->holiday_country().empty()) {
    s->set_holiday_country(absl::AsciiStrToUpper(s->holiday_country()));
    if (!HasPublicHolidays(s->holiday_country())) {
      return InvalidField(
          "holiday_country",
          absl::StrCat("holiday_country: no public holidays are known for '", s->holiday_country(), "'"));
    }
  }
  return absl::OkStatus();
}

rpb::Schedule OppositeOf(const rpb::Schedule& s) {
  rpb::Schedule o;
  o.set_tenant_id(s.tenant_id());
  o.set_user_id(s.user_id());
  o.set_name(absl::StrCat("non-", s.name()));
  return o;
}

absl::StatusOr<std::vector<rpb::SpecialDay>> ListPublicHolidays(absl::string_view country, int year) {
  if (year < 1900 || year > 2200) return InvalidField("year", "year must be between 1900 and 2200");
  const std::string_view code(country.data(), country.size());
  if (!HasPublicHolidays(code)) {
    return InvalidField("country", absl::StrCat("country: no public holidays are known for '", country, "'"));
  }
  return PublicHolidays(code, year);
}

}  // namespace sb::routing
