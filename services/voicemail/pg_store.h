#pragma once
// The voicemail schema in PostgreSQL: mailboxes and their lines, settings,
// greetings and messages. Every change of a mailbox's messages writes its
// mailbox.changed event (with the counts as they are after the change) to the
// outbox in the same transaction, so MWI can never miss one; deposits also
// write mailbox.message_deposited / message_composed. libpqxx lives here only.
// Thread-safe (the pool is).
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pg/pool.h"
#include "switchboard/voicemail/v1/voicemail.pb.h"

namespace sb::voicemail {

namespace vpb = ::switchboard::voicemail::v1;

struct MailboxRow {
  vpb::Mailbox mailbox;           // with lines and counts
  vpb::MessageSettings settings;  // defaults applied (see WithDefaults)
  std::string sip_domain;
};

struct MessageRow {
  vpb::Message message;
  std::string blob_id;
  std::string tenant_id;
  std::string user_id;  // the mailbox owner
};

struct MessageFilter {
  vpb::Folder folder = vpb::INBOX;
  vpb::MessageType type = vpb::MESSAGE_TYPE_UNSPECIFIED;
  std::string line_id;
  bool only_new = false;
  int limit = 50;
  int offset = 0;
};

// Fills unset settings with the C1 defaults: 180 s, 100 messages, system
// greeting, all voicemail lights the lamp, details and message.
vpb::MessageSettings WithDefaults(vpb::MessageSettings settings);

// What kind of new message an insert is, for the event it publishes.
enum class NewMessageEvent { kDeposited, kComposed };

class PgStore {
 public:
  explicit PgStore(pg::Pool* pool) : pool_(pool) {}

  // The store of `user_id` (or, without a user, of the line), created if
  // missing, with the line attached to it. Idempotent.
  absl::StatusOr<MailboxRow> EnsureMailbox(const std::string& tenant_id, const std::string& user_id,
                                           const vpb::MailboxLine& line, const std::string& sip_domain);
  absl::StatusOr<MailboxRow> GetMailbox(const std::string& mailbox_id);
  absl::StatusOr<MailboxRow> FindByUser(const std::string& user_id);
  absl::StatusOr<MailboxRow> FindByLine(const std::string& line_id);
  absl::StatusOr<std::vector<MailboxRow>> ListByTenant(const std::string& tenant_id, int limit, int offset);
  absl::Status SaveSettings(const std::string& mailbox_id, const vpb::MessageSettings& settings);

  // Inserts a message; RESOURCE_EXHAUSTED "mailbox is full" when the INBOX
  // already holds max_messages (checked under a row lock on the mailbox, so
  // concurrent deposits can't overshoot). `language` goes into the event.
  absl::StatusOr<MessageRow> InsertMessage(const std::string& mailbox_id, vpb::Message message,
                                           const std::string& blob_id, NewMessageEvent event,
                                           const std::string& language, bool enforce_quota = true);
  absl::StatusOr<MessageRow> GetMessage(const std::string& message_id);
  absl::StatusOr<std::vector<vpb::Message>> ListMessages(const std::string& mailbox_id,
                                                         const MessageFilter& filter);
  absl::StatusOr<MessageRow> UpdateMessage(const std::string& message_id, std::optional<bool> is_new,
                                           vpb::Folder folder, std::optional<bool> urgent);
  // Only from DELETED (FAILED_PRECONDITION otherwise). Returns the blob id.
  absl::StatusOr<std::string> DeleteMessage(const std::string& message_id);
  // C5 "mark all read": every new INBOX message (of `type`, on `line_id`)
  // becomes heard; one mailbox.changed in the same transaction.
  absl::StatusOr<int> MarkAllRead(const std::string& mailbox_id, vpb::MessageType type,
                                  const std::string& line_id);
  // Publishes mailbox.accessed (via PHONE or PORTAL) unless one was already
  // published for this mailbox less than `min_interval` ago (zero: always).
  // Returns whether it was published.
  absl::StatusOr<bool> RecordAccess(const std::string& mailbox_id, const std::string& via,
                                    absl::Duration min_interval);
  absl::StatusOr<int> MoveAllToDeleted(const std::string& mailbox_id, vpb::MessageType type,
                                       const std::string& line_id);
  // Permanently removes DELETED messages (or, with all_folders, every one);
  // returns their blob ids.
  absl::StatusOr<std::vector<std::string>> Purge(const std::string& mailbox_id, vpb::MessageType type,
                                                 const std::string& line_id, bool all_folders);

  // Greetings. Put returns the blob id it replaced ("" if none).
  absl::StatusOr<std::string> PutGreeting(const std::string& mailbox_id, vpb::GreetingSlot slot,
                                          const std::string& blob_id, int duration_ms);
  absl::StatusOr<std::string> GreetingBlob(const std::string& mailbox_id, vpb::GreetingSlot slot);
  absl::StatusOr<std::string> DeleteGreeting(const std::string& mailbox_id, vpb::GreetingSlot slot);
  absl::StatusOr<std::vector<vpb::GreetingInfo>> ListGreetings(const std::string& mailbox_id);

 private:
  absl::StatusOr<MailboxRow> ReadMailbox(const char* where, const std::string& arg);
  // Runs `update` ("UPDATE messages SET … WHERE mailbox_id::text = $1 AND …")
  // narrowed to `type` / `line_id`, and writes one mailbox.changed with it.
  absl::StatusOr<int> UpdateMessages(const std::string& mailbox_id, const std::string& update,
                                     vpb::MessageType type, const std::string& line_id);

  pg::Pool* pool_;
};

}  // namespace sb::voicemail
