#pragma once
// The shape every unary gRPC handler of a service shares: read the caller's
// principal from the metadata, run the body with it, log what is the
// service's fault (INTERNAL, UNKNOWN) and answer the status as gRPC's.
//
//   grpc::Status RoutingServer::GetSchedule(grpc::ServerContext* ctx, const Req* req, Schedule* resp) {
//     return core::WithPrincipal("routing", "GetSchedule", ctx, [&](const core::Principal& p) {
//       return core::Fill(manager_->GetSchedule(p, req->schedule_id()), resp);
//     });
//   }
#include <string_view>
#include <utility>

#include <grpcpp/server_context.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/logging.h"
#include "core/principal.h"
#include "core/status.h"

namespace sb::core {

template <typename Fn>
grpc::Status WithPrincipal(std::string_view service, const char* rpc, grpc::ServerContext* ctx, Fn&& body) {
  auto principal = PrincipalFrom(*ctx);
  if (!principal.ok()) return ToGrpc(principal.status());
  absl::Status st = body(*principal);
  if (st.code() == absl::StatusCode::kInternal || st.code() == absl::StatusCode::kUnknown) {
    Logger(std::string(service))->error("{}: {}", rpc, st.message());
  }
  return ToGrpc(st);
}

// Moves a result into the response message, or passes its error on.
template <typename T, typename Out>
absl::Status Fill(absl::StatusOr<T> result, Out* out) {
  if (!result.ok()) return result.status();
  *out = std::move(*result);
  return absl::OkStatus();
}

}  // namespace sb::core
