#pragma once
// A thread-safe pool of libpqxx connections to one PostgreSQL database.
//
//   SB_ASSIGN_OR_RETURN(auto pool, sb::pg::Pool::Create({.url = pg_url, .size = 8}));
//   SB_RETURN_IF_ERROR(pool->Prepare("get_user", "SELECT name FROM profiles.users WHERE id = $1"));
//   absl::StatusOr<std::string> name =
//       pool->ReadValue([&](pqxx::work& txn) -> absl::StatusOr<std::string> {
//         pqxx::result r = txn.exec_prepared("get_user", id);
//         if (r.empty()) return absl::NotFoundError("no such user");
//         return r[0][0].as<std::string>();
//       });
//
// Threading: every method may be called from any thread. A connection is
// leased to one call at a time; the callback runs on the calling thread and
// must not keep the transaction (or the connection) after it returns.
//
// Callbacks may run more than once (after a serialization failure, a deadlock,
// or — before any of their statements reached the server — a lost
// connection), so they must produce their results by assignment, not by
// appending to state that survives an attempt. They must not swallow libpqxx
// exceptions: let them propagate, the pool maps them to statuses.
//
// Nothing throws out of the pool. libpqxx failures become statuses:
//   unique_violation (23505)            → ALREADY_EXISTS
//   foreign_key_violation (23503)       → FAILED_PRECONDITION
//   22xxx, not_null (23502), check (23514) → INVALID_ARGUMENT
//   serialization/deadlock after retries → ABORTED
//   lost connection, pool exhausted     → UNAVAILABLE
//   anything else                       → INTERNAL, with the server's message
// Messages never contain the password of the connection URL.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace sb::pg {

struct PoolConfig {
  // libpq URL or key=value string: postgresql://user:pass@host:port/db?sslmode=...
  std::string url;
  // Upper bound on open connections; they are opened on demand.
  int size = 8;
  // How long a caller waits for a free connection before UNAVAILABLE.
  absl::Duration acquire_timeout = absl::Seconds(5);
  // If set (e.g. "profiles, public"), every connection starts with this
  // search_path, so a service's queries can name its tables unqualified.
  std::string search_path = {};
};

enum class Isolation { kReadCommitted, kRepeatableRead, kSerializable };

struct PoolStats {
  int open = 0;                     // connections that exist (leased or idle)
  int idle = 0;                     // connections waiting in the pool
  int64_t connections_opened = 0;   // since the pool was created
  int64_t connections_dropped = 0;  // discarded because they were broken
};

namespace internal {

// The T of the absl::StatusOr<T> that a TransactValue / ReadValue /
// QueryValue callback returns; any other return type does not compile.
template <typename R>
struct StatusOrValue;
template <typename T>
struct StatusOrValue<absl::StatusOr<T>> {
  using type = T;
};
template <typename Fn, typename Txn = pqxx::work>
using ValueOf = typename StatusOrValue<std::invoke_result_t<Fn&, Txn&>>::type;

// A callback (on a Txn) that runs `fn` and keeps its value in `out`.
template <typename Txn, typename Fn, typename T>
std::function<absl::Status(Txn&)> KeepValue(Fn& fn, std::optional<T>& out) {
  return [&fn, &out](Txn& txn) -> absl::Status {
    absl::StatusOr<T> value = fn(txn);
    if (!value.ok()) return value.status();
    out = *std::move(value);
    return absl::OkStatus();
  };
}

}  // namespace internal

class Pool {
 public:
  using TransactionFn = std::function<absl::Status(pqxx::work&)>;
  using ConnectionFn = std::function<absl::Status(pqxx::connection&)>;

  // Validates the config and the URL; opens no connection yet (the first call
  // does), so a service can start before its database is reachable.
  static absl::StatusOr<std::unique_ptr<Pool>> Create(PoolConfig config);

  // Every call on the pool must have returned before it is destroyed.
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // Registers a prepared statement that every connection (open or future)
  // prepares before its next use; run it with txn.exec_prepared(name, args...).
  // Registering the same name and SQL again is a no-op; the same name with
  // different SQL is ALREADY_EXISTS.
  absl::Status Prepare(std::string name, std::string sql);

  // Runs `fn` in a transaction: commits if it returns OK, rolls back and
  // returns its status otherwise. Serialization failures and deadlocks are
  // retried up to 5 times with jittered backoff; a connection found broken
  // before `fn` ran is replaced and the transaction retried once.
  absl::Status Transact(TransactionFn fn, Isolation isolation = Isolation::kReadCommitted);

  // Like Transact, in a READ ONLY transaction. Because nothing can have been
  // written, a connection lost at any point before commit is replaced and
  // the callback retried once.
  absl::Status Read(TransactionFn fn);

  // Transact and Read for a callback that computes one value,
  // (pqxx::work&) -> absl::StatusOr<T>, returned once committed: the caller
  // needs no variable outside the callback to carry it out. A retried
  // callback's value replaces the earlier run's, and T needs no default
  // constructor.
  template <typename Fn, typename T = internal::ValueOf<Fn>>
  absl::StatusOr<T> TransactValue(Fn&& fn, Isolation isolation = Isolation::kReadCommitted) {
    std::optional<T> out;
    absl::Status st = Transact(internal::KeepValue<pqxx::work>(fn, out), isolation);
    if (!st.ok()) return st;
    return *std::move(out);
  }
  template <typename Fn, typename T = internal::ValueOf<Fn>>
  absl::StatusOr<T> ReadValue(Fn&& fn) {
    std::optional<T> out;
    absl::Status st = Read(internal::KeepValue<pqxx::work>(fn, out));
    if (!st.ok()) return st;
    return *std::move(out);
  }

  // One read-only statement outside an explicit transaction: a single
  // statement already sees one consistent snapshot, and skipping BEGIN /
  // SET TRANSACTION / COMMIT saves three round trips on hot reads. `fn` must
  // only read; it is retried once on a fresh connection if the old one broke.
  using QueryFn = std::function<absl::Status(pqxx::nontransaction&)>;
  absl::Status Query(QueryFn fn);
  // Query for a callback that computes one value,
  // (pqxx::nontransaction&) -> absl::StatusOr<T>, like ReadValue.
  template <typename Fn, typename T = internal::ValueOf<Fn, pqxx::nontransaction>>
  absl::StatusOr<T> QueryValue(Fn&& fn) {
    std::optional<T> out;
    absl::Status st = Query(internal::KeepValue<pqxx::nontransaction>(fn, out));
    if (!st.ok()) return st;
    return *std::move(out);
  }

  // Lends a connection for session-level work (advisory locks, LISTEN).
  // libpqxx exceptions from `fn` are mapped like Transact's; a broken
  // connection is discarded. Undo any session state you change (SET, locks)
  // before returning: the connection goes back to the pool. No retries.
  absl::Status WithConnection(ConnectionFn fn);

  PoolStats Stats() const;

 private:
  struct Conn;

  Pool(PoolConfig config, std::string conninfo, std::string password, std::string target);

  absl::StatusOr<std::unique_ptr<Conn>> Acquire();
  absl::StatusOr<std::unique_ptr<Conn>> Connect();
  void Release(std::unique_ptr<Conn> conn, bool broken);
  absl::Status RunTransaction(const TransactionFn& fn, Isolation isolation, bool read_only);
  // Removes the URL's password from a status message, in case libpq echoes it.
  absl::Status Redact(absl::Status status) const;

  const PoolConfig config_;
  const std::string conninfo_;
  const std::string password_;
  const std::string target_;  // host:port/dbname, for messages

  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<Conn>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;
  // Append-only, so a connection only needs to remember how many it prepared.
  std::vector<std::pair<std::string, std::string>> statements_ ABSL_GUARDED_BY(mu_);
  int64_t opened_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace sb::pg
