#include "services/voicemail/voicemail_server.h"

#include "core/handler.h"
#include "core/logging.h"
#include "core/principal.h"
#include "core/status.h"

namespace sb::voicemail {
namespace {

using core::Principal;
using core::ToGrpc;

using core::Fill;

absl::Status FillContent(absl::StatusOr<Content> c, vpb::MessageContent* out) {
  if (!c.ok()) return c.status();
  out->set_content_type(c->content_type);
  out->set_data(std::move(c->data));
  out->set_filename(c->filename);
  return absl::OkStatus();
}

absl::Status FillBulk(absl::StatusOr<int> n, vpb::BulkResponse* out) {
  if (!n.ok()) return n.status();
  out->set_affected(*n);
  return absl::OkStatus();
}

}  // namespace

#define SB_HANDLER(Name, Req, Resp)                                                                    \
  grpc::Status VoicemailServer::Name(grpc::ServerContext* ctx, const vpb::Req* req, vpb::Resp* resp) { \
    return core::WithPrincipal("voicemail", #Name, ctx, [&](const Principal& p) -> absl::Status {
#define SB_END \
  });          \
  }

SB_HANDLER(GetMailbox, GetMailboxRequest, Mailbox)
return Fill(manager_->GetMailbox(p, *req), resp);
SB_END
SB_HANDLER(ListMailboxes, ListMailboxesRequest, ListMailboxesResponse)
return Fill(manager_->ListMailboxes(p, *req), resp);
SB_END
SB_HANDLER(EnsureMailbox, EnsureMailboxRequest, Mailbox)
if (!p.IsPlatformWide()) return absl::PermissionDeniedError("EnsureMailbox is for platform services");
if (req->line_id().empty()) return core::InvalidField("line_id", "line_id is required");
auto mb = manager_->EnsureForLine(req->tenant_id(), req->user_id(), req->line_id());
if (!mb.ok()) return mb.status();
*resp = mb->mailbox;
return absl::OkStatus();
SB_END
SB_HANDLER(EmptyMailbox, EmptyMailboxRequest, BulkResponse)
return FillBulk(manager_->EmptyMailbox(p, *req), resp);
SB_END
SB_HANDLER(GetMessageSettings, GetMessageSettingsRequest, MessageSettings)
return Fill(manager_->GetSettings(p, req->user_id()), resp);
SB_END
SB_HANDLER(UpdateMessageSettings, UpdateMessageSettingsRequest, MessageSettings)
return Fill(manager_->UpdateSettings(p, *req), resp);
SB_END
SB_HANDLER(ListMessages, ListMessagesRequest, ListMessagesResponse)
return Fill(manager_->ListMessages(p, *req), resp);
SB_END
SB_HANDLER(GetMessage, GetMessageRequest, Message)
return Fill(manager_->GetMessage(p, req->message_id()), resp);
SB_END
SB_HANDLER(GetMessageContent, GetMessageContentRequest, MessageContent)
return FillContent(manager_->GetMessageContent(p, req->message_id()), resp);
SB_END
SB_HANDLER(UpdateMessage, UpdateMessageRequest, Message)
return Fill(manager_->UpdateMessage(p, *req), resp);
SB_END
SB_HANDLER(DeleteMessage, DeleteMessageRequest, Empty)
return manager_->DeleteMessage(p, req->message_id());
SB_END
SB_HANDLER(RestoreMessage, RestoreMessageRequest, Message)
vpb::UpdateMessageRequest u;
u.set_message_id(req->message_id());
u.set_folder(vpb::INBOX);
return Fill(manager_->UpdateMessage(p, u), resp);
SB_END
SB_HANDLER(DeleteAllMessages, DeleteAllMessagesRequest, BulkResponse)
return FillBulk(manager_->DeleteAll(p, *req), resp);
SB_END
SB_HANDLER(MarkAllRead, MarkAllReadRequest, BulkResponse)
return FillBulk(manager_->MarkAllRead(p, *req), resp);
SB_END
SB_HANDLER(PurgeMessages, PurgeMessagesRequest, BulkResponse)
return FillBulk(manager_->Purge(p, *req), resp);
SB_END
SB_HANDLER(ForwardMessage, ForwardMessageRequest, ForwardMessageResponse)
return Fill(manager_->Forward(p, *req), resp);
SB_END
SB_HANDLER(ComposeMessage, ComposeMessageRequest, ComposeMessageResponse)
return Fill(manager_->Compose(p, *req), resp);
SB_END
SB_HANDLER(DepositMessage, DepositMessageRequest, Message)
return Fill(manager_->Deposit(p, *req), resp);
SB_END
SB_HANDLER(UploadGreeting, UploadGreetingRequest, GreetingInfo)
return Fill(manager_->UploadGreeting(p, *req), resp);
SB_END
SB_HANDLER(GetGreeting, GetGreetingRequest, MessageContent)
return FillContent(manager_->GetGreeting(p, req->user_id(), req->slot()), resp);
SB_END
SB_HANDLER(DeleteGreeting, DeleteGreetingRequest, Empty)
return manager_->DeleteGreeting(p, req->user_id(), req->slot());
SB_END
SB_HANDLER(PlaceCall, PlaceCallRequest, PlaceCallResponse)
if (!p.IsPlatformWide()) return absl::PermissionDeniedError("PlaceCall is for platform services");
if (req->to().empty()) return core::InvalidField("to", "to is required");
if (req->kind() == vpb::PlaceCallRequest::KIND_UNSPECIFIED)
  return core::InvalidField("kind", "kind is required");
if (req->kind() == vpb::PlaceCallRequest::NEW_MESSAGES_CALLOUT && req->user_id().empty()) {
  return core::InvalidField("user_id", "a new-messages call-out needs user_id");
}
// A reminder may come without a recording (it then says what it is); any
// other announcement needs something to play.
if (req->kind() == vpb::PlaceCallRequest::ANNOUNCEMENT &&
    req->announcement_case() == vpb::PlaceCallRequest::ANNOUNCEMENT_NOT_SET) {
  return core::InvalidField("announcement_wav",
                            "an announcement needs announcement_wav, message_id or greeting_slot");
}
*resp = router_->PlaceCall(ua_, *req, default_domain_);
return absl::OkStatus();
SB_END

}  // namespace sb::voicemail
