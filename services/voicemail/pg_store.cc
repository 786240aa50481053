#include "services/voicemail/pg_store.h"

#include <google/protobuf/util/json_util.h>

#include "absl/strings/str_cat.h"
#include "switchboard/events/v1/events.pb.h"

namespace sb::voicemail {
namespace {

// MessageDeposited.reason (events.proto): the deposit reason's name, except
// where the event's vocabulary differs.
std::string EventReason(vpb::DepositReason reason) {
  switch (reason) {
    case vpb::UNAVAILABLE:
      return "DND";
    case vpb::FAX_RECEIVED:
      return "FAX";
    case vpb::DEPOSIT_REASON_UNSPECIFIED:
      return "DIRECT";
    default:
      return vpb::DepositReason_Name(reason);
  }
}

namespace epb = ::switchboard::events::v1;

constexpr int kNearlyFullPercent = 90;

std::string Str(const pqxx::field& f) { return f.is_null() ? std::string() : f.as<std::string>(); }

google::protobuf::Timestamp Ts(const pqxx::field& f) {
  google::protobuf::Timestamp ts;
  if (f.is_null()) return ts;
  const int64_t micros = f.as<int64_t>();
  ts.set_seconds(micros / 1000000);
  ts.set_nanos(static_cast<int32_t>((micros % 1000000) * 1000));
  return ts;
}

std::string Micros(absl::string_view column) {
  return absl::StrCat("(extract(epoch from ", column, ")*1000000)::bigint");
}

std::string ToJson(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions opts;
  opts.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, opts);
  return out;
}

vpb::MessageSettings SettingsFromJson(const std::string& json) {
  vpb::MessageSettings s;
  google::protobuf::util::JsonParseOptions opts;
  opts.ignore_unknown_fields = true;  // a newer binary's fields during a rolling deploy
  (void)google::protobuf::util::JsonStringToMessage(json, &s, opts);
  return s;
}

const std::string kMessageCols =
    absl::StrCat("m.id::text, m.mailbox_id::text, m.line_id, m.type, m.from_number, m.from_name, ",
                 Micros("m.received_at"),
                 ", m.duration_ms, m.pages, m.is_new, m.urgent, m.private, m.folder, m.reason, "
                 "m.content_type, m.size_bytes, ",
                 Micros("m.deleted_at"),
                 ", COALESCE(m.forwarded_from::text, ''), COALESCE(m.reply_to::text, ''), m.blob_id::text, ",
                 "b.tenant_id, b.user_id");

MessageRow MessageFrom(const pqxx::row& r) {
  MessageRow row;
  vpb::Message& m = row.message;
  m.set_id(r[0].as<std::string>());
  m.set_mailbox_id(r[1].as<std::string>());
  m.set_line_id(Str(r[2]));
  m.set_type(static_cast<vpb::MessageType>(r[3].as<int>()));
  m.set_from(Str(r[4]));
  m.set_from_name(Str(r[5]));
  *m.mutable_received_at() = Ts(r[6]);
  m.set_duration_ms(r[7].as<int>());
  m.set_pages(r[8].as<int>());
  m.set_new_(r[9].as<bool>());
  m.set_urgent(r[10].as<bool>());
  m.set_private_(r[11].as<bool>());
  m.set_folder(static_cast<vpb::Folder>(r[12].as<int>()));
  m.set_reason(static_cast<vpb::DepositReason>(r[13].as<int>()));
  m.set_content_type(Str(r[14]));
  m.set_size_bytes(r[15].as<int64_t>());
  if (!r[16].is_null()) *m.mutable_deleted_at() = Ts(r[16]);
  m.set_forwarded_from_message_id(Str(r[17]));
  m.set_reply_to_message_id(Str(r[18]));
  row.blob_id = r[19].as<std::string>();
  row.tenant_id = Str(r[20]);
  row.user_id = Str(r[21]);
  return row;
}

absl::StatusOr<MailboxRow> LoadMailbox(pqxx::work& w, const std::string& where, const std::string& key) {
  auto r = w.exec_params(absl::StrCat("SELECT id::text, tenant_id, user_id, sip_domain, settings::text, ",
                                      Micros("created_at"), " FROM mailboxes WHERE ", where),
                         key);
  if (r.empty()) return absl::NotFoundError("mailbox not found");
  MailboxRow row;
  vpb::Mailbox& mb = row.mailbox;
  mb.set_id(r[0][0].as<std::string>());
  mb.set_tenant_id(Str(r[0][1]));
  mb.set_user_id(Str(r[0][2]));
  row.sip_domain = Str(r[0][3]);
  row.settings = WithDefaults(SettingsFromJson(Str(r[0][4])));
  row.settings.set_mailbox_id(mb.id());
  row.settings.set_user_id(mb.user_id());
  *mb.mutable_created_at() = Ts(r[0][5]);
  auto lines = w.exec_params(
      "SELECT line_id, number, number_e164, extension FROM mailbox_lines WHERE mailbox_id = $1::uuid "
      "ORDER BY position, line_id",
      mb.id());
  for (const auto& l : lines) {
    auto* ml = mb.add_lines();
    ml->set_line_id(l[0].as<std::string>());
    ml->set_number(Str(l[1]));
    ml->set_number_e164(Str(l[2]));
    ml->set_extension(Str(l[3]));
  }
  auto counts = w.exec_params(
      "SELECT count(*) FILTER (WHERE folder = 1 AND is_new), count(*) FILTER (WHERE folder = 1), "
      "count(*) FILTER (WHERE folder = 2) FROM messages WHERE mailbox_id = $1::uuid",
      mb.id());
  mb.set_inbox_new(counts[0][0].as<int>());
  mb.set_inbox_total(counts[0][1].as<int>());
  mb.set_deleted_total(counts[0][2].as<int>());
  mb.set_max_messages(row.settings.max_messages());
  mb.set_full(mb.inbox_total() >= mb.max_messages());
  mb.set_nearly_full(mb.inbox_total() * 100 >= mb.max_messages() * kNearlyFullPercent);
  return row;
}

void WriteEvent(pqxx::work& w, const std::string& type, const std::string& tenant_id,
                const google::protobuf::Message& payload) {
  w.exec_params(
      "INSERT INTO outbox (topic, event_id, type, tenant_id, payload) "
      "VALUES ('mailbox', replace(gen_random_uuid()::text, '-', ''), $1, $2, $3)",
      type, tenant_id, pqxx::binarystring(payload.SerializeAsString()));
}

// mailbox.changed with the INBOX counts as they are now, in this transaction.
void WriteMailboxChanged(pqxx::work& w, const std::string& mailbox_id) {
  auto mb = w.exec_params(
      "SELECT tenant_id, user_id, sip_domain, settings->>'mwi_mode' FROM mailboxes "
      "WHERE id = $1::uuid",
      mailbox_id);
  if (mb.empty()) return;
  epb::MailboxChanged e;
  e.set_tenant_id(Str(mb[0][0]));
  e.set_user_id(Str(mb[0][1]));
  e.set_mailbox_id(mailbox_id);
  const std::string mwi = Str(mb[0][3]);
  e.set_mwi_mode(mwi.empty() || mwi == "MWI_MODE_UNSPECIFIED" ? "ALL_VOICEMAIL"
                 : mwi == "ALL_MESSAGES"                      ? "ALL"
                                                              : mwi);
  auto lines = w.exec_params(
      "SELECT line_id, number FROM mailbox_lines WHERE mailbox_id = $1::uuid ORDER BY position, line_id",
      mailbox_id);
  for (const auto& l : lines) e.add_line_ids(l[0].as<std::string>());
  if (!lines.empty()) e.set_mailbox_address(absl::StrCat("sip:", Str(lines[0][1]), "@", Str(mb[0][2])));
  auto c = w.exec_params(
      "SELECT "
      "count(*) FILTER (WHERE type = 1 AND is_new), count(*) FILTER (WHERE type = 1 AND NOT is_new), "
      "count(*) FILTER (WHERE type = 1 AND is_new AND urgent), count(*) FILTER (WHERE type = 1 AND NOT "
      "is_new AND urgent), "
      "count(*) FILTER (WHERE type = 2 AND is_new), count(*) FILTER (WHERE type = 2 AND NOT is_new) "
      "FROM messages WHERE mailbox_id = $1::uuid AND folder = 1",
      mailbox_id);
  e.set_voice_new(c[0][0].as<int>());
  e.set_voice_old(c[0][1].as<int>());
  e.set_voice_urgent_new(c[0][2].as<int>());
  e.set_voice_urgent_old(c[0][3].as<int>());
  e.set_fax_new(c[0][4].as<int>());
  e.set_fax_old(c[0][5].as<int>());
  WriteEvent(w, "mailbox.changed", e.tenant_id(), e);
}

std::string TypeClause(vpb::MessageType type, const std::string& line_id, int* next_param) {
  std::string out;
  if (type != vpb::MESSAGE_TYPE_UNSPECIFIED) absl::StrAppend(&out, " AND type = ", static_cast<int>(type));
  if (!line_id.empty()) absl::StrAppend(&out, " AND line_id = $", (*next_param)++);
  return out;
}

}  // namespace

vpb::MessageSettings WithDefaults(vpb::MessageSettings s) {
  if (s.max_message_seconds() <= 0) s.set_max_message_seconds(180);
  if (s.max_messages() <= 0) s.set_max_messages(100);
  if (s.greeting() == vpb::GREETING_KIND_UNSPECIFIED) s.set_greeting(vpb::SYSTEM);
  if (s.mwi_mode() == vpb::MWI_MODE_UNSPECIFIED) s.set_mwi_mode(vpb::ALL_VOICEMAIL);
  if (s.playback() == vpb::PLAYBACK_MODE_UNSPECIFIED) s.set_playback(vpb::DETAILS_AND_MESSAGE);
  return s;
}

absl::StatusOr<MailboxRow> PgStore::EnsureMailbox(const std::string& tenant_id, const std::string& user_id,
                                                  const vpb::MailboxLine& line,
                                                  const std::string& sip_domain) {
  return pool_->TransactValue([&](pqxx::work& w) -> absl::StatusOr<MailboxRow> {
    std::string id;
    if (!user_id.empty()) {
      w.exec_params(
          "INSERT INTO mailboxes (tenant_id, user_id, sip_domain) VALUES ($1, $2, $3) "
          "ON CONFLICT (user_id) WHERE user_id <> '' DO NOTHING",
          tenant_id, user_id, sip_domain);
      id =
          w.exec_params("SELECT id::text FROM mailboxes WHERE user_id = $1", user_id)[0][0].as<std::string>();
    } else {
      auto r = w.exec_params("SELECT mailbox_id::text FROM mailbox_lines WHERE line_id = $1", line.line_id());
      if (!r.empty()) {
        id = r[0][0].as<std::string>();
      } else {
        id = w.exec_params("INSERT INTO mailboxes (tenant_id, sip_domain) VALUES ($1, $2) RETURNING id::text",
                           tenant_id, sip_domain)[0][0]
                 .as<std::string>();
      }
    }
    if (!sip_domain.empty()) {
      w.exec_params("UPDATE mailboxes SET sip_domain = $2 WHERE id = $1::uuid AND sip_domain = ''", id,
                    sip_domain);
    }
    if (!line.line_id().empty()) {
      w.exec_params(
          "INSERT INTO mailbox_lines (line_id, mailbox_id, number, number_e164, extension, position) "
          "VALUES ($1, $2::uuid, $3, $4, $5, (SELECT count(*) FROM mailbox_lines WHERE mailbox_id = "
          "$2::uuid)) "
          "ON CONFLICT (line_id) DO UPDATE SET mailbox_id = EXCLUDED.mailbox_id, number = EXCLUDED.number, "
          "number_e164 = EXCLUDED.number_e164, extension = EXCLUDED.extension",
          line.line_id(), id, line.number(), line.number_e164(), line.extension());
    }
    return LoadMailbox(w, "id = $1::uuid", id);
  });
}

// One mailbox by `where` (a condition on mailboxes with $1 = `arg`).
absl::StatusOr<MailboxRow> PgStore::ReadMailbox(const char* where, const std::string& arg) {
  return pool_->ReadValue(
      [&](pqxx::work& w) -> absl::StatusOr<MailboxRow> { return LoadMailbox(w, where, arg); });
}

absl::StatusOr<MailboxRow> PgStore::GetMailbox(const std::string& mailbox_id) {
  return ReadMailbox("id::text = $1", mailbox_id);
}

absl::StatusOr<MailboxRow> PgStore::FindByUser(const std::string& user_id) {
  if (user_id.empty()) return absl::NotFoundError("mailbox not found");
  return ReadMailbox("user_id = $1", user_id);
}

absl::StatusOr<MailboxRow> PgStore::FindByLine(const std::string& line_id) {
  return ReadMailbox("id = (SELECT mailbox_id FROM mailbox_lines WHERE line_id = $1)", line_id);
}

absl::StatusOr<std::vector<MailboxRow>> PgStore::ListByTenant(const std::string& tenant_id, int limit,
                                                              int offset) {
  return pool_->ReadValue([&](pqxx::work& w) -> absl::StatusOr<std::vector<MailboxRow>> {
    std::vector<MailboxRow> out;
    auto ids = w.exec_params(
        "SELECT id::text FROM mailboxes WHERE tenant_id = $1 ORDER BY created_at, id LIMIT $2 OFFSET $3",
        tenant_id, limit, offset);
    for (const auto& r : ids) {
      auto row = LoadMailbox(w, "id::text = $1", r[0].as<std::string>());
      if (row.ok()) out.push_back(*row);
    }
    return out;
  });
}

absl::Status PgStore::SaveSettings(const std::string& mailbox_id, const vpb::MessageSettings& settings) {
  vpb::MessageSettings stored = settings;
  // Output-only fields are not stored.
  stored.clear_user_id();
  stored.clear_mailbox_id();
  stored.clear_greetings();
  stored.clear_temporary_greeting_active();
  return pool_->Transact([&](pqxx::work& w) -> absl::Status {
    auto r = w.exec_params("UPDATE mailboxes SET settings = $2::jsonb WHERE id::text = $1", mailbox_id,
                           ToJson(stored));
    if (r.affected_rows() == 0) return absl::NotFoundError("mailbox not found");
    // The MWI choice may have changed: the lamp must follow.
    WriteMailboxChanged(w, mailbox_id);
    return absl::OkStatus();
  });
}

absl::StatusOr<MessageRow> PgStore::InsertMessage(const std::string& mailbox_id, vpb::Message m,
                                                  const std::string& blob_id, NewMessageEvent event,
                                                  const std::string& language, bool enforce_quota) {
  return pool_->TransactValue([&](pqxx::work& w) -> absl::StatusOr<MessageRow> {
    MessageRow out;
    auto mb = w.exec_params(
        "SELECT settings::text, tenant_id, user_id FROM mailboxes WHERE id::text = $1 FOR UPDATE",
        mailbox_id);
    if (mb.empty()) return absl::NotFoundError("mailbox not found");
    const vpb::MessageSettings settings = WithDefaults(SettingsFromJson(Str(mb[0][0])));
    if (enforce_quota) {
      auto n = w.exec_params("SELECT count(*) FROM messages WHERE mailbox_id::text = $1 AND folder = 1",
                             mailbox_id);
      if (n[0][0].as<int>() >= settings.max_messages()) {
        return absl::ResourceExhaustedError(absl::StrCat("mailbox is full (", settings.max_messages(),
                                                         " messages, the max_messages setting)"));
      }
    }
    std::optional<std::string> fwd, reply;
    if (!m.forwarded_from_message_id().empty()) fwd = m.forwarded_from_message_id();
    if (!m.reply_to_message_id().empty()) reply = m.reply_to_message_id();
    auto r = w.exec_params(
        "INSERT INTO messages (mailbox_id, line_id, type, from_number, from_name, duration_ms, pages, "
        "urgent, "
        "private, reason, content_type, size_bytes, blob_id, forwarded_from, reply_to) "
        "VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::uuid, $14::uuid, $15::uuid) "
        "RETURNING id::text",
        mailbox_id, m.line_id(), static_cast<int>(m.type()), m.from(), m.from_name(), m.duration_ms(),
        m.pages(), m.urgent(), m.private_(), static_cast<int>(m.reason()), m.content_type(), m.size_bytes(),
        blob_id, fwd, reply);
    const std::string id = r[0][0].as<std::string>();
    auto row = w.exec_params(
        absl::StrCat("SELECT ", kMessageCols,
                     " FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id WHERE m.id = $1::uuid"),
        id);
    out = MessageFrom(row[0]);
    epb::MessageDeposited e;
    e.set_tenant_id(out.tenant_id);
    e.set_user_id(out.user_id);
    e.set_mailbox_id(mailbox_id);
    e.set_message_id(id);
    e.set_type(vpb::MessageType_Name(out.message.type()));
    e.set_from(out.message.from());
    e.set_from_name(out.message.from_name());
    *e.mutable_received_at() = out.message.received_at();
    e.set_duration_ms(out.message.duration_ms());
    e.set_pages(out.message.pages());
    e.set_urgent(out.message.urgent());
    e.set_private_(out.message.private_());
    e.set_language(language);
    e.set_reason(EventReason(out.message.reason()));
    WriteEvent(w,
               event == NewMessageEvent::kComposed ? "mailbox.message_composed" : "mailbox.message_deposited",
               out.tenant_id, e);
    WriteMailboxChanged(w, mailbox_id);
    return out;
  });
}

absl::StatusOr<MessageRow> PgStore::GetMessage(const std::string& message_id) {
  return pool_->QueryValue([&](pqxx::nontransaction& w) -> absl::StatusOr<MessageRow> {
    auto r = w.exec_params(
        absl::StrCat("SELECT ", kMessageCols,
                     " FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id WHERE m.id::text = $1"),
        message_id);
    if (r.empty()) return absl::NotFoundError(absl::StrCat("message ", message_id, " not found"));
    return MessageFrom(r[0]);
  });
}

absl::StatusOr<std::vector<vpb::Message>> PgStore::ListMessages(const std::string& mailbox_id,
                                                                const MessageFilter& f) {
  return pool_->QueryValue([&](pqxx::nontransaction& w) -> absl::StatusOr<std::vector<vpb::Message>> {
    std::vector<vpb::Message> out;
    int next = 2;
    std::string sql =
        absl::StrCat("SELECT ", kMessageCols,
                     " FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id "
                     "WHERE m.mailbox_id::text = $1 AND m.folder = ",
                     static_cast<int>(f.folder == vpb::FOLDER_UNSPECIFIED ? vpb::INBOX : f.folder));
    if (f.type != vpb::MESSAGE_TYPE_UNSPECIFIED)
      absl::StrAppend(&sql, " AND m.type = ", static_cast<int>(f.type));
    if (f.only_new) absl::StrAppend(&sql, " AND m.is_new");
    if (!f.line_id.empty()) absl::StrAppend(&sql, " AND m.line_id = $", next++);
    absl::StrAppend(&sql, " ORDER BY m.received_at DESC, m.id DESC LIMIT ", f.limit, " OFFSET ", f.offset);
    pqxx::result r =
        f.line_id.empty() ? w.exec_params(sql, mailbox_id) : w.exec_params(sql, mailbox_id, f.line_id);
    for (const auto& row : r) out.push_back(MessageFrom(row).message);
    return out;
  });
}

absl::StatusOr<MessageRow> PgStore::UpdateMessage(const std::string& message_id, std::optional<bool> is_new,
                                                  vpb::Folder folder, std::optional<bool> urgent) {
  return pool_->TransactValue([&](pqxx::work& w) -> absl::StatusOr<MessageRow> {
    auto cur =
        w.exec_params("SELECT mailbox_id::text FROM messages WHERE id::text = $1 FOR UPDATE", message_id);
    if (cur.empty()) return absl::NotFoundError(absl::StrCat("message ", message_id, " not found"));
    const std::string mailbox_id = cur[0][0].as<std::string>();
    if (is_new) w.exec_params("UPDATE messages SET is_new = $2 WHERE id::text = $1", message_id, *is_new);
    if (urgent) w.exec_params("UPDATE messages SET urgent = $2 WHERE id::text = $1", message_id, *urgent);
    if (folder == vpb::DELETED) {
      w.exec_params("UPDATE messages SET folder = 2, deleted_at = now() WHERE id::text = $1 AND folder <> 2",
                    message_id);
    } else if (folder == vpb::INBOX) {
      w.exec_params("UPDATE messages SET folder = 1, deleted_at = NULL WHERE id::text = $1", message_id);
    }
    auto row = w.exec_params(
        absl::StrCat("SELECT ", kMessageCols,
                     " FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id WHERE m.id::text = $1"),
        message_id);
    WriteMailboxChanged(w, mailbox_id);
    return MessageFrom(row[0]);
  });
}

absl::StatusOr<std::string> PgStore::DeleteMessage(const std::string& message_id) {
  return pool_->TransactValue([&](pqxx::work& w) -> absl::StatusOr<std::string> {
    auto cur = w.exec_params(
        "SELECT mailbox_id::text, folder, blob_id::text FROM messages WHERE id::text = $1 FOR UPDATE",
        message_id);
    if (cur.empty()) return absl::NotFoundError(absl::StrCat("message ", message_id, " not found"));
    if (cur[0][1].as<int>() != vpb::DELETED) {
      return absl::FailedPreconditionError(
          "only a message in the DELETED folder can be deleted permanently: delete it first (folder "
          "DELETED)");
    }
    std::string blob = cur[0][2].as<std::string>();
    w.exec_params("DELETE FROM messages WHERE id::text = $1", message_id);
    WriteMailboxChanged(w, cur[0][0].as<std::string>());
    return blob;
  });
}

absl::StatusOr<int> PgStore::UpdateMessages(const std::string& mailbox_id, const std::string& update,
                                            vpb::MessageType type, const std::string& line_id) {
  return pool_->TransactValue([&](pqxx::work& w) -> absl::StatusOr<int> {
    int next = 2;
    const std::string sql = absl::StrCat(update, TypeClause(type, line_id, &next));
    pqxx::result r =
        line_id.empty() ? w.exec_params(sql, mailbox_id) : w.exec_params(sql, mailbox_id, line_id);
    const int n = static_cast<int>(r.affected_rows());
    WriteMailboxChanged(w, mailbox_id);
    return n;
  });
}

absl::StatusOr<int> PgStore::MarkAllRead(const std::string& mailbox_id, vpb::MessageType type,
                                         const std::string& line_id) {
  return UpdateMessages(mailbox_id,
                        "UPDATE messages SET is_new = false WHERE mailbox_id::text = $1 AND folder = 1 AND is_new",
                        type, line_id);
}

absl::StatusOr<bool> PgStore::RecordAccess(const std::string& mailbox_id, const std::string& via,
                                           absl::Duration min_interval) {
  return pool_->TransactValue([&](pqxx::work& w) -> absl::StatusOr<bool> {
    // Check and set in one statement: two replicas listing at once publish once.
    auto r = w.exec_params(
        "UPDATE mailboxes SET accessed_event_at = now() WHERE id::text = $1 AND (accessed_event_at IS NULL "
        "OR accessed_event_at <= now() - make_interval(secs => $2)) "
        "RETURNING tenant_id, user_id, " +
            Micros("accessed_event_at"),
        mailbox_id, absl::ToDoubleSeconds(min_interval));
    if (r.empty()) return false;
    epb::MailboxAccessed e;
    e.set_tenant_id(Str(r[0][0]));
    e.set_user_id(Str(r[0][1]));
    e.set_mailbox_id(mailbox_id);
    e.set_via(via);
    *e.mutable_accessed_at() = Ts(r[0][2]);
    WriteEvent(w, "mailbox.accessed", e.tenant_id(), e);
    return true;
  });
}

absl::StatusOr<int> PgStore::MoveAllToDeleted(const std::string& mailbox_id, vpb::MessageType type,
                                              const std::string& line_id) {
  return UpdateMessages(mailbox_id,
                        "UPDATE messages SET folder = 2, deleted_at = now() WHERE mailbox_id::text = $1 AND folder = 1",
                        type, line_id);
}

absl::StatusOr<std::vector<std::string>> PgStore::Purge(const std::string& mailbox_id, vpb::MessageType type,
                                                        const std::string& line_id, bool all_folders) {
  return pool_->TransactValue([&](pqxx::work& w) -> absl::StatusOr<std::vector<std::string>> {
    std::vector<std::string> blobs;
    int next = 2;
    std::string sql =
        absl::StrCat("DELETE FROM messages WHERE mailbox_id::text = $1", all_folders ? "" : " AND folder = 2",
                     TypeClause(type, line_id, &next), " RETURNING blob_id::text");
    pqxx::result r =
        line_id.empty() ? w.exec_params(sql, mailbox_id) : w.exec_params(sql, mailbox_id, line_id);
    for (const auto& row : r) blobs.push_back(row[0].as<std::string>());
    WriteMailboxChanged(w, mailbox_id);
    return blobs;
  });
}

absl::StatusOr<std::string> PgStore::PutGreeting(const std::string& mailbox_id, vpb::GreetingSlot slot,
                                                 const std::string& blob_id, int duration_ms) {
  return pool_->TransactValue([&](pqxx::work& w) -> absl::StatusOr<std::string> {
    auto r = w.exec_params(
        "SELECT blob_id::text FROM greetings WHERE mailbox_id::text = $1 AND slot = $2 FOR UPDATE",
        mailbox_id, static_cast<int>(slot));
    std::string old = r.empty() ? "" : r[0][0].as<std::string>();
    w.exec_params(
        "INSERT INTO greetings (mailbox_id, slot, blob_id, duration_ms) VALUES ($1::uuid, $2, $3::uuid, $4) "
        "ON CONFLICT (mailbox_id, slot) DO UPDATE SET blob_id = EXCLUDED.blob_id, duration_ms = "
        "EXCLUDED.duration_ms, "
        "updated_at = now()",
        mailbox_id, static_cast<int>(slot), blob_id, duration_ms);
    return old;
  });
}

absl::StatusOr<std::string> PgStore::GreetingBlob(const std::string& mailbox_id, vpb::GreetingSlot slot) {
  return pool_->QueryValue([&](pqxx::nontransaction& w) -> absl::StatusOr<std::string> {
    auto r = w.exec_params("SELECT blob_id::text FROM greetings WHERE mailbox_id::text = $1 AND slot = $2",
                           mailbox_id, static_cast<int>(slot));
    if (r.empty())
      return absl::NotFoundError(absl::StrCat("no ", vpb::GreetingSlot_Name(slot), " greeting recorded"));
    return r[0][0].as<std::string>();
  });
}

absl::StatusOr<std::string> PgStore::DeleteGreeting(const std::string& mailbox_id, vpb::GreetingSlot slot) {
  return pool_->TransactValue([&](pqxx::work& w) -> absl::StatusOr<std::string> {
    auto r = w.exec_params(
        "DELETE FROM greetings WHERE mailbox_id::text = $1 AND slot = $2 RETURNING blob_id::text", mailbox_id,
        static_cast<int>(slot));
    if (r.empty())
      return absl::NotFoundError(absl::StrCat("no ", vpb::GreetingSlot_Name(slot), " greeting recorded"));
    return r[0][0].as<std::string>();
  });
}

absl::StatusOr<std::vector<vpb::GreetingInfo>> PgStore::ListGreetings(const std::string& mailbox_id) {
  return pool_->QueryValue([&](pqxx::nontransaction& w) -> absl::StatusOr<std::vector<vpb::GreetingInfo>> {
    std::vector<vpb::GreetingInfo> out;
    auto r = w.exec_params(absl::StrCat("SELECT slot, duration_ms, ", Micros("updated_at"),
                                        " FROM greetings WHERE mailbox_id::text = $1 ORDER BY slot"),
                           mailbox_id);
    for (const auto& row : r) {
      vpb::GreetingInfo g;
      g.set_slot(static_cast<vpb::GreetingSlot>(row[0].as<int>()));
      g.set_duration_ms(row[1].as<int>());
      *g.mutable_updated_at() = Ts(row[2]);
      out.push_back(g);
    }
    return out;
  });
}

}  // namespace sb::voicemail
