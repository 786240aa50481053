#include "services/voicemail/greeting_selection.h"

namespace sb::voicemail {

GreetingPlan SelectGreeting(const vpb::MessageSettings& settings, const GreetingContext& ctx) {
  auto has = [&](vpb::GreetingSlot s) { return ctx.recorded.count(s) > 0; };
  auto recorded = [](vpb::GreetingSlot s) {
    GreetingPlan p;
    p.kind = GreetingPlan::Kind::kRecorded;
    p.slot = s;
    return p;
  };
  const bool busy = ctx.reason == vpb::BUSY;

  if (has(vpb::SLOT_TEMPORARY)) return recorded(vpb::SLOT_TEMPORARY);

  if (settings.greeting() == vpb::EXTENDED_ABSENCE) {
    GreetingPlan p;
    if (ctx.internal_caller && has(vpb::SLOT_EXTENDED_ABSENCE_INTERNAL)) {
      p = recorded(vpb::SLOT_EXTENDED_ABSENCE_INTERNAL);
    } else if (has(vpb::SLOT_EXTENDED_ABSENCE)) {
      p = recorded(vpb::SLOT_EXTENDED_ABSENCE);
    } else {
      p.busy_wording = busy;
    }
    p.allow_message = !settings.extended_absence_no_messages();
    return p;
  }

  if (busy && settings.use_busy_greeting() && has(vpb::SLOT_BUSY)) return recorded(vpb::SLOT_BUSY);
  if (ctx.out_of_hours && settings.use_out_of_hours_greeting() && has(vpb::SLOT_OUT_OF_HOURS)) {
    return recorded(vpb::SLOT_OUT_OF_HOURS);
  }
  if (ctx.internal_caller && settings.use_internal_greeting() && has(vpb::SLOT_INTERNAL)) {
    return recorded(vpb::SLOT_INTERNAL);
  }

  GreetingPlan p;
  p.busy_wording = busy;
  switch (settings.greeting()) {
    case vpb::PERSONAL:
      if (has(vpb::SLOT_PERSONAL)) return recorded(vpb::SLOT_PERSONAL);
      break;
    case vpb::SYSTEM_WITH_NAME:
      if (has(vpb::SLOT_NAME)) {
        p.kind = GreetingPlan::Kind::kSystemWithName;
        p.slot = vpb::SLOT_NAME;
        return p;
      }
      // No recorded name: the number is the next best thing to say.
      p.kind = GreetingPlan::Kind::kSystemWithNumber;
      return p;
    case vpb::SYSTEM_WITH_NUMBER:
      p.kind = GreetingPlan::Kind::kSystemWithNumber;
      return p;
    default:
      break;
  }
  return p;
}

}  // namespace sb::voicemail
