// The routing store against a real PostgreSQL (a fresh database per test
// case, migrated as the service migrates it).
#include "services/routing/pg_store.h"

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "core/status.h"
#include "pg/migrate.h"
#include "services/routing/calendar.h"
#include "services/routing/call_log.h"
#include "services/routing/call_log_writer.h"
#include "services/routing/test_fakes.h"
#include "services/routing/purger.h"
#include "services/routing/routing_manager.h"
#include "switchboard/events/v1/events.pb.h"
#include "redis/client.h"
#include "tests/support/backends.h"

namespace sb::routing {
const std::vector<pg::Migration>& Migrations();

namespace {

constexpr char kTenant[] = "11111111-1111-1111-1111-111111111111";
constexpr char kOther[] = "22222222-2222-2222-2222-222222222222";
constexpr char kUser[] = "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa";
constexpr char kUser2[] = "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb";

struct Db {
  std::string url;
  std::unique_ptr<pg::Pool> pool;
  std::unique_ptr<PgStore> store;

  Db() {
    url = sb::testing::FreshDatabase("routing");
    pool = pg::Pool::Create({.url = url, .size = 4, .search_path = "routing"}).value();
    REQUIRE(pg::Migrate(*pool, "routing", Migrations()).ok());
    store = std::make_unique<PgStore>(pool.get());
  }

  // The outbox's event types, oldest first.
  std::vector<std::string> Outbox() {
    pqxx::connection c(url);
    pqxx::work w(c);
    std::vector<std::string> out;
    for (const auto& r : w.exec("SELECT type FROM routing.outbox ORDER BY seq"))
      out.push_back(r[0].as<std::string>());
    return out;
  }
};

CallLogRecord Entry(const std::string& user, const std::string& call_id, rpb::CallLogEntry::Kind kind,
                    absl::Time started) {
  CallLogRecord r;
  r.tenant_id = kTenant;
  r.entry.set_user_id(user);
  r.entry.set_call_id(call_id);
  r.entry.set_kind(kind);
  r.entry.set_other_party("0612345678");
  r.entry.set_other_party_name("Jo, \"le boss\"");
  r.entry.mutable_started_at()->set_seconds(absl::ToUnixSeconds(started));
  r.entry.mutable_started_at()->set_nanos(123000);
  r.entry.set_duration_s(42);
  r.entry.set_handled_by_rule("rule 'VIP' of list 'Bureau'");
  return r;
}

}  // namespace

TEST_CASE("call settings round-trip as JSON, one row per user") {
  Db db;
  CHECK(db.store->GetCallSettings(kUser).status().code() == absl::StatusCode::kNotFound);
  rpb::CallSettings s = DefaultCallSettings(kUser, true);
  s.mutable_forward_no_answer()->set_enabled(true);
  s.mutable_forward_no_answer()->set_number("0612345678");
  s.mutable_caller_id()->set_outgoing_name("Agence Nantes");
  auto put = db.store->PutCallSettings(kTenant, {s},
                                       {RoutingChangedEvent("routing.settings_changed", kTenant, kUser)});
  REQUIRE(put.ok());
  CHECK(put->front().updated_at().seconds() > 0);

  auto got = db.store->GetCallSettings(kUser);
  REQUIRE(got.ok());
  CHECK(got->forward_no_answer().number() == "0612345678");
  CHECK(got->forward_no_answer().after_s() == 36);
  CHECK(got->user_id() == kUser);

  // Replaced, not duplicated; the A10 table reads the tenant's rows in SQL.
  s.set_availability(rpb::DND);
  REQUIRE(db.store->PutCallSettings(kTenant, {s}, {}).ok());
  auto all = db.store->ListTenantCallSettings(kTenant);
  REQUIRE(all.ok());
  REQUIRE(all->size() == 1);
  CHECK(all->front().availability() == rpb::DND);
  CHECK(db.store->ListTenantCallSettings(kOther)->empty());
  pqxx::connection c(db.url);
  pqxx::work w(c);
  CHECK(w.exec1("SELECT settings->'caller_id'->>'outgoing_name' FROM routing.call_settings")[0]
            .as<std::string>() == "Agence Nantes");
  CHECK(db.Outbox() == std::vector<std::string>{"routing.settings_changed"});
  CHECK(db.store->GetCallSettings("not-a-uuid").status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE("schedules: user and tenant level, the opposite follows its schedule") {
  Db db;
  rpb::Schedule s;
  s.set_tenant_id(kTenant);
  s.set_user_id(kUser);
  s.set_name("Bureau");
  auto* day = s.add_days();
  day->set_day(1);
  auto* p = day->add_periods();
  p->set_start("08:00");
  p->set_end("12:00");
  auto saved = db.store->InsertSchedule(s, OppositeOf(s), {});
  REQUIRE(saved.ok());
  REQUIRE(saved->size() == 2);
  const rpb::Schedule& original = (*saved)[0];
  CHECK(original.days(0).periods(0).end() == "12:00");
  CHECK((*saved)[1].name() == "non-Bureau");
  CHECK((*saved)[1].opposite_of() == original.id());

  // Names are unique per owner, case-insensitively.
  rpb::Schedule dup = s;
  dup.set_name("bureau");
  CHECK(db.store->InsertSchedule(dup, std::nullopt, {}).status().code() == absl::StatusCode::kAlreadyExists);
  rpb::Schedule group = s;
  group.clear_user_id();  // a tenant-level schedule may share the name
  REQUIRE(db.store->InsertSchedule(group, std::nullopt, {}).ok());
  CHECK(db.store->ListSchedules(kTenant, kUser)->size() == 2);
  CHECK(db.store->ListSchedules(kTenant, "")->size() == 1);

  rpb::Schedule renamed = original;
  renamed.set_name("Agence");
  REQUIRE(db.store->UpdateSchedule(renamed, {}).ok());
  auto listed = db.store->ListSchedules(kTenant, kUser);
  REQUIRE(listed->size() == 2);
  CHECK((*listed)[0].name() == "Agence");
  CHECK((*listed)[1].name() == "non-Agence");

  // In use by the user's settings (the opposite, here): not deleted, and
  // the error says why; once the settings no longer name it, it goes.
  rpb::CallSettings uses;
  uses.set_user_id(kUser);
  auto* active = uses.add_active_rule_lists();
  active->set_schedule_id((*listed)[1].id());
  active->set_rule_list_id("00000000-0000-0000-0000-0000000000aa");
  REQUIRE(db.store->PutCallSettings(kTenant, {uses}, {}).ok());
  auto refused = db.store->DeleteSchedule(original.id(), {});
  CHECK(refused.code() == absl::StatusCode::kFailedPrecondition);
  CHECK_THAT(std::string(refused.message()), Catch::Contains("'Agence'"));
  CHECK(db.store->ListSchedules(kTenant, kUser)->size() == 2);
  uses.clear_active_rule_lists();
  REQUIRE(db.store->PutCallSettings(kTenant, {uses}, {}).ok());

  REQUIRE(db.store->DeleteSchedule(original.id(), {}).ok());
  CHECK(db.store->ListSchedules(kTenant, kUser)->empty());  // the opposite went with it
  CHECK(db.store->DeleteSchedule(original.id(), {}).code() == absl::StatusCode::kNotFound);
}

TEST_CASE("rule lists and the blacklist") {
  Db db;
  rpb::RuleList list;
  list.set_user_id(kUser);
  list.set_name("Bureau");
  auto* rule = list.add_rules();
  rule->set_id("r1");
  rule->set_name("VIP");
  rule->mutable_then()->set_kind(rpb::Action::FORWARD);
  rule->mutable_then()->set_number("0612345678");
  auto saved = db.store->InsertRuleList(kTenant, list, {});
  REQUIRE(saved.ok());
  CHECK(saved->rules(0).then().number() == "0612345678");
  CHECK(db.store->InsertRuleList(kTenant, list, {}).status().code() == absl::StatusCode::kAlreadyExists);
  rpb::RuleList changed = *saved;
  changed.mutable_rules(0)->set_enabled(true);
  REQUIRE(db.store->UpdateRuleList(changed, {}).ok());
  CHECK(db.store->GetRuleList(saved->id())->rules(0).enabled());
  CHECK(db.store->ListRuleLists(kUser)->size() == 1);
  rpb::CallSettings uses;
  uses.set_user_id(kUser);
  uses.set_default_rule_list_id(saved->id());
  REQUIRE(db.store->PutCallSettings(kTenant, {uses}, {}).ok());
  CHECK(db.store->DeleteRuleList(saved->id(), {}).code() == absl::StatusCode::kFailedPrecondition);
  uses.clear_default_rule_list_id();
  REQUIRE(db.store->PutCallSettings(kTenant, {uses}, {}).ok());
  REQUIRE(db.store->DeleteRuleList(saved->id(), {}).ok());
  CHECK(db.store->GetRuleList(saved->id()).status().code() == absl::StatusCode::kNotFound);

  CHECK(db.store->GetBlacklist(kTenant)->rules_size() == 0);
  rpb::BlacklistRule block;
  block.set_match(rpb::BlacklistRule::STARTS_WITH);
  block.set_digits("0899");
  block.set_effect(rpb::BlacklistRule::BLOCK);
  auto r1 = db.store->InsertBlacklistRule(kTenant, block,
                                          {RoutingChangedEvent("routing.blacklist_changed", kTenant, "")});
  REQUIRE(r1.ok());
  block.set_digits("0612345678");
  block.set_match(rpb::BlacklistRule::EQUALS);
  block.set_effect(rpb::BlacklistRule::ALLOW);
  REQUIRE(db.store->InsertBlacklistRule(kTenant, block, {}).ok());
  REQUIRE(db.store->SetBlacklistMode(kTenant, true, {}).ok());
  auto bl = db.store->GetBlacklist(kTenant);
  REQUIRE(bl->rules_size() == 2);
  CHECK(bl->allow_only_listed());
  CHECK(bl->rules(0).digits() == "0899");  // in creation order
  CHECK(bl->rules(1).effect() == rpb::BlacklistRule::ALLOW);
  CHECK(db.store->GetBlacklist(kOther)->rules_size() == 0);  // per tenant
  CHECK(db.store->DeleteBlacklistRule(kOther, r1->id(), {}).code() == absl::StatusCode::kNotFound);
  REQUIRE(db.store->DeleteBlacklistRule(kTenant, r1->id(), {}).ok());
  CHECK(db.store->GetBlacklist(kTenant)->rules_size() == 1);
  REQUIRE(db.store->DeleteAllBlacklistRules(kTenant, {}).ok());
  CHECK(db.store->GetBlacklist(kTenant)->rules_size() == 0);
  // The database refuses what validation would: digits only.
  block.set_digits("08 99");
  CHECK(db.store->InsertBlacklistRule(kTenant, block, {}).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(db.Outbox() == std::vector<std::string>{"routing.blacklist_changed"});
}

TEST_CASE("call logs: one entry per call and user, newest first, paged, purged after two months") {
  Db db;
  const absl::Time now = absl::FromCivil(absl::CivilSecond(2026, 5, 20, 12, 0, 0), absl::UTCTimeZone());
  std::vector<CallLogRecord> records = {
      Entry(kUser, "c1", rpb::CallLogEntry::MISSED, now - absl::Hours(1)),
      Entry(kUser2, "c1", rpb::CallLogEntry::OUTGOING, now - absl::Hours(1))};
  std::vector<Events> events = {CallLogEvents(records[0]), CallLogEvents(records[1])};
  auto saved = db.store->InsertCallLogs(records, events);
  REQUIRE(saved.ok());
  REQUIRE(saved->size() == 2);
  CHECK_FALSE((*saved)[0].entry.id().empty());
  // The same call logged again (a redelivered event): nothing new.
  auto again = db.store->InsertCallLogs(records, events);
  REQUIRE(again.ok());
  CHECK(again->empty());
  CHECK(db.Outbox() == std::vector<std::string>{"call.missed"});
  {
    // The event carries the entry's id, filled in by the store.
    pqxx::connection c(db.url);
    pqxx::work w(c);
    ::switchboard::events::v1::CallLogged logged;
    REQUIRE(
        logged.ParseFromString(pqxx::binarystring(w.exec1("SELECT payload FROM routing.outbox")[0]).str()));
    CHECK(logged.entry_id() == (*saved)[0].entry.id());
  }

  for (int i = 2; i <= 6; ++i) {
    auto kind = i % 2 ? rpb::CallLogEntry::RECEIVED : rpb::CallLogEntry::MISSED;
    REQUIRE(
        db.store
            ->InsertCallLogs({Entry(kUser, "c" + std::to_string(i), kind, now - absl::Minutes(60 - i))}, {})
            .ok());
  }
  REQUIRE(
      db.store
          ->InsertCallLogs({Entry(kUser, "old", rpb::CallLogEntry::MISSED, now - absl::Hours(24 * 70))}, {})
          .ok());

  const absl::Time since = CallLogRetentionCutoff(now);
  auto page1 = db.store->ListCallLogs(kUser, rpb::CallLogEntry::KIND_UNSPECIFIED, {}, since, 4);
  REQUIRE(page1.ok());
  REQUIRE(page1->size() == 4);
  CHECK((*page1)[0].call_id() == "c6");  // newest first
  CHECK((*page1)[0].other_party_name() == "Jo, \"le boss\"");
  CHECK((*page1)[0].started_at().nanos() == 123000);
  const auto& last = page1->back();
  CallLogCursor cursor{
      absl::FromUnixSeconds(last.started_at().seconds()) + absl::Nanoseconds(last.started_at().nanos()),
      last.id()};
  auto page2 = db.store->ListCallLogs(kUser, rpb::CallLogEntry::KIND_UNSPECIFIED, cursor, since, 4);
  REQUIRE(page2.ok());
  REQUIRE(page2->size() == 2);  // c2 and c1; "old" is past retention
  CHECK((*page2)[1].call_id() == "c1");
  auto missed = db.store->ListCallLogs(kUser, rpb::CallLogEntry::MISSED, {}, since, 50);
  CHECK(missed->size() == 4);  // c1, c2, c4, c6
  CHECK(db.store->ListCallLogs(kUser2, rpb::CallLogEntry::KIND_UNSPECIFIED, {}, since, 50)->size() == 1);

  // The purge job with its clock: "old" goes, the rest stays.
  CallLogPurger purger(db.store.get(), absl::Hours(1), [&] { return now; });
  auto purged = purger.PurgeOnce();
  REQUIRE(purged.ok());
  CHECK(*purged == 1);
  CHECK(db.store->ListCallLogs(kUser, rpb::CallLogEntry::KIND_UNSPECIFIED, {}, absl::InfinitePast(), 50)
            ->size() == 6);
}

TEST_CASE("call logs of many calls go in one transaction, each entry once, each event with its entry's id") {
  Db db;
  const absl::Time now = absl::FromCivil(absl::CivilSecond(2026, 5, 20, 12, 0, 0), absl::UTCTimeZone());
  REQUIRE(db.store->InsertCallLogs({Entry(kUser, "before", rpb::CallLogEntry::MISSED, now)}, {}).ok());
  // 600 calls: past one statement's 500 rows; one logged before, one twice
  // in the batch, every third missed (an event each).
  std::vector<CallLogRecord> records;
  std::vector<Events> events;
  for (int i = 0; i < 600; ++i) {
    auto kind = i % 3 == 0 ? rpb::CallLogEntry::MISSED : rpb::CallLogEntry::RECEIVED;
    records.push_back(Entry(i % 2 ? kUser : kUser2, "m" + std::to_string(i), kind, now - absl::Seconds(i)));
    events.push_back(CallLogEvents(records.back()));
  }
  records.push_back(Entry(kUser, "before", rpb::CallLogEntry::MISSED, now));
  events.push_back(CallLogEvents(records.back()));
  records.push_back(records[3]);
  events.push_back(events[3]);
  auto saved = db.store->InsertCallLogs(records, events);
  REQUIRE(saved.ok());
  REQUIRE(saved->size() == 600);
  CHECK((*saved)[599].entry.call_id() == "m599");  // in the order given
  pqxx::connection c(db.url);
  pqxx::work w(c);
  CHECK(w.exec1("SELECT count(*) FROM routing.call_logs")[0].as<int>() == 601);
  // One event per missed call written now (200), none for "before" again,
  // each naming its own entry.
  auto rows = w.exec("SELECT payload FROM routing.outbox WHERE type = 'call.missed'");
  REQUIRE(rows.size() == 200);
  absl::flat_hash_map<std::string, std::string> id_of;
  for (const auto& r : *saved) id_of[r.entry.call_id()] = r.entry.id();
  for (const auto& row : rows) {
    ::switchboard::events::v1::CallLogged logged;
    REQUIRE(logged.ParseFromString(pqxx::binarystring(row[0]).str()));
    CHECK(logged.entry_id() == id_of[logged.call_id()]);
    CHECK(logged.other_party_name() == "Jo, \"le boss\"");
  }
  auto stored = w.exec1("SELECT other_party_name, duration_s, handled_by_rule FROM routing.call_logs "
                        "WHERE call_id = 'm7'");
  CHECK(stored[0].as<std::string>() == "Jo, \"le boss\"");
  CHECK(stored[1].as<int>() == 42);
  CHECK(stored[2].as<std::string>() == "rule 'VIP' of list 'Bureau'");
}

TEST_CASE("the call-log writer batches calls and forgets their journals only once they are written") {
  Db db;
  auto redis = redis::Client::Create({.url = sb::testing::SharedBackends().redis_url}).value();
  CallJournal journal(redis.get());
  testing::FakeProfiles profiles;
  numbering::Numbering numbering;
  Directory directory(&profiles, &numbering);
  CallLogWriter writer(db.store.get(), &directory, &journal, {.linger = absl::Milliseconds(50)});
  const std::string run = std::to_string(absl::ToUnixNanos(absl::Now()));
  auto trace = [&](int i) {
    CallTrace t;
    t.call_id = absl::StrCat("w", run, "-", i);
    t.tenant_id = testing::kTenant;
    t.caller_user_id = testing::kAlice;
    t.caller_number = "0222969569";
    t.caller_extension = "4001";
    t.dialed = "4002";
    t.started_at = absl::Now();
    t.decided = true;
    t.callee_user_id = testing::kBruno;
    t.callee_tenant_id = testing::kTenant;
    t.terminal = true;
    t.journaled = true;
    return t;
  };
  for (int i = 0; i < 20; ++i) {
    CallTrace t = trace(i);
    journal.Save(t.call_id, EncodeTrace(t));
  }
  journal.Flush();
  for (int i = 0; i < 20; ++i) writer.Submit(trace(i));
  // Not written yet (the writer thread isn't even running): the journals stay.
  CHECK(redis->Command({"EXISTS", CallJournal::Key(trace(0).call_id)})->integer == 1);
  writer.Flush();
  journal.Flush();
  CHECK(writer.written() == 20);
  for (int i = 0; i < 20; ++i) {
    CHECK(redis->Command({"EXISTS", CallJournal::Key(trace(i).call_id)})->integer == 0);
  }
  pqxx::connection c(db.url);
  pqxx::work w(c);
  // Each call leaves Bruno's MISSED and Alice's OUTGOING entry, with names.
  CHECK(w.exec1("SELECT count(*) FROM routing.call_logs")[0].as<int>() == 40);
  CHECK(w.exec1("SELECT count(*) FROM routing.call_logs WHERE kind = 'OUTGOING' AND "
                "other_party_name = 'Bruno Durand'")[0]
            .as<int>() == 20);
  CHECK(w.exec1("SELECT count(*) FROM routing.outbox WHERE type = 'call.missed'")[0].as<int>() == 20);
  w.commit();

  // Through the writer thread, the same: Stop writes what is still queued.
  writer.Start();
  for (int i = 20; i < 30; ++i) writer.Submit(trace(i));
  writer.Stop();
  CHECK(writer.written() == 30);
  pqxx::work w2(c);
  CHECK(w2.exec1("SELECT count(*) FROM routing.call_logs")[0].as<int>() == 60);
}

}  // namespace sb::routing
