#include "core/principal.h"

#include "absl/strings/str_cat.h"

namespace sb::core {
namespace {
constexpr char kRoleKey[] = "x-sb-role";
constexpr char kUserKey[] = "x-sb-user";
constexpr char kTenantKey[] = "x-sb-tenant";

std::string Get(const grpc::ServerContext& context, const char* key) {
  const auto& md = context.client_metadata();
  auto it = md.find(key);
  if (it == md.end()) return "";
  return std::string(it->second.data(), it->second.size());
}
}  // namespace

absl::string_view PrincipalRoleName(PrincipalRole role) {
  switch (role) {
    case PrincipalRole::kUser: return "USER";
    case PrincipalRole::kAdmin: return "ADMIN";
    case PrincipalRole::kOperator: return "OPERATOR";
    case PrincipalRole::kSystem: return "SYSTEM";
  }
  return "USER";
}

void AttachPrincipal(grpc::ClientContext* context, const Principal& principal) {
  context->AddMetadata(kRoleKey, std::string(PrincipalRoleName(principal.role)));
  if (!principal.user_id.empty()) context->AddMetadata(kUserKey, principal.user_id);
  if (!principal.tenant_id.empty()) context->AddMetadata(kTenantKey, principal.tenant_id);
}

absl::StatusOr<Principal> PrincipalFrom(const grpc::ServerContext& context) {
  std::string role = Get(context, kRoleKey);
  Principal p;
  if (role == "USER") p.role = PrincipalRole::kUser;
  else if (role == "ADMIN") p.role = PrincipalRole::kAdmin;
  else if (role == "OPERATOR") p.role = PrincipalRole::kOperator;
  else if (role == "SYSTEM") p.role = PrincipalRole::kSystem;
  else return absl::UnauthenticatedError(absl::StrCat("no caller identity on this call (role '", role, "')"));
  p.user_id = Get(context, kUserKey);
  p.tenant_id = Get(context, kTenantKey);
  if ((p.role == PrincipalRole::kUser || p.role == PrincipalRole::kAdmin) &&
      (p.user_id.empty() || p.tenant_id.empty())) {
    return absl::UnauthenticatedError("a user principal needs its user and tenant ids");
  }
  return p;
}

}  // namespace sb::core
