#include "core/status.h"

#include <catch2/catch.hpp>

TEST_CASE("a field name survives the trip through gRPC") {
  absl::Status st = sb::core::InvalidField("password", "must be 12 to 20 characters");
  grpc::Status g = sb::core::ToGrpc(st);
  CHECK(g.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(g.error_message() == "must be 12 to 20 characters");
  absl::Status back = sb::core::FromGrpc(g);
  CHECK(back.code() == absl::StatusCode::kInvalidArgument);
  CHECK(sb::core::FieldOf(back) == "password");
}

TEST_CASE("ok stays ok and codes map one to one") {
  CHECK(sb::core::ToGrpc(absl::OkStatus()).ok());
  CHECK(sb::core::FromGrpc(grpc::Status(grpc::StatusCode::NOT_FOUND, "no such user")).code() ==
        absl::StatusCode::kNotFound);
  CHECK(sb::core::FieldOf(absl::NotFoundError("x")).empty());
}
