#include "pg/pool.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "core/logging.h"
#include "core/status.h"
#include "pg/errors.h"

namespace sb::pg {
namespace {

constexpr int kMaxConflictRetries = 5;

std::shared_ptr<spdlog::logger> Log() { return core::Logger("pg"); }

// Quotes a value for a libpq key=value connection string.
std::string QuoteConninfoValue(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

// Best-effort password extraction for when libpq cannot parse the URL, so its
// error message can still be scrubbed: scheme://user:PASSWORD@host...
std::string PasswordFromUnparsableUrl(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) {
    const size_t key = url.find("password=");
    if (key == std::string_view::npos) return "";
    std::string_view rest = url.substr(key + 9);
    return std::string(rest.substr(0, rest.find(' ')));
  }
  std::string_view rest = url.substr(scheme + 3);
  const size_t at = rest.rfind('@');
  if (at == std::string_view::npos) return "";
  std::string_view userinfo = rest.substr(0, at);
  const size_t colon = userinfo.find(':');
  if (colon == std::string_view::npos) return "";
  return std::string(userinfo.substr(colon + 1));
}

std::string Scrub(std::string message, absl::string_view password) {
  if (password.empty()) return message;
  return absl::StrReplaceAll(message, {{password, "<redacted>"}});
}

const char* TransactionSetup(Isolation isolation, bool read_only) {
  switch (isolation) {
    case Isolation::kReadCommitted:
      return read_only ? "SET TRANSACTION READ ONLY" : nullptr;
    case Isolation::kRepeatableRead:
      return read_only ? "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
                       : "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ";
    case Isolation::kSerializable:
      return read_only ? "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ ONLY"
                       : "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE";
  }
  return nullptr;
}

// Jittered exponential backoff between conflict retries: the two transactions
// that collided should not collide again in lockstep.
absl::Duration ConflictBackoff(int attempt) {
  absl::BitGen gen;
  const double base_ms = 2.0 * std::pow(2.0, attempt);
  return absl::Microseconds(static_cast<int64_t>(1000 * base_ms * absl::Uniform(gen, 0.5, 1.5)));
}

}  // namespace

struct Pool::Conn {
  explicit Conn(const std::string& conninfo) : c(conninfo) {}
  pqxx::connection c;
  size_t prepared = 0;  // prefix of Pool::statements_ prepared on `c`
};

absl::StatusOr<std::unique_ptr<Pool>> Pool::Create(PoolConfig config) {
  if (config.url.empty()) return core::InvalidField("pg.url", "must not be empty");
  if (config.size < 1) return core::InvalidField("pg.size", "must be at least 1");
  if (config.acquire_timeout <= absl::ZeroDuration()) {
    return core::InvalidField("pg.acquire_timeout", "must be positive");
  }
  std::string search_path;
  for (char c : config.search_path) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) continue;
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != ',') {
      return core::InvalidField("pg.search_path", "must be a comma-separated list of schema names");
    }
    search_path.push_back(c);
  }

  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(config.url.c_str(), &error);
  if (options == nullptr) {
    std::string message = error != nullptr ? OneLine(error) : "out of memory";
    if (error != nullptr) PQfreemem(error);
    return core::InvalidField("pg.url",
                              absl::StrCat("not a PostgreSQL connection URL: ",
                                           Scrub(message, PasswordFromUnparsableUrl(config.url))));
  }
  // Rebuild a key=value string so we can add defaults whatever form the URL
  // had (URI or key=value).
  std::string conninfo, password, host, port, dbname, pg_options;
  bool has_connect_timeout = false;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    const absl::string_view key = o->keyword;
    if (key == "password") password = o->val;
    if (key == "host" || key == "hostaddr") host = o->val;
    if (key == "port") port = o->val;
    if (key == "dbname") dbname = o->val;
    if (key == "connect_timeout") has_connect_timeout = true;
    if (key == "options") {
      pg_options = o->val;
      continue;
    }
    absl::StrAppend(&conninfo, key, "=", QuoteConninfoValue(o->val), " ");
  }
  PQconninfoFree(options);
  if (!has_connect_timeout) {
    // Without it libpq waits for the OS TCP timeout (minutes) on a dead host.
    const int64_t seconds = std::max<int64_t>(
        2, absl::ToInt64Seconds(absl::Ceil(config.acquire_timeout, absl::Seconds(1))));
    absl::StrAppend(&conninfo, "connect_timeout=", seconds, " ");
  }
  if (!search_path.empty()) {
    absl::StrAppend(&pg_options, pg_options.empty() ? "" : " ", "-c search_path=", search_path);
  }
  if (!pg_options.empty()) absl::StrAppend(&conninfo, "options=", QuoteConninfoValue(pg_options));

  std::string target = absl::StrCat(host.empty() ? "localhost" : host, ":",
                                    port.empty() ? "5432" : port, "/", dbname);
  return std::unique_ptr<Pool>(
      new Pool(std::move(config), std::move(conninfo), std::move(password), std::move(target)));
}

Pool::Pool(PoolConfig config, std::string conninfo, std::string password, std::string target)
    : config_(std::move(config)),
      conninfo_(std::move(conninfo)),
      password_(std::move(password)),
      target_(std::move(target)) {}

Pool::~Pool() = default;

absl::Status Pool::Prepare(std::string name, std::string sql) {
  if (name.empty()) return absl::InvalidArgumentError("prepared statement name is empty");
  absl::MutexLock lock(&mu_);
  for (const auto& [existing_name, existing_sql] : statements_) {
    if (existing_name != name) continue;
    if (existing_sql == sql) return absl::OkStatus();
    return absl::AlreadyExistsError(
        absl::StrCat("prepared statement '", name, "' is already registered with other SQL"));
  }
  statements_.emplace_back(std::move(name), std::move(sql));
  return absl::OkStatus();
}

absl::Status Pool::Redact(absl::Status status) const {
  if (status.ok() || password_.empty()) return status;
  if (status.message().find(password_) == absl::string_view::npos) return status;
  return absl::Status(status.code(), Scrub(std::string(status.message()), password_));
}

absl::StatusOr<std::unique_ptr<Pool::Conn>> Pool::Connect() {
  std::vector<std::pair<std::string, std::string>> statements;
  {
    absl::MutexLock lock(&mu_);
    statements = statements_;
  }
  std::unique_ptr<Conn> conn;
  try {
    conn = std::make_unique<Conn>(conninfo_);
    // The pool replaces broken connections itself. libpqxx's silent
    // reconnection would drop session state (advisory locks held through
    // WithConnection) without anyone noticing.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    conn->c.inhibit_reactivation(true);
#pragma GCC diagnostic pop
    // libpqxx defers the actual PREPARE to the first use, so this costs no
    // round trip.
    for (const auto& [name, sql] : statements) conn->c.prepare(name, sql);
    conn->prepared = statements.size();
  } catch (...) {
    Failure failure = ClassifyCurrentException();
    return Redact(absl::UnavailableError(
        absl::StrCat("cannot connect to PostgreSQL at ", target_, ": ", failure.status.message())));
  }
  absl::MutexLock lock(&mu_);
  ++opened_;
  return conn;
}

absl::StatusOr<std::unique_ptr<Pool::Conn>> Pool::Acquire() {
  std::unique_ptr<Conn> conn;
  std::vector<std::pair<std::string, std::string>> missing;
  {
    absl::MutexLock lock(&mu_);
    auto available = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !idle_.empty() || open_ < config_.size;
    };
    if (!mu_.AwaitWithTimeout(absl::Condition(&available), config_.acquire_timeout)) {
      return absl::UnavailableError(
          absl::StrFormat("no PostgreSQL connection to %s became free within %s (pool size %d)",
                          target_, absl::FormatDuration(config_.acquire_timeout), config_.size));
    }
    if (!idle_.empty()) {
      // Most recently used first: it is the most likely to be alive and warm.
      conn = std::move(idle_.back());
      idle_.pop_back();
      missing.assign(statements_.begin() + static_cast<std::ptrdiff_t>(conn->prepared),
                     statements_.end());
    } else {
      ++open_;  // reserve the slot before connecting outside the lock
    }
  }
  if (conn == nullptr) {
    absl::StatusOr<std::unique_ptr<Conn>> made = Connect();
    if (!made.ok()) {
      absl::MutexLock lock(&mu_);
      --open_;
      return made.status();
    }
    return made;
  }
  if (!missing.empty()) {
    try {
      for (const auto& [name, sql] : missing) conn->c.prepare(name, sql);
      conn->prepared += missing.size();
    } catch (...) {
      Failure failure = ClassifyCurrentException();
      Release(std::move(conn), /*broken=*/true);
      return Redact(failure.status);
    }
  }
  return conn;
}

void Pool::Release(std::unique_ptr<Conn> conn, bool broken) {
  if (!broken && !conn->c.is_open()) broken = true;
  std::vector<std::unique_ptr<Conn>> doomed;
  {
    absl::MutexLock lock(&mu_);
    if (!broken) {
      idle_.push_back(std::move(conn));
      return;
    }
    // A connection rarely breaks alone: a server restart or failover breaks
    // every one of them. Dropping the idle ones now costs a few reconnects;
    // keeping them would hand each failure to a caller.
    doomed.swap(idle_);
    open_ -= 1 + static_cast<int>(doomed.size());
    dropped_ += 1 + static_cast<int64_t>(doomed.size());
  }
  Log()->warn(
      "PostgreSQL connection to {} lost; dropped it and {} idle connection(s), "
      "will reconnect on demand",
      target_, doomed.size());
  // Connections close here, outside the lock.
}

absl::Status Pool::Transact(TransactionFn fn, Isolation isolation) {
  return RunTransaction(fn, isolation, /*read_only=*/false);
}

absl::Status Pool::Read(TransactionFn fn) {
  return RunTransaction(fn, Isolation::kReadCommitted, /*read_only=*/true);
}

absl::Status Pool::Query(QueryFn fn) {
  for (int attempt = 0;; ++attempt) {
    SB_ASSIGN_OR_RETURN(std::unique_ptr<Conn> conn, Acquire());
    Failure failure;
    try {
      absl::Status status;
      {
        // The transaction object must be gone before the connection goes
        // back to the pool, or the next user finds it still open.
        pqxx::nontransaction tx(conn->c);
        status = fn(tx);
      }
      Release(std::move(conn), /*broken=*/false);
      return status;
    } catch (...) {
      failure = ClassifyCurrentException();
    }
    const bool broken =
        failure.kind == FailureKind::kBrokenConnection || failure.kind == FailureKind::kInDoubt;
    Release(std::move(conn), broken);
    if (!broken || attempt > 0) return Redact(failure.status);
  }
}

absl::Status Pool::RunTransaction(const TransactionFn& fn, Isolation isolation, bool read_only) {
  int conflicts = 0;
  bool replaced_connection = false;
  for (;;) {
    SB_ASSIGN_OR_RETURN(std::unique_ptr<Conn> conn, Acquire());
    bool fn_started = false;
    std::optional<absl::Status> fn_status;
    Failure failure;
    try {
      pqxx::work txn(conn->c);
      if (const char* setup = TransactionSetup(isolation, read_only)) txn.exec0(setup);
      fn_started = true;
      fn_status = fn(txn);
      if (fn_status->ok()) {
        txn.commit();
      } else {
        txn.abort();
      }
      Release(std::move(conn), /*broken=*/false);
      return *fn_status;
    } catch (...) {
      failure = ClassifyCurrentException();
    }
    const bool broken =
        failure.kind == FailureKind::kBrokenConnection || failure.kind == FailureKind::kInDoubt;
    Release(std::move(conn), broken);

    // `fn` failed and the rollback then failed too: nothing was committed,
    // and the caller wants to know why `fn` failed.
    if (fn_status.has_value() && !fn_status->ok()) return *fn_status;

    switch (failure.kind) {
      case FailureKind::kConflict:
        if (conflicts < kMaxConflictRetries) {
          absl::SleepFor(ConflictBackoff(conflicts));
          ++conflicts;
          continue;
        }
        return Redact(absl::AbortedError(absl::StrCat("transaction still conflicting after ",
                                                      kMaxConflictRetries,
                                                      " retries: ", failure.status.message())));
      case FailureKind::kBrokenConnection:
        // Safe only if no statement of `fn` can have been applied: it had not
        // started, or the transaction was read-only.
        if (!replaced_connection && (!fn_started || read_only)) {
          replaced_connection = true;
          continue;
        }
        return Redact(failure.status);
      case FailureKind::kInDoubt:
        // A read-only transaction wrote nothing, whatever happened to COMMIT.
        if (read_only && !replaced_connection) {
          replaced_connection = true;
          continue;
        }
        return Redact(failure.status);
      case FailureKind::kFatal:
        return Redact(failure.status);
    }
  }
}

absl::Status Pool::WithConnection(ConnectionFn fn) {
  SB_ASSIGN_OR_RETURN(std::unique_ptr<Conn> conn, Acquire());
  absl::Status status;
  bool broken = false;
  try {
    status = fn(conn->c);
  } catch (...) {
    Failure failure = ClassifyCurrentException();
    broken =
        failure.kind == FailureKind::kBrokenConnection || failure.kind == FailureKind::kInDoubt;
    status = failure.status;
  }
  Release(std::move(conn), broken);
  return Redact(status);
}

PoolStats Pool::Stats() const {
  absl::MutexLock lock(&mu_);
  PoolStats stats;
  stats.open = open_;
  stats.idle = static_cast<int>(idle_.size());
  stats.connections_opened = opened_;
  stats.connections_dropped = dropped_;
  return stats;
}

}  // namespace sb::pg
