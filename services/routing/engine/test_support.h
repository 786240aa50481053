#pragma once
// Builders shared by the engine's tests: a subscriber of a tenant, calls to
// and from it, schedules, instants in a time zone. Only for tests.
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "numbering/numbering.h"
#include "services/routing/engine/engine.h"

namespace sb::routing::testing {

// Building libphonenumber's metadata takes milliseconds: one per test binary.
const numbering::Numbering& SharedNumbering();

absl::TimeZone Zone(const std::string& name);  // "Europe/Paris"; aborts if unknown
absl::Time At(const std::string& zone, int year, int month, int day, int hour, int minute = 0);

// Alice: line "line-alice", user "alice", tenant "t-fr", extension 4001,
// +33222969569 (the MetaCentrex guide's number), Europe/Paris, FR; voicemail
// on after 24 s (API.md defaults).
CalleeView Alice();
// The same subscriber in Brussels (Proximus examples): tenant "t-be", BE,
// +3222345678, Europe/Brussels.
CalleeView Brussels();
// Bob, a colleague of Alice (tenant "t-fr", extension 4002, +33222969570).
LineRef BobLine();
CallerView BobAsCaller();

// Lines of ours a forward may reach: Bob by extension or number, Alice.
std::optional<LineRef> Resolve(const std::string& dialed);

// A call from a carrier trunk presenting `number`.
rpb::CallSetup FromTrunk(const std::string& number, const std::string& dialed = "0222969569");
rpb::CallSetup FromAnonymous();
// Bob calling Alice's extension from his phone.
rpb::CallSetup FromBob(const std::string& dialed = "4001");
// A call Bob dials out (or a star code).
rpb::CallSetup Dial(const std::string& dialed);

Snapshot To(const CalleeView& callee, const rpb::Blacklist& blacklist = {});
Snapshot FromCaller(const CallerView& caller);

rpb::CallerMatch Numbers(std::initializer_list<std::string> numbers);
rpb::TimeRange Range(const std::string& start, const std::string& end);
// Days 1 (Monday) … 7 (Sunday), each with the same periods.
rpb::Schedule Weekly(const std::string& id, const std::string& name, std::initializer_list<int> days,
                     std::initializer_list<std::pair<std::string, std::string>> periods);

// The decision's terminal, step and target shapes, for compact asserts.
std::string Describe(const rpb::Terminal& terminal);
std::string Describe(const rpb::Target& target);
std::string Describe(const rpb::Step& step);
std::string Describe(const rpb::RouteDecision& decision);

}  // namespace sb::routing::testing
