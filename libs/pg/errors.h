#pragma once
// How libpqxx failures become absl statuses.
//
// Callers of Pool never see a libpqxx exception: the pool catches it and asks
// ClassifyCurrentException() what happened, because the answer decides more
// than the status code — a serialization failure means "run it again", a
// broken connection means "throw this connection away", and a connection lost
// during COMMIT means nobody knows whether the data was written.
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace sb::pg {

enum class FailureKind {
  // A statement failed on a healthy connection; report `status`.
  kFatal,
  // Serialization failure (40001) or deadlock (40P01): the transaction was
  // rolled back by the server and running it again may succeed.
  kConflict,
  // The connection is gone; nothing was committed.
  kBrokenConnection,
  // The connection was lost while the outcome of a statement or a COMMIT was
  // pending: the work may or may not have been applied.
  kInDoubt,
};

struct Failure {
  FailureKind kind = FailureKind::kFatal;
  absl::Status status;
};

// Classifies the exception currently being handled. Call only from inside a
// catch block; it rethrows and catches the exception itself, so it never
// throws.
Failure ClassifyCurrentException();

// The canonical code for a PostgreSQL SQLSTATE: 23505 → ALREADY_EXISTS,
// 23503 → FAILED_PRECONDITION, 22xxx/23502/23514 → INVALID_ARGUMENT, …,
// anything unknown → INTERNAL.
absl::StatusCode CodeForSqlState(std::string_view sqlstate);

// A server message on one line ("ERROR:  x\nDETAIL:  y\n" → "ERROR: x DETAIL: y").
std::string OneLine(std::string_view message);

}  // namespace sb::pg
