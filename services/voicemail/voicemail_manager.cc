#include "services/voicemail/voicemail_manager.h"

#include <google/protobuf/util/field_mask_util.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/logging.h"
#include "core/status.h"
#include "media/audio.h"
#include "media/resampler.h"
#include "media/wav.h"

namespace sb::voicemail {
namespace {

using core::InvalidField;

constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 200;

int PageSize(int requested) {
  if (requested <= 0) return kDefaultPageSize;
  return std::min(requested, kMaxPageSize);
}

absl::StatusOr<int> Offset(const std::string& token) {
  if (token.empty()) return 0;
  int offset = 0;
  if (!absl::SimpleAtoi(token, &offset) || offset < 0)
    return InvalidField("page_token", "page_token is not valid");
  return offset;
}

bool PlausibleEmail(const std::string& e) {
  const size_t at = e.find('@');
  return at != std::string::npos && at > 0 && at + 1 < e.size() && e.find(' ') == std::string::npos &&
         e.find('.', at) != std::string::npos;
}

bool DialString(const std::string& s) {
  if (s.empty()) return true;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)) && c != '+' && c != '*' && c != '#') return false;
  }
  return s.size() <= 32;
}

absl::Status ValidateSettings(const vpb::MessageSettings& s) {
  if (s.max_message_seconds() != 0 && (s.max_message_seconds() < 10 || s.max_message_seconds() > 600)) {
    return InvalidField("max_message_s", "max_message_s must be between 10 and 600 seconds");
  }
  if (s.max_messages() != 0 && (s.max_messages() < 1 || s.max_messages() > 1000)) {
    return InvalidField("max_messages", "max_messages must be between 1 and 1000");
  }
  if (!s.language().empty() && s.language() != "fr" && s.language() != "en") {
    return InvalidField("language", "language must be \"fr\" or \"en\"");
  }
  for (int i = 0; i < s.forward_to_email().addresses_size(); ++i) {
    const auto& a = s.forward_to_email().addresses(i);
    const std::string field = absl::StrCat("forward_to_email.addresses[", i, "].email");
    if (!PlausibleEmail(a.email()))
      return InvalidField(field, absl::StrCat(field, " is not an e-mail address"));
    if (!a.voice() && !a.fax()) {
      return InvalidField(absl::StrCat("forward_to_email.addresses[", i, "]"),
                          "an address must receive voice messages, faxes or both");
    }
  }
  if (s.forward_to_email().addresses_size() > 10) {
    return InvalidField("forward_to_email.addresses", "at most 10 addresses");
  }
  if (s.forward_to_email().enabled() && s.forward_to_email().addresses_size() == 0) {
    return InvalidField("forward_to_email.addresses", "forward_to_email is enabled but has no address");
  }
  if (s.do_not_store() && !s.forward_to_email().enabled()) {
    return InvalidField("do_not_store", "do_not_store needs forward_to_email: messages would be lost");
  }
  if (!DialString(s.key0_destination())) {
    return InvalidField("key0_destination", "key0_destination must be a number (digits, +, *, #)");
  }
  if (!DialString(s.key_star_destination())) {
    return InvalidField("key_star_destination", "key_star_destination must be a number (digits, +, *, #)");
  }
  return absl::OkStatus();
}

std::string Filename(const vpb::Message& m) {
  const absl::Time t = absl::FromUnixSeconds(m.received_at().seconds());
  return absl::StrCat(m.type() == vpb::FAX ? "fax-" : "message-",
                      absl::FormatTime("%Y%m%d-%H%M%S", t, absl::UTCTimeZone()),
                      m.type() == vpb::FAX ? ".pdf" : ".wav");
}

// Decoded 8 kHz samples of a WAV the UA can play (8 or 16 kHz, PCM or G.711).
absl::StatusOr<std::vector<int16_t>> Samples8k(std::span<const uint8_t> wav) {
  auto audio = media::ReadWav(wav);
  if (!audio.ok()) return audio.status();
  if (audio->sample_rate == 16000) return media::Resampler16kTo8k::Convert(audio->samples);
  return std::move(audio->samples);
}

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

bool CanReach(const core::Principal& p, const MailboxRow& mb) {
  if (p.IsPlatformWide()) return true;
  if (p.role == core::PrincipalRole::kAdmin) return p.tenant_id == mb.mailbox.tenant_id();
  return !mb.mailbox.user_id().empty() && p.user_id == mb.mailbox.user_id();
}

absl::StatusOr<MailboxRow> VoicemailManager::EnsureForLine(const std::string& tenant_id,
                                                           const std::string& user_id,
                                                           const std::string& line_id) {
  SB_ASSIGN_OR_RETURN(ppb::Line line, profiles_->GetLine(line_id));
  std::string domain;
  if (auto t = profiles_->GetTenant(line.tenant_id()); t.ok()) domain = t->sip_domain();
  vpb::MailboxLine ml;
  ml.set_line_id(line.id());
  ml.set_number(line.number());
  ml.set_number_e164(line.number_e164());
  ml.set_extension(line.extension());
  (void)tenant_id;
  (void)user_id;
  return store_->EnsureMailbox(line.tenant_id(), line.user_id(), ml, domain);
}

absl::StatusOr<MailboxRow> VoicemailManager::MailboxForUser(const std::string& user_id) {
  auto found = store_->FindByUser(user_id);
  if (found.ok() || found.status().code() != absl::StatusCode::kNotFound) return found;
  // Not there yet: create it from what profiles knows.
  auto user = profiles_->GetUser(user_id);
  if (!user.ok()) {
    if (user.status().code() == absl::StatusCode::kNotFound) return absl::NotFoundError("user not found");
    return user.status();
  }
  std::string domain;
  if (auto t = profiles_->GetTenant(user->tenant_id()); t.ok()) domain = t->sip_domain();
  absl::StatusOr<MailboxRow> out = absl::NotFoundError("user has no line");
  for (const auto& line : user->lines()) {
    vpb::MailboxLine ml;
    ml.set_line_id(line.id());
    ml.set_number(line.number());
    ml.set_number_e164(line.number_e164());
    ml.set_extension(line.extension());
    out = store_->EnsureMailbox(user->tenant_id(), user_id, ml, domain);
    if (!out.ok()) return out;
  }
  if (user->lines().empty()) out = store_->EnsureMailbox(user->tenant_id(), user_id, {}, domain);
  return out;
}

absl::StatusOr<MailboxRow> VoicemailManager::MailboxForLine(const std::string& line_id) {
  auto found = store_->FindByLine(line_id);
  if (found.ok() || found.status().code() != absl::StatusCode::kNotFound) return found;
  return EnsureForLine("", "", line_id);
}

std::string VoicemailManager::LanguageOf(const MailboxRow& mb) {
  if (!mb.settings.language().empty()) return mb.settings.language();
  if (!mb.mailbox.user_id().empty()) {
    if (auto u = profiles_->GetUser(mb.mailbox.user_id()); u.ok() && !u->language().empty())
      return u->language();
  }
  return "fr";
}

absl::StatusOr<MailboxRow> VoicemailManager::Reachable(const core::Principal& p, const std::string& user_id) {
  if (user_id.empty()) return InvalidField("user_id", "user_id is required");
  // A user asking for someone else's mailbox learns nothing, not even that it exists.
  if (p.role == core::PrincipalRole::kUser && p.user_id != user_id)
    return absl::NotFoundError("user not found");
  auto mb = MailboxForUser(user_id);
  if (!mb.ok()) return mb.status();
  if (!CanReach(p, *mb)) return absl::NotFoundError("user not found");
  return mb;
}

absl::StatusOr<MessageRow> VoicemailManager::ReachableMessage(const core::Principal& p,
                                                              const std::string& message_id) {
  if (message_id.empty()) return InvalidField("message_id", "message_id is required");
  auto m = store_->GetMessage(message_id);
  if (!m.ok()) {
    if (m.status().code() == absl::StatusCode::kInvalidArgument)
      return absl::NotFoundError("message not found");
    return m.status();
  }
  MailboxRow owner;
  owner.mailbox.set_tenant_id(m->tenant_id);
  owner.mailbox.set_user_id(m->user_id);
  if (!CanReach(p, owner)) return absl::NotFoundError("message not found");
  return m;
}

absl::StatusOr<vpb::Mailbox> VoicemailManager::GetMailbox(const core::Principal& p,
                                                          const vpb::GetMailboxRequest& req) {
  absl::StatusOr<MailboxRow> mb = absl::InvalidArgumentError("mailbox_id, user_id or line_id is required");
  if (!req.mailbox_id().empty()) {
    mb = store_->GetMailbox(req.mailbox_id());
  } else if (!req.user_id().empty()) {
    mb = Reachable(p, req.user_id());
  } else if (!req.line_id().empty()) {
    mb = MailboxForLine(req.line_id());
  }
  if (!mb.ok()) return mb.status();
  if (!CanReach(p, *mb)) return absl::NotFoundError("mailbox not found");
  return mb->mailbox;
}

absl::StatusOr<vpb::ListMailboxesResponse> VoicemailManager::ListMailboxes(
    const core::Principal& p, const vpb::ListMailboxesRequest& req) {
  vpb::ListMailboxesResponse out;
  if (!req.user_id().empty()) {
    SB_ASSIGN_OR_RETURN(MailboxRow mb, Reachable(p, req.user_id()));
    *out.add_items() = mb.mailbox;
    return out;
  }
  if (req.tenant_id().empty()) return InvalidField("tenant_id", "tenant_id or user_id is required");
  if (!p.CanManageTenant(req.tenant_id())) return absl::NotFoundError("tenant not found");
  SB_ASSIGN_OR_RETURN(int offset, Offset(req.page_token()));
  const int size = PageSize(req.page_size());
  SB_ASSIGN_OR_RETURN(auto rows, store_->ListByTenant(req.tenant_id(), size + 1, offset));
  for (size_t i = 0; i < rows.size() && static_cast<int>(i) < size; ++i) *out.add_items() = rows[i].mailbox;
  if (static_cast<int>(rows.size()) > size) out.set_next_page_token(std::to_string(offset + size));
  return out;
}

absl::StatusOr<vpb::MessageSettings> VoicemailManager::GetSettings(const core::Principal& p,
                                                                   const std::string& user_id) {
  SB_ASSIGN_OR_RETURN(MailboxRow mb, Reachable(p, user_id));
  vpb::MessageSettings s = mb.settings;
  SB_ASSIGN_OR_RETURN(auto greetings, store_->ListGreetings(mb.mailbox.id()));
  for (const auto& g : greetings) {
    *s.add_greetings() = g;
    if (g.slot() == vpb::SLOT_TEMPORARY) s.set_temporary_greeting_active(true);
  }
  if (s.language().empty()) s.set_language(LanguageOf(mb));
  return s;
}

absl::StatusOr<vpb::MessageSettings> VoicemailManager::UpdateSettings(
    const core::Principal& p, const vpb::UpdateMessageSettingsRequest& req) {
  SB_ASSIGN_OR_RETURN(MailboxRow mb, Reachable(p, req.user_id()));
  vpb::MessageSettings next = mb.settings;
  if (req.update_mask().paths_size() == 0) {
    next = req.settings();
  } else {
    for (const auto& path : req.update_mask().paths()) {
      if (!google::protobuf::util::FieldMaskUtil::GetFieldDescriptors(vpb::MessageSettings::descriptor(),
                                                                      path, nullptr)) {
        return InvalidField(path, absl::StrCat("unknown field \"", path, "\""));
      }
    }
    google::protobuf::util::FieldMaskUtil::MergeOptions opts;
    opts.set_replace_message_fields(true);
    opts.set_replace_repeated_fields(true);
    google::protobuf::util::FieldMaskUtil::MergeMessageTo(req.settings(), req.update_mask(), opts, &next);
  }
  SB_RETURN_IF_ERROR(ValidateSettings(next));
  SB_RETURN_IF_ERROR(store_->SaveSettings(mb.mailbox.id(), WithDefaults(next)));
  return GetSettings(p, req.user_id());
}

absl::StatusOr<vpb::ListMessagesResponse> VoicemailManager::ListMessages(
    const core::Principal& p, const vpb::ListMessagesRequest& req) {
  SB_ASSIGN_OR_RETURN(MailboxRow mb, Reachable(p, req.user_id()));
  SB_ASSIGN_OR_RETURN(int offset, Offset(req.page_token()));
  MessageFilter f;
  f.folder = req.folder() == vpb::FOLDER_UNSPECIFIED ? vpb::INBOX : req.folder();
  f.type = req.type();
  f.line_id = req.line_id();
  f.only_new = req.only_new();
  const int size = PageSize(req.page_size());
  f.limit = size + 1;
  f.offset = offset;
  SB_ASSIGN_OR_RETURN(auto items, store_->ListMessages(mb.mailbox.id(), f));
  // The owner looking at their INBOX has "accessed" the mailbox (F3 stops
  // call-outs then); an admin browsing it has not.
  if (f.folder == vpb::INBOX && !p.user_id.empty() && p.user_id == mb.mailbox.user_id()) {
    auto published = store_->RecordAccess(mb.mailbox.id(), "PORTAL", config_.portal_access_interval);
    if (!published.ok()) {
      core::Logger("voicemail")
          ->warn("mailbox.accessed for mailbox={} not written: {}", mb.mailbox.id(),
                 published.status().message());
    }
  }
  vpb::ListMessagesResponse out;
  for (size_t i = 0; i < items.size() && static_cast<int>(i) < size; ++i) *out.add_items() = items[i];
  if (static_cast<int>(items.size()) > size) out.set_next_page_token(std::to_string(offset + size));
  return out;
}

absl::StatusOr<vpb::Message> VoicemailManager::GetMessage(const core::Principal& p, const std::string& id) {
  SB_ASSIGN_OR_RETURN(MessageRow m, ReachableMessage(p, id));
  return m.message;
}

absl::StatusOr<Content> VoicemailManager::GetMessageContent(const core::Principal& p, const std::string& id) {
  SB_ASSIGN_OR_RETURN(MessageRow m, ReachableMessage(p, id));
  SB_ASSIGN_OR_RETURN(Blob blob, blobs_->Get(m.blob_id));
  return Content{blob.content_type, std::move(blob.data), Filename(m.message)};
}

absl::StatusOr<vpb::Message> VoicemailManager::UpdateMessage(const core::Principal& p,
                                                             const vpb::UpdateMessageRequest& req) {
  SB_RETURN_IF_ERROR(ReachableMessage(p, req.message_id()).status());
  std::optional<bool> is_new, urgent;
  if (req.has_new_()) is_new = req.new_();
  if (req.has_urgent()) urgent = req.urgent();
  SB_ASSIGN_OR_RETURN(MessageRow m, store_->UpdateMessage(req.message_id(), is_new, req.folder(), urgent));
  return m.message;
}

absl::Status VoicemailManager::DeleteMessage(const core::Principal& p, const std::string& id) {
  SB_RETURN_IF_ERROR(ReachableMessage(p, id).status());
  SB_ASSIGN_OR_RETURN(std::string blob, store_->DeleteMessage(id));
  return blobs_->Delete({blob});
}

absl::StatusOr<int> VoicemailManager::DeleteAll(const core::Principal& p,
                                                const vpb::DeleteAllMessagesRequest& req) {
  SB_ASSIGN_OR_RETURN(MailboxRow mb, Reachable(p, req.user_id()));
  return store_->MoveAllToDeleted(mb.mailbox.id(), req.type(), req.line_id());
}

absl::StatusOr<int> VoicemailManager::MarkAllRead(const core::Principal& p,
                                                  const vpb::MarkAllReadRequest& req) {
  SB_ASSIGN_OR_RETURN(MailboxRow mb, Reachable(p, req.user_id()));
  return store_->MarkAllRead(mb.mailbox.id(), req.type(), req.line_id());
}

void VoicemailManager::NotePhoneAccess(const MailboxRow& mb) {
  auto published = store_->RecordAccess(mb.mailbox.id(), "PHONE", absl::ZeroDuration());
  if (!published.ok()) {
    core::Logger("voicemail")
        ->warn("mailbox.accessed for mailbox={} not written: {}", mb.mailbox.id(),
               published.status().message());
  }
}

absl::StatusOr<int> VoicemailManager::Purge(const core::Principal& p, const vpb::PurgeMessagesRequest& req) {
  SB_ASSIGN_OR_RETURN(MailboxRow mb, Reachable(p, req.user_id()));
  SB_ASSIGN_OR_RETURN(auto blobs, store_->Purge(mb.mailbox.id(), req.type(), req.line_id(), false));
  SB_RETURN_IF_ERROR(blobs_->Delete(blobs));
  return static_cast<int>(blobs.size());
}

absl::StatusOr<int> VoicemailManager::EmptyMailbox(const core::Principal& p,
                                                   const vpb::EmptyMailboxRequest& req) {
  SB_ASSIGN_OR_RETURN(MailboxRow mb, Reachable(p, req.user_id()));
  SB_ASSIGN_OR_RETURN(auto blobs, store_->Purge(mb.mailbox.id(), vpb::MESSAGE_TYPE_UNSPECIFIED, "", true));
  const int n = static_cast<int>(blobs.size());
  if (req.include_greetings()) {
    SB_ASSIGN_OR_RETURN(auto greetings, store_->ListGreetings(mb.mailbox.id()));
    for (const auto& g : greetings) {
      if (auto b = store_->DeleteGreeting(mb.mailbox.id(), g.slot()); b.ok()) blobs.push_back(*b);
    }
  }
  SB_RETURN_IF_ERROR(blobs_->Delete(blobs));
  return n;
}

absl::StatusOr<std::vector<vpb::Message>> VoicemailManager::Deliver(
    const std::string& tenant_id, const std::vector<std::string>& numbers, const std::string& field,
    const vpb::Message& templ, const std::string& wav, NewMessageEvent event) {
  if (numbers.empty()) return InvalidField(field, absl::StrCat(field, ": at least one number is required"));
  if (numbers.size() > 50) return InvalidField(field, absl::StrCat(field, ": at most 50 numbers"));
  // Resolve every number first: a typo in the third one must not leave the
  // first two delivered and the sender unsure what happened.
  std::vector<MailboxRow> targets;
  std::vector<std::string> line_ids;
  for (size_t i = 0; i < numbers.size(); ++i) {
    const std::string f = absl::StrCat(field, "[", i, "]");
    auto resolved = profiles_->ResolveLine(tenant_id, numbers[i]);
    if (!resolved.ok()) {
      if (resolved.status().code() == absl::StatusCode::kNotFound ||
          resolved.status().code() == absl::StatusCode::kInvalidArgument) {
        return InvalidField(f, absl::StrCat(f, ": no mailbox has the number \"", numbers[i], "\""));
      }
      return resolved.status();
    }
    SB_ASSIGN_OR_RETURN(MailboxRow mb, MailboxForLine(resolved->line().id()));
    targets.push_back(std::move(mb));
    line_ids.push_back(resolved->line().id());
  }
  std::vector<vpb::Message> out;
  for (size_t i = 0; i < targets.size(); ++i) {
    SB_ASSIGN_OR_RETURN(std::string blob,
                        blobs_->Put(targets[i].mailbox.tenant_id(), "audio/wav", Bytes(wav)));
    vpb::Message m = templ;
    m.set_line_id(line_ids[i]);
    auto row = store_->InsertMessage(targets[i].mailbox.id(), m, blob, event, LanguageOf(targets[i]));
    if (!row.ok()) {
      (void)blobs_->Delete({blob});
      if (row.status().code() == absl::StatusCode::kResourceExhausted) {
        return absl::ResourceExhaustedError(absl::StrCat("the mailbox of ", numbers[i], " is full"));
      }
      return row.status();
    }
    out.push_back(row->message);
  }
  return out;
}

absl::StatusOr<vpb::ForwardMessageResponse> VoicemailManager::Forward(const core::Principal& p,
                                                                      const vpb::ForwardMessageRequest& req) {
  SB_ASSIGN_OR_RETURN(MessageRow src, ReachableMessage(p, req.message_id()));
  if (src.message.private_()) {
    return absl::FailedPreconditionError("private messages can't be forwarded");
  }
  if (src.message.type() != vpb::VOICE)
    return absl::FailedPreconditionError("only voice messages can be forwarded as voicemail");
  SB_ASSIGN_OR_RETURN(Blob blob, blobs_->Get(src.blob_id));
  vpb::Message templ;
  templ.set_type(vpb::VOICE);
  // The forwarder is who the recipient sees it from.
  SB_ASSIGN_OR_RETURN(MailboxRow from, store_->GetMailbox(src.message.mailbox_id()));
  if (!from.mailbox.lines().empty()) templ.set_from(from.mailbox.lines(0).number());
  if (!from.mailbox.user_id().empty()) {
    if (auto u = profiles_->GetUser(from.mailbox.user_id()); u.ok()) {
      templ.set_from_name(absl::StrCat(u->first_name(), " ", u->last_name()));
    }
  }
  templ.set_duration_ms(src.message.duration_ms());
  templ.set_urgent(req.urgent() || src.message.urgent());
  templ.set_reason(vpb::FORWARDED);
  templ.set_content_type("audio/wav");
  templ.set_size_bytes(static_cast<int64_t>(blob.data.size()));
  templ.set_forwarded_from_message_id(src.message.id());
  std::vector<std::string> numbers(req.to_numbers().begin(), req.to_numbers().end());
  SB_ASSIGN_OR_RETURN(auto delivered, Deliver(src.tenant_id, numbers, "to_numbers", templ, blob.data,
                                              NewMessageEvent::kComposed));
  vpb::ForwardMessageResponse out;
  for (auto& m : delivered) *out.add_delivered() = std::move(m);
  return out;
}

absl::StatusOr<vpb::ComposeMessageResponse> VoicemailManager::Compose(const core::Principal& p,
                                                                      const vpb::ComposeMessageRequest& req) {
  SB_ASSIGN_OR_RETURN(MailboxRow sender, Reachable(p, req.user_id()));
  if (req.audio_wav().empty()) return InvalidField("audio_wav", "audio_wav is required");
  if (req.audio_wav().size() > config_.max_upload_bytes) {
    return InvalidField("audio_wav",
                        absl::StrCat("audio_wav is larger than ", config_.max_upload_bytes, " bytes"));
  }
  auto samples = Samples8k(Bytes(req.audio_wav()));
  if (!samples.ok())
    return InvalidField("audio_wav", absl::StrCat("audio_wav: ", samples.status().message()));
  if (samples->empty()) return InvalidField("audio_wav", "audio_wav holds no audio");
  const absl::Duration length = absl::Milliseconds(samples->size() / 8);
  if (length > config_.max_composed)
    return InvalidField("audio_wav", "audio_wav is too long (10 minutes at most)");
  SB_ASSIGN_OR_RETURN(auto wav, media::WriteWav(*samples, media::kNarrowbandRate));
  std::vector<std::string> numbers(req.to_numbers().begin(), req.to_numbers().end());
  if (!req.reply_to_message_id().empty()) {
    SB_ASSIGN_OR_RETURN(MessageRow orig, ReachableMessage(p, req.reply_to_message_id()));
    if (numbers.empty()) {
      if (orig.message.from().empty()) {
        return InvalidField("to_numbers",
                            "the message being replied to has no caller number: give to_numbers");
      }
      numbers.push_back(orig.message.from());
    }
  }
  vpb::Message templ;
  templ.set_type(vpb::VOICE);
  if (!sender.mailbox.lines().empty()) templ.set_from(sender.mailbox.lines(0).number());
  if (auto u = profiles_->GetUser(req.user_id()); u.ok()) {
    templ.set_from_name(absl::StrCat(u->first_name(), " ", u->last_name()));
  }
  templ.set_duration_ms(static_cast<int>(samples->size() / 8));
  templ.set_urgent(req.urgent());
  templ.set_private_(req.private_());
  templ.set_reason(vpb::COMPOSED);
  templ.set_content_type("audio/wav");
  templ.set_size_bytes(static_cast<int64_t>(wav.size()));
  templ.set_reply_to_message_id(req.reply_to_message_id());
  SB_ASSIGN_OR_RETURN(auto delivered,
                      Deliver(sender.mailbox.tenant_id(), numbers, "to_numbers", templ,
                              std::string(wav.begin(), wav.end()), NewMessageEvent::kComposed));
  vpb::ComposeMessageResponse out;
  for (auto& m : delivered) *out.add_delivered() = std::move(m);
  return out;
}

absl::StatusOr<vpb::Message> VoicemailManager::Deposit(const core::Principal& p,
                                                       const vpb::DepositMessageRequest& req) {
  if (!p.IsPlatformWide()) return absl::PermissionDeniedError("DepositMessage is for platform services");
  absl::StatusOr<MailboxRow> mb = absl::InvalidArgumentError("user_id or line_id is required");
  if (!req.line_id().empty()) {
    mb = MailboxForLine(req.line_id());
  } else if (!req.user_id().empty()) {
    mb = MailboxForUser(req.user_id());
  }
  if (!mb.ok()) return mb.status();
  if (req.data().empty()) return InvalidField("data", "data is required");
  if (req.content_type().empty()) return InvalidField("content_type", "content_type is required");
  SB_ASSIGN_OR_RETURN(std::string blob,
                      blobs_->Put(mb->mailbox.tenant_id(), req.content_type(), Bytes(req.data())));
  vpb::Message m;
  m.set_line_id(req.line_id());
  m.set_type(req.type() == vpb::MESSAGE_TYPE_UNSPECIFIED ? vpb::VOICE : req.type());
  m.set_from(req.from());
  m.set_from_name(req.from_name());
  m.set_duration_ms(req.duration_ms());
  m.set_pages(req.pages());
  m.set_urgent(req.urgent());
  m.set_reason(req.reason());
  m.set_content_type(req.content_type());
  m.set_size_bytes(static_cast<int64_t>(req.data().size()));
  auto row = store_->InsertMessage(mb->mailbox.id(), m, blob, NewMessageEvent::kDeposited, LanguageOf(*mb));
  if (!row.ok()) {
    (void)blobs_->Delete({blob});
    return row.status();
  }
  return row->message;
}

absl::StatusOr<vpb::GreetingInfo> VoicemailManager::UploadGreeting(const core::Principal& p,
                                                                   const vpb::UploadGreetingRequest& req) {
  SB_ASSIGN_OR_RETURN(MailboxRow mb, Reachable(p, req.user_id()));
  if (req.slot() == vpb::GREETING_SLOT_UNSPECIFIED) return InvalidField("slot", "slot is required");
  if (req.audio_wav().empty()) return InvalidField("audio_wav", "audio_wav is required");
  if (req.audio_wav().size() > config_.max_upload_bytes) {
    return InvalidField("audio_wav",
                        absl::StrCat("audio_wav is larger than ", config_.max_upload_bytes, " bytes"));
  }
  absl::Status valid = media::ValidateGreetingWav(Bytes(req.audio_wav()), config_.max_greeting);
  if (!valid.ok()) {
    return InvalidField("audio_wav",
                        absl::StrCat("greetings must be WAV 16 kHz 16-bit mono PCM: ", valid.message()));
  }
  auto parsed = media::ParseWav(Bytes(req.audio_wav()));
  const int duration_ms = parsed.ok() ? static_cast<int>(absl::ToInt64Milliseconds(parsed->duration)) : 0;
  // Kept as uploaded (16 kHz): the portal plays it back as sent; calls
  // resample it to 8 kHz when they load it.
  SB_ASSIGN_OR_RETURN(std::string blob,
                      blobs_->Put(mb.mailbox.tenant_id(), "audio/wav", Bytes(req.audio_wav())));
  auto old = store_->PutGreeting(mb.mailbox.id(), req.slot(), blob, duration_ms);
  if (!old.ok()) {
    (void)blobs_->Delete({blob});
    return old.status();
  }
  if (!old->empty()) (void)blobs_->Delete({*old});
  vpb::GreetingInfo g;
  g.set_slot(req.slot());
  g.set_duration_ms(duration_ms);
  *g.mutable_updated_at() = google::protobuf::Timestamp();
  g.mutable_updated_at()->set_seconds(absl::ToUnixSeconds(absl::Now()));
  return g;
}

absl::StatusOr<Content> VoicemailManager::GetGreeting(const core::Principal& p, const std::string& user_id,
                                                      vpb::GreetingSlot slot) {
  SB_ASSIGN_OR_RETURN(MailboxRow mb, Reachable(p, user_id));
  SB_ASSIGN_OR_RETURN(std::string id, store_->GreetingBlob(mb.mailbox.id(), slot));
  SB_ASSIGN_OR_RETURN(Blob blob, blobs_->Get(id));
  return Content{blob.content_type, std::move(blob.data),
                 absl::StrCat("greeting-", absl::AsciiStrToLower(vpb::GreetingSlot_Name(slot)), ".wav")};
}

absl::Status VoicemailManager::DeleteGreeting(const core::Principal& p, const std::string& user_id,
                                              vpb::GreetingSlot slot) {
  SB_ASSIGN_OR_RETURN(MailboxRow mb, Reachable(p, user_id));
  return RemoveGreeting(mb, slot);
}

absl::StatusOr<MessageRow> VoicemailManager::StoreRecording(const MailboxRow& mb, const std::string& line_id,
                                                            const std::string& from,
                                                            const std::string& from_name,
                                                            std::span<const int16_t> samples,
                                                            vpb::DepositReason reason, bool urgent) {
  SB_ASSIGN_OR_RETURN(auto wav, media::WriteWav(samples, media::kNarrowbandRate));
  SB_ASSIGN_OR_RETURN(std::string blob, blobs_->Put(mb.mailbox.tenant_id(), "audio/wav", wav));
  vpb::Message m;
  m.set_line_id(line_id);
  m.set_type(vpb::VOICE);
  m.set_from(from);
  m.set_from_name(from_name);
  m.set_duration_ms(static_cast<int>(samples.size() / 8));
  m.set_urgent(urgent);
  m.set_reason(reason);
  m.set_content_type("audio/wav");
  m.set_size_bytes(static_cast<int64_t>(wav.size()));
  auto row = store_->InsertMessage(mb.mailbox.id(), m, blob, NewMessageEvent::kDeposited, LanguageOf(mb));
  if (!row.ok()) (void)blobs_->Delete({blob});
  return row;
}

absl::StatusOr<std::vector<int16_t>> VoicemailManager::GreetingSamples(const MailboxRow& mb,
                                                                       vpb::GreetingSlot slot) {
  SB_ASSIGN_OR_RETURN(std::string id, store_->GreetingBlob(mb.mailbox.id(), slot));
  SB_ASSIGN_OR_RETURN(Blob blob, blobs_->Get(id));
  return Samples8k(Bytes(blob.data));
}

absl::Status VoicemailManager::StoreGreetingSamples(const MailboxRow& mb, vpb::GreetingSlot slot,
                                                    std::span<const int16_t> samples) {
  SB_ASSIGN_OR_RETURN(auto wav, media::WriteWav(samples, media::kNarrowbandRate));
  SB_ASSIGN_OR_RETURN(std::string blob, blobs_->Put(mb.mailbox.tenant_id(), "audio/wav", wav));
  auto old = store_->PutGreeting(mb.mailbox.id(), slot, blob, static_cast<int>(samples.size() / 8));
  if (!old.ok()) {
    (void)blobs_->Delete({blob});
    return old.status();
  }
  if (!old->empty()) (void)blobs_->Delete({*old});
  return absl::OkStatus();
}

absl::Status VoicemailManager::RemoveGreeting(const MailboxRow& mb, vpb::GreetingSlot slot) {
  SB_ASSIGN_OR_RETURN(std::string blob, store_->DeleteGreeting(mb.mailbox.id(), slot));
  return blobs_->Delete({blob});
}

absl::StatusOr<std::vector<int16_t>> VoicemailManager::MessageSamples(const MessageRow& m) {
  SB_ASSIGN_OR_RETURN(Blob blob, blobs_->Get(m.blob_id));
  return Samples8k(Bytes(blob.data));
}

absl::StatusOr<std::vector<vpb::Message>> VoicemailManager::Messages(const MailboxRow& mb, vpb::Folder folder,
                                                                     bool only_new) {
  MessageFilter f;
  f.folder = folder;
  f.type = vpb::VOICE;
  f.only_new = only_new;
  f.limit = 1000;
  return store_->ListMessages(mb.mailbox.id(), f);
}

absl::StatusOr<MessageRow> VoicemailManager::SetMessageState(const std::string& id,
                                                             std::optional<bool> is_new, vpb::Folder folder) {
  return store_->UpdateMessage(id, is_new, folder, std::nullopt);
}

}  // namespace sb::voicemail
