#pragma once
// Schema migrations: numbered SQL files applied once, in order, at start-up.
//
// Each service owns one schema. Its migrations live in
// services/<svc>/migrations/NNNN_<what>.sql and are compiled into the binary
// with sb_embed_migrations() (libs/pg/CMakeLists.txt), so a binary always
// carries exactly the schema it was built for:
//
//   // main.cc
//   namespace sb::profiles { const std::vector<sb::pg::Migration>& Migrations(); }
//   SB_RETURN_IF_ERROR(sb::pg::Migrate(*pool, "profiles", sb::profiles::Migrations()));
//
// Migrate is safe to call from several copies of a service starting at once:
// they serialize on a session-level advisory lock keyed by the schema name.
// A migration runs in its own transaction with `search_path` set to the
// schema (then public), so its SQL names tables unqualified; it must not
// contain BEGIN/COMMIT itself.
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace sb::pg {

class Pool;

struct Migration {
  int version = 0;   // the NNNN prefix of the file name; unique, positive
  std::string name;  // the <what> part, for logs and the schema_migrations table
  std::string sql;
};

// Creates `schema` and `<schema>.schema_migrations` if missing, then applies
// the migrations the database has not seen, in version order.
//
// FAILED_PRECONDITION, applying nothing, when the database holds a version
// this binary does not know (a newer binary migrated it: deploy that one), or
// when a not-yet-applied migration is numbered below the newest applied one
// (it was added out of order: renumber it). INVALID_ARGUMENT for a bad schema
// name or duplicate/non-positive versions. A failing migration is rolled back
// and reported with its version and name; earlier ones stay applied.
absl::Status Migrate(Pool& pool, std::string_view schema, const std::vector<Migration>& migrations);

}  // namespace sb::pg
