#pragma once
// Weekly schedules, special days and public holidays (FEATURES B7), as the
// portal edits them. Pure: validation and the `non-<name>` opposite. Which
// schedule is in force at a given time, and the holiday calendar itself, are
// the engine's (engine/schedule.h, engine/holidays.h): validation reads times
// and dates with the engine's own parsers so that what is accepted here is
// exactly what Decide understands.
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "switchboard/routing/v1/routing.pb.h"

namespace sb::routing {

namespace rpb = ::switchboard::routing::v1;

inline constexpr int kMaxPeriodsPerDay = 3;  // PX/MC: three periods a day
inline constexpr int kGridMinutes = 15;      // PX: 15-minute resolution
inline constexpr int kMaxSpecialDays = 100;

// Checks a schedule and normalizes it in place ("8:00" → "08:00", days
// sorted). Errors name the field ("days[0].periods[1].start").
absl::Status ValidateSchedule(rpb::Schedule* schedule);

// The schedule in force exactly when `schedule` isn't: named `non-<name>`,
// with no periods of its own (opposite_of is set by the store).
rpb::Schedule OppositeOf(const rpb::Schedule& schedule);

// The public holidays of `country` in `year`, for ListHolidays.
// INVALID_ARGUMENT naming "country" or "year" when unknown or out of range.
absl::StatusOr<std::vector<rpb::SpecialDay>> ListPublicHolidays(absl::string_view country, int year);

}  // namespace sb::routing
