#pragma once
// absl::Status is the error type of every fallible boundary; this file converts
// it to and from grpc::Status and carries the name of the offending field (the
// portal shows it as "field" in the error body).
#include <string>

#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sb::core {

// INVALID_ARGUMENT naming a field: "password: must be 12 to 20 characters".
absl::Status InvalidField(absl::string_view field, absl::string_view message);
// Any code, naming a field.
absl::Status WithField(absl::Status status, absl::string_view field);
// The field a status names, or "".
std::string FieldOf(const absl::Status& status);

// The field travels in grpc::Status::error_details.
grpc::Status ToGrpc(const absl::Status& status);
absl::Status FromGrpc(const grpc::Status& status);

}  // namespace sb::core

// Abseil 20220623 has no status macros yet.
#define SB_CONCAT_INNER(a, b) a##b
#define SB_CONCAT(a, b) SB_CONCAT_INNER(a, b)

#define SB_RETURN_IF_ERROR(expr)                  \
  do {                                            \
    if (absl::Status _sb_st = (expr); !_sb_st.ok()) \
      return _sb_st;                              \
  } while (0)

#define SB_ASSIGN_OR_RETURN(lhs, expr) \
  SB_ASSIGN_OR_RETURN_IMPL(SB_CONCAT(_sb_sor_, __LINE__), lhs, expr)
#define SB_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()
