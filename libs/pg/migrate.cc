#include "pg/migrate.h"

#include <algorithm>
#include <map>
#include <pqxx/pqxx>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/logging.h"
#include "pg/errors.h"
#include "pg/pool.h"

namespace sb::pg {
namespace {

std::shared_ptr<spdlog::logger> Log() { return core::Logger("pg"); }

absl::Status ValidateSchemaName(std::string_view schema) {
  // Interpolated into DDL (quoted, but a plain name keeps logs and psql sane).
  bool ok = !schema.empty() && schema.size() <= 63 &&
            (absl::ascii_islower(static_cast<unsigned char>(schema[0])) || schema[0] == '_');
  for (char c : schema) {
    ok = ok && (absl::ascii_islower(static_cast<unsigned char>(c)) ||
                absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '_');
  }
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrCat("schema name '", std::string(schema),
                     "' must be 1-63 characters of a-z, 0-9 and _, not starting with a digit"));
  }
  return absl::OkStatus();
}

std::string Describe(const Migration& m) { return absl::StrCat(m.version, " (", m.name, ")"); }

// Releases the session-level advisory lock however Migrate leaves.
class AdvisoryUnlock {
 public:
  AdvisoryUnlock(pqxx::connection& conn, std::string_view schema) : conn_(conn), schema_(schema) {}
  ~AdvisoryUnlock() {
    try {
      pqxx::nontransaction n(conn_);
      n.exec_params("SELECT pg_advisory_unlock(hashtext($1))", schema_);
    } catch (...) {
      // The session is broken; the server releases its locks with it.
      Log()->warn("could not release the migration lock of schema {}: {}", schema_,
                  std::string(ClassifyCurrentException().status.message()));
    }
  }

 private:
  pqxx::connection& conn_;
  std::string schema_;
};

absl::Status MigrateLocked(pqxx::connection& conn, const std::string& schema,
                           const std::vector<const Migration*>& sorted) {
  const std::string quoted_schema = conn.quote_name(schema);
  const std::string table = quoted_schema + ".schema_migrations";

  std::map<int, std::string> applied;  // version → name
  {
    pqxx::work txn(conn);
    txn.exec0("CREATE SCHEMA IF NOT EXISTS " + quoted_schema);
    txn.exec0("CREATE TABLE IF NOT EXISTS " + table +
              " (version integer PRIMARY KEY, name text NOT NULL,"
              " applied_at timestamptz NOT NULL DEFAULT now())");
    for (const auto& row : txn.exec("SELECT version, name FROM " + table + " ORDER BY version")) {
      applied.emplace(row[0].as<int>(), row[1].as<std::string>());
    }
    txn.commit();
  }

  absl::flat_hash_set<int> known;
  for (const Migration* m : sorted) known.insert(m->version);
  std::vector<std::string> unknown;
  for (const auto& [version, name] : applied) {
    if (!known.contains(version)) unknown.push_back(absl::StrCat(version, " (", name, ")"));
  }
  if (!unknown.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "schema ", schema, " has migration(s) ", absl::StrJoin(unknown, ", "),
        " that this binary does not know (it knows up to ",
        sorted.empty() ? 0 : sorted.back()->version,
        "): a newer version of the service migrated this database; deploy that version "
        "instead of this one"));
  }
  const int newest_applied = applied.empty() ? 0 : applied.rbegin()->first;
  std::vector<const Migration*> pending;
  for (const Migration* m : sorted) {
    auto it = applied.find(m->version);
    if (it == applied.end()) {
      if (m->version < newest_applied) {
        return absl::FailedPreconditionError(
            absl::StrCat("schema ", schema, ": migration ", Describe(*m),
                         " is not applied but is numbered below the newest applied migration ",
                         newest_applied, "; migrations must be appended in order, renumber it"));
      }
      pending.push_back(m);
    } else if (it->second != m->name) {
      Log()->warn("schema {}: migration {} was applied as '{}', the binary calls it '{}'", schema,
                  m->version, it->second, m->name);
    }
  }

  for (const Migration* m : pending) {
    try {
      pqxx::work txn(conn);
      txn.exec0("SET LOCAL search_path TO " + quoted_schema + ", public");
      txn.exec(m->sql);
      txn.exec_params0("INSERT INTO " + table + " (version, name) VALUES ($1, $2)", m->version,
                       m->name);
      txn.commit();
    } catch (...) {
      Failure failure = ClassifyCurrentException();
      return absl::Status(failure.status.code(),
                          absl::StrCat("schema ", schema, ": migration ", Describe(*m),
                                       " failed: ", failure.status.message()));
    }
    Log()->info("schema {}: applied migration {}", schema, Describe(*m));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Migrate(Pool& pool, std::string_view schema_view,
                     const std::vector<Migration>& migrations) {
  if (absl::Status st = ValidateSchemaName(schema_view); !st.ok()) return st;
  const std::string schema(schema_view);

  std::vector<const Migration*> sorted;
  sorted.reserve(migrations.size());
  for (const Migration& m : migrations) sorted.push_back(&m);
  std::sort(sorted.begin(), sorted.end(),
            [](const Migration* a, const Migration* b) { return a->version < b->version; });
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (sorted[i]->version <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("migration ", Describe(*sorted[i]), ": version must be positive"));
    }
    if (i > 0 && sorted[i]->version == sorted[i - 1]->version) {
      return absl::InvalidArgumentError(absl::StrCat("migrations ", Describe(*sorted[i - 1]),
                                                     " and ", Describe(*sorted[i]),
                                                     " share a version number"));
    }
  }

  return pool.WithConnection([&](pqxx::connection& conn) -> absl::Status {
    {
      pqxx::nontransaction n(conn);
      n.exec_params("SELECT pg_advisory_lock(hashtext($1))", schema);
    }
    AdvisoryUnlock unlock(conn, schema);
    return MigrateLocked(conn, schema, sorted);
  });
}

}  // namespace sb::pg
