// The notifications store against a real PostgreSQL (a fresh database per
// test case, migrated as the service migrates it): retention, pages, used
// action links.
#include "services/notifications/pg_store.h"

#include <catch2/catch.hpp>
#include <pqxx/pqxx>
#include <set>

#include "absl/strings/str_cat.h"
#include "pg/migrate.h"
#include "tests/support/backends.h"

namespace sb::notifications {
const std::vector<pg::Migration>& Migrations();

namespace {

struct Db {
  std::string url;
  std::unique_ptr<pg::Pool> pool;
  std::unique_ptr<PgStore> store;

  Db() {
    url = sb::testing::FreshDatabase("notifications");
    pool = pg::Pool::Create({.url = url, .size = 4, .search_path = "notifications"}).value();
    REQUIRE(pg::Migrate(*pool, "notifications", Migrations()).ok());
    store = std::make_unique<PgStore>(pool.get());
  }

  void Exec(const std::string& sql) {
    pqxx::connection c(url);
    pqxx::work w(c);
    w.exec(sql);
    w.commit();
  }
  std::string One(const std::string& sql) {
    pqxx::connection c(url);
    pqxx::nontransaction w(c);
    auto r = w.exec(sql);
    return r.empty() || r[0][0].is_null() ? "" : r[0][0].as<std::string>();
  }
};

NewDelivery Delivery(const std::string& event_id, const std::string& to,
                     const std::string& after_accept = "") {
  NewDelivery d;
  d.event_id = event_id;
  d.event_type = "security.password_changed";
  d.tenant_id = "t1";
  d.user_id = "u1";
  d.channel = "EMAIL";
  d.recipient = to;
  d.purpose = "SECURITY";
  d.payload = "x";
  d.event_at = absl::Now();
  d.after_accept = after_accept;
  d.message_id = after_accept.empty() ? "" : "m-" + event_id;
  return d;
}

}  // namespace

TEST_CASE("the purge forgets accepted deliveries and finished call-outs past the retention, nothing else") {
  Db db;
  REQUIRE(db.store
              ->InsertPlan({Delivery("old-accepted", "a@x"), Delivery("new-accepted", "b@x"),
                            Delivery("old-failed", "c@x"), Delivery("old-pending", "d@x"),
                            Delivery("old-after-accept", "e@x", "TRASH"),
                            Delivery("old-after-accept-done", "f@x", "PURGE")},
                           std::nullopt)
              .ok());
  const auto days_ago = [](int d) { return absl::StrCat("now() - interval '", d, " days'"); };
  db.Exec(absl::StrCat("UPDATE notifications.deliveries SET state = 'accepted', accepted_at = ", days_ago(31),
                       ", created_at = ", days_ago(31),
                       " WHERE event_id IN ('old-accepted', 'old-after-accept', 'old-after-accept-done')"));
  db.Exec(
      "UPDATE notifications.deliveries SET after_accept_done = true WHERE event_id = "
      "'old-after-accept-done'");
  db.Exec(absl::StrCat("UPDATE notifications.deliveries SET state = 'accepted', accepted_at = ", days_ago(29),
                       " WHERE event_id = 'new-accepted'"));
  db.Exec(absl::StrCat("UPDATE notifications.deliveries SET state = 'failed', failed_at = ", days_ago(60),
                       ", created_at = ", days_ago(60), " WHERE event_id = 'old-failed'"));
  db.Exec(absl::StrCat("UPDATE notifications.deliveries SET created_at = ", days_ago(40),
                       " WHERE event_id = 'old-pending'"));
  // Call-outs: finished long ago, finished lately, still scheduled though created long ago.
  for (const char* id : {"co-old-done", "co-new-done", "co-old-pending"}) {
    NewCallOut c;
    c.event_id = id;
    c.tenant_id = "t1";
    c.user_id = "u1";
    c.message_id = "m1";
    c.first_at = absl::Now() + absl::Hours(1);
    REQUIRE(db.store->InsertPlan({}, c).ok());
  }
  db.Exec(absl::StrCat("UPDATE notifications.callouts SET next_run_at = NULL, created_at = ", days_ago(31),
                       " WHERE event_id = 'co-old-done'"));
  db.Exec("UPDATE notifications.callouts SET next_run_at = NULL WHERE event_id = 'co-new-done'");
  db.Exec(absl::StrCat("UPDATE notifications.callouts SET created_at = ", days_ago(31),
                       " WHERE event_id = 'co-old-pending'"));
  // Used action links: one expired, one still valid.
  REQUIRE(db.store->ClaimLink("h-expired", "DELETE", "t1", "u1", absl::Now() - absl::Minutes(1)).ok());
  REQUIRE(db.store->ClaimLink("h-valid", "DELETE", "t1", "u1", absl::Now() + absl::Hours(1)).ok());

  auto n = db.store->Purge(absl::Hours(24 * 30));
  REQUIRE(n.ok());
  CHECK(*n == 4);  // old-accepted, old-after-accept-done, co-old-done, h-expired
  std::set<std::string> left;
  pqxx::connection c(db.url);
  pqxx::nontransaction w(c);
  for (const auto& r : w.exec("SELECT event_id FROM notifications.deliveries"))
    left.insert(r[0].as<std::string>());
  // A dead letter stays until replayed; an accepted delivery whose "do not
  // keep the original" has not run yet stays until it has.
  CHECK(left == std::set<std::string>{"new-accepted", "old-failed", "old-pending", "old-after-accept"});
  std::set<std::string> callouts;
  for (const auto& r : w.exec("SELECT event_id FROM notifications.callouts"))
    callouts.insert(r[0].as<std::string>());
  CHECK(callouts == std::set<std::string>{"co-new-done", "co-old-pending"});
  CHECK(db.One("SELECT string_agg(token_sha256, ',') FROM notifications.action_links_used") == "h-valid");
  // Nothing more is old enough.
  CHECK(db.store->Purge(absl::Hours(24 * 30)).value() == 0);
}

TEST_CASE("dead letters and deliveries come in keyset pages") {
  Db db;
  std::vector<NewDelivery> ds;
  for (int i = 0; i < 7; ++i) ds.push_back(Delivery(absl::StrCat("e", i), absl::StrCat("r", i, "@x")));
  REQUIRE(db.store->InsertPlan(ds, std::nullopt).ok());
  // Five failed, two of them at the same instant (the id breaks the tie).
  db.Exec(
      "UPDATE notifications.deliveries SET state = 'failed', failed_at = "
      "timestamptz '2026-11-01 10:00:00' + (CASE WHEN event_id IN ('e1','e2') THEN 1 ELSE id END) * "
      "interval '1 second' WHERE event_id IN ('e0','e1','e2','e3','e4')");
  std::vector<std::string> seen;
  PageCursor at;
  for (int page = 0; page < 10; ++page) {
    auto rows = db.store->ListFailed(at, 2);
    REQUIRE(rows.ok());
    for (const auto& d : *rows) seen.push_back(d.event_id);
    if (rows->size() < 2) break;
    at = {rows->back().failed_at, absl::StrCat(rows->back().id)};
  }
  CHECK(seen.size() == 5);
  CHECK(std::set<std::string>(seen.begin(), seen.end()).size() == 5);
  // Newest first, below an id.
  auto first = db.store->ListDeliveries("", "", 0, 3);
  REQUIRE(first.ok());
  REQUIRE(first->size() == 3);
  auto next = db.store->ListDeliveries("", "", first->back().id, 10);
  REQUIRE(next.ok());
  CHECK(next->size() == 4);
  CHECK(next->front().id < first->back().id);
}

TEST_CASE("an action link runs once: a second claim returns the first run") {
  Db db;
  const absl::Time exp = absl::Now() + absl::Hours(1);
  auto first = db.store->ClaimLink("h1", "MARK_ALL_READ", "t1", "u1", exp);
  REQUIRE(first.ok());
  CHECK_FALSE(first->has_value());
  const absl::Time done_at = absl::FromUnixMicros(1795000000123456);
  REQUIRE(db.store->FinishLink("h1", 3, done_at).ok());
  auto again = db.store->ClaimLink("h1", "MARK_ALL_READ", "t1", "u1", exp);
  REQUIRE(again.ok());
  REQUIRE(again->has_value());
  CHECK((*again)->affected == 3);
  CHECK((*again)->action == "MARK_ALL_READ");
  CHECK((*again)->done_at == done_at);
  CHECK(db.store->FindLink("h1").value().has_value());
  // A run that failed is released: the link works again.
  REQUIRE(db.store->ClaimLink("h2", "DELETE", "t1", "u1", exp).ok());
  REQUIRE(db.store->ReleaseLink("h2").ok());
  CHECK_FALSE(db.store->FindLink("h2").value().has_value());
  auto retry = db.store->ClaimLink("h2", "DELETE", "t1", "u1", exp);
  REQUIRE(retry.ok());
  CHECK_FALSE(retry->has_value());
}

}  // namespace sb::notifications
