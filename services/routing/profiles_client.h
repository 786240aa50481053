#pragma once
// What routing reads from the profiles service, one RPC per question, with
// the SYSTEM principal and a deadline. Blocking: callers are the worker pool
// and the portal handlers, never a reactor thread. Directory (directory.h)
// caches the answers.
#include <grpcpp/channel.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/principal.h"
#include "switchboard/profiles/v1/profiles.grpc.pb.h"

namespace sb::routing {

namespace ppb = ::switchboard::profiles::v1;

class ProfilesSource {
 public:
  virtual ~ProfilesSource() = default;
  virtual absl::StatusOr<ppb::Tenant> GetTenant(const std::string& tenant_id) = 0;
  virtual absl::StatusOr<ppb::User> GetUser(const std::string& user_id) = 0;
  // The line `dialed` reaches from `tenant_id` (an extension of the tenant, a
  // number of any tenant); NOT_FOUND when none.
  virtual absl::StatusOr<ppb::ResolveLineResponse> ResolveLine(const std::string& tenant_id,
                                                               const std::string& dialed) = 0;
  // Every contact and contact group of a user (all pages).
  virtual absl::StatusOr<std::vector<ppb::Contact>> ListContacts(const std::string& user_id) = 0;
  virtual absl::StatusOr<std::vector<ppb::ContactGroup>> ListContactGroups(const std::string& user_id) = 0;
  // The users of a tenant as `principal` may list them (A10: the admin's
  // own view, so profiles enforces who may see the tenant).
  virtual absl::StatusOr<std::vector<ppb::User>> ListUsers(const core::Principal& principal,
                                                           const std::string& tenant_id) = 0;
};

class GrpcProfilesSource final : public ProfilesSource {
 public:
  GrpcProfilesSource(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout);

  absl::StatusOr<ppb::Tenant> GetTenant(const std::string& tenant_id) override;
  absl::StatusOr<ppb::User> GetUser(const std::string& user_id) override;
  absl::StatusOr<ppb::ResolveLineResponse> ResolveLine(const std::string& tenant_id,
                                                       const std::string& dialed) override;
  absl::StatusOr<std::vector<ppb::Contact>> ListContacts(const std::string& user_id) override;
  absl::StatusOr<std::vector<ppb::ContactGroup>> ListContactGroups(const std::string& user_id) override;
  absl::StatusOr<std::vector<ppb::User>> ListUsers(const core::Principal& principal,
                                                   const std::string& tenant_id) override;

 private:
  template <typename Req, typename Resp>
  absl::StatusOr<Resp> Call(grpc::Status (ppb::Profiles::Stub::*method)(grpc::ClientContext*, const Req&,
                                                                        Resp*),
                            const Req& req, const core::Principal& principal = core::Principal::System());

  std::unique_ptr<ppb::Profiles::Stub> stub_;
  absl::Duration timeout_;
};

}  // namespace sb::routing
