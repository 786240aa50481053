#include "services/routing/engine/holidays.h"

#include <algorithm>
#include <span>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"

namespace sb::routing {
namespace {

namespace rpb = ::switchboard::routing::v1;

// A holiday on the same date every year.
struct FixedHoliday {
  int month;
  int day;
  std::string_view name;
};

// A holiday a number of days after Easter Sunday.
struct EasterHoliday {
  int days_after_easter;
  std::string_view name;
};

struct CountryCalendar {
  std::string_view country;
  std::span<const FixedHoliday> fixed;
  std::span<const EasterHoliday> easter_based;
};

// France: Code du travail L3133-1. Easter Sunday and Whit Sunday fall on
// Sundays and are not listed; Alsace-Moselle's extra days (Good Friday,
// 26 December) are regional, not national.
constexpr FixedHoliday kFranceFixed[] = {
    {1, 1, "Jour de l'an"}, {5, 1, "Fête du Travail"}, {5, 8, "Victoire 1945"},    {7, 14, "Fête nationale"},
    {8, 15, "Assomption"},  {11, 1, "Toussaint"},      {11, 11, "Armistice 1918"}, {12, 25, "Noël"},
};
constexpr EasterHoliday kFranceEaster[] = {
    {1, "Lundi de Pâques"}, {39, "Ascension"}, {50, "Lundi de Pentecôte"}};

// Belgium: the ten legal public holidays (loi du 4 janvier 1974).
constexpr FixedHoliday kBelgiumFixed[] = {
    {1, 1, "Nouvel An"},  {5, 1, "Fête du Travail"}, {7, 21, "Fête nationale"}, {8, 15, "Assomption"},
    {11, 1, "Toussaint"}, {11, 11, "Armistice"},     {12, 25, "Noël"},
};
constexpr EasterHoliday kBelgiumEaster[] = {
    {1, "Lundi de Pâques"}, {39, "Ascension"}, {50, "Lundi de Pentecôte"}};

// The registry: one row per country.
constexpr CountryCalendar kCalendars[] = {
    {"FR", kFranceFixed, kFranceEaster},
    {"BE", kBelgiumFixed, kBelgiumEaster},
};

// Country codes are two letters; compare without allocating.
const CountryCalendar* Find(std::string_view country) {
  if (country.size() != 2) return nullptr;
  const char upper[2] = {absl::ascii_toupper(static_cast<unsigned char>(country[0])),
                         absl::ascii_toupper(static_cast<unsigned char>(country[1]))};
  const std::string_view code(upper, 2);
  for (const CountryCalendar& calendar : kCalendars) {
    if (calendar.country == code) return &calendar;
  }
  return nullptr;
}

}  // namespace

absl::CivilDay EasterSunday(int year) {
  const int a = year % 19;
  const int b = year / 100;
  const int c = year % 100;
  const int d = b / 4;
  const int e = b % 4;
  const int f = (b + 8) / 25;
  const int g = (b - f + 1) / 3;
  const int h = (19 * a + b - d - g + 15) % 30;
  const int i = c / 4;
  const int k = c % 4;
  const int l = (32 + 2 * e + 2 * i - h - k) % 7;
  const int m = (a + 11 * h + 22 * l) / 451;
  const int month = (h + l - 7 * m + 114) / 31;
  const int day = (h + l - 7 * m + 114) % 31 + 1;
  return absl::CivilDay(year, month, day);
}

bool HasPublicHolidays(std::string_view country) { return Find(country) != nullptr; }

std::vector<rpb::SpecialDay> PublicHolidays(std::string_view country, int year) {
  std::vector<rpb::SpecialDay> out;
  const CountryCalendar* calendar = Find(country);
  if (calendar == nullptr) return out;
  std::vector<std::pair<absl::CivilDay, std::string_view>> days;
  for (const FixedHoliday& fixed : calendar->fixed) {
    days.emplace_back(absl::CivilDay(year, fixed.month, fixed.day), fixed.name);
  }
  const absl::CivilDay easter = EasterSunday(year);
  for (const EasterHoliday& moving : calendar->easter_based) {
    days.emplace_back(easter + moving.days_after_easter, moving.name);
  }
  std::sort(days.begin(), days.end());
  out.reserve(days.size());
  for (const auto& [day, name] : days) {
    rpb::SpecialDay& special = out.emplace_back();
    special.set_name(std::string(name));
    special.set_date(absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day()));
    special.set_closed_all_day(true);
    special.set_repeat_every_year(false);
  }
  return out;
}

bool IsPublicHoliday(std::string_view country, absl::CivilDay day) {
  const CountryCalendar* calendar = Find(country);
  if (calendar == nullptr) return false;
  for (const FixedHoliday& fixed : calendar->fixed) {
    if (day.month() == fixed.month && day.day() == fixed.day) return true;
  }
  // Easter falls between 22 March and 25 April, so its holidays (up to
  // Whit Monday, 50 days later) between March and mid-June.
  if (calendar->easter_based.empty() || day.month() < 3 || day.month() > 6) return false;
  const absl::civil_diff_t after = day - EasterSunday(static_cast<int>(day.year()));
  for (const EasterHoliday& moving : calendar->easter_based) {
    if (after == moving.days_after_easter) return true;
  }
  return false;
}

}  // namespace sb::routing
