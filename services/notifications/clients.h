#pragma once
// The services notifications calls: voicemail (message settings and content,
// removal after delivery, action links, PlaceCall for call-outs and
// reminders) and profiles (a user's language, time zone, e-mail, number).
// Every call has a deadline; statuses come back as sent by the service.
#include <grpcpp/channel.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/principal.h"
#include "switchboard/profiles/v1/profiles.grpc.pb.h"
#include "switchboard/voicemail/v1/voicemail.grpc.pb.h"

namespace sb::notifications {

namespace vpb = ::switchboard::voicemail::v1;
namespace ppb = ::switchboard::profiles::v1;

class VoicemailClient {
 public:
  VoicemailClient(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout);

  absl::StatusOr<vpb::MessageSettings> GetMessageSettings(const std::string& user_id);
  absl::StatusOr<vpb::Message> GetMessage(const core::Principal& p, const std::string& message_id);
  absl::StatusOr<vpb::MessageContent> GetMessageContent(const std::string& message_id);
  // To the Deleted tab (restorable).
  absl::Status Trash(const core::Principal& p, const std::string& message_id);
  // To the Deleted tab, then removed for good.
  absl::Status Purge(const core::Principal& p, const std::string& message_id);
  absl::Status MarkRead(const core::Principal& p, const std::string& message_id);
  // Every new INBOX message of the user marked heard (voicemail's MarkAllRead); how many.
  absl::StatusOr<int> MarkAllRead(const core::Principal& p, const std::string& user_id);
  // Call placement waits for the outcome, so it gets its own (longer) deadline.
  absl::StatusOr<vpb::PlaceCallResponse> PlaceCall(const vpb::PlaceCallRequest& req, absl::Duration timeout);

 private:
  template <typename Req, typename Resp>
  absl::StatusOr<Resp> Call(grpc::Status (vpb::Voicemail::Stub::*method)(grpc::ClientContext*, const Req&,
                                                                         Resp*),
                            const core::Principal& p, const Req& req, absl::Duration timeout);

  std::unique_ptr<vpb::Voicemail::Stub> stub_;
  absl::Duration timeout_;
};

class ProfilesClient {
 public:
  ProfilesClient(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout);
  // As `p` sees it: NOT_FOUND when out of the principal's reach.
  absl::StatusOr<ppb::User> GetUser(const core::Principal& p, const std::string& user_id);

 private:
  std::unique_ptr<ppb::Profiles::Stub> stub_;
  absl::Duration timeout_;
};

// The principal of a user acting on their own data (action links).
core::Principal UserPrincipal(const std::string& tenant_id, const std::string& user_id);

}  // namespace sb::notifications
