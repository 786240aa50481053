#include "services/routing/engine/schedule.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "services/routing/engine/test_support.h"

namespace sb::routing {
namespace {

using testing::At;
using testing::Range;
using testing::Weekly;
using testing::Zone;

absl::CivilSecond Civil(int y, int m, int d, int h, int min) { return absl::CivilSecond(y, m, d, h, min, 0); }

bool In(const ScheduleSet& set, const std::string& id, absl::CivilSecond when) {
  const std::optional<bool> in = set.Contains(id, when);
  REQUIRE(in.has_value());
  return *in;
}

TEST_CASE("ParseTimeOfDay reads HH:MM up to 24:00") {
  CHECK(ParseTimeOfDay("00:00") == 0);
  CHECK(ParseTimeOfDay("08:15") == 495);
  CHECK(ParseTimeOfDay("9:30") == 570);
  CHECK(ParseTimeOfDay("24:00") == 1440);
  CHECK_FALSE(ParseTimeOfDay("24:15").has_value());
  CHECK_FALSE(ParseTimeOfDay("12:60").has_value());
  CHECK_FALSE(ParseTimeOfDay("1200").has_value());
  CHECK_FALSE(ParseTimeOfDay("ab:cd").has_value());
  CHECK_FALSE(ParseTimeOfDay("").has_value());
  CHECK(ParseDate("2026-05-14") == absl::CivilDay(2026, 5, 14));
  CHECK_FALSE(ParseDate("2026-5-14").has_value());
  CHECK_FALSE(ParseDate("2026-05-14T10").has_value());
}

// PX "Horaires": Monday–Sunday 09–17 with a lunch break 12–13 (two periods).
TEST_CASE("A weekly plan with a lunch break is two periods") {
  const ScheduleSet set(
      {Weekly("office", "Bureau", {1, 2, 3, 4, 5}, {{"09:00", "12:00"}, {"13:00", "17:00"}})});
  // 2026-06-15 is a Monday.
  struct Case {
    absl::CivilSecond when;
    bool in;
  };
  const std::vector<Case> cases = {
      {Civil(2026, 6, 15, 8, 59), false},  {Civil(2026, 6, 15, 9, 0), true},
      {Civil(2026, 6, 15, 11, 59), true},  {Civil(2026, 6, 15, 12, 0), false},
      {Civil(2026, 6, 15, 12, 59), false}, {Civil(2026, 6, 15, 13, 0), true},
      {Civil(2026, 6, 15, 16, 45), true},  {Civil(2026, 6, 15, 17, 0), false},
      {Civil(2026, 6, 19, 10, 0), true},   // Friday
      {Civil(2026, 6, 20, 10, 0), false},  // Saturday
      {Civil(2026, 6, 21, 10, 0), false},  // Sunday
  };
  for (const Case& c : cases) {
    CAPTURE(absl::FormatCivilTime(c.when));
    CHECK(In(set, "office", c.when) == c.in);
  }
}

// PX: "Horaire du magasin" 9–18h Monday to Saturday; "Associer l'horaire
// opposé" creates "non-horaire du magasin", 18h–9h in the week and from
// Saturday 18h to Monday 9h.
TEST_CASE("The opposite schedule is in exactly when the other isn't") {
  rpb::Schedule opposite;
  opposite.set_id("non-shop");
  opposite.set_name("non-horaire du magasin");
  opposite.set_opposite_of("shop");
  const ScheduleSet set(
      {Weekly("shop", "Horaire du magasin", {1, 2, 3, 4, 5, 6}, {{"09:00", "18:00"}}), opposite});
  const std::vector<absl::CivilSecond> moments = {Civil(2026, 6, 15, 8, 59), Civil(2026, 6, 15, 9, 0),
                                                  Civil(2026, 6, 17, 18, 0), Civil(2026, 6, 20, 17, 59),
                                                  Civil(2026, 6, 20, 18, 0), Civil(2026, 6, 21, 12, 0),
                                                  Civil(2026, 6, 22, 8, 59), Civil(2026, 6, 22, 9, 0)};
  for (const absl::CivilSecond& when : moments) {
    CAPTURE(absl::FormatCivilTime(when));
    CHECK(In(set, "non-shop", when) == !In(set, "shop", when));
  }
  CHECK(In(set, "non-shop", Civil(2026, 6, 20, 18, 0)));  // Saturday evening
  CHECK(In(set, "non-shop", Civil(2026, 6, 21, 12, 0)));  // all Sunday
  CHECK_FALSE(In(set, "non-shop", Civil(2026, 6, 22, 9, 0)));
  // `opposite_of` may name the schedule instead of its id.
  opposite.set_opposite_of("Horaire du magasin");
  const ScheduleSet by_name(
      {Weekly("shop", "Horaire du magasin", {1, 2, 3, 4, 5, 6}, {{"09:00", "18:00"}}), opposite});
  CHECK(In(by_name, "non-shop", Civil(2026, 6, 21, 12, 0)));
}

TEST_CASE("Special days override the weekly plan") {
  rpb::Schedule shop = Weekly("shop", "Magasin", {1, 2, 3, 4, 5, 6}, {{"09:00", "18:00"}});
  auto add = [&shop](const std::string& date, const std::string& end, bool closed, bool yearly) {
    rpb::SpecialDay& day = *shop.add_special_days();
    day.set_date(date);
    day.set_end_date(end);
    day.set_closed_all_day(closed);
    day.set_repeat_every_year(yearly);
    return &day;
  };
  add("2026-12-24", "", true, false);                                          // closed all day
  *add("2026-12-31", "", false, false)->add_open() = Range("09:00", "12:00");  // open hours
  add("2026-08-03", "2026-08-14", true, false);                                // summer closure
  add("2020-05-01", "", true, true);                                           // every year
  rpb::Schedule opposite;
  opposite.set_id("non-shop");
  opposite.set_opposite_of("shop");
  // A yearly closure across the new year, in a schedule of its own.
  rpb::Schedule winter = Weekly("winter", "Hiver", {1, 2, 3, 4, 5, 6}, {{"09:00", "18:00"}});
  rpb::SpecialDay& holidays = *winter.add_special_days();
  holidays.set_date("2019-12-28");
  holidays.set_end_date("2020-01-02");
  holidays.set_closed_all_day(true);
  holidays.set_repeat_every_year(true);
  const ScheduleSet set({shop, opposite, winter});

  CHECK_FALSE(In(set, "shop", Civil(2026, 12, 24, 10, 0)));  // a Thursday, closed
  CHECK(In(set, "shop", Civil(2026, 12, 23, 10, 0)));
  CHECK(In(set, "shop", Civil(2026, 12, 31, 11, 0)));
  CHECK_FALSE(In(set, "shop", Civil(2026, 12, 31, 14, 0)));  // open only the morning
  CHECK_FALSE(In(set, "shop", Civil(2026, 8, 10, 10, 0)));
  CHECK(In(set, "shop", Civil(2026, 8, 17, 10, 0)));
  CHECK_FALSE(In(set, "shop", Civil(2026, 5, 1, 10, 0)));  // repeated from 2020
  CHECK_FALSE(In(set, "winter", Civil(2026, 12, 29, 10, 0)));
  CHECK_FALSE(In(set, "winter", Civil(2027, 1, 2, 10, 0)));  // a Saturday in the range
  CHECK(In(set, "winter", Civil(2027, 1, 4, 10, 0)));
  CHECK(In(set, "winter", Civil(2026, 12, 23, 10, 0)));
  // The opposite is in all day on the other's closed days.
  CHECK(In(set, "non-shop", Civil(2026, 12, 24, 10, 0)));
  CHECK(set.IsSpecialDay("shop", absl::CivilDay(2026, 12, 24)));
  CHECK(set.IsSpecialDay("non-shop", absl::CivilDay(2026, 12, 24)));
  CHECK_FALSE(set.IsSpecialDay("shop", absl::CivilDay(2026, 12, 23)));
}

// MC 2.1.2.3: public holidays of France loaded into the schedule.
TEST_CASE("A schedule with holiday_country is closed on public holidays") {
  rpb::Schedule office = Weekly("office", "Bureau", {1, 2, 3, 4, 5}, {{"08:00", "18:00"}});
  office.set_holiday_country("FR");
  const ScheduleSet set({office});
  CHECK_FALSE(In(set, "office", Civil(2026, 5, 14, 10, 0)));  // Ascension, a Thursday
  CHECK(In(set, "office", Civil(2026, 5, 13, 10, 0)));
  CHECK_FALSE(In(set, "office", Civil(2026, 4, 6, 10, 0)));   // Easter Monday
  CHECK_FALSE(In(set, "office", Civil(2027, 5, 17, 10, 0)));  // Whit Monday 2027
  CHECK(set.IsSpecialDayOfAny(absl::CivilDay(2026, 5, 25)));
}

// Europe/Paris, 2026-03-29: clocks go from 02:00 to 03:00. A Sunday period
// 01:30–03:30 in wall-clock time lasts one real hour that night.
TEST_CASE("Spring forward in Europe/Paris: 01:30-03:30 lasts one hour") {
  const ScheduleSet set({Weekly("night", "Nuit", {7}, {{"01:30", "03:30"}})});
  const absl::TimeZone paris = Zone("Europe/Paris");
  auto in_at_utc = [&](int day, int hour, int minute, int second = 0) {
    const absl::Time t =
        absl::FromCivil(absl::CivilSecond(2026, 3, day, hour, minute, second), absl::UTCTimeZone());
    return In(set, "night", absl::ToCivilSecond(t, paris));
  };
  CHECK_FALSE(in_at_utc(29, 0, 29));  // 01:29 CET
  CHECK(in_at_utc(29, 0, 30));        // 01:30 CET
  CHECK(in_at_utc(29, 0, 59, 59));    // 01:59:59 CET
  CHECK(in_at_utc(29, 1, 0));         // 03:00 CEST: the hour 02:xx never happens
  CHECK(in_at_utc(29, 1, 29));        // 03:29 CEST
  CHECK_FALSE(in_at_utc(29, 1, 30));  // 03:30 CEST
  // Counted in real minutes: 60.
  int minutes_in = 0;
  for (int m = 0; m < 6 * 60; ++m) {
    const absl::Time t =
        absl::FromCivil(absl::CivilSecond(2026, 3, 28, 22, 0, 0), absl::UTCTimeZone()) + absl::Minutes(m);
    if (In(set, "night", absl::ToCivilSecond(t, paris))) ++minutes_in;
  }
  CHECK(minutes_in == 60);
}

// 2026-10-25: clocks go back from 03:00 to 02:00; 02:xx happens twice.
TEST_CASE("Fall back in Europe/Paris: 01:30-03:30 lasts three hours") {
  const ScheduleSet set({Weekly("night", "Nuit", {7}, {{"01:30", "03:30"}})});
  const absl::TimeZone paris = Zone("Europe/Paris");
  auto in_at_utc = [&](int day, int hour, int minute) {
    const absl::Time t =
        absl::FromCivil(absl::CivilSecond(2026, 10, day, hour, minute, 0), absl::UTCTimeZone());
    return In(set, "night", absl::ToCivilSecond(t, paris));
  };
  CHECK_FALSE(in_at_utc(24, 23, 29));  // 01:29 CEST
  CHECK(in_at_utc(24, 23, 30));        // 01:30 CEST
  CHECK(in_at_utc(25, 0, 30));         // 02:30 CEST
  CHECK(in_at_utc(25, 1, 30));         // 02:30 CET, the second time
  CHECK(in_at_utc(25, 2, 29));         // 03:29 CET
  CHECK_FALSE(in_at_utc(25, 2, 30));   // 03:30 CET
  int minutes_in = 0;
  for (int m = 0; m < 8 * 60; ++m) {
    const absl::Time t =
        absl::FromCivil(absl::CivilSecond(2026, 10, 24, 21, 0, 0), absl::UTCTimeZone()) + absl::Minutes(m);
    if (In(set, "night", absl::ToCivilSecond(t, paris))) ++minutes_in;
  }
  CHECK(minutes_in == 180);
  // The same instants through At(): 02:30 local is ambiguous, absl picks the
  // first (CEST) occurrence, still inside the period.
  CHECK(In(set, "night", absl::ToCivilSecond(At("Europe/Paris", 2026, 10, 25, 2, 30), paris)));
}

TEST_CASE("Unknown schedules, cycles and malformed periods are safe") {
  rpb::Schedule a;
  a.set_id("a");
  a.set_opposite_of("b");
  rpb::Schedule b;
  b.set_id("b");
  b.set_opposite_of("a");
  rpb::Schedule orphan;
  orphan.set_id("orphan");
  orphan.set_opposite_of("deleted");
  rpb::Schedule broken = Weekly("broken", "Cassé", {1}, {{"18:00", "09:00"}, {"xx", "10:00"}});
  const ScheduleSet set({a, b, orphan, broken});
  const absl::CivilSecond monday = Civil(2026, 6, 15, 10, 0);
  CHECK_FALSE(set.Contains("missing", monday).has_value());
  CHECK(set.Contains("a", monday).has_value());  // terminates
  CHECK_FALSE(In(set, "orphan", monday));        // fails closed
  CHECK_FALSE(In(set, "broken", monday));
  CHECK_FALSE(In(set, "broken", Civil(2026, 6, 15, 20, 0)));
}

}  // namespace
}  // namespace sb::routing
