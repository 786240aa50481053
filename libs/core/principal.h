#pragma once
// Who is calling a service: the gateway attaches the signed-in user's identity
// to every gRPC call as metadata; services decide what that principal may see.
// Internal callers (the edge, routing) attach the SYSTEM role. Service ports
// are internal: they are never exposed outside the platform's network.
#include <string>

#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sb::core {

enum class PrincipalRole { kUser, kAdmin, kOperator, kSystem };

struct Principal {
  PrincipalRole role = PrincipalRole::kUser;
  std::string user_id;
  std::string tenant_id;

  static Principal System() { return Principal{PrincipalRole::kSystem, "", ""}; }
  bool IsPlatformWide() const {
    return role == PrincipalRole::kOperator || role == PrincipalRole::kSystem;
  }
  // May this principal act on resources of `tenant_id`?
  bool CanSeeTenant(absl::string_view tenant) const {
    return IsPlatformWide() || tenant == tenant_id;
  }
  // May it manage (admin actions) resources of `tenant_id`?
  bool CanManageTenant(absl::string_view tenant) const {
    return IsPlatformWide() || (role == PrincipalRole::kAdmin && tenant == tenant_id);
  }
};

absl::string_view PrincipalRoleName(PrincipalRole role);

void AttachPrincipal(grpc::ClientContext* context, const Principal& principal);
// UNAUTHENTICATED when the call carries no principal.
absl::StatusOr<Principal> PrincipalFrom(const grpc::ServerContext& context);

}  // namespace sb::core
