#include "pg/pool.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "pg/testing.h"

namespace sb::pg {
namespace {

using testing::TestDatabase;
using testing::UniqueToken;

std::unique_ptr<Pool> MakePool(int size = 4, absl::Duration acquire_timeout = absl::Seconds(5)) {
  auto pool =
      Pool::Create({.url = TestDatabase().url(), .size = size, .acquire_timeout = acquire_timeout});
  REQUIRE(pool.ok());
  return std::move(pool).value();
}

// Runs DDL/DML outside the pool, as an operator would.
void AdminExec(const std::string& sql) {
  pqxx::connection conn(TestDatabase().url());
  pqxx::nontransaction txn(conn);
  txn.exec(sql);
}

// Terminates every session on the test database but the caller's, and waits
// until they are gone.
int TerminateOtherBackends() {
  pqxx::connection conn(TestDatabase().url());
  pqxx::nontransaction txn(conn);
  pqxx::result r = txn.exec(
      "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
      "WHERE datname = current_database() AND pid <> pg_backend_pid()");
  return static_cast<int>(r.size());
}

// Lets N threads wait for each other, with a timeout so a failing test
// cannot hang.
class Rendezvous {
 public:
  explicit Rendezvous(int n) : remaining_(n) {}
  bool ArriveAndWait(absl::Duration timeout = absl::Seconds(10)) {
    absl::MutexLock lock(&mu_);
    --remaining_;
    auto all_here = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return remaining_ <= 0; };
    return mu_.AwaitWithTimeout(absl::Condition(&all_here), timeout);
  }

 private:
  absl::Mutex mu_;
  int remaining_ ABSL_GUARDED_BY(mu_);
};

int64_t CountRows(Pool& pool, const std::string& table, const std::string& where = "true") {
  int64_t n = -1;
  absl::Status st = pool.Read([&](pqxx::work& txn) {
    n = txn.exec1("SELECT count(*) FROM " + table + " WHERE " + where)[0].as<int64_t>();
    return absl::OkStatus();
  });
  REQUIRE(st.ok());
  return n;
}

TEST_CASE("Transact commits on OK and rolls back otherwise", "[pg][pool]") {
  auto pool = MakePool();
  const std::string table = "t_" + UniqueToken();
  AdminExec("CREATE TABLE " + table + " (id int PRIMARY KEY, v text)");

  REQUIRE(pool->Transact([&](pqxx::work& txn) {
                txn.exec_params0("INSERT INTO " + table + " VALUES ($1, $2)", 1, "one");
                return absl::OkStatus();
              })
              .ok());
  CHECK(CountRows(*pool, table, "id = 1") == 1);

  absl::Status st = pool->Transact([&](pqxx::work& txn) {
    txn.exec_params0("INSERT INTO " + table + " VALUES ($1, $2)", 2, "two");
    return absl::NotFoundError("caller changed its mind");
  });
  CHECK(st.code() == absl::StatusCode::kNotFound);
  CHECK(st.message() == "caller changed its mind");
  CHECK(CountRows(*pool, table, "id = 2") == 0);

  // An exception from the callback is caught, rolled back and reported.
  st = pool->Transact([&](pqxx::work& txn) -> absl::Status {
    txn.exec_params0("INSERT INTO " + table + " VALUES ($1, $2)", 3, "three");
    throw std::runtime_error("callback blew up");
  });
  CHECK(st.code() == absl::StatusCode::kInternal);
  CHECK(st.message() == "callback blew up");
  CHECK(CountRows(*pool, table, "id = 3") == 0);

  // Read runs in a read-only transaction: writes are refused.
  st = pool->Read([&](pqxx::work& txn) {
    txn.exec_params0("INSERT INTO " + table + " VALUES ($1, $2)", 4, "four");
    return absl::OkStatus();
  });
  CHECK(st.code() == absl::StatusCode::kInternal);
  CHECK(st.message().find("read-only") != absl::string_view::npos);
  CHECK(CountRows(*pool, table) == 1);
}

TEST_CASE("TransactValue, ReadValue and QueryValue return the callback's value or its error", "[pg][pool]") {
  auto pool = MakePool();
  const std::string table = "v_" + UniqueToken();
  AdminExec("CREATE TABLE " + table + " (id int PRIMARY KEY, v text)");

  // A value computed by a transaction that wrote comes back, and the write is committed.
  absl::StatusOr<std::string> inserted =
      pool->TransactValue([&](pqxx::work& txn) -> absl::StatusOr<std::string> {
        return txn.exec_params1("INSERT INTO " + table + " VALUES ($1, $2) RETURNING v", 1, "one")[0]
            .as<std::string>();
      });
  REQUIRE(inserted.ok());
  CHECK(*inserted == "one");
  CHECK(CountRows(*pool, table, "id = 1") == 1);

  absl::StatusOr<int64_t> count = pool->ReadValue([&](pqxx::work& txn) -> absl::StatusOr<int64_t> {
    return txn.exec1("SELECT count(*) FROM " + table)[0].as<int64_t>();
  });
  REQUIRE(count.ok());
  CHECK(*count == 1);

  // An error from the callback comes back as is, and what it wrote before is rolled back.
  absl::StatusOr<std::string> refused = pool->TransactValue(
      [&](pqxx::work& txn) -> absl::StatusOr<std::string> {
        txn.exec_params0("INSERT INTO " + table + " VALUES ($1, $2)", 2, "two");
        return absl::NotFoundError("caller changed its mind");
      },
      Isolation::kSerializable);
  CHECK(refused.status().code() == absl::StatusCode::kNotFound);
  CHECK(refused.status().message() == "caller changed its mind");
  CHECK(CountRows(*pool, table, "id = 2") == 0);

  absl::StatusOr<std::string> missing = pool->ReadValue([&](pqxx::work& txn) -> absl::StatusOr<std::string> {
    pqxx::result r = txn.exec_params("SELECT v FROM " + table + " WHERE id = $1", 42);
    if (r.empty()) return absl::NotFoundError("no row 42");
    return r[0][0].as<std::string>();
  });
  CHECK(missing.status().code() == absl::StatusCode::kNotFound);
  CHECK(missing.status().message() == "no row 42");

  // The same outside a transaction.
  absl::StatusOr<std::string> one =
      pool->QueryValue([&](pqxx::nontransaction& q) -> absl::StatusOr<std::string> {
        return q.exec_params1("SELECT v FROM " + table + " WHERE id = $1", 1)[0].as<std::string>();
      });
  REQUIRE(one.ok());
  CHECK(*one == "one");
  absl::StatusOr<std::string> none =
      pool->QueryValue([&](pqxx::nontransaction& q) -> absl::StatusOr<std::string> {
        if (q.exec_params("SELECT v FROM " + table + " WHERE id = $1", 42).empty())
          return absl::NotFoundError("no row 42");
        return std::string("found");
      });
  CHECK(none.status().code() == absl::StatusCode::kNotFound);

  // After retries, the value returned is the one of the run that committed.
  int runs = 0;
  absl::StatusOr<std::vector<int>> retried =
      pool->TransactValue([&](pqxx::work& txn) -> absl::StatusOr<std::vector<int>> {
        std::vector<int> seen = {++runs};
        txn.exec("SELECT 1");
        if (runs < 3) throw pqxx::deadlock_detected("simulated 40P01");
        return seen;
      });
  REQUIRE(retried.ok());
  CHECK(runs == 3);
  CHECK(*retried == std::vector<int>{3});
}

TEST_CASE("constraint violations map to canonical codes", "[pg][pool]") {
  auto pool = MakePool();
  const std::string parent = "parent_" + UniqueToken();
  const std::string child = "child_" + UniqueToken();
  AdminExec("CREATE TABLE " + parent + " (id int PRIMARY KEY, age int CHECK (age >= 0))");
  AdminExec("CREATE TABLE " + child + " (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES " +
            parent + " (id))");
  auto exec = [&](const std::string& sql) {
    return pool->Transact([&](pqxx::work& txn) {
      txn.exec0(sql);
      return absl::OkStatus();
    });
  };
  REQUIRE(exec("INSERT INTO " + parent + " VALUES (1, 30)").ok());

  absl::Status st = exec("INSERT INTO " + parent + " VALUES (1, 40)");
  CHECK(st.code() == absl::StatusCode::kAlreadyExists);
  CHECK(st.message().find(parent + "_pkey") != absl::string_view::npos);
  CHECK(st.message().find("23505") != absl::string_view::npos);

  CHECK(exec("INSERT INTO " + child + " VALUES (1, 99)").code() ==
        absl::StatusCode::kFailedPrecondition);
  CHECK(exec("INSERT INTO " + parent + " VALUES (2, -1)").code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(exec("INSERT INTO " + child + " VALUES (2, NULL)").code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(exec("SELECT 'not a number'::int").code() == absl::StatusCode::kInvalidArgument);
  CHECK(exec("SELECT 1/0").code() == absl::StatusCode::kInvalidArgument);
  CHECK(exec("SELEKT 1").code() == absl::StatusCode::kInternal);
  // The connection survives SQL errors and keeps working.
  CHECK(exec("INSERT INTO " + parent + " VALUES (3, 5)").ok());
  CHECK(pool->Stats().connections_dropped == 0);
}

TEST_CASE("serialization failures are retried", "[pg][pool]") {
  auto pool = MakePool(/*size=*/2);
  const std::string table = "oncall_" + UniqueToken();
  AdminExec("CREATE TABLE " + table + " (doctor text)");

  // Classic write skew: each transaction reads what the other writes. Under
  // SERIALIZABLE one of them must fail with 40001 and be retried.
  Rendezvous both_read(2);
  std::atomic<int> attempts{0};
  auto doctor = [&](const std::string& me, const std::string& other) {
    std::atomic<bool> first{true};
    return pool->Transact(
        [&](pqxx::work& txn) -> absl::Status {
          ++attempts;
          txn.exec_params1("SELECT count(*) FROM " + table + " WHERE doctor = $1", other);
          if (first.exchange(false) && !both_read.ArriveAndWait()) {
            return absl::DeadlineExceededError("the other transaction never read");
          }
          txn.exec_params0("INSERT INTO " + table + " VALUES ($1)", me);
          return absl::OkStatus();
        },
        Isolation::kSerializable);
  };
  absl::Status a, b;
  std::thread ta([&] { a = doctor("alice", "bob"); });
  std::thread tb([&] { b = doctor("bob", "alice"); });
  ta.join();
  tb.join();
  CHECK(a.ok());
  CHECK(b.ok());
  CHECK(attempts.load() >= 3);  // at least one transaction ran twice
  CHECK(CountRows(*pool, table) == 2);
}

TEST_CASE("conflicts give up after 5 retries with ABORTED", "[pg][pool]") {
  auto pool = MakePool();
  int serialization_attempts = 0;
  absl::Status st = pool->Transact([&](pqxx::work&) -> absl::Status {
    ++serialization_attempts;
    throw pqxx::serialization_failure("simulated 40001");
  });
  CHECK(st.code() == absl::StatusCode::kAborted);
  CHECK(serialization_attempts == 6);  // the first run and 5 retries

  int deadlock_attempts = 0;
  st = pool->Transact([&](pqxx::work&) -> absl::Status {
    if (++deadlock_attempts < 3) throw pqxx::deadlock_detected("simulated 40P01");
    return absl::OkStatus();
  });
  CHECK(st.ok());
  CHECK(deadlock_attempts == 3);
}

TEST_CASE("the pool serves many threads with prepared statements", "[pg][pool]") {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  // Every commit here waits for the row lock of its predecessor; without
  // this each would also wait for a WAL flush, timing the disk, not the pool.
  auto created = Pool::Create(
      {.url = TestDatabase().url() + "?options=-c%20synchronous_commit%3Doff", .size = 4});
  REQUIRE(created.ok());
  std::unique_ptr<Pool> pool = *std::move(created);
  const std::string table = "counter_" + UniqueToken();
  AdminExec("CREATE TABLE " + table + " (id int PRIMARY KEY, n bigint NOT NULL)");
  AdminExec("INSERT INTO " + table + " VALUES (1, 0), (2, 0)");
  REQUIRE(pool->Prepare("bump", "UPDATE " + table + " SET n = n + 1 WHERE id = $1").ok());
  // Registering the same statement again is harmless; other SQL is refused.
  CHECK(pool->Prepare("bump", "UPDATE " + table + " SET n = n + 1 WHERE id = $1").ok());
  CHECK(pool->Prepare("bump", "SELECT 1").code() == absl::StatusCode::kAlreadyExists);

  std::atomic<int> failures{0};
  auto hammer = [&](const char* statement) {
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < kPerThread; ++i) {
          absl::Status st = pool->Transact([&](pqxx::work& txn) {
            txn.exec_prepared0(statement, statement == std::string("bump") ? 1 : 2);
            return absl::OkStatus();
          });
          if (!st.ok()) ++failures;
        }
      });
    }
    for (auto& t : threads) t.join();
  };
  hammer("bump");
  // A statement registered while connections already exist reaches them too.
  REQUIRE(pool->Prepare("bump_two", "UPDATE " + table + " SET n = n + 1 WHERE id = $1").ok());
  hammer("bump_two");

  CHECK(failures.load() == 0);
  int64_t one = 0, two = 0;
  REQUIRE(pool->Read([&](pqxx::work& txn) {
                one = txn.exec1("SELECT n FROM " + table + " WHERE id = 1")[0].as<int64_t>();
                two = txn.exec1("SELECT n FROM " + table + " WHERE id = 2")[0].as<int64_t>();
                return absl::OkStatus();
              })
              .ok());
  CHECK(one == kThreads * kPerThread);
  CHECK(two == kThreads * kPerThread);
  std::string synchronous_commit;
  REQUIRE(pool->Read([&](pqxx::work& txn) {
                synchronous_commit = txn.exec1("SHOW synchronous_commit")[0].as<std::string>();
                return absl::OkStatus();
              })
              .ok());
  CHECK(synchronous_commit == "off");  // URL options reach the server
  PoolStats stats = pool->Stats();
  CHECK(stats.open <= 4);
  CHECK(stats.connections_opened <= 4);
  CHECK(stats.idle == stats.open);
}

TEST_CASE("a caller waiting for a connection gets UNAVAILABLE after the timeout", "[pg][pool]") {
  auto pool = MakePool(/*size=*/1, absl::Milliseconds(150));
  absl::Notification holding, release;
  std::thread holder([&] {
    absl::Status st = pool->Transact([&](pqxx::work&) {
      holding.Notify();
      release.WaitForNotificationWithTimeout(absl::Seconds(30));
      return absl::OkStatus();
    });
    CHECK(st.ok());
  });
  holding.WaitForNotification();
  const absl::Time start = absl::Now();
  absl::Status st = pool->Transact([](pqxx::work&) { return absl::OkStatus(); });
  const absl::Duration waited = absl::Now() - start;
  release.Notify();
  holder.join();
  CHECK(st.code() == absl::StatusCode::kUnavailable);
  CHECK(waited >= absl::Milliseconds(140));
  CHECK(waited < absl::Seconds(5));
  // Once the connection is back, callers get it.
  CHECK(pool->Transact([](pqxx::work&) { return absl::OkStatus(); }).ok());
}

TEST_CASE("connections killed by the server are replaced", "[pg][pool]") {
  auto pool = MakePool(/*size=*/2);
  const std::string table = "r_" + UniqueToken();
  AdminExec("CREATE TABLE " + table + " (id int PRIMARY KEY)");

  auto backend_pid = [&]() {
    int pid = 0;
    REQUIRE(pool->Transact([&](pqxx::work& txn) {
                  pid = txn.exec1("SELECT pg_backend_pid()")[0].as<int>();
                  return absl::OkStatus();
                })
                .ok());
    return pid;
  };
  const int before = backend_pid();
  REQUIRE(TerminateOtherBackends() >= 1);

  SECTION("a broken idle connection is replaced before the callback runs") {
    int calls = 0;
    absl::Status st = pool->Transact([&](pqxx::work& txn) {
      ++calls;
      txn.exec_params0("INSERT INTO " + table + " VALUES ($1)", 1);
      return absl::OkStatus();
    });
    CHECK(st.ok());
    CHECK(calls == 1);
    CHECK(CountRows(*pool, table) == 1);
    CHECK(backend_pid() != before);
    CHECK(pool->Stats().connections_dropped >= 1);
  }

  SECTION("Query recovers the same way, without a transaction") {
    int one = 0;
    std::string in_tx;
    CHECK(pool->Query([&](pqxx::nontransaction& tx) {
                auto row = tx.exec1("SELECT 1, now() = statement_timestamp()");
                one = row[0].as<int>();
                // Outside BEGIN, each statement starts its own transaction.
                in_tx = row[1].as<std::string>();
                return absl::OkStatus();
              })
              .ok());
    CHECK(one == 1);
    CHECK(in_tx == "t");
  }

  SECTION("Read recovers the same way") {
    int one = 0;
    CHECK(pool->Read([&](pqxx::work& txn) {
                one = txn.exec1("SELECT 1")[0].as<int>();
                return absl::OkStatus();
              })
              .ok());
    CHECK(one == 1);
  }
}

TEST_CASE("a connection lost inside the callback", "[pg][pool]") {
  auto pool = MakePool(/*size=*/2);
  const std::string table = "m_" + UniqueToken();
  AdminExec("CREATE TABLE " + table + " (id int PRIMARY KEY)");
  // Warm up so the first attempt runs on an established connection.
  absl::Status warm = pool->Transact([](pqxx::work& txn) {
    txn.exec("SELECT 1");
    return absl::OkStatus();
  });
  INFO(warm.ToString());
  REQUIRE(warm.ok());

  SECTION("is not retried by Transact: a write may have happened") {
    int calls = 0;
    absl::Status st = pool->Transact([&](pqxx::work& txn) {
      ++calls;
      txn.exec_params0("INSERT INTO " + table + " VALUES ($1)", calls);
      TerminateOtherBackends();
      txn.exec("SELECT 1");
      return absl::OkStatus();
    });
    CHECK(st.code() == absl::StatusCode::kUnavailable);
    CHECK(calls == 1);
    CHECK(CountRows(*pool, table) == 0);
  }

  SECTION("is retried once by Read") {
    int calls = 0;
    absl::Status st = pool->Read([&](pqxx::work& txn) {
      ++calls;
      if (calls == 1) TerminateOtherBackends();
      txn.exec("SELECT 1");
      return absl::OkStatus();
    });
    CHECK(st.ok());
    CHECK(calls == 2);
  }
}

TEST_CASE("statuses never carry the URL's password", "[pg][pool]") {
  const std::string password = "s3cr3t-" + UniqueToken();
  // Nothing listens on port 1.
  auto pool = Pool::Create(
      {.url = "postgresql://postgres:" + password + "@127.0.0.1:1/postgres?connect_timeout=2",
       .size = 1});
  REQUIRE(pool.ok());
  absl::Status st = (*pool)->Transact([](pqxx::work&) { return absl::OkStatus(); });
  CHECK(st.code() == absl::StatusCode::kUnavailable);
  CHECK(st.message().find("127.0.0.1:1") != absl::string_view::npos);
  CHECK(st.message().find(password) == absl::string_view::npos);

  auto bad =
      Pool::Create({.url = "postgresql://postgres:" + password + "@host/db?no_such_option=1"});
  CHECK(bad.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(bad.status().message().find(password) == absl::string_view::npos);

  CHECK(Pool::Create({.url = ""}).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(Pool::Create({.url = TestDatabase().url(), .size = 0}).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("search_path lets queries name tables unqualified", "[pg][pool]") {
  const std::string schema = "sp_" + UniqueToken();
  AdminExec("CREATE SCHEMA " + schema + "; CREATE TABLE " + schema + ".things (id int)");
  auto pool = Pool::Create({.url = TestDatabase().url(), .search_path = schema + ", public"});
  REQUIRE(pool.ok());
  int64_t n = -1;
  CHECK((*pool)
            ->Read([&](pqxx::work& txn) {
              n = txn.exec1("SELECT count(*) FROM things")[0].as<int64_t>();
              return absl::OkStatus();
            })
            .ok());
  CHECK(n == 0);
}

}  // namespace
}  // namespace sb::pg
