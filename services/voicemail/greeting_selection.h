#pragma once
// Which greeting a caller hears, and whether they may leave a message (C6):
//   1. a temporary greeting (recorded by phone, CT 1.3) wins over everything;
//   2. extended absence: its own greeting (a different one for internal
//      callers if recorded), messages refused if the owner chose so;
//   3. per-situation variants, when enabled and recorded: busy, then out of
//      office hours, then internal callers;
//   4. the chosen kind: personal (if recorded), system with name (if a name
//      is recorded), system with number, system — the system ones say
//      "on the phone" rather than "not available" when the line is busy.
// A chosen recording that does not exist falls back to the system greeting,
// so a caller always hears something sensible.
#include <set>

#include "switchboard/voicemail/v1/voicemail.pb.h"

namespace sb::voicemail {

namespace vpb = ::switchboard::voicemail::v1;

struct GreetingContext {
  vpb::DepositReason reason = vpb::DIRECT;
  bool internal_caller = false;  // from the same tenant
  bool out_of_hours = false;     // outside the owner's working hours
  std::set<vpb::GreetingSlot> recorded;
};

struct GreetingPlan {
  enum class Kind { kRecorded, kSystem, kSystemWithNumber, kSystemWithName };
  Kind kind = Kind::kSystem;
  vpb::GreetingSlot slot = vpb::GREETING_SLOT_UNSPECIFIED;  // kRecorded: which; kSystemWithName: SLOT_NAME
  bool busy_wording = false;                                // system greetings: "on the phone"
  bool allow_message = true;
  bool operator==(const GreetingPlan&) const = default;
};

GreetingPlan SelectGreeting(const vpb::MessageSettings& settings, const GreetingContext& context);

}  // namespace sb::voicemail
