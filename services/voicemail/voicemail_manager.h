#pragma once
// The voicemail domain: mailboxes (created with lines, or on demand), their
// settings, messages and greetings, with who-may-see-what (principals) and
// the validation that names the field at fault. The gRPC server translates
// to and from it; the call flows (deposit, retrieval) use it too.
// Thread-safe; blocking (PostgreSQL, profiles).
#include <google/protobuf/field_mask.pb.h>

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/principal.h"
#include "services/voicemail/blob_store.h"
#include "services/voicemail/pg_store.h"
#include "services/voicemail/profiles_client.h"

namespace sb::voicemail {

struct ManagerConfig {
  size_t max_upload_bytes = 5 << 20;  // greetings and composed messages
  absl::Duration max_greeting = absl::Minutes(2);
  absl::Duration max_composed = absl::Minutes(10);
  // The portal lists the INBOX on every page view: mailbox.accessed from it
  // is published at most this often per mailbox.
  absl::Duration portal_access_interval = absl::Minutes(1);
};

struct Content {
  std::string content_type;
  std::string data;
  std::string filename;
};

class VoicemailManager {
 public:
  VoicemailManager(ManagerConfig config, PgStore* store, BlobStore* blobs, ProfilesClient* profiles)
      : config_(config), store_(store), blobs_(blobs), profiles_(profiles) {}

  // ---- mailboxes (no principal: internal, or checked by the caller)
  // The user's store, created from profiles if missing (a line created while
  // voicemail was down, or before it existed).
  absl::StatusOr<MailboxRow> MailboxForUser(const std::string& user_id);
  absl::StatusOr<MailboxRow> MailboxForLine(const std::string& line_id);
  absl::StatusOr<MailboxRow> EnsureForLine(const std::string& tenant_id, const std::string& user_id,
                                           const std::string& line_id);
  // The language prompts are played in for this mailbox: its setting, else
  // the owner's, else French.
  std::string LanguageOf(const MailboxRow& mailbox);

  // ---- the API, as `principal` may use it
  absl::StatusOr<vpb::Mailbox> GetMailbox(const core::Principal& p, const vpb::GetMailboxRequest& req);
  absl::StatusOr<vpb::ListMailboxesResponse> ListMailboxes(const core::Principal& p,
                                                           const vpb::ListMailboxesRequest& req);
  absl::StatusOr<vpb::MessageSettings> GetSettings(const core::Principal& p, const std::string& user_id);
  absl::StatusOr<vpb::MessageSettings> UpdateSettings(const core::Principal& p,
                                                      const vpb::UpdateMessageSettingsRequest& req);
  absl::StatusOr<vpb::ListMessagesResponse> ListMessages(const core::Principal& p,
                                                         const vpb::ListMessagesRequest& req);
  absl::StatusOr<vpb::Message> GetMessage(const core::Principal& p, const std::string& message_id);
  absl::StatusOr<Content> GetMessageContent(const core::Principal& p, const std::string& message_id);
  absl::StatusOr<vpb::Message> UpdateMessage(const core::Principal& p, const vpb::UpdateMessageRequest& req);
  absl::Status DeleteMessage(const core::Principal& p, const std::string& message_id);
  absl::StatusOr<int> DeleteAll(const core::Principal& p, const vpb::DeleteAllMessagesRequest& req);
  absl::StatusOr<int> MarkAllRead(const core::Principal& p, const vpb::MarkAllReadRequest& req);
  absl::StatusOr<int> Purge(const core::Principal& p, const vpb::PurgeMessagesRequest& req);
  absl::StatusOr<int> EmptyMailbox(const core::Principal& p, const vpb::EmptyMailboxRequest& req);
  absl::StatusOr<vpb::ForwardMessageResponse> Forward(const core::Principal& p,
                                                      const vpb::ForwardMessageRequest& req);
  absl::StatusOr<vpb::ComposeMessageResponse> Compose(const core::Principal& p,
                                                      const vpb::ComposeMessageRequest& req);
  absl::StatusOr<vpb::Message> Deposit(const core::Principal& p, const vpb::DepositMessageRequest& req);
  absl::StatusOr<vpb::GreetingInfo> UploadGreeting(const core::Principal& p,
                                                   const vpb::UploadGreetingRequest& req);
  absl::StatusOr<Content> GetGreeting(const core::Principal& p, const std::string& user_id,
                                      vpb::GreetingSlot slot);
  absl::Status DeleteGreeting(const core::Principal& p, const std::string& user_id, vpb::GreetingSlot slot);

  // ---- for the call flows
  // Stores 8 kHz samples as a WAV message. RESOURCE_EXHAUSTED when full.
  absl::StatusOr<MessageRow> StoreRecording(const MailboxRow& mailbox, const std::string& line_id,
                                            const std::string& from, const std::string& from_name,
                                            std::span<const int16_t> samples, vpb::DepositReason reason,
                                            bool urgent);
  // A recorded greeting as 8 kHz samples (NOT_FOUND when the slot is empty).
  absl::StatusOr<std::vector<int16_t>> GreetingSamples(const MailboxRow& mailbox, vpb::GreetingSlot slot);
  absl::Status StoreGreetingSamples(const MailboxRow& mailbox, vpb::GreetingSlot slot,
                                    std::span<const int16_t> samples);
  absl::Status RemoveGreeting(const MailboxRow& mailbox, vpb::GreetingSlot slot);
  absl::StatusOr<std::vector<int16_t>> MessageSamples(const MessageRow& message);
  absl::StatusOr<std::vector<vpb::Message>> Messages(const MailboxRow& mailbox, vpb::Folder folder,
                                                     bool only_new);
  absl::StatusOr<MessageRow> SetMessageState(const std::string& message_id, std::optional<bool> is_new,
                                             vpb::Folder folder);
  // The owner logged in by phone: mailbox.accessed (never throttled).
  void NotePhoneAccess(const MailboxRow& mailbox);
  PgStore* store() { return store_; }

 private:
  absl::StatusOr<MailboxRow> Reachable(const core::Principal& p, const std::string& user_id);
  absl::StatusOr<MessageRow> ReachableMessage(const core::Principal& p, const std::string& message_id);
  // Puts a copy of a message/audio into the mailboxes of `numbers`.
  absl::StatusOr<std::vector<vpb::Message>> Deliver(const std::string& tenant_id,
                                                    const std::vector<std::string>& numbers,
                                                    const std::string& field, const vpb::Message& templ,
                                                    const std::string& wav, NewMessageEvent event);

  ManagerConfig config_;
  PgStore* store_;
  BlobStore* blobs_;
  ProfilesClient* profiles_;
};

bool CanReach(const core::Principal& p, const MailboxRow& mailbox);

}  // namespace sb::voicemail
