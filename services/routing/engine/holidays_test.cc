#include "services/routing/engine/holidays.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace sb::routing {
namespace {

std::vector<std::string> Dates(const std::string& country, int year) {
  std::vector<std::string> out;
  for (const auto& day : PublicHolidays(country, year)) out.push_back(day.date());
  return out;
}

TEST_CASE("EasterSunday follows the Gregorian computus") {
  struct Case {
    int year;
    absl::CivilDay easter;
  };
  const std::vector<Case> cases = {
      {1818, absl::CivilDay(1818, 3, 22)},  // the earliest possible date
      {1943, absl::CivilDay(1943, 4, 25)},  // the latest possible date
      {2000, absl::CivilDay(2000, 4, 23)}, {2019, absl::CivilDay(2019, 4, 21)},
      {2024, absl::CivilDay(2024, 3, 31)}, {2025, absl::CivilDay(2025, 4, 20)},
      {2026, absl::CivilDay(2026, 4, 5)},  {2027, absl::CivilDay(2027, 3, 28)},
      {2038, absl::CivilDay(2038, 4, 25)},
  };
  for (const Case& c : cases) {
    CAPTURE(c.year);
    CHECK(EasterSunday(c.year) == c.easter);
  }
}

// MC 2.1.2.3 "Ajouter les jours fériés": the French list of a year.
TEST_CASE("France 2026 and 2027: fixed days and the Easter-based ones") {
  CHECK(Dates("FR", 2026) == std::vector<std::string>{"2026-01-01", "2026-04-06",  // Easter Monday
                                                      "2026-05-01", "2026-05-08",
                                                      "2026-05-14",  // Ascension Thursday
                                                      "2026-05-25",  // Whit Monday
                                                      "2026-07-14", "2026-08-15", "2026-11-01", "2026-11-11",
                                                      "2026-12-25"});
  CHECK(Dates("FR", 2027) == std::vector<std::string>{"2027-01-01", "2027-03-29", "2027-05-01", "2027-05-06",
                                                      "2027-05-08", "2027-05-17", "2027-07-14", "2027-08-15",
                                                      "2027-11-01", "2027-11-11", "2027-12-25"});
  const auto days = PublicHolidays("fr", 2026);
  REQUIRE(days.size() == 11);
  CHECK(days[1].name() == "Lundi de Pâques");
  for (const auto& day : days) {
    CHECK(day.closed_all_day());
    CHECK_FALSE(day.repeat_every_year());  // Easter moves: a list is per year
  }
}

TEST_CASE("Belgium has its own list: 21 July, no 8 May or 14 July") {
  CHECK(Dates("BE", 2026) == std::vector<std::string>{"2026-01-01", "2026-04-06", "2026-05-01", "2026-05-14",
                                                      "2026-05-25", "2026-07-21", "2026-08-15", "2026-11-01",
                                                      "2026-11-11", "2026-12-25"});
}

TEST_CASE("IsPublicHoliday checks a day without building the list") {
  CHECK(IsPublicHoliday("FR", absl::CivilDay(2026, 7, 14)));
  CHECK_FALSE(IsPublicHoliday("FR", absl::CivilDay(2026, 7, 15)));
  CHECK(IsPublicHoliday("FR", absl::CivilDay(2027, 5, 17)));
  CHECK_FALSE(IsPublicHoliday("BE", absl::CivilDay(2026, 7, 14)));
  CHECK(IsPublicHoliday("be", absl::CivilDay(2026, 7, 21)));
}

TEST_CASE("An unknown country has no holidays rather than an error") {
  CHECK_FALSE(HasPublicHolidays("XX"));
  CHECK(HasPublicHolidays("FR"));
  CHECK(PublicHolidays("XX", 2026).empty());
  CHECK(PublicHolidays("", 2026).empty());
  CHECK_FALSE(IsPublicHoliday("FRA", absl::CivilDay(2026, 1, 1)));
}

}  // namespace
}  // namespace sb::routing
