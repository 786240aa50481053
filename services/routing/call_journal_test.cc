// The call journal against a real Redis: what each write does to a call's
// record, and a call moving from one tracker (a routing copy that died) to
// another through it.
#include "services/routing/call_journal.h"

#include <catch2/catch.hpp>

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/worker_pool.h"
#include "services/routing/call_recovery.h"
#include "services/routing/call_tracker.h"
#include "tests/support/backends.h"

namespace sb::routing {
namespace {

std::unique_ptr<redis::Client> Redis() {
  return redis::Client::Create({.url = sb::testing::SharedBackends().redis_url}).value();
}

std::string NewCallId(const std::string& prefix) {
  static absl::BitGen gen;
  return absl::StrCat(prefix, "-", absl::Uniform<uint64_t>(gen));
}

CallTrace Trace(const std::string& call_id) {
  CallTrace t;
  t.call_id = call_id;
  t.tenant_id = "t1";
  t.caller_user_id = "alice";
  t.caller_number = "0222969569";
  t.dialed = "4002";
  t.started_at = absl::FromUnixSeconds(1770000000);
  t.decided = true;
  t.callee_user_id = "bruno";
  t.callee_tenant_id = "t1";
  return t;
}

int64_t Exists(redis::Client& r, const std::string& call_id) {
  return r.Command({"EXISTS", CallJournal::Key(call_id)})->integer;
}

// Alice calls Bruno's extension at `at`, and routing rings him.
void SetUpAndDecide(CallTracker& tracker, const std::string& id, absl::Time at) {
  rpb::CallSetup setup;
  setup.set_call_id(id);
  setup.set_origin(rpb::DEVICE);
  setup.set_tenant_id("t1");
  setup.mutable_caller()->set_user_id("alice");
  setup.mutable_caller()->set_number("0222969569");
  setup.set_dialed("4002");
  setup.mutable_at()->set_seconds(absl::ToUnixSeconds(at));
  tracker.OnSetup(setup);
  rpb::RouteDecision d;
  d.set_call_id(id);
  d.set_callee_user_id("bruno");
  d.set_callee_tenant_id("t1");
  d.set_decided_by("my line");
  d.add_steps();
  tracker.OnDecision(d);
}

rpb::CallEvent Event(const std::string& id, rpb::CallEvent::Kind kind, absl::Time at) {
  rpb::CallEvent e;
  e.set_call_id(id);
  e.set_kind(kind);
  e.mutable_at()->set_seconds(absl::ToUnixSeconds(at));
  return e;
}

// How many DEL commands this Redis has run.
int64_t DelCommands(redis::Client& r) {
  auto info = r.Command({"INFO", "commandstats"});
  REQUIRE(info.ok());
  const auto at = info->str.find("cmdstat_del:calls=");
  return at == std::string::npos ? 0 : std::stoll(info->str.substr(at + 18));
}

TEST_CASE("the journal keeps one record per open call, with an expiry, and never revives a forgotten one") {
  auto redis = Redis();
  CallJournal journal(redis.get(), {.ttl = absl::Minutes(10)});
  const std::string call = NewCallId("j");

  journal.Save(call, EncodeTrace(Trace(call)));
  journal.Flush();
  auto loaded = journal.Load(call);
  REQUIRE(loaded.ok());
  REQUIRE(loaded->has_value());
  CHECK((*loaded)->callee_user_id == "bruno");
  CHECK_FALSE((*loaded)->answered);
  const int64_t ttl = redis->Command({"PTTL", CallJournal::Key(call)})->integer;
  CHECK(ttl > 9 * 60 * 1000);
  CHECK(ttl <= 10 * 60 * 1000);

  // An update replaces the record and keeps the expiry.
  CallTrace answered = Trace(call);
  answered.answered = true;
  answered.answered_at = answered.started_at + absl::Seconds(4);
  journal.Update(call, EncodeTrace(answered));
  journal.Flush();
  loaded = journal.Load(call);
  REQUIRE(loaded.ok());
  REQUIRE(loaded->has_value());
  CHECK((*loaded)->answered);
  CHECK((*loaded)->answered_at == answered.answered_at);
  CHECK(redis->Command({"PTTL", CallJournal::Key(call)})->integer > 9 * 60 * 1000);

  // Forgotten: gone, and a late update does not bring it back.
  journal.Forget(call);
  journal.Update(call, EncodeTrace(answered));
  journal.Flush();
  CHECK(Exists(*redis, call) == 0);
  loaded = journal.Load(call);
  REQUIRE(loaded.ok());
  CHECK_FALSE(loaded->has_value());

  // Something unreadable under the key is no call.
  const std::string garbage = NewCallId("g");
  REQUIRE(redis->Set(CallJournal::Key(garbage), "not a record").ok());
  loaded = journal.Load(garbage);
  REQUIRE(loaded.ok());
  CHECK_FALSE(loaded->has_value());
  (void)redis->Del(CallJournal::Key(garbage));
}

TEST_CASE("consecutive forgets go as one DEL of many keys, in order with the saves around them") {
  auto redis = Redis();
  // Small pipelines, so that the runs of forgets also cross a pipeline's end.
  CallJournal journal(redis.get(), {.ttl = absl::Minutes(10), .max_batch = 4});
  std::vector<std::string> calls;
  for (int i = 0; i < 1200; ++i) calls.push_back(NewCallId("f"));
  for (const auto& c : calls) journal.Save(c, EncodeTrace(Trace(c)));
  journal.Flush();
  for (const auto& c : calls) REQUIRE(Exists(*redis, c) == 1);

  const int64_t dels_before = DelCommands(*redis);
  // The first 1,100 forgotten (more keys than one DEL takes), then a call
  // saved again after its forget (it must stay), then forgets again.
  for (int i = 0; i < 1100; ++i) journal.Forget(calls[i]);
  journal.Save(calls[0], EncodeTrace(Trace(calls[0])));
  for (int i = 1100; i < 1150; ++i) journal.Forget(calls[i]);
  journal.Flush();
  const int64_t dels_after = DelCommands(*redis);

  CHECK(Exists(*redis, calls[0]) == 1);  // saved after its forget
  for (int i = 1; i < 1150; ++i) CHECK(Exists(*redis, calls[i]) == 0);
  for (int i = 1150; i < 1200; ++i) CHECK(Exists(*redis, calls[i]) == 1);
  // 1,150 keys in a handful of commands (other tests share this Redis, so
  // a bound, not an exact count).
  CHECK(dels_after - dels_before >= 3);
  CHECK(dels_after - dels_before < 20);
  for (const auto& c : calls) journal.Forget(c);
  journal.Stop();
}

// The scheduling policy (field 41 of /proc/.../stat) of this process's threads.
std::vector<int> ThreadPolicies() {
  std::vector<int> out;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream in(task.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::vector<std::string> fields = absl::StrSplit(stat.substr(close + 2), ' ');
    if (fields.size() > 38) out.push_back(std::stoi(fields[38]));  // field 41 counts pid and comm
  }
  return out;
}

TEST_CASE("the journal's writer runs under SCHED_IDLE, below the decision path") {
  auto redis = Redis();
  const auto idle_threads = [] {
    auto p = ThreadPolicies();
    return std::count(p.begin(), p.end(), SCHED_IDLE);
  };
  const auto before = idle_threads();
  CallJournal journal(redis.get());
  journal.Start();
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (idle_threads() == before && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(1));
  CHECK(idle_threads() == before + 1);
  journal.Stop();
  CHECK(idle_threads() == before);
}

TEST_CASE("a call set up on one tracker is logged by another from the journal, once") {
  auto redis = Redis();
  core::WorkerPool pool(2);
  absl::Mutex mu;
  std::vector<CallTrace> logged_by_b;
  std::atomic<bool> a_logged = false;
  CallJournal journal(redis.get());
  journal.Start();
  const std::string call = NewCallId("moved");
  const std::string ringing_only = NewCallId("ringing");
  const absl::Time t0 = absl::FromUnixSeconds(1770000000);
  {
    // Copy A decides and follows the call up to the answer, then dies
    // (its memory is gone; what reached Redis stays).
    CallTracker a({}, &pool, [&](const CallTrace&) { a_logged = true; });
    a.set_journal(&journal);
    for (const std::string& id : {call, ringing_only}) {
      SetUpAndDecide(a, id, t0);
      a.OnEvent(Event(id, rpb::CallEvent::RINGING, t0 + absl::Seconds(1)));
    }
    a.OnEvent(Event(call, rpb::CallEvent::ANSWERED, t0 + absl::Seconds(3)));
    journal.Flush();
  }
  // As CallLogWriter does once the entries are written: the journal goes.
  CallTracker b({}, &pool, [&](const CallTrace& t) {
    if (t.journaled) journal.Forget(t.call_id);
    absl::MutexLock lock(&mu);
    logged_by_b.push_back(t);
  });
  b.set_journal(&journal);
  b.OnEvent(Event(call, rpb::CallEvent::ENDED, t0 + absl::Seconds(63)));
  b.OnEvent(Event(ringing_only, rpb::CallEvent::CANCELLED, t0 + absl::Seconds(9)));
  auto two_logged = [&] { return logged_by_b.size() >= 2; };
  {
    absl::MutexLock lock(&mu);
    REQUIRE(mu.AwaitWithTimeout(absl::Condition(&two_logged), absl::Seconds(10)));
  }
  journal.Flush();
  {
    absl::MutexLock lock(&mu);
    auto answered = std::find_if(logged_by_b.begin(), logged_by_b.end(),
                                 [&](const CallTrace& t) { return t.call_id == call; });
    REQUIRE(answered != logged_by_b.end());
    CHECK(answered->answered);
    CHECK(answered->callee_user_id == "bruno");
    CHECK(answered->caller_user_id == "alice");
    CHECK(answered->started_at == t0);
    CHECK(answered->ended_at - answered->answered_at == absl::Seconds(60));
    auto cancelled = std::find_if(logged_by_b.begin(), logged_by_b.end(),
                                  [&](const CallTrace& t) { return t.call_id == ringing_only; });
    REQUIRE(cancelled != logged_by_b.end());
    CHECK(cancelled->cancelled);
    CHECK_FALSE(cancelled->answered);
  }
  CHECK(b.Stats().adopted == 2);
  CHECK_FALSE(a_logged);
  // Logged: both journals are gone, and a repeated hang-up logs nothing more.
  CHECK(Exists(*redis, call) == 0);
  CHECK(Exists(*redis, ringing_only) == 0);
  b.OnEvent(Event(call, rpb::CallEvent::ENDED, t0 + absl::Seconds(64)));
  pool.Stop();
  journal.Stop();
  absl::MutexLock lock(&mu);
  CHECK(logged_by_b.size() == 2);
}

TEST_CASE("a call silent past call_timeout is journaled as finished when the sweep logs it") {
  auto redis = Redis();
  core::WorkerPool pool(2);
  CallJournal journal(redis.get());
  const absl::Time t0 = absl::FromUnixSeconds(1770000000);
  absl::Time now = t0;
  const std::string call = NewCallId("silent");
  std::atomic<int> logged = 0;
  CallTracker tracker(
      {.call_timeout = absl::Hours(4)}, &pool, [&](const CallTrace&) { ++logged; }, [&] { return now; });
  tracker.set_journal(&journal);
  SetUpAndDecide(tracker, call, t0);
  tracker.OnEvent(Event(call, rpb::CallEvent::ANSWERED, t0 + absl::Seconds(3)));
  journal.Flush();
  auto open = journal.Load(call);
  REQUIRE(open.ok());
  REQUIRE(open->has_value());
  CHECK_FALSE((*open)->terminal);

  // No final event ever comes (the edge lost it): the sweep logs the call as
  // known, and its record says it is finished, for the recovery sweep of any
  // copy should this one die before the log is committed.
  now = t0 + absl::Hours(5);
  tracker.Sweep();
  journal.Flush();
  auto finished = journal.Load(call);
  REQUIRE(finished.ok());
  REQUIRE(finished->has_value());
  CHECK((*finished)->terminal);
  CHECK((*finished)->answered);
  CHECK((*finished)->touched_at == now);  // the recovery sweep's grace counts from here
  pool.Stop();
  CHECK(logged == 1);
  CHECK(tracker.Stats().open == 0);
  journal.Forget(call);
  journal.Stop();
}

TEST_CASE("the recovery sweep logs a finished call its copy never logged, once, and leaves open calls") {
  // A Redis of its own: the sweep walks every record, and the shared one
  // holds other tests' calls.
  sb::testing::OwnRedis own;
  auto redis = redis::Client::Create({.url = own.url()}).value();
  core::WorkerPool pool(2);
  CallJournal journal(redis.get());
  const absl::Time t0 = absl::FromUnixSeconds(1770000000);
  absl::Time now = t0 + absl::Seconds(70);
  const std::string done = NewCallId("done");
  const std::string up = NewCallId("up");
  {
    // Copy A follows both calls; `done` ends, and A dies before its log is
    // committed (its log function never forgets the journal).
    CallTracker a(
        {}, &pool, [](const CallTrace&) {}, [&] { return now; });
    a.set_journal(&journal);
    for (const std::string& id : {done, up}) {
      SetUpAndDecide(a, id, t0);
      a.OnEvent(Event(id, rpb::CallEvent::ANSWERED, t0 + absl::Seconds(3)));
    }
    a.OnEvent(Event(done, rpb::CallEvent::ENDED, t0 + absl::Seconds(63)));
    journal.Flush();
    pool.Stop();
  }
  // The final event left a finished record, stamped with routing's clock.
  auto finished = journal.Load(done);
  REQUIRE(finished.ok());
  REQUIRE(finished->has_value());
  CHECK((*finished)->terminal);
  CHECK((*finished)->touched_at == now);
  auto open = journal.Load(up);
  REQUIRE(open.ok());
  REQUIRE(open->has_value());
  CHECK_FALSE((*open)->terminal);

  std::vector<CallTrace> logged;
  auto log = [&](const CallTrace& t) { logged.push_back(t); };
  CallRecoveryConfig config{.grace = absl::Seconds(10), .scan_count = 1};  // several SCAN steps
  CallRecovery b(redis.get(), log, config, [&] { return now; });
  CallRecovery c(redis.get(), log, config, [&] { return now; });

  // Within the grace period, A might still be committing: left to it.
  now += absl::Seconds(5);
  auto pass = b.RunOnce();
  REQUIRE(pass.ok());
  CHECK(pass->recovered == 0);
  CHECK(pass->open == 1);
  CHECK(logged.empty());

  now += absl::Seconds(6);
  pass = b.RunOnce();
  REQUIRE(pass.ok());
  CHECK(pass->recovered == 1);
  CHECK(pass->open == 1);
  REQUIRE(logged.size() == 1);
  CHECK(logged[0].call_id == done);
  CHECK(logged[0].tenant_id == "t1");
  CHECK(logged[0].journaled);  // so the writer deletes the record once committed
  CHECK(logged[0].answered);
  CHECK(logged[0].ended_at - logged[0].answered_at == absl::Seconds(60));

  // Another copy's sweep before B's commit: the lock keeps it off the call.
  pass = c.RunOnce();
  REQUIRE(pass.ok());
  CHECK(pass->recovered == 0);
  CHECK(pass->locked == 1);

  // B's commit deletes the record (CallLogWriter does): nothing left to log,
  // and the open call is still journaled, untouched.
  journal.Forget(done);
  journal.Flush();
  now += absl::Minutes(5);
  pass = c.RunOnce();
  REQUIRE(pass.ok());
  CHECK(pass->recovered == 0);
  CHECK(pass->open == 1);
  CHECK(logged.size() == 1);
  CHECK(Exists(*redis, up) == 1);
  journal.Stop();
}

}  // namespace
}  // namespace sb::routing
