#pragma once
// What voicemail asks the profiles service: users and their lines (to create
// mailboxes and address messages), the tenant's SIP domain, numbers dialed in
// the portal (forward/compose), and the voicemail PIN check (retrieval by
// phone). SYSTEM principal, a deadline per call, blocking: callers are gRPC
// handler threads and call-flow threads, never the SIP or media threads.
#include <grpcpp/channel.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "switchboard/profiles/v1/profiles.grpc.pb.h"

namespace sb::voicemail {

namespace ppb = ::switchboard::profiles::v1;

class ProfilesClient {
 public:
  ProfilesClient(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout)
      : stub_(ppb::Profiles::NewStub(std::move(channel))), timeout_(timeout) {}

  absl::StatusOr<ppb::User> GetUser(const std::string& user_id);
  absl::StatusOr<ppb::Tenant> GetTenant(const std::string& tenant_id);
  absl::StatusOr<ppb::Line> GetLine(const std::string& line_id);
  absl::StatusOr<ppb::ResolveLineResponse> ResolveLine(const std::string& tenant_id,
                                                       const std::string& dialed);
  absl::StatusOr<bool> VerifyVoicemailPin(const std::string& user_id, const std::string& pin);

 private:
  std::unique_ptr<ppb::Profiles::Stub> stub_;
  absl::Duration timeout_;
};

}  // namespace sb::voicemail
