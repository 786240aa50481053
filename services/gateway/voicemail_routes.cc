// Routes of the voicemail service: messages (C3, C4), their audio, message
// settings (C1, C5, C6, C7, F1), greetings (C6) and the mailboxes of a user
// (A6 switcher).
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "services/gateway/gateway.h"

namespace sb::gateway {
namespace {

using VStub = vpb::Voicemail::Stub;

std::string VParam(const HttpRequest& r, std::string_view name) { return std::string(r.PathParam(name)); }
std::string VQuery(const HttpRequest& r, std::string_view name) { return r.Query(name).value_or(""); }
bool VFlag(const HttpRequest& r, std::string_view name) {
  std::string v = absl::AsciiStrToLower(VQuery(r, name));
  return v == "true" || v == "1" || v == "yes";
}

constexpr size_t kMaxAudioUpload = 5 << 20;

HttpResponse Audio(const vpb::MessageContent& c) {
  HttpResponse r;
  r.content_type = c.content_type().empty() ? "application/octet-stream" : c.content_type();
  r.body = c.data();
  r.headers.emplace_back("Cache-Control", "private, max-age=60");
  if (!c.filename().empty()) {
    r.headers.emplace_back("Content-Disposition", absl::StrCat("inline; filename=\"", c.filename(), "\""));
  }
  return r;
}

absl::StatusOr<vpb::Folder> FolderOf(const HttpRequest& r) {
  std::string name = absl::AsciiStrToUpper(VQuery(r, "folder"));
  vpb::Folder f = vpb::INBOX;
  if (!name.empty() && (!vpb::Folder_Parse(name, &f) || f == vpb::FOLDER_UNSPECIFIED)) {
    return core::InvalidField("folder", "folder must be INBOX or DELETED");
  }
  return f;
}

absl::StatusOr<vpb::MessageType> TypeOf(const HttpRequest& r) {
  std::string name = absl::AsciiStrToUpper(VQuery(r, "type"));
  vpb::MessageType t = vpb::MESSAGE_TYPE_UNSPECIFIED;
  if (!name.empty() && (!vpb::MessageType_Parse(name, &t) || t == vpb::MESSAGE_TYPE_UNSPECIFIED)) {
    return core::InvalidField("type", "type must be VOICE or FAX");
  }
  return t;
}

// Greeting slots in paths: "personal", "busy", "out-of-hours", "internal",
// "extended-absence", "extended-absence-internal", "temporary", "name" (or
// the enum names).
absl::StatusOr<vpb::GreetingSlot> SlotOf(const std::string& raw) {
  std::string name = absl::AsciiStrToUpper(absl::StrReplaceAll(raw, {{"-", "_"}}));
  if (!absl::StartsWith(name, "SLOT_")) name = absl::StrCat("SLOT_", name);
  vpb::GreetingSlot s = vpb::GREETING_SLOT_UNSPECIFIED;
  if (!vpb::GreetingSlot_Parse(name, &s) || s == vpb::GREETING_SLOT_UNSPECIFIED) {
    return core::InvalidField("slot",
                              "slot must be personal, busy, out-of-hours, internal, extended-absence, "
                              "extended-absence-internal, temporary or name");
  }
  return s;
}

// The portal says "max_message_s" (API.md); voicemail.proto can't (see the
// field's comment), so the key is renamed on the way in and out.
constexpr char kPortalMaxLength[] = "max_message_s";
constexpr char kProtoMaxLength[] = "max_message_seconds";

absl::Status RenameBodyKey(HttpRequest& r, const char* from, const char* to) {
  if (r.body.find(from) == std::string::npos) return absl::OkStatus();
  google::protobuf::Struct body;
  if (!google::protobuf::util::JsonStringToMessage(r.body, &body).ok())
    return absl::OkStatus();  // ParsePatch reports it
  auto* fields = body.mutable_fields();
  auto it = fields->find(from);
  if (it == fields->end()) return absl::OkStatus();
  (*fields)[to] = it->second;
  fields->erase(from);
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(body, &out);
  r.body = out;
  return absl::OkStatus();
}

HttpResponse SettingsAnswer(const absl::StatusOr<vpb::MessageSettings>& s) {
  if (!s.ok()) {
    absl::Status st = s.status();
    if (core::FieldOf(st) == kProtoMaxLength) st = core::WithField(st, kPortalMaxLength);
    return ErrorResponse(st);
  }
  HttpResponse r = JsonResponse(200, *s);
  r.body = absl::StrReplaceAll(
      r.body, {{absl::StrCat("\"", kProtoMaxLength, "\""), absl::StrCat("\"", kPortalMaxLength, "\"")}});
  return r;
}

}  // namespace

void Gateway::AddVoicemailRoutes() {
  const std::string tag = "voicemail";

  // ---- messages (C3)
  Authed(
      "GET", "/v1/users/{user_id}/messages",
      {.summary = "The user's messages, newest first (C3)",
       .tag = tag,
       .response = vpb::ListMessagesResponse::descriptor(),
       .query = {{.name = "folder", .enum_values = {"INBOX", "DELETED"}},
                 {.name = "type", .enum_values = {"VOICE", "FAX"}},
                 {.name = "line_id", .description = "only the messages left for this number (A6 switcher)"},
                 {.name = "only_new", .type = "boolean"},
                 {.name = "page_size", .type = "integer"},
                 {.name = "page_token"}}},
      [this](HttpRequest& r, const Caller& c) {
        vpb::ListMessagesRequest req;
        req.set_user_id(VParam(r, "user_id"));
        auto folder = FolderOf(r);
        if (!folder.ok()) return ErrorResponse(folder.status());
        auto type = TypeOf(r);
        if (!type.ok()) return ErrorResponse(type.status());
        req.set_folder(*folder);
        req.set_type(*type);
        req.set_line_id(VQuery(r, "line_id"));
        req.set_only_new(VFlag(r, "only_new"));
        req.set_page_size(PageSize(r));
        req.set_page_token(VQuery(r, "page_token"));
        return Answer(Voicemail(&VStub::ListMessages, c.principal, req));
      });
  Authed("GET", "/v1/messages/{message_id}",
         {.summary = "One message", .tag = tag, .response = vpb::Message::descriptor()},
         [this](HttpRequest& r, const Caller& c) {
           vpb::GetMessageRequest req;
           req.set_message_id(VParam(r, "message_id"));
           return Answer(Voicemail(&VStub::GetMessage, c.principal, req));
         });
  Authed("GET", "/v1/messages/{message_id}/content",
         {.summary = "The message itself: audio/wav (voice) or application/pdf (fax)",
          .tag = tag,
          .response_content_type = "audio/wav"},
         [this](HttpRequest& r, const Caller& c) {
           vpb::GetMessageContentRequest req;
           req.set_message_id(VParam(r, "message_id"));
           auto content = Voicemail(&VStub::GetMessageContent, c.principal, req);
           if (!content.ok()) return ErrorResponse(content.status());
           return Audio(*content);
         });
  Authed(
      "PATCH", "/v1/messages/{message_id}",
      {.summary = "Mark heard/new ({\"new\":false}), delete to DELETED or restore ({\"folder\":\"INBOX\"})",
       .tag = tag,
       .request = vpb::UpdateMessageRequest::descriptor(),
       .response = vpb::Message::descriptor()},
      [this](HttpRequest& r, const Caller& c) {
        vpb::UpdateMessageRequest req;
        if (auto st = ParseBody(r, &req); !st.ok()) return ErrorResponse(st);
        req.set_message_id(VParam(r, "message_id"));
        return Answer(Voicemail(&VStub::UpdateMessage, c.principal, req));
      });
  Authed("DELETE", "/v1/messages/{message_id}",
         {.summary = "Delete permanently (only a message in DELETED)", .tag = tag},
         [this](HttpRequest& r, const Caller& c) {
           vpb::DeleteMessageRequest req;
           req.set_message_id(VParam(r, "message_id"));
           return NoContent(Voicemail(&VStub::DeleteMessage, c.principal, req).status());
         });
  Authed(
      "POST", "/v1/messages/{message_id}/restore",
      {.summary = "Move a deleted message back to INBOX", .tag = tag, .response = vpb::Message::descriptor()},
      [this](HttpRequest& r, const Caller& c) {
        vpb::RestoreMessageRequest req;
        req.set_message_id(VParam(r, "message_id"));
        return Answer(Voicemail(&VStub::RestoreMessage, c.principal, req));
      });
  Authed("POST", "/v1/messages/{message_id}/forward",
         {.summary = "Forward as voicemail to other mailboxes (not for private messages) (C4)",
          .tag = tag,
          .request = vpb::ForwardMessageRequest::descriptor(),
          .response = vpb::ForwardMessageResponse::descriptor()},
         [this](HttpRequest& r, const Caller& c) {
           vpb::ForwardMessageRequest req;
           if (auto st = ParseBody(r, &req); !st.ok()) return ErrorResponse(st);
           req.set_message_id(VParam(r, "message_id"));
           return Answer(Voicemail(&VStub::ForwardMessage, c.principal, req));
         });
  Authed("POST", "/v1/users/{user_id}/messages/delete-all",
         {.summary = "Move every INBOX message to DELETED",
          .tag = tag,
          .response = vpb::BulkResponse::descriptor(),
          .query = {{.name = "type", .enum_values = {"VOICE", "FAX"}}, {.name = "line_id"}}},
         [this](HttpRequest& r, const Caller& c) {
           vpb::DeleteAllMessagesRequest req;
           req.set_user_id(VParam(r, "user_id"));
           auto type = TypeOf(r);
           if (!type.ok()) return ErrorResponse(type.status());
           req.set_type(*type);
           req.set_line_id(VQuery(r, "line_id"));
           return Answer(Voicemail(&VStub::DeleteAllMessages, c.principal, req));
         });
  Authed("POST", "/v1/users/{user_id}/messages/mark-all-read",
         {.summary = "Mark every new INBOX message heard (C5)",
          .tag = tag,
          .response = vpb::BulkResponse::descriptor(),
          .query = {{.name = "type", .enum_values = {"VOICE", "FAX"}}, {.name = "line_id"}}},
         [this](HttpRequest& r, const Caller& c) {
           vpb::MarkAllReadRequest req;
           req.set_user_id(VParam(r, "user_id"));
           auto type = TypeOf(r);
           if (!type.ok()) return ErrorResponse(type.status());
           req.set_type(*type);
           req.set_line_id(VQuery(r, "line_id"));
           return Answer(Voicemail(&VStub::MarkAllRead, c.principal, req));
         });
  Authed("POST", "/v1/users/{user_id}/messages/purge",
         {.summary = "Delete permanently every message in DELETED",
          .tag = tag,
          .response = vpb::BulkResponse::descriptor(),
          .query = {{.name = "type", .enum_values = {"VOICE", "FAX"}}, {.name = "line_id"}}},
         [this](HttpRequest& r, const Caller& c) {
           vpb::PurgeMessagesRequest req;
           req.set_user_id(VParam(r, "user_id"));
           auto type = TypeOf(r);
           if (!type.ok()) return ErrorResponse(type.status());
           req.set_type(*type);
           req.set_line_id(VQuery(r, "line_id"));
           return Answer(Voicemail(&VStub::PurgeMessages, c.principal, req));
         });
  // Compose (C4): the recording as the body (audio/wav), recipients in the
  // query; or JSON ComposeMessageRequest with audio_wav in base64.
  Authed("POST", "/v1/users/{user_id}/messages",
         {.summary = "Send a new voicemail recorded in the browser to numbers (C4); reply with reply_to",
          .tag = tag,
          .response = vpb::ComposeMessageResponse::descriptor(),
          .query = {{.name = "to", .description = "numbers or extensions, comma-separated", .required = true},
                    {.name = "urgent", .type = "boolean"},
                    {.name = "private", .type = "boolean"},
                    {.name = "reply_to", .description = "id of the message answered"}},
          .request_content_type = "audio/wav",
          .extra_statuses = {413},
          .max_body_bytes = kMaxAudioUpload},
         [this](HttpRequest& r, const Caller& c) {
           vpb::ComposeMessageRequest req;
           if (absl::StartsWithIgnoreCase(r.Header("content-type"), "application/json")) {
             if (auto st = ParseBody(r, &req); !st.ok()) return ErrorResponse(st);
           } else {
             req.set_audio_wav(r.body);
             for (absl::string_view n : absl::StrSplit(VQuery(r, "to"), ',', absl::SkipWhitespace())) {
               req.add_to_numbers(std::string(absl::StripAsciiWhitespace(n)));
             }
             req.set_urgent(VFlag(r, "urgent"));
             req.set_private_(VFlag(r, "private"));
             req.set_reply_to_message_id(VQuery(r, "reply_to"));
           }
           req.set_user_id(VParam(r, "user_id"));
           return Answer(Voicemail(&VStub::ComposeMessage, c.principal, req), 201);
         });

  // ---- settings (C1, C5, C6, C7, F1)
  Authed("GET", "/v1/users/{user_id}/message-settings",
         {.summary = "Voicemail settings", .tag = tag, .response = vpb::MessageSettings::descriptor()},
         [this](HttpRequest& r, const Caller& c) {
           vpb::GetMessageSettingsRequest req;
           req.set_user_id(VParam(r, "user_id"));
           return SettingsAnswer(Voicemail(&VStub::GetMessageSettings, c.principal, req));
         });
  Authed("PATCH", "/v1/users/{user_id}/message-settings",
         {.summary = "Change voicemail settings (only the fields sent)",
          .tag = tag,
          .request = vpb::MessageSettings::descriptor(),
          .response = vpb::MessageSettings::descriptor()},
         [this](HttpRequest& r, const Caller& c) {
           vpb::UpdateMessageSettingsRequest req;
           (void)RenameBodyKey(r, kPortalMaxLength, kProtoMaxLength);
           if (auto st = ParsePatch(r, req.mutable_settings(), req.mutable_update_mask()); !st.ok()) {
             return SettingsAnswer(st);
           }
           req.set_user_id(VParam(r, "user_id"));
           return SettingsAnswer(Voicemail(&VStub::UpdateMessageSettings, c.principal, req));
         });
  Authed("GET", "/v1/users/{user_id}/mailboxes",
         {.summary = "The user's message stores with their numbers and counts (A6)",
          .tag = tag,
          .response = vpb::ListMailboxesResponse::descriptor()},
         [this](HttpRequest& r, const Caller& c) {
           vpb::ListMailboxesRequest req;
           req.set_user_id(VParam(r, "user_id"));
           return Answer(Voicemail(&VStub::ListMailboxes, c.principal, req));
         });

  // ---- greetings (C6)
  Authed("PUT", "/v1/users/{user_id}/greetings/{slot}",
         {.summary = "Upload a greeting: WAV 16 kHz 16-bit mono PCM, at most 2 minutes",
          .tag = tag,
          .response = vpb::GreetingInfo::descriptor(),
          .request_content_type = "audio/wav",
          .extra_statuses = {413},
          .max_body_bytes = kMaxAudioUpload},
         [this](HttpRequest& r, const Caller& c) {
           vpb::UploadGreetingRequest req;
           req.set_user_id(VParam(r, "user_id"));
           auto slot = SlotOf(VParam(r, "slot"));
           if (!slot.ok()) return ErrorResponse(slot.status());
           req.set_slot(*slot);
           req.set_audio_wav(r.body);
           return Answer(Voicemail(&VStub::UploadGreeting, c.principal, req));
         });
  Authed("GET", "/v1/users/{user_id}/greetings/{slot}",
         {.summary = "A recorded greeting", .tag = tag, .response_content_type = "audio/wav"},
         [this](HttpRequest& r, const Caller& c) {
           vpb::GetGreetingRequest req;
           req.set_user_id(VParam(r, "user_id"));
           auto slot = SlotOf(VParam(r, "slot"));
           if (!slot.ok()) return ErrorResponse(slot.status());
           req.set_slot(*slot);
           auto content = Voicemail(&VStub::GetGreeting, c.principal, req);
           if (!content.ok()) return ErrorResponse(content.status());
           return Audio(*content);
         });
  Authed("DELETE", "/v1/users/{user_id}/greetings/{slot}",
         {.summary = "Remove a recorded greeting", .tag = tag}, [this](HttpRequest& r, const Caller& c) {
           vpb::DeleteGreetingRequest req;
           req.set_user_id(VParam(r, "user_id"));
           auto slot = SlotOf(VParam(r, "slot"));
           if (!slot.ok()) return ErrorResponse(slot.status());
           req.set_slot(*slot);
           return NoContent(Voicemail(&VStub::DeleteGreeting, c.principal, req).status());
         });
}

}  // namespace sb::gateway
