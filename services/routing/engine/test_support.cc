#include "services/routing/engine/test_support.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace sb::routing::testing {

const numbering::Numbering& SharedNumbering() {
  static const numbering::Numbering* const numbering = new numbering::Numbering();
  return *numbering;
}

absl::TimeZone Zone(const std::string& name) {
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(name, &zone)) std::abort();
  return zone;
}

absl::Time At(const std::string& zone, int year, int month, int day, int hour, int minute) {
  return absl::FromCivil(absl::CivilSecond(year, month, day, hour, minute, 0), Zone(zone));
}

namespace {

CalleeView Subscriber(LineRef line, const std::string& zone, const std::string& country) {
  CalleeView callee;
  callee.line = std::move(line);
  callee.timezone = Zone(zone);
  callee.country = country;
  callee.settings.set_user_id(callee.line.user_id);
  callee.settings.set_availability(rpb::AVAILABLE);
  callee.settings.set_voicemail_enabled(true);
  callee.settings.set_voicemail_after_s(24);
  callee.settings.set_max_concurrent_calls(5);
  return callee;
}

}  // namespace

CalleeView Alice() {
  return Subscriber({"line-alice", "alice", "t-fr", "4001", "+33222969569", "Alice Martin"}, "Europe/Paris",
                    "FR");
}

CalleeView Brussels() {
  return Subscriber({"line-jean", "jean", "t-be", "201", "+3222345678", "Jean Dupont"}, "Europe/Brussels",
                    "BE");
}

LineRef BobLine() { return {"line-bob", "bob", "t-fr", "4002", "+33222969570", "Bob Leroy"}; }

CallerView BobAsCaller() {
  CallerView caller;
  caller.line = BobLine();
  caller.country = "FR";
  caller.settings.set_user_id("bob");
  return caller;
}

std::optional<LineRef> Resolve(const std::string& dialed) {
  if (dialed == "4002" || dialed == "+33222969570") return BobLine();
  if (dialed == "4001" || dialed == "+33222969569") return Alice().line;
  return std::nullopt;
}

rpb::CallSetup FromTrunk(const std::string& number, const std::string& dialed) {
  rpb::CallSetup setup;
  setup.set_call_id("call-1");
  setup.set_origin(rpb::TRUNK);
  setup.mutable_caller()->set_number(number);
  setup.set_dialed(dialed);
  setup.set_trunk_id("trunk-1");
  return setup;
}

rpb::CallSetup FromAnonymous() {
  rpb::CallSetup setup = FromTrunk("anonymous");
  setup.mutable_caller()->set_anonymous(true);
  return setup;
}

rpb::CallSetup FromBob(const std::string& dialed) {
  rpb::CallSetup setup;
  setup.set_call_id("call-2");
  setup.set_origin(rpb::DEVICE);
  rpb::Party& caller = *setup.mutable_caller();
  caller.set_number("4002");
  caller.set_number_e164("+33222969570");
  caller.set_display_name("Bob Leroy");
  caller.set_tenant_id("t-fr");
  caller.set_user_id("bob");
  caller.set_line_id("line-bob");
  caller.set_extension("4002");
  setup.set_dialed(dialed);
  setup.set_tenant_id("t-fr");
  return setup;
}

rpb::CallSetup Dial(const std::string& dialed) { return FromBob(dialed); }

Snapshot To(const CalleeView& callee, const rpb::Blacklist& blacklist) {
  Snapshot snapshot;
  snapshot.callee = callee;
  snapshot.blacklist = blacklist;
  snapshot.numbering = &SharedNumbering();
  snapshot.resolve = Resolve;
  return snapshot;
}

Snapshot FromCaller(const CallerView& caller) {
  Snapshot snapshot;
  snapshot.caller = caller;
  snapshot.numbering = &SharedNumbering();
  snapshot.resolve = Resolve;
  return snapshot;
}

rpb::CallerMatch Numbers(std::initializer_list<std::string> numbers) {
  rpb::CallerMatch match;
  for (const std::string& number : numbers) match.add_numbers(number);
  return match;
}

rpb::TimeRange Range(const std::string& start, const std::string& end) {
  rpb::TimeRange range;
  range.set_start(start);
  range.set_end(end);
  return range;
}

rpb::Schedule Weekly(const std::string& id, const std::string& name, std::initializer_list<int> days,
                     std::initializer_list<std::pair<std::string, std::string>> periods) {
  rpb::Schedule schedule;
  schedule.set_id(id);
  schedule.set_name(name);
  for (int day : days) {
    rpb::DaySchedule& d = *schedule.add_days();
    d.set_day(day);
    for (const auto& [start, end] : periods) *d.add_periods() = Range(start, end);
  }
  return schedule;
}

std::string Describe(const rpb::Target& target) {
  std::string out = target.kind() == rpb::Target::LINE ? absl::StrCat("line:", target.line_id())
                                                       : absl::StrCat("ext:", target.number_e164());
  if (target.delay_s() > 0) absl::StrAppend(&out, "+", target.delay_s(), "s");
  if (target.skip_if_on_call()) absl::StrAppend(&out, "[skip-if-on-call]");
  if (target.screen_caller()) absl::StrAppend(&out, "[screen]");
  if (target.diversion() != rpb::DIVERSION_REASON_UNSPECIFIED) {
    absl::StrAppend(&out, "(", rpb::DiversionReason_Name(target.diversion()), ")");
  }
  return out;
}

std::string Describe(const rpb::Terminal& terminal) {
  switch (terminal.kind()) {
    case rpb::Terminal::VOICEMAIL:
      return absl::StrCat("VOICEMAIL ", terminal.mailbox_user_id(), " ",
                          rpb::DiversionReason_Name(terminal.reason()),
                          terminal.retrieval() ? " retrieval" : "");
    case rpb::Terminal::REJECT:
      return absl::StrCat("REJECT ", terminal.sip_code());
    case rpb::Terminal::BUSY:
      return "BUSY 486";
    case rpb::Terminal::FORWARD:
      return absl::StrCat("FORWARD ", Describe(terminal.forward()));
    case rpb::Terminal::ANNOUNCEMENT:
      return absl::StrCat("ANNOUNCEMENT ", terminal.announcement(),
                          terminal.has_forward() ? absl::StrCat(" then ", Describe(terminal.forward())) : "");
    case rpb::Terminal::NEXT_STEP:
      return "NEXT";
    default:
      return "-";
  }
}

std::string Describe(const rpb::Step& step) {
  std::vector<std::string> targets;
  for (const rpb::Target& target : step.targets()) targets.push_back(Describe(target));
  return absl::StrCat("[", absl::StrJoin(targets, " "), "] ", step.ring_s(), "s",
                      " noanswer=", Describe(step.on_no_answer()), " busy=", Describe(step.on_busy()),
                      " unreachable=", Describe(step.on_unreachable()));
}

std::string Describe(const rpb::RouteDecision& decision) {
  std::vector<std::string> parts;
  for (const rpb::Step& step : decision.steps()) parts.push_back(Describe(step));
  parts.push_back(absl::StrCat("final=", Describe(decision.final())));
  return absl::StrJoin(parts, " | ");
}

}  // namespace sb::routing::testing
