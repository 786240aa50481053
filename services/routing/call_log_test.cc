// What a call becomes in the call history (C9), from the edge's events; the
// CSV export; retention; and the tracker that follows open calls.
#include "services/routing/call_log.h"

#include <catch2/catch.hpp>

#include "absl/synchronization/notification.h"
#include "services/routing/call_tracker.h"
#include "switchboard/events/v1/events.pb.h"

namespace sb::routing {
namespace {

const absl::Time kT0 = absl::FromCivil(absl::CivilSecond(2026, 3, 2, 9, 15, 0), absl::UTCTimeZone());

rpb::CallSetup Setup(const std::string& call_id, bool from_device = true) {
  rpb::CallSetup s;
  s.set_call_id(call_id);
  s.set_origin(from_device ? rpb::DEVICE : rpb::TRUNK);
  s.set_tenant_id("t1");
  auto* c = s.mutable_caller();
  c->set_number("0222969569");
  c->set_number_e164("+33222969569");
  c->set_extension("4001");
  c->set_display_name("Alice M.");
  if (from_device) c->set_user_id("alice");
  s.set_dialed("4002");
  s.mutable_at()->set_seconds(absl::ToUnixSeconds(kT0));
  return s;
}

rpb::RouteDecision Decision(const std::string& call_id, bool rejected = false) {
  rpb::RouteDecision d;
  d.set_call_id(call_id);
  d.set_callee_user_id("bruno");
  d.set_callee_tenant_id("t1");
  d.set_decided_by(rejected ? "tenant blacklist (0222*)" : "my line");
  if (rejected) {
    d.mutable_final()->set_kind(rpb::Terminal::REJECT);
  } else {
    d.add_steps();
    d.mutable_final()->set_kind(rpb::Terminal::VOICEMAIL);
  }
  return d;
}

rpb::CallEvent Event(const std::string& call_id, rpb::CallEvent::Kind kind, int at_s, int sip_code = 0) {
  rpb::CallEvent e;
  e.set_call_id(call_id);
  e.set_kind(kind);
  e.mutable_at()->set_seconds(absl::ToUnixSeconds(kT0) + at_s);
  e.set_sip_code(sip_code);
  return e;
}

// A trace as the tracker builds it.
CallTrace Trace(const rpb::CallSetup& setup, const rpb::RouteDecision& decision,
                const std::vector<rpb::CallEvent>& events) {
  CallTrace t;
  t.call_id = setup.call_id();
  t.tenant_id = setup.tenant_id();
  t.caller_user_id = setup.caller().user_id();
  t.caller_number = setup.caller().number();
  t.caller_extension = setup.caller().extension();
  t.caller_name = setup.caller().display_name();
  t.caller_anonymous = setup.caller().anonymous();
  t.dialed = setup.dialed();
  t.started_at = kT0;
  RecordDecision(decision, &t);
  for (const auto& e : events) RecordEvent(e, kT0, &t);
  return t;
}

// Bruno knows Alice's number as a contact; Alice knows 4002 as Bruno.
std::string Names(const std::string& user, const std::string& number) {
  if (user == "bruno" && number == "0222969569") return "Alice (contact)";
  if (user == "alice" && number == "4002") return "Bruno Durand";
  return "";
}

const rpb::CallLogEntry* EntryOf(const std::vector<CallLogRecord>& records, const std::string& user) {
  for (const auto& r : records) {
    if (r.entry.user_id() == user) return &r.entry;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("a call becomes entries for the callee and the caller") {
  using K = rpb::CallEvent;
  struct Case {
    std::string name;
    std::vector<rpb::CallEvent> events;
    bool rejected = false;
    rpb::CallLogEntry::Kind callee_kind;
    int duration_s;
  };
  const std::vector<Case> cases = {
      {"answered then ended",
       {Event("c", K::RINGING, 1), Event("c", K::ANSWERED, 5), Event("c", K::ENDED, 80)},
       false,
       rpb::CallLogEntry::RECEIVED,
       75},
      {"caller hung up while ringing",
       {Event("c", K::RINGING, 1), Event("c", K::CANCELLED, 9)},
       false,
       rpb::CallLogEntry::MISSED,
       0},
      {"busy everywhere", {Event("c", K::FAILED, 1, 486)}, false, rpb::CallLogEntry::MISSED, 0},
      {"went to voicemail, which answered",
       {Event("c", K::RINGING, 1), Event("c", K::DIVERTED, 25), Event("c", K::ANSWERED, 26),
        Event("c", K::ENDED, 50)},
       false,
       rpb::CallLogEntry::MISSED,
       24},
      {"the decision rejected it", {}, true, rpb::CallLogEntry::REJECTED, 0},
      {"events after the end change nothing",
       {Event("c", K::CANCELLED, 3), Event("c", K::ANSWERED, 4), Event("c", K::ENDED, 90)},
       false,
       rpb::CallLogEntry::MISSED,
       0},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      auto records = BuildCallLog(Trace(Setup("c"), Decision("c", c.rejected), c.events), Names);
      REQUIRE(records.size() == 2);
      const auto* callee = EntryOf(records, "bruno");
      REQUIRE(callee != nullptr);
      CHECK(callee->kind() == c.callee_kind);
      CHECK(callee->duration_s() == (c.callee_kind == rpb::CallLogEntry::RECEIVED ? c.duration_s : 0));
      CHECK(callee->other_party() == "4001");  // a colleague: by extension
      CHECK(callee->other_party_name() == "Alice (contact)");
      CHECK(callee->handled_by_rule() == (c.rejected ? "tenant blacklist (0222*)" : "my line"));
      CHECK(callee->started_at().seconds() == absl::ToUnixSeconds(kT0));
      CHECK(callee->call_id() == "c");
      const auto* caller = EntryOf(records, "alice");
      REQUIRE(caller != nullptr);
      CHECK(caller->kind() == rpb::CallLogEntry::OUTGOING);
      CHECK(caller->other_party() == "4002");
      CHECK(caller->other_party_name() == "Bruno Durand");
      CHECK(caller->duration_s() == c.duration_s);
      // call.missed / call.rejected for the callee only.
      Events events = CallLogEvents(records[0]);
      if (c.callee_kind == rpb::CallLogEntry::RECEIVED) {
        CHECK(events.empty());
      } else {
        REQUIRE(events.size() == 1);
        CHECK(events[0].topic == "call");
        CHECK(events[0].type == (c.rejected ? "call.rejected" : "call.missed"));
        ::switchboard::events::v1::CallLogged p;
        REQUIRE(p.ParseFromString(events[0].payload));
        CHECK(p.user_id() == "bruno");
        CHECK(p.call_id() == "c");
      }
      CHECK(CallLogEvents(records[1]).empty());  // OUTGOING publishes nothing
    }
  }
}

TEST_CASE("who appears in a log, and as what") {
  SECTION("a caller from a trunk has no log; the callee sees the number and the presented name") {
    rpb::CallSetup s = Setup("t", /*from_device=*/false);
    s.mutable_caller()->set_extension("");
    s.mutable_caller()->set_number("0612345678");
    auto records = BuildCallLog(Trace(s, Decision("t"), {Event("t", rpb::CallEvent::CANCELLED, 2)}), Names);
    REQUIRE(records.size() == 1);
    CHECK(records[0].entry.user_id() == "bruno");
    CHECK(records[0].entry.other_party() == "0612345678");
    CHECK(records[0].entry.other_party_name() == "Alice M.");  // no contact: the presented name
  }
  SECTION("an anonymous caller stays anonymous") {
    rpb::CallSetup s = Setup("a", false);
    s.mutable_caller()->set_anonymous(true);
    auto records = BuildCallLog(Trace(s, Decision("a"), {Event("a", rpb::CallEvent::CANCELLED, 2)}), Names);
    REQUIRE(records.size() == 1);
    CHECK(records[0].entry.other_party() == "anonymous");
    CHECK(records[0].entry.other_party_name().empty());
  }
  SECTION("a star code is a settings change, not a call") {
    rpb::RouteDecision d = Decision("s");
    d.set_feature_applied("forward_unconditional on to 0612345678");
    CHECK(BuildCallLog(Trace(Setup("s"), d, {}), Names).empty());
  }
  SECTION("a setup routing couldn't evaluate leaves only the caller's attempt") {
    rpb::RouteDecision d = Decision("e");
    d.set_error("profiles unavailable");
    auto records = BuildCallLog(Trace(Setup("e"), d, {Event("e", rpb::CallEvent::FAILED, 0, 503)}), Names);
    REQUIRE(records.size() == 1);
    CHECK(records[0].entry.kind() == rpb::CallLogEntry::OUTGOING);
  }
}

TEST_CASE("CSV export: RFC 4180 quoting, a header, local times") {
  rpb::CallLogEntry e;
  e.set_kind(rpb::CallLogEntry::MISSED);
  e.set_other_party("+33612345678");
  e.set_other_party_name("Dupont, \"Jo\"");
  e.mutable_started_at()->set_seconds(absl::ToUnixSeconds(kT0));
  e.set_duration_s(0);
  e.set_handled_by_rule("=HYPERLINK(\"x\")");
  e.set_call_id("abc");
  absl::TimeZone paris;
  REQUIRE(absl::LoadTimeZone("Europe/Paris", &paris));
  std::string csv = CallLogCsv({e}, paris);
  CHECK(csv ==
        "started_at,kind,other_party,other_party_name,duration_s,handled_by_rule,call_id\r\n"
        "2026-03-02T10:15:00+01:00,MISSED,+33612345678,\"Dupont, "
        "\"\"Jo\"\"\",0,\"'=HYPERLINK(\"\"x\"\")\",abc\r\n");
  CHECK(CsvField("a\nb") == "\"a\nb\"");
  CHECK(CsvField("plain") == "plain");
}

TEST_CASE("call logs are kept two calendar months") {
  auto at = [](int y, int m, int d) {
    return absl::FromCivil(absl::CivilSecond(y, m, d, 10, 0, 0), absl::UTCTimeZone());
  };
  CHECK(CallLogRetentionCutoff(at(2026, 3, 15)) == at(2026, 1, 15));
  CHECK(CallLogRetentionCutoff(at(2026, 1, 10)) == at(2025, 11, 10));
  CHECK(CallLogRetentionCutoff(at(2026, 4, 30)) == at(2026, 2, 28));
  CHECK(CallLogRetentionCutoff(at(2024, 4, 30)) == at(2024, 2, 29));
}

TEST_CASE("the tracker logs a call once it is over, and forgets setups the edge never acted on") {
  absl::Mutex mu;
  absl::Time now = kT0;
  std::vector<CallTrace> logged;
  core::WorkerPool pool(1);
  CallTracker tracker(
      {.setup_timeout = absl::Minutes(5), .call_timeout = absl::Hours(4)}, &pool,
      [&](const CallTrace& t) {
        absl::MutexLock lock(&mu);
        logged.push_back(t);
      },
      [&] {
        absl::MutexLock lock(&mu);
        return now;
      });
  auto logged_count = [&] {
    absl::MutexLock lock(&mu);
    return logged.size();
  };
  struct AtLeast {
    const std::vector<CallTrace>* v;
    size_t n;
    bool Ready() const { return v->size() >= n; }
  };
  auto wait_for = [&](size_t n) {
    AtLeast want{&logged, n};
    absl::MutexLock lock(&mu);
    return mu.AwaitWithTimeout(absl::Condition(&want, &AtLeast::Ready), absl::Seconds(10));
  };

  // A normal call: setup, decision, ringing, answer, end.
  tracker.OnSetup(Setup("c1"));
  tracker.OnDecision(Decision("c1"));
  tracker.OnEvent(Event("c1", rpb::CallEvent::RINGING, 1));
  CHECK(tracker.Stats().open == 1);
  tracker.OnEvent(Event("c1", rpb::CallEvent::ANSWERED, 3));
  tracker.OnEvent(Event("c1", rpb::CallEvent::ENDED, 63));
  REQUIRE(wait_for(1));
  CHECK(tracker.Stats().open == 0);

  // A reject is settled by the decision: no event needed.
  tracker.OnSetup(Setup("c2"));
  tracker.OnDecision(Decision("c2", /*rejected=*/true));
  REQUIRE(wait_for(2));

  // A setup with no event is dropped after setup_timeout, unlogged; an
  // answered call silent for call_timeout is logged as known.
  tracker.OnSetup(Setup("c3"));
  tracker.OnDecision(Decision("c3"));
  tracker.OnSetup(Setup("c4"));
  tracker.OnDecision(Decision("c4"));
  tracker.OnEvent(Event("c4", rpb::CallEvent::ANSWERED, 2));
  {
    absl::MutexLock lock(&mu);
    now = kT0 + absl::Minutes(6);
  }
  tracker.Sweep();
  CHECK(tracker.Stats().dropped == 1);
  CHECK(tracker.Stats().open == 1);  // c4 is still talking
  {
    absl::MutexLock lock(&mu);
    now = kT0 + absl::Hours(5);
  }
  tracker.Sweep();
  REQUIRE(wait_for(3));
  pool.Stop();
  REQUIRE(logged_count() == 3);
  CHECK(logged[0].call_id == "c1");
  CHECK(logged[0].answered);
  CHECK(logged[1].call_id == "c2");
  CHECK(logged[1].rejected);
  CHECK(logged[2].call_id == "c4");
  CHECK_FALSE(logged[2].terminal);
  // An event for a call nobody set up here is ignored.
  tracker.OnEvent(Event("nobody", rpb::CallEvent::ENDED, 1));
  CHECK(tracker.Stats().open == 0);
}

}  // namespace sb::routing

namespace sb::routing {
namespace {

TEST_CASE("a journaled trace reads back as it was written, and a damaged record not at all") {
  CallTrace t;
  t.call_id = "c-42@edge";
  t.tenant_id = "11111111-1111-1111-1111-111111111111";
  t.caller_user_id = "alice";
  t.caller_number = "0222969569";
  t.caller_extension = "4001";
  t.caller_name = std::string(300, 'n');  // a length past one varint byte
  t.caller_anonymous = true;
  t.dialed = "4002";
  t.started_at = kT0;
  t.decided = true;
  t.loggable = false;
  t.evaluation_failed = true;
  t.rejected = true;
  t.callee_user_id = "bruno";
  t.callee_tenant_id = "t2";
  t.decided_by = "rule «journée»";
  t.events = 3;
  t.last_event_at = kT0 + absl::Seconds(70);
  t.answered_at = kT0 + absl::Microseconds(3000001);
  t.answered = true;
  t.diverted_before_answer = true;
  t.failed = true;
  t.sip_code = 486;
  t.terminal = true;
  t.touched_at = kT0;  // routing's own clock: journaled in finished records only

  const std::string record = EncodeTrace(t);
  auto back = DecodeTrace(record);
  REQUIRE(back.has_value());
  CHECK(back->call_id == t.call_id);
  CHECK(back->tenant_id == t.tenant_id);
  CHECK(back->caller_user_id == t.caller_user_id);
  CHECK(back->caller_number == t.caller_number);
  CHECK(back->caller_extension == t.caller_extension);
  CHECK(back->caller_name == t.caller_name);
  CHECK(back->caller_anonymous);
  CHECK(back->dialed == t.dialed);
  CHECK(back->started_at == t.started_at);
  CHECK(back->decided);
  CHECK_FALSE(back->loggable);
  CHECK(back->evaluation_failed);
  CHECK(back->rejected);
  CHECK(back->callee_user_id == t.callee_user_id);
  CHECK(back->callee_tenant_id == t.callee_tenant_id);
  CHECK(back->decided_by == t.decided_by);
  CHECK(back->events == 3);
  CHECK(back->last_event_at == t.last_event_at);
  CHECK(back->answered_at == t.answered_at);
  CHECK(back->ended_at == absl::InfinitePast());  // "never" survives
  CHECK(back->answered);
  CHECK(back->diverted_before_answer);
  CHECK_FALSE(back->cancelled);
  CHECK(back->failed);
  CHECK(back->sip_code == 486);
  CHECK(back->terminal);
  // Finished: when, for the recovery sweep's grace period (call_recovery.h).
  CHECK(back->touched_at == kT0);

  // A call still open: version 1, without routing's clock.
  CallTrace open = t;
  open.terminal = false;
  const std::string open_record = EncodeTrace(open);
  CHECK(open_record[0] == 1);
  CHECK(record[0] == 2);
  auto open_back = DecodeTrace(open_record);
  REQUIRE(open_back.has_value());
  CHECK_FALSE(open_back->terminal);
  CHECK(open_back->touched_at == absl::InfinitePast());
  CHECK(open_back->last_event_at == t.last_event_at);

  // A fresh trace's defaults (loggable, nothing decided) survive too.
  CallTrace fresh;
  fresh.call_id = "c-43";
  auto fresh_back = DecodeTrace(EncodeTrace(fresh));
  REQUIRE(fresh_back.has_value());
  CHECK(fresh_back->loggable);
  CHECK_FALSE(fresh_back->decided);
  CHECK(fresh_back->started_at == absl::InfinitePast());

  // Truncated anywhere, extended, or of another version: unreadable.
  for (size_t n = 0; n < record.size(); ++n) {
    INFO("truncated to " << n << " bytes");
    CHECK_FALSE(DecodeTrace(absl::string_view(record).substr(0, n)).has_value());
  }
  CHECK_FALSE(DecodeTrace(record + "x").has_value());
  std::string other_version = record;
  other_version[0] = 3;
  CHECK_FALSE(DecodeTrace(other_version).has_value());
  // A finished record labelled as an open one (or the reverse) has the wrong size.
  other_version[0] = 1;
  CHECK_FALSE(DecodeTrace(other_version).has_value());
  std::string open_as_finished = open_record;
  open_as_finished[0] = 2;
  CHECK_FALSE(DecodeTrace(open_as_finished).has_value());
}

}  // namespace
}  // namespace sb::routing
