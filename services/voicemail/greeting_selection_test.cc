#include "services/voicemail/greeting_selection.h"

#include <catch2/catch.hpp>

namespace sb::voicemail {
namespace {

using Kind = GreetingPlan::Kind;

GreetingPlan Recorded(vpb::GreetingSlot s) { return {Kind::kRecorded, s, false, true}; }

vpb::MessageSettings Settings(vpb::GreetingKind kind) {
  vpb::MessageSettings s;
  s.set_greeting(kind);
  return s;
}

TEST_CASE("greeting selection follows C6") {
  const std::set<vpb::GreetingSlot> all = {vpb::SLOT_PERSONAL,
                                           vpb::SLOT_BUSY,
                                           vpb::SLOT_OUT_OF_HOURS,
                                           vpb::SLOT_INTERNAL,
                                           vpb::SLOT_EXTENDED_ABSENCE,
                                           vpb::SLOT_EXTENDED_ABSENCE_INTERNAL,
                                           vpb::SLOT_NAME};
  auto variants = Settings(vpb::PERSONAL);
  variants.set_use_busy_greeting(true);
  variants.set_use_out_of_hours_greeting(true);
  variants.set_use_internal_greeting(true);
  auto absence = Settings(vpb::EXTENDED_ABSENCE);
  auto absence_closed = absence;
  absence_closed.set_extended_absence_no_messages(true);

  struct Case {
    const char* name;
    vpb::MessageSettings settings;
    GreetingContext ctx;
    GreetingPlan want;
  } cases[] = {
      {"system by default", Settings(vpb::SYSTEM), {vpb::NO_ANSWER, false, false, {}}, {Kind::kSystem}},
      {"system says 'on the phone' when busy",
       Settings(vpb::SYSTEM),
       {vpb::BUSY, false, false, {}},
       {Kind::kSystem, vpb::GREETING_SLOT_UNSPECIFIED, true, true}},
      {"system with number",
       Settings(vpb::SYSTEM_WITH_NUMBER),
       {vpb::NO_ANSWER, false, false, {}},
       {Kind::kSystemWithNumber}},
      {"system with name, name recorded",
       Settings(vpb::SYSTEM_WITH_NAME),
       {vpb::NO_ANSWER, false, false, all},
       {Kind::kSystemWithName, vpb::SLOT_NAME, false, true}},
      {"system with name, no name: the number",
       Settings(vpb::SYSTEM_WITH_NAME),
       {vpb::NO_ANSWER, false, false, {}},
       {Kind::kSystemWithNumber}},
      {"personal",
       Settings(vpb::PERSONAL),
       {vpb::NO_ANSWER, false, false, all},
       Recorded(vpb::SLOT_PERSONAL)},
      {"personal not recorded: system",
       Settings(vpb::PERSONAL),
       {vpb::UNCONDITIONAL, false, false, {}},
       {Kind::kSystem}},
      {"busy variant", variants, {vpb::BUSY, false, false, all}, Recorded(vpb::SLOT_BUSY)},
      {"busy variant not recorded: personal",
       variants,
       {vpb::BUSY, false, false, {vpb::SLOT_PERSONAL}},
       Recorded(vpb::SLOT_PERSONAL)},
      {"busy variant disabled",
       Settings(vpb::PERSONAL),
       {vpb::BUSY, false, false, all},
       Recorded(vpb::SLOT_PERSONAL)},
      {"out of hours variant",
       variants,
       {vpb::NO_ANSWER, false, true, all},
       Recorded(vpb::SLOT_OUT_OF_HOURS)},
      {"internal variant", variants, {vpb::NO_ANSWER, true, false, all}, Recorded(vpb::SLOT_INTERNAL)},
      {"busy beats out of hours and internal",
       variants,
       {vpb::BUSY, true, true, all},
       Recorded(vpb::SLOT_BUSY)},
      {"extended absence",
       absence,
       {vpb::NO_ANSWER, false, false, all},
       Recorded(vpb::SLOT_EXTENDED_ABSENCE)},
      {"extended absence, internal caller",
       absence,
       {vpb::NO_ANSWER, true, false, all},
       Recorded(vpb::SLOT_EXTENDED_ABSENCE_INTERNAL)},
      {"extended absence refusing messages",
       absence_closed,
       {vpb::NO_ANSWER, false, false, all},
       {Kind::kRecorded, vpb::SLOT_EXTENDED_ABSENCE, false, false}},
      {"extended absence not recorded: system, still refusing",
       absence_closed,
       {vpb::BUSY, false, false, {}},
       {Kind::kSystem, vpb::GREETING_SLOT_UNSPECIFIED, true, false}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    CHECK(SelectGreeting(c.settings, c.ctx) == c.want);
  }
}

TEST_CASE("a temporary greeting wins over everything (CT 1.3)") {
  GreetingContext ctx{
      vpb::BUSY, true, true, {vpb::SLOT_TEMPORARY, vpb::SLOT_BUSY, vpb::SLOT_EXTENDED_ABSENCE}};
  auto s = Settings(vpb::EXTENDED_ABSENCE);
  s.set_extended_absence_no_messages(true);
  s.set_use_busy_greeting(true);
  CHECK(SelectGreeting(s, ctx) == Recorded(vpb::SLOT_TEMPORARY));
}

}  // namespace
}  // namespace sb::voicemail
