#include "pg/migrate.h"

#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "pg/pool.h"
#include "pg/testing.h"

// Generated from testdata/migrations by sb_embed_migrations (CMakeLists.txt).
namespace sb::pg::testing {
const std::vector<Migration>& TestMigrations();
}  // namespace sb::pg::testing

namespace sb::pg {
namespace {

using testing::TestDatabase;
using testing::TestMigrations;
using testing::UniqueToken;

std::unique_ptr<Pool> MakePool() {
  auto pool = Pool::Create({.url = TestDatabase().url(), .size = 2});
  REQUIRE(pool.ok());
  return std::move(pool).value();
}

std::vector<int> AppliedVersions(Pool& pool, const std::string& schema) {
  std::vector<int> versions;
  REQUIRE(pool.Read([&](pqxx::work& txn) {
                versions.clear();
                for (const auto& row :
                     txn.exec("SELECT version FROM " + schema + ".schema_migrations ORDER BY 1")) {
                  versions.push_back(row[0].as<int>());
                }
                return absl::OkStatus();
              })
              .ok());
  return versions;
}

bool TableExists(Pool& pool, const std::string& qualified) {
  bool exists = false;
  REQUIRE(pool.Read([&](pqxx::work& txn) {
                exists = !txn.exec_params1("SELECT to_regclass($1)", qualified)[0].is_null();
                return absl::OkStatus();
              })
              .ok());
  return exists;
}

TEST_CASE("migration files are embedded verbatim", "[pg][migrate]") {
  const std::vector<Migration>& migrations = TestMigrations();
  REQUIRE(migrations.size() == 2);
  CHECK(migrations[0].version == 1);
  CHECK(migrations[0].name == "x");
  CHECK(migrations[0].sql.find("CREATE TABLE x (") != std::string::npos);
  CHECK(migrations[1].version == 2);
  CHECK(migrations[1].name == "y");
  // Sequences that would break a naive raw string or a CMake list survive.
  for (const char* tricky :
       {")\"", ")sbsql\"", "back\\\\slash", ";semi", "[[bracket]]", "${not_cmake}"}) {
    CHECK(migrations[1].sql.find(tricky) != std::string::npos);
  }
}

TEST_CASE("Migrate applies missing migrations once", "[pg][migrate]") {
  auto pool = MakePool();
  const std::string schema = "mig_" + UniqueToken();

  REQUIRE(Migrate(*pool, schema, TestMigrations()).ok());
  CHECK(AppliedVersions(*pool, schema) == std::vector<int>{1, 2});
  std::string note, applied_at;
  REQUIRE(pool->Read([&](pqxx::work& txn) {
                note = txn.exec1("SELECT note FROM " + schema + ".y")[0].as<std::string>();
                applied_at = txn.exec1("SELECT max(applied_at)::text FROM " + schema +
                                       ".schema_migrations")[0]
                                 .as<std::string>();
                return absl::OkStatus();
              })
              .ok());
  CHECK(note == "quote )\" back\\slash ;semi [[bracket]] ${not_cmake}");

  // Idempotent: 0001 has no IF NOT EXISTS, so a second application would fail.
  REQUIRE(Migrate(*pool, schema, TestMigrations()).ok());
  CHECK(AppliedVersions(*pool, schema) == std::vector<int>{1, 2});
  std::string applied_at_again;
  REQUIRE(pool->Read([&](pqxx::work& txn) {
                applied_at_again = txn.exec1("SELECT max(applied_at)::text FROM " + schema +
                                             ".schema_migrations")[0]
                                       .as<std::string>();
                return absl::OkStatus();
              })
              .ok());
  CHECK(applied_at_again == applied_at);

  // The advisory lock is released: another session can take it.
  bool locked = false;
  REQUIRE(
      pool->WithConnection([&](pqxx::connection& conn) {
            pqxx::nontransaction txn(conn);
            locked =
                txn.exec_params1("SELECT pg_try_advisory_lock(hashtext($1))", schema)[0].as<bool>();
            txn.exec_params("SELECT pg_advisory_unlock(hashtext($1))", schema);
            return absl::OkStatus();
          })
          .ok());
  CHECK(locked);
}

TEST_CASE("two services migrating at once do not race", "[pg][migrate]") {
  const std::string schema = "race_" + UniqueToken();
  auto pool_a = MakePool();
  auto pool_b = MakePool();
  absl::Status a, b;
  std::thread ta([&] { a = Migrate(*pool_a, schema, TestMigrations()); });
  std::thread tb([&] { b = Migrate(*pool_b, schema, TestMigrations()); });
  ta.join();
  tb.join();
  CHECK(a.ok());
  CHECK(b.ok());
  CHECK(AppliedVersions(*pool_a, schema) == std::vector<int>{1, 2});
}

TEST_CASE("Migrate refuses a database migrated by a newer binary", "[pg][migrate]") {
  auto pool = MakePool();
  const std::string schema = "newer_" + UniqueToken();
  std::vector<Migration> newer = TestMigrations();
  newer.push_back({3, "z", "CREATE TABLE z (id int)"});
  REQUIRE(Migrate(*pool, schema, newer).ok());
  CHECK(AppliedVersions(*pool, schema) == std::vector<int>{1, 2, 3});

  absl::Status st = Migrate(*pool, schema, TestMigrations());
  CHECK(st.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(st.message().find("3 (z)") != absl::string_view::npos);
  CHECK(st.message().find("newer version") != absl::string_view::npos);
}

TEST_CASE("Migrate refuses a migration added below the newest applied one", "[pg][migrate]") {
  auto pool = MakePool();
  const std::string schema = "gap_" + UniqueToken();
  const std::vector<Migration> first = {{1, "a", "CREATE TABLE a (id int)"},
                                        {3, "c", "CREATE TABLE c (id int)"}};
  REQUIRE(Migrate(*pool, schema, first).ok());
  std::vector<Migration> with_gap_filled = first;
  with_gap_filled.push_back({2, "b", "CREATE TABLE b (id int)"});
  absl::Status st = Migrate(*pool, schema, with_gap_filled);
  CHECK(st.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(st.message().find("2 (b)") != absl::string_view::npos);
  CHECK_FALSE(TableExists(*pool, schema + ".b"));
}

TEST_CASE("a failing migration is rolled back and named", "[pg][migrate]") {
  auto pool = MakePool();
  const std::string schema = "fail_" + UniqueToken();
  std::vector<Migration> migrations = TestMigrations();
  migrations.push_back({3, "broken", "CREATE TABLE w (id int); INSERT INTO w VALUES ('x')"});
  absl::Status st = Migrate(*pool, schema, migrations);
  CHECK(st.code() == absl::StatusCode::kInvalidArgument);  // 22P02: bad integer literal
  CHECK(st.message().find("migration 3 (broken) failed") != absl::string_view::npos);
  CHECK(AppliedVersions(*pool, schema) == std::vector<int>{1, 2});
  CHECK(TableExists(*pool, schema + ".y"));
  CHECK_FALSE(TableExists(*pool, schema + ".w"));
  // The connection that ran it is still usable, and the lock is free.
  CHECK(Migrate(*pool, schema, TestMigrations()).ok());
}

TEST_CASE("Migrate validates its arguments", "[pg][migrate]") {
  auto pool = MakePool();
  CHECK(Migrate(*pool, "Bad-Name", TestMigrations()).code() == absl::StatusCode::kInvalidArgument);
  CHECK(Migrate(*pool, "", TestMigrations()).code() == absl::StatusCode::kInvalidArgument);
  const std::vector<Migration> duplicate = {{1, "a", "SELECT 1"}, {1, "b", "SELECT 2"}};
  CHECK(Migrate(*pool, "dup_" + UniqueToken(), duplicate).code() ==
        absl::StatusCode::kInvalidArgument);
  const std::vector<Migration> zero = {{0, "a", "SELECT 1"}};
  CHECK(Migrate(*pool, "zero_" + UniqueToken(), zero).code() == absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sb::pg
