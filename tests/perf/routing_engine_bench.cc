// Routing engine throughput: Decide() for one subscriber with 20 rules, 3
// schedules and 200 list entries (plus a 50-rule tenant blacklist and 100
// contacts), for varied callers and times of the week. Single thread.
//
// Reported, never pass/fail (CONVENTIONS.md, tests/perf). Build Release or
// RelWithDebInfo and run:
//   routing_engine_bench [evaluations] [fast]   (default 2,000,000)
// "fast" runs only the precompiled case (for profiling it).
//
// Prints evaluations/s (timed in batches of 1,000 with steady_clock, and per
// CPU second of the process), p50 / p99 / max per evaluation (each call
// timed on its own, in a second pass),
// and the same for the slow path (no precompiled settings) and for outgoing
// calls, whose cost is libphonenumber's.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "numbering/numbering.h"
#include "services/routing/engine/engine.h"

namespace sb::routing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kBatch = 1000;

std::string Mobile(int i) { return absl::StrFormat("06%08d", 10000000 + i * 7919 % 89999999); }

rpb::Schedule Weekly(const std::string& id, const std::string& name, std::vector<int> days,
                     std::vector<std::pair<std::string, std::string>> periods) {
  rpb::Schedule schedule;
  schedule.set_id(id);
  schedule.set_name(name);
  for (int day : days) {
    rpb::DaySchedule& d = *schedule.add_days();
    d.set_day(day);
    for (const auto& [start, end] : periods) {
      rpb::TimeRange& range = *d.add_periods();
      range.set_start(start);
      range.set_end(end);
    }
  }
  return schedule;
}

// 200 list entries: 100 in the rules (20 × 5), 30 selective reject, 30
// selective forward, 20 distinctive ring, 20 DND priority.
CalleeView Subscriber() {
  CalleeView callee;
  callee.line = {"line-alice", "alice", "t-fr", "4001", "+33222969569", "Alice Martin"};
  absl::LoadTimeZone("Europe/Paris", &callee.timezone);
  callee.country = "FR";
  rpb::CallSettings& s = callee.settings;
  s.set_user_id("alice");
  s.set_voicemail_enabled(true);
  s.set_voicemail_after_s(24);
  s.set_max_concurrent_calls(5);
  s.set_reject_anonymous(false);

  int next = 0;
  auto fill = [&next](rpb::CallerMatch& match, int count) {
    for (int i = 0; i < count; ++i) match.add_numbers(Mobile(next++));
  };
  for (int c = 0; c < 100; ++c) {
    callee.contact_numbers[absl::StrCat("c-", c)] = {Mobile(1000 + c),
                                                     absl::StrFormat("01%08d", 40000000 + c)};
  }
  for (int g = 0; g < 5; ++g) {
    for (int c = 0; c < 10; ++c)
      callee.group_members[absl::StrCat("g-", g)].push_back(absl::StrCat("c-", g * 10 + c));
  }

  s.mutable_selective_reject()->set_enabled(true);
  fill(*s.mutable_selective_reject()->mutable_callers(), 30);
  s.mutable_selective_forward()->set_enabled(true);
  fill(*s.mutable_selective_forward()->mutable_callers(), 30);
  s.mutable_selective_forward()->set_to("0660606060");
  s.mutable_distinctive_ring()->set_enabled(true);
  fill(*s.mutable_distinctive_ring()->mutable_callers(), 20);
  fill(*s.mutable_dnd_priority_callers(), 20);
  s.mutable_forward_busy()->set_enabled(true);
  s.mutable_forward_busy()->set_number("4002");
  s.mutable_simultaneous_ring()->set_enabled(true);
  s.mutable_simultaneous_ring()->add_targets()->set_number("0677777777");
  s.mutable_simultaneous_ring()->mutable_criteria()->set_schedule_id("weekend");

  rpb::Schedule office =
      Weekly("office", "Bureau", {1, 2, 3, 4, 5}, {{"09:00", "12:00"}, {"13:00", "17:00"}});
  office.set_holiday_country("FR");
  for (int d = 0; d < 5; ++d) {
    rpb::SpecialDay& day = *office.add_special_days();
    day.set_date(absl::StrFormat("2026-08-%02d", 3 + d));
    day.set_closed_all_day(true);
  }
  rpb::Schedule evening;
  evening.set_id("evening");
  evening.set_name("non-Bureau");
  evening.set_opposite_of("office");
  callee.schedules = {office, evening, Weekly("weekend", "Week-end", {6, 7}, {{"00:00", "24:00"}})};

  rpb::RuleList& list = callee.rule_lists.emplace_back();
  list.set_id("l-bureau");
  list.set_name("Bureau");
  for (int r = 0; r < 20; ++r) {
    rpb::Rule& rule = *list.add_rules();
    rule.set_name(absl::StrCat("rule-", r));
    rule.set_enabled(true);
    rpb::CallerMatch& when = *rule.mutable_when();
    fill(when, 4);
    when.add_numbers(absl::StrFormat("0%d%02d*", 1 + r % 5, r));  // a prefix
    if (r % 4 == 0) when.add_group_ids(absl::StrCat("g-", r / 4));
    rpb::Action& then = *rule.mutable_then();
    switch (r % 4) {
      case 0:
        then.set_kind(rpb::Action::RING);
        then.set_ring_tone("Bellcore-dr2");
        break;
      case 1:
        then.set_kind(rpb::Action::FORWARD);
        then.set_number("0660606060");
        break;
      case 2:
        then.set_kind(rpb::Action::VOICEMAIL);
        break;
      default:
        then.set_kind(rpb::Action::RING_SIMULTANEOUS);
        then.add_numbers()->set_number("4002");
        break;
    }
  }
  rpb::RuleList& soir = callee.rule_lists.emplace_back();
  soir.set_id("l-soir");
  soir.set_name("Soir");
  soir.mutable_default_action()->set_kind(rpb::Action::VOICEMAIL);
  rpb::ActiveRuleList* active = s.add_active_rule_lists();
  active->set_schedule_id("office");
  active->set_rule_list_id("l-bureau");
  active = s.add_active_rule_lists();
  active->set_schedule_id("evening");
  active->set_rule_list_id("l-soir");
  return callee;
}

rpb::Blacklist TenantBlacklist() {
  rpb::Blacklist blacklist;
  for (int i = 0; i < 50; ++i) {
    rpb::BlacklistRule& rule = *blacklist.add_rules();
    rule.set_match(static_cast<rpb::BlacklistRule::Match>(1 + i % 4));
    rule.set_digits(i % 4 == 0 ? Mobile(5000 + i) : absl::StrFormat("%04d", 1000 + i * 37));
  }
  return blacklist;
}

std::optional<LineRef> Resolve(const std::string& dialed) {
  if (dialed == "4002" || dialed == "+33222969570") {
    return LineRef{"line-bob", "bob", "t-fr", "4002", "+33222969570", "Bob"};
  }
  return std::nullopt;
}

// Callers: matching list entries in every form, strangers, anonymous,
// colleagues, foreign numbers.
std::vector<rpb::CallSetup> Callers() {
  std::vector<rpb::CallSetup> out;
  std::mt19937 random(42);
  for (int i = 0; i < 1000; ++i) {
    rpb::CallSetup setup;
    setup.set_call_id(absl::StrCat("call-", i));
    setup.set_origin(rpb::TRUNK);
    setup.set_dialed("0222969569");
    rpb::Party& caller = *setup.mutable_caller();
    switch (i % 8) {
      case 0:
        caller.set_number(Mobile(random() % 120));
        break;  // on a list
      case 1:
        caller.set_number_e164(absl::StrCat("+33", Mobile(random() % 120).substr(1)));
        break;
      case 2:
        caller.set_number(Mobile(1000 + random() % 100));
        break;  // a contact
      case 3:
        caller.set_anonymous(true);
        break;
      case 4:
        setup.set_origin(rpb::DEVICE);
        caller.set_number("4002");
        caller.set_number_e164("+33222969570");
        caller.set_user_id("bob");
        caller.set_tenant_id("t-fr");
        caller.set_extension("4002");
        break;
      case 5:
        caller.set_number_e164("+3221234589");
        break;
      default:
        caller.set_number(absl::StrFormat("0%d%08d", 1 + random() % 5, random() % 100000000));
        break;
    }
    out.push_back(std::move(setup));
  }
  return out;
}

std::vector<absl::Time> Times() {
  absl::TimeZone paris;
  absl::LoadTimeZone("Europe/Paris", &paris);
  std::vector<absl::Time> out;
  std::mt19937 random(7);
  const absl::Time monday = absl::FromCivil(absl::CivilSecond(2026, 6, 15, 0, 0, 0), paris);
  for (int i = 0; i < 997; ++i) out.push_back(monday + absl::Minutes(random() % (7 * 24 * 60)));
  return out;
}

// CPU time of this process: on a shared machine, evaluations per CPU second
// is the "per core" figure; wall-clock throughput also counts preemption.
double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct Result {
  double per_second = 0;
  double per_cpu_second = 0;
  double p50_ns = 0;
  double p99_ns = 0;
  double max_ns = 0;
  long checksum = 0;
};

Result Measure(const std::vector<rpb::CallSetup>& setups, const Snapshot& snapshot,
               const std::vector<absl::Time>& times, long evaluations) {
  Result result;
  long done = 0;
  const double cpu_start = CpuSeconds();
  const Clock::time_point start = Clock::now();
  while (done < evaluations) {
    for (int i = 0; i < kBatch; ++i, ++done) {
      const rpb::RouteDecision decision =
          Decide(setups[done % setups.size()], snapshot, times[done % times.size()]);
      result.checksum += decision.steps_size() + decision.final().kind();
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  result.per_second = done / seconds;
  result.per_cpu_second = done / (CpuSeconds() - cpu_start);

  const long samples = std::min<long>(evaluations, 200000);
  std::vector<double> ns;
  ns.reserve(samples);
  for (long i = 0; i < samples; ++i) {
    const Clock::time_point t0 = Clock::now();
    const rpb::RouteDecision decision =
        Decide(setups[i % setups.size()], snapshot, times[(i * 31) % times.size()]);
    const Clock::time_point t1 = Clock::now();
    result.checksum += decision.steps_size();
    ns.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count());
  }
  std::sort(ns.begin(), ns.end());
  result.p50_ns = ns[ns.size() / 2];
  result.p99_ns = ns[ns.size() * 99 / 100];
  result.max_ns = ns.back();
  return result;
}

void Print(const char* label, const Result& r) {
  std::printf(
      "%-32s %9.0f eval/s wall  %9.0f eval/s per CPU second  p50 %6.2f us  p99 %6.2f us  "
      "max %8.1f us  (checksum %ld)\n",
      label, r.per_second, r.per_cpu_second, r.p50_ns / 1000, r.p99_ns / 1000, r.max_ns / 1000, r.checksum);
}

}  // namespace
}  // namespace sb::routing

namespace sb::routing {
namespace {

int Run(int argc, char** argv) {
  const long evaluations = argc > 1 ? std::atol(argv[1]) : 2000000;
  const sb::numbering::Numbering numbering;
  const std::vector<rpb::CallSetup> setups = Callers();
  const std::vector<absl::Time> times = Times();

  CalleeView callee = Subscriber();
  const Clock::time_point compile_start = Clock::now();
  callee.compiled = Compile(callee, &numbering);
  const double compile_ms = std::chrono::duration<double, std::milli>(Clock::now() - compile_start).count();

  Snapshot snapshot;
  snapshot.callee = callee;
  snapshot.blacklist = TenantBlacklist();
  snapshot.compiled_blacklist = CompileBlacklist(snapshot.blacklist);
  snapshot.numbering = &numbering;
  snapshot.resolve = Resolve;

  std::printf("subscriber: 20 rules, 3 schedules, 200 list entries, 100 contacts, 50 blacklist rules\n");
  std::printf("Compile(): %.1f ms (once per settings version)\n", compile_ms);
  Print("incoming, precompiled", Measure(setups, snapshot, times, evaluations));
  if (argc > 2 && std::string(argv[2]) == "fast") return 0;

  // The slow path compiles on every call: what the service must avoid.
  Snapshot slow = snapshot;
  slow.callee->compiled = nullptr;
  slow.numbering = nullptr;  // even without libphonenumber in Compile
  Print("incoming, compiled per call", Measure(setups, slow, times, std::min(evaluations, 20000L)));

  // Outgoing calls: one Classify() each, i.e. libphonenumber's cost.
  Snapshot outgoing;
  outgoing.caller = CallerView{callee.line, "FR", callee.settings};
  outgoing.numbering = &numbering;
  std::vector<rpb::CallSetup> dials;
  for (int i = 0; i < 100; ++i) {
    rpb::CallSetup setup;
    setup.set_call_id(absl::StrCat("out-", i));
    setup.set_origin(rpb::DEVICE);
    setup.set_dialed(i % 2 ? Mobile(i) : absl::StrFormat("01%08d", 45000000 + i));
    dials.push_back(std::move(setup));
  }
  Print("outgoing (libphonenumber-bound)", Measure(dials, outgoing, times, std::min(evaluations, 20000L)));
  return 0;
}

}  // namespace
}  // namespace sb::routing

int main(int argc, char** argv) { return sb::routing::Run(argc, argv); }
