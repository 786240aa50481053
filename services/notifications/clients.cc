#include "services/notifications/clients.h"

#include <grpcpp/client_context.h>

#include "core/server.h"
#include "core/status.h"

namespace sb::notifications {

core::Principal UserPrincipal(const std::string& tenant_id, const std::string& user_id) {
  return core::Principal{core::PrincipalRole::kUser, user_id, tenant_id};
}

VoicemailClient::VoicemailClient(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout)
    : stub_(vpb::Voicemail::NewStub(channel)), timeout_(timeout) {}

template <typename Req, typename Resp>
absl::StatusOr<Resp> VoicemailClient::Call(grpc::Status (vpb::Voicemail::Stub::*method)(grpc::ClientContext*,
                                                                                        const Req&, Resp*),
                                           const core::Principal& p, const Req& req, absl::Duration timeout) {
  grpc::ClientContext ctx;
  ctx.set_deadline(core::DeadlineIn(timeout));
  core::AttachPrincipal(&ctx, p);
  Resp resp;
  grpc::Status st = (stub_.get()->*method)(&ctx, req, &resp);
  if (!st.ok()) return core::FromGrpc(st);
  return resp;
}

absl::StatusOr<vpb::MessageSettings> VoicemailClient::GetMessageSettings(const std::string& user_id) {
  vpb::GetMessageSettingsRequest req;
  req.set_user_id(user_id);
  return Call(&vpb::Voicemail::Stub::GetMessageSettings, core::Principal::System(), req, timeout_);
}

absl::StatusOr<vpb::Message> VoicemailClient::GetMessage(const core::Principal& p,
                                                         const std::string& message_id) {
  vpb::GetMessageRequest req;
  req.set_message_id(message_id);
  return Call(&vpb::Voicemail::Stub::GetMessage, p, req, timeout_);
}

absl::StatusOr<vpb::MessageContent> VoicemailClient::GetMessageContent(const std::string& message_id) {
  vpb::GetMessageContentRequest req;
  req.set_message_id(message_id);
  return Call(&vpb::Voicemail::Stub::GetMessageContent, core::Principal::System(), req, timeout_);
}

absl::Status VoicemailClient::Trash(const core::Principal& p, const std::string& message_id) {
  vpb::UpdateMessageRequest req;
  req.set_message_id(message_id);
  req.set_folder(vpb::DELETED);
  return Call(&vpb::Voicemail::Stub::UpdateMessage, p, req, timeout_).status();
}

absl::Status VoicemailClient::Purge(const core::Principal& p, const std::string& message_id) {
  auto m = GetMessage(p, message_id);
  if (!m.ok()) return m.status();
  if (m->folder() != vpb::DELETED) SB_RETURN_IF_ERROR(Trash(p, message_id));
  vpb::DeleteMessageRequest req;
  req.set_message_id(message_id);
  return Call(&vpb::Voicemail::Stub::DeleteMessage, p, req, timeout_).status();
}

absl::Status VoicemailClient::MarkRead(const core::Principal& p, const std::string& message_id) {
  vpb::UpdateMessageRequest req;
  req.set_message_id(message_id);
  req.set_new_(false);
  return Call(&vpb::Voicemail::Stub::UpdateMessage, p, req, timeout_).status();
}

absl::StatusOr<int> VoicemailClient::MarkAllRead(const core::Principal& p, const std::string& user_id) {
  // One transaction on voicemail's side: one mailbox.changed, not one per message.
  vpb::MarkAllReadRequest req;
  req.set_user_id(user_id);
  SB_ASSIGN_OR_RETURN(vpb::BulkResponse resp, Call(&vpb::Voicemail::Stub::MarkAllRead, p, req, timeout_));
  return resp.affected();
}

absl::StatusOr<vpb::PlaceCallResponse> VoicemailClient::PlaceCall(const vpb::PlaceCallRequest& req,
                                                                  absl::Duration timeout) {
  return Call(&vpb::Voicemail::Stub::PlaceCall, core::Principal::System(), req, timeout);
}

ProfilesClient::ProfilesClient(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout)
    : stub_(ppb::Profiles::NewStub(channel)), timeout_(timeout) {}

absl::StatusOr<ppb::User> ProfilesClient::GetUser(const core::Principal& p, const std::string& user_id) {
  grpc::ClientContext ctx;
  ctx.set_deadline(core::DeadlineIn(timeout_));
  core::AttachPrincipal(&ctx, p);
  ppb::GetUserRequest req;
  req.set_user_id(user_id);
  ppb::User resp;
  grpc::Status st = stub_->GetUser(&ctx, req, &resp);
  if (!st.ok()) return core::FromGrpc(st);
  return resp;
}

}  // namespace sb::notifications
