#include "pg/errors.h"

#include <pqxx/pqxx>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace sb::pg {
namespace {

bool IsConnectionLossState(std::string_view state) {
  // Class 08 is "connection exception"; 57P01..57P03 are the server shutting
  // down or being told to terminate this backend (pg_terminate_backend).
  return state.starts_with("08") || state == "57P01" || state == "57P02" || state == "57P03";
}

}  // namespace

std::string OneLine(std::string_view message) {
  std::string out;
  out.reserve(message.size());
  bool space = false;
  for (char c : message) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

absl::StatusCode CodeForSqlState(std::string_view state) {
  if (state == "23505" || state == "23P01") return absl::StatusCode::kAlreadyExists;
  if (state == "23503" || state == "23001") return absl::StatusCode::kFailedPrecondition;
  if (state == "23502" || state == "23514" || state.starts_with("22")) {
    return absl::StatusCode::kInvalidArgument;
  }
  if (state == "40001" || state == "40P01" || state == "55P03") {
    return absl::StatusCode::kAborted;
  }
  if (state == "57014") return absl::StatusCode::kDeadlineExceeded;  // statement_timeout
  if (state == "53300" || IsConnectionLossState(state)) return absl::StatusCode::kUnavailable;
  if (state == "42501") return absl::StatusCode::kPermissionDenied;
  return absl::StatusCode::kInternal;
}

Failure ClassifyCurrentException() {
  try {
    throw;
  } catch (const pqxx::in_doubt_error& e) {
    return {FailureKind::kInDoubt,
            absl::UnavailableError(absl::StrCat(
                "PostgreSQL connection lost during COMMIT; the transaction may or may not "
                "have been applied: ",
                OneLine(e.what())))};
  } catch (const pqxx::broken_connection& e) {
    return {
        FailureKind::kBrokenConnection,
        absl::UnavailableError(absl::StrCat("PostgreSQL connection lost: ", OneLine(e.what())))};
  } catch (const pqxx::statement_completion_unknown& e) {
    return {FailureKind::kInDoubt,
            absl::UnavailableError(absl::StrCat(
                "PostgreSQL statement outcome unknown (connection lost): ", OneLine(e.what())))};
  } catch (const pqxx::serialization_failure& e) {
    return {FailureKind::kConflict, absl::AbortedError(OneLine(e.what()))};
  } catch (const pqxx::deadlock_detected& e) {
    return {FailureKind::kConflict, absl::AbortedError(OneLine(e.what()))};
  } catch (const pqxx::transaction_rollback& e) {
    return {FailureKind::kFatal, absl::AbortedError(OneLine(e.what()))};
  } catch (const pqxx::sql_error& e) {
    const std::string& state = e.sqlstate();
    std::string message = OneLine(e.what());
    if (state == "40001" || state == "40P01") {
      return {FailureKind::kConflict, absl::AbortedError(message)};
    }
    if (IsConnectionLossState(state)) {
      return {FailureKind::kBrokenConnection,
              absl::UnavailableError(absl::StrCat("PostgreSQL connection lost: ", message))};
    }
    if (!state.empty()) absl::StrAppend(&message, " [SQLSTATE ", state, "]");
    return {FailureKind::kFatal, absl::Status(CodeForSqlState(state), message)};
  } catch (const pqxx::usage_error& e) {
    return {FailureKind::kFatal,
            absl::InternalError(absl::StrCat("libpqxx usage error: ", OneLine(e.what())))};
  } catch (const std::exception& e) {
    return {FailureKind::kFatal, absl::InternalError(OneLine(e.what()))};
  } catch (...) {
    return {FailureKind::kFatal, absl::InternalError("unknown exception from PostgreSQL code")};
  }
}

}  // namespace sb::pg
