#pragma once
// The voicemail gRPC API (voicemail.proto): principal from the metadata,
// proto ⇄ VoicemailManager, Status ⇄ grpc::Status. PlaceCall drives the
// user agent through CallRouter.
#include "services/voicemail/call_flows.h"
#include "services/voicemail/voicemail_manager.h"
#include "sipua/user_agent.h"
#include "switchboard/voicemail/v1/voicemail.grpc.pb.h"

namespace sb::voicemail {

class VoicemailServer final : public vpb::Voicemail::Service {
 public:
  VoicemailServer(VoicemailManager* manager, CallRouter* router, sipua::UserAgent* ua,
                  std::string default_domain)
      : manager_(manager), router_(router), ua_(ua), default_domain_(std::move(default_domain)) {}

  grpc::Status GetMailbox(grpc::ServerContext*, const vpb::GetMailboxRequest*, vpb::Mailbox*) override;
  grpc::Status ListMailboxes(grpc::ServerContext*, const vpb::ListMailboxesRequest*,
                             vpb::ListMailboxesResponse*) override;
  grpc::Status EnsureMailbox(grpc::ServerContext*, const vpb::EnsureMailboxRequest*, vpb::Mailbox*) override;
  grpc::Status EmptyMailbox(grpc::ServerContext*, const vpb::EmptyMailboxRequest*,
                            vpb::BulkResponse*) override;
  grpc::Status GetMessageSettings(grpc::ServerContext*, const vpb::GetMessageSettingsRequest*,
                                  vpb::MessageSettings*) override;
  grpc::Status UpdateMessageSettings(grpc::ServerContext*, const vpb::UpdateMessageSettingsRequest*,
                                     vpb::MessageSettings*) override;
  grpc::Status ListMessages(grpc::ServerContext*, const vpb::ListMessagesRequest*,
                            vpb::ListMessagesResponse*) override;
  grpc::Status GetMessage(grpc::ServerContext*, const vpb::GetMessageRequest*, vpb::Message*) override;
  grpc::Status GetMessageContent(grpc::ServerContext*, const vpb::GetMessageContentRequest*,
                                 vpb::MessageContent*) override;
  grpc::Status UpdateMessage(grpc::ServerContext*, const vpb::UpdateMessageRequest*, vpb::Message*) override;
  grpc::Status DeleteMessage(grpc::ServerContext*, const vpb::DeleteMessageRequest*, vpb::Empty*) override;
  grpc::Status RestoreMessage(grpc::ServerContext*, const vpb::RestoreMessageRequest*,
                              vpb::Message*) override;
  grpc::Status DeleteAllMessages(grpc::ServerContext*, const vpb::DeleteAllMessagesRequest*,
                                 vpb::BulkResponse*) override;
  grpc::Status MarkAllRead(grpc::ServerContext*, const vpb::MarkAllReadRequest*, vpb::BulkResponse*) override;
  grpc::Status PurgeMessages(grpc::ServerContext*, const vpb::PurgeMessagesRequest*,
                             vpb::BulkResponse*) override;
  grpc::Status ForwardMessage(grpc::ServerContext*, const vpb::ForwardMessageRequest*,
                              vpb::ForwardMessageResponse*) override;
  grpc::Status ComposeMessage(grpc::ServerContext*, const vpb::ComposeMessageRequest*,
                              vpb::ComposeMessageResponse*) override;
  grpc::Status DepositMessage(grpc::ServerContext*, const vpb::DepositMessageRequest*,
                              vpb::Message*) override;
  grpc::Status UploadGreeting(grpc::ServerContext*, const vpb::UploadGreetingRequest*,
                              vpb::GreetingInfo*) override;
  grpc::Status GetGreeting(grpc::ServerContext*, const vpb::GetGreetingRequest*,
                           vpb::MessageContent*) override;
  grpc::Status DeleteGreeting(grpc::ServerContext*, const vpb::DeleteGreetingRequest*, vpb::Empty*) override;
  grpc::Status PlaceCall(grpc::ServerContext*, const vpb::PlaceCallRequest*,
                         vpb::PlaceCallResponse*) override;

 private:
  VoicemailManager* manager_;
  CallRouter* router_;
  sipua::UserAgent* ua_;
  std::string default_domain_;
};

}  // namespace sb::voicemail
