#pragma once
// Public holidays per country and year (B7: "load the public holidays of
// France for a year", MetaCentrex 2.1.2.3 "Ajouter les jours fériés"). A
// schedule with `holiday_country` treats them as days closed all day; the
// routing service's ListHolidays returns them for the portal to copy into
// special days.
//
// Countries live in one registry (holidays.cc): adding one is a function
// that lists a year's dates and a row in the table.
#include <string_view>
#include <vector>

#include "absl/time/civil_time.h"
#include "switchboard/routing/v1/routing.pb.h"

namespace sb::routing {

// Easter Sunday of a Gregorian year (the anonymous Gregorian algorithm, a.k.a.
// Meeus/Jones/Butcher), valid for every year of the Gregorian calendar.
absl::CivilDay EasterSunday(int year);

// Whether the engine knows the holidays of `country` ("FR", "fr").
bool HasPublicHolidays(std::string_view country);

// The public holidays of `country` in `year`, in date order, each a
// SpecialDay closed all day, not repeated (the Easter-based ones move, and a
// list is loaded per year). Empty for an unknown country.
std::vector<::switchboard::routing::v1::SpecialDay> PublicHolidays(std::string_view country, int year);

// Whether `day` is a public holiday of `country`. Allocation-free: Decide
// calls it for schedules with `holiday_country`.
bool IsPublicHoliday(std::string_view country, absl::CivilDay day);

}  // namespace sb::routing
