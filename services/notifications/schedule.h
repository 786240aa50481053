#pragma once
// Time rules of reminders (B18) and call-outs (F3), in the line's time zone
// (absl::CivilSecond in an absl::TimeZone: a 07:30 alarm stays at 07:30
// across daylight-saving changes). Pure; unit-tested in schedule_test.cc.
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "switchboard/notifications/v1/notifications.pb.h"

namespace sb::notifications {

namespace npb = ::switchboard::notifications::v1;

// "HH:MM" or "HH:MM:SS" → seconds since midnight; INVALID_ARGUMENT naming `field`.
absl::StatusOr<int> ParseClock(const std::string& value, const std::string& field);

// Checks name/recurrence/date/time; the time zone is checked by the caller
// (it may come from the user).
absl::Status ValidateReminder(const npb::Reminder& r);

// The first run of `r` strictly after `after`, or nullopt when there is none
// (a one-off reminder whose moment has passed).
std::optional<absl::Time> NextReminderRun(const npb::Reminder& r, absl::TimeZone tz, absl::Time after);

// The earliest moment ≥ t inside one of `windows` (empty: t itself).
absl::Time NextAllowed(const google::protobuf::RepeatedPtrField<npb::TimeWindow>& windows, absl::TimeZone tz,
                       absl::Time t);

absl::Status ValidateCallOut(const npb::CallOut& c);

}  // namespace sb::notifications
