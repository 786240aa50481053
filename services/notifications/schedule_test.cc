#include "services/notifications/schedule.h"

#include <catch2/catch.hpp>

namespace sb::notifications {
namespace {

absl::TimeZone Paris() {
  absl::TimeZone tz;
  REQUIRE(absl::LoadTimeZone("Europe/Paris", &tz));
  return tz;
}

absl::Time Local(absl::TimeZone tz, int y, int mo, int d, int h, int mi) {
  return tz.At(absl::CivilSecond(y, mo, d, h, mi, 0)).pre;
}

npb::Reminder Make(npb::Reminder::Recurrence rec, const std::string& time, const std::string& date = "") {
  npb::Reminder r;
  r.set_recurrence(rec);
  r.set_time(time);
  r.set_date(date);
  return r;
}

TEST_CASE("a one-off reminder runs once, at its local date and time") {
  auto tz = Paris();
  auto r = Make(npb::Reminder::ONCE, "07:30", "2026-11-23");
  auto next = NextReminderRun(r, tz, Local(tz, 2026, 11, 22, 12, 0));
  REQUIRE(next);
  CHECK(*next == Local(tz, 2026, 11, 23, 7, 30));
  CHECK_FALSE(NextReminderRun(r, tz, *next));
}

TEST_CASE("every workday skips the weekend (Friday 2026-11-27 → Monday 2026-11-30)") {
  auto tz = Paris();
  auto r = Make(npb::Reminder::WORKDAYS, "07:00");
  auto next = NextReminderRun(r, tz, Local(tz, 2026, 11, 27, 7, 0));
  REQUIRE(next);
  CHECK(*next == Local(tz, 2026, 11, 30, 7, 0));
}

TEST_CASE("every day keeps its local time across the DST change (2026-10-25 in Paris)") {
  auto tz = Paris();
  auto r = Make(npb::Reminder::DAILY, "08:00");
  auto before = NextReminderRun(r, tz, Local(tz, 2026, 10, 24, 9, 0));
  REQUIRE(before);
  CHECK(absl::FormatTime("%H:%M %z", *before, tz) == "08:00 +0100");
  auto prev = NextReminderRun(r, tz, Local(tz, 2026, 10, 23, 9, 0));
  CHECK(absl::FormatTime("%H:%M %z", *prev, tz) == "08:00 +0200");
  CHECK(*before - *prev == absl::Hours(25));
}

TEST_CASE("reminder validation names the field") {
  CHECK(ValidateReminder(Make(npb::Reminder::ONCE, "25:00", "2026-11-23")).message().find("time") == 0);
  CHECK(ValidateReminder(Make(npb::Reminder::ONCE, "07:00", "")).message().find("date") == 0);
  CHECK(ValidateReminder(Make(npb::Reminder::DAILY, "07:00", "2026-11-23")).message().find("date") == 0);
  CHECK(ValidateReminder(Make(npb::Reminder::DAILY, "07:00")).ok());
}

TEST_CASE("call-outs wait for the next window of the schedule") {
  auto tz = Paris();
  google::protobuf::RepeatedPtrField<npb::TimeWindow> w;
  auto* day = w.Add();
  day->set_start("08:00");
  day->set_end("20:00");
  for (int d = 1; d <= 5; ++d) day->add_days(d);
  // Inside: now.
  CHECK(NextAllowed(w, tz, Local(tz, 2026, 11, 23, 9, 0)) == Local(tz, 2026, 11, 23, 9, 0));
  // Monday night → Tuesday 08:00.
  CHECK(NextAllowed(w, tz, Local(tz, 2026, 11, 23, 21, 0)) == Local(tz, 2026, 11, 24, 8, 0));
  // Saturday → Monday 08:00.
  CHECK(NextAllowed(w, tz, Local(tz, 2026, 11, 28, 10, 0)) == Local(tz, 2026, 11, 30, 8, 0));
  // No schedule: any time.
  google::protobuf::RepeatedPtrField<npb::TimeWindow> none;
  CHECK(NextAllowed(none, tz, Local(tz, 2026, 11, 28, 3, 0)) == Local(tz, 2026, 11, 28, 3, 0));
}

TEST_CASE("call-out settings are checked field by field") {
  npb::CallOut c;
  c.set_enabled(true);
  CHECK(ValidateCallOut(c).message().find("call_out.number") == 0);
  c.set_number("0612345678");
  c.set_retry_count(3);
  CHECK(ValidateCallOut(c).message().find("call_out.retry_interval_min") == 0);
  c.set_retry_interval_min(10);
  CHECK(ValidateCallOut(c).ok());
}

}  // namespace
}  // namespace sb::notifications
