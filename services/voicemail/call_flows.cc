#include "services/voicemail/call_flows.h"

#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "core/logging.h"
#include "services/voicemail/call_reason.h"
#include "services/voicemail/greeting_selection.h"

namespace sb::voicemail {
namespace {

using sipua::Call;
using sipua::CallEventKind;

std::shared_ptr<spdlog::logger> Log() { return core::Logger("voicemail"); }

struct Outcome {
  enum Kind { kDone, kDigit, kHangup, kTimeout } kind = kDone;
  char digit = 0;
};

// Plays `prompts` and waits for the end, a key (if `interruptible`: the
// prompt stops there) or the end of the call.
Outcome PlayAndWait(Call& c, PromptList prompts, bool interruptible) {
  if (c.ended()) return {Outcome::kHangup};
  c.Play(std::move(prompts));
  for (;;) {
    auto e = c.WaitEvent(absl::Minutes(10));
    if (!e) return {Outcome::kTimeout};
    switch (e->kind) {
      case CallEventKind::kPlaybackDone:
        return {Outcome::kDone};
      case CallEventKind::kDigit:
        if (interruptible) {
          c.StopPlayback();
          return {Outcome::kDigit, e->digit};
        }
        break;
      case CallEventKind::kHangup:
      case CallEventKind::kMediaTimeout:
        return {Outcome::kHangup};
      default:
        break;
    }
  }
}

// Plays `prompts` as early media (after a 183) until the call ends on the
// caller's side (kHangup), the prompts end (kDone; with `loop` they start
// again instead) or `cap` passes (kTimeout). The caller need not send RTP
// before an answer, so a media timeout means nothing here; only the CANCEL
// (or a BYE-less error) ends it.
Outcome PlayEarly(Call& c, const PromptList& prompts, bool loop, absl::Duration cap) {
  const absl::Time deadline = absl::Now() + cap;
  c.Play(prompts);
  for (;;) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return {Outcome::kTimeout};
    auto e = c.WaitEvent(left);
    if (!e) return {Outcome::kTimeout};
    if (e->kind == CallEventKind::kHangup) return {Outcome::kHangup};
    if (e->kind == CallEventKind::kPlaybackDone) {
      if (!loop) return {Outcome::kDone};
      c.Play(prompts);
    }
  }
}

Outcome WaitDigit(Call& c, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    auto e = c.WaitEvent(std::max(deadline - absl::Now(), absl::ZeroDuration()));
    if (!e) return {Outcome::kTimeout};
    if (e->kind == CallEventKind::kDigit) return {Outcome::kDigit, e->digit};
    if (e->kind == CallEventKind::kHangup || e->kind == CallEventKind::kMediaTimeout)
      return {Outcome::kHangup};
  }
}

// Digits up to '#' (or max_len); nullopt when the caller hangs up or types nothing.
std::optional<std::string> CollectDigits(Call& c, PromptList prompt, size_t max_len, absl::Duration timeout) {
  std::string digits;
  Outcome o = PlayAndWait(c, std::move(prompt), true);
  if (o.kind == Outcome::kHangup) return std::nullopt;
  for (;;) {
    if (o.kind == Outcome::kDigit) {
      if (o.digit == '#') return digits;
      digits.push_back(o.digit);
      if (digits.size() >= max_len) return digits;
    }
    o = WaitDigit(c, timeout);
    if (o.kind == Outcome::kHangup) return std::nullopt;
    if (o.kind == Outcome::kTimeout)
      return digits.empty() ? std::nullopt : std::optional<std::string>(digits);
  }
}

std::string Lang(const std::string& l) { return l == "en" ? "en" : "fr"; }

PromptList Counts(const PromptLibrary& p, const std::string& lang, int fresh, int saved) {
  if (fresh == 0 && saved == 0) return p.Get(lang, "no_messages");
  return Cat({p.Get(lang, "you_have"), p.Number(lang, fresh),
              p.Get(lang, fresh == 1 ? "new_message" : "new_messages"), p.Get(lang, "and"),
              p.Number(lang, saved), p.Get(lang, saved == 1 ? "saved_message" : "saved_messages")});
}

// The number the caller presented, digits and '+' only ("" when anonymous).
std::string CallerNumber(const sipua::CallInfo& info) {
  std::string user = info.from_user;
  if (absl::EqualsIgnoreCase(user, "anonymous") || absl::EqualsIgnoreCase(user, "unknown")) return "";
  std::string out;
  for (char c : user) {
    if (absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '+') out.push_back(c);
  }
  return out;
}

std::string DomainOf(const std::string& uri) {
  const size_t at = uri.find('@');
  if (at == std::string::npos) return "";
  std::string host = uri.substr(at + 1);
  return host.substr(0, host.find_first_of(";>"));
}

}  // namespace

void CallRouter::Spawn(std::shared_ptr<Call> call, std::function<void(Call&)> script) {
  active_++;
  std::thread([this, call = std::move(call), script = std::move(script)] {
    try {
      script(*call);
    } catch (const std::exception& e) {
      Log()->error("{} script failed: {}", call->ctx(), e.what());
    }
    if (!call->ended()) call->Hangup();
    active_--;
  }).detach();
}

void CallRouter::WaitIdle() {
  for (int i = 0; i < 200 && active_.load() > 0; ++i) absl::SleepFor(absl::Milliseconds(50));
}

void CallRouter::OnIncomingCall(std::shared_ptr<Call> call) {
  call->set_tenant(call->info().Header("X-Sb-Tenant"));
  const std::string& user = call->info().request_user;
  bool retrieval = !call->info().Header("X-Sb-Retrieval").empty();
  for (const auto& r : config_.retrieval_users) retrieval = retrieval || user == r;
  if (!call->info().Header("X-Sb-Early-Media").empty()) {
    Spawn(std::move(call), [this](Call& c) { EarlyMedia(c); });
  } else if (!call->info().Header("X-Sb-Announcement").empty()) {
    Spawn(std::move(call), [this](Call& c) { Announce(c); });
  } else if (retrieval) {
    Spawn(std::move(call), [this](Call& c) { Retrieval(c); });
  } else {
    Spawn(std::move(call), [this](Call& c) { Deposit(c); });
  }
}

// ------------------------------------------------------------------ deposit

void CallRouter::Deposit(Call& call) {
  auto log = Log();
  const sipua::CallInfo& info = call.info();
  const std::string mailbox_user = info.Header("X-Sb-Mailbox-User");
  const std::string tenant = info.Header("X-Sb-Tenant");
  absl::StatusOr<MailboxRow> mb = absl::NotFoundError("no mailbox named");
  std::string line_id;
  if (!mailbox_user.empty()) {
    mb = manager_->MailboxForUser(mailbox_user);
  } else if (!tenant.empty() && !info.request_user.empty()) {
    // Called directly at a number: the mailbox of the line it reaches.
    auto resolved = profiles_->ResolveLine(tenant, info.request_user);
    if (resolved.ok()) {
      line_id = resolved->line().id();
      mb = manager_->MailboxForLine(line_id);
    }
  }
  if (!mb.ok()) {
    log->info("{} no mailbox for user={} ruri={}: {}", call.ctx(), mailbox_user, info.request_user,
              mb.status().message());
    call.Reject(
        mb.status().code() == absl::StatusCode::kNotFound ? 404 : 503,
        mb.status().code() == absl::StatusCode::kNotFound ? "No Such Mailbox" : "Service Unavailable");
    return;
  }
  const CallReason reason = ReadCallReason(info.HeaderValues("History-Info"), info.HeaderValues("Diversion"));
  // The line the message is for: the diverting number when the headers name one of this mailbox's lines.
  for (const auto& l : mb->mailbox.lines()) {
    if (line_id.empty() && !reason.diverted_from.empty() &&
        (reason.diverted_from == l.number() || reason.diverted_from == l.number_e164() ||
         reason.diverted_from == l.extension())) {
      line_id = l.line_id();
    }
  }
  if (line_id.empty() && !mb->mailbox.lines().empty()) line_id = mb->mailbox.lines(0).line_id();
  const std::string lang = manager_->LanguageOf(*mb);

  GreetingContext ctx;
  ctx.reason = reason.reason;
  ctx.internal_caller =
      info.Header("X-Sb-Caller-Internal") == "1" || info.Header("X-Sb-Caller-Internal") == "true";
  ctx.out_of_hours = info.Header("X-Sb-Out-Of-Hours") == "1" || info.Header("X-Sb-Out-Of-Hours") == "true";
  if (auto greetings = manager_->store()->ListGreetings(mb->mailbox.id()); greetings.ok()) {
    for (const auto& g : *greetings) ctx.recorded.insert(g.slot());
  }
  const GreetingPlan plan = SelectGreeting(mb->settings, ctx);
  log->info("{} deposit for mailbox={} reason={} greeting={} caller={}", call.ctx(), mb->mailbox.id(),
            vpb::DepositReason_Name(reason.reason), vpb::GreetingSlot_Name(plan.slot), info.from_user);

  if (!call.Answer().ok()) return;

  // A full mailbox takes no message and says so (C2).
  if (mb->mailbox.full()) {
    PlayAndWait(call, prompts_->Get(lang, "mailbox_full"), false);
    call.Hangup();
    return;
  }

  PromptList greeting;
  std::string number = mb->mailbox.lines().empty() ? "" : mb->mailbox.lines(0).number();
  for (const auto& l : mb->mailbox.lines()) {
    if (l.line_id() == line_id) number = l.number();
  }
  switch (plan.kind) {
    case GreetingPlan::Kind::kRecorded:
    case GreetingPlan::Kind::kSystemWithName: {
      auto samples = manager_->GreetingSamples(*mb, plan.slot);
      if (samples.ok()) {
        auto recorded = media::MakePrompt("greeting", std::move(*samples));
        greeting =
            plan.kind == GreetingPlan::Kind::kRecorded
                ? PromptList{recorded}
                : Cat({prompts_->Get(lang, "greeting_intro"),
                       {recorded},
                       prompts_->Get(lang, plan.busy_wording ? "greeting_outro_busy" : "greeting_outro")});
      } else {
        greeting = prompts_->Get(lang, plan.busy_wording ? "greeting_busy" : "greeting_unavailable");
      }
      break;
    }
    case GreetingPlan::Kind::kSystemWithNumber:
      greeting = Cat({prompts_->Get(lang, "greeting_number_intro"), prompts_->Digits(lang, number),
                      prompts_->Get(lang, plan.busy_wording ? "greeting_outro_busy" : "greeting_outro")});
      break;
    case GreetingPlan::Kind::kSystem:
      greeting = prompts_->Get(lang, plan.busy_wording ? "greeting_busy" : "greeting_unavailable");
      break;
  }
  if (!plan.allow_message) {
    PlayAndWait(call, Cat({greeting, prompts_->Get(lang, "no_messages_allowed")}), false);
    call.Hangup();
    return;
  }

  // The greeting: 0 and * may leave for the configured destinations; #
  // skips to the beep.
  Outcome o = PlayAndWait(call, greeting, true);
  while (o.kind == Outcome::kDigit) {
    std::string dest;
    if (o.digit == '0') dest = mb->settings.key0_destination();
    if (o.digit == '*') dest = mb->settings.key_star_destination();
    if (o.digit == '*' && dest.empty()) {
      // The owner calling their own line: * leads to the login (C1 key * default).
      RetrievalFor(call, *mb, true);
      return;
    }
    if (!dest.empty()) {
      PlayAndWait(call, prompts_->Get(lang, "transfer"), false);
      std::string domain = mb->sip_domain.empty() ? DomainOf(info.to_uri) : mb->sip_domain;
      auto code = call.Refer(absl::StrCat("sip:", dest, "@", domain));
      log->info("{} key {} transfer to {}: {}", call.ctx(), o.digit, dest,
                code.ok() ? std::to_string(*code) : std::string(code.status().message()));
      if (code.ok() && *code >= 200 && *code < 300) {
        call.Hangup();
        return;
      }
      PlayAndWait(call, prompts_->Get(lang, "transfer_failed"), false);
      break;
    }
    if (o.digit == '#') break;
    o = WaitDigit(call, absl::Milliseconds(1));  // other keys: go on to the beep
    if (o.kind != Outcome::kDigit) break;
  }
  if (call.ended()) return;
  call.ClearDigits();
  if (PlayAndWait(call, {prompts_->beep()}, false).kind == Outcome::kHangup) return;

  media::RecorderConfig rc;
  rc.max_length = absl::Seconds(mb->settings.max_message_seconds());
  rc.silence_timeout = config_.silence_timeout;
  call.StartRecording(rc);
  bool caller_left = false;
  for (;;) {
    auto e = call.WaitEvent(rc.max_length + absl::Seconds(10));
    if (!e) break;
    if (e->kind == CallEventKind::kDigit && e->digit == '#') break;
    if (e->kind == CallEventKind::kRecordingStopped) break;
    if (e->kind == CallEventKind::kHangup || e->kind == CallEventKind::kMediaTimeout) {
      caller_left = true;
      break;
    }
  }
  auto recorder = call.StopRecording();
  if (recorder == nullptr) return;
  if (auto stats = call.MediaStats()) {
    // What the benchmark reads: loss, and frames the engine ticked late.
    log->info("{} media: received={} expected={} lost={} late_ticks={} jitter={}", call.ctx(),
              stats->stream.received, stats->stream.expected, stats->stream.lost, stats->late_ticks,
              stats->stream.jitter);
  }
  std::vector<int16_t> samples = recorder->TakeSamples();
  const absl::Duration length = absl::Milliseconds(samples.size() / 8);
  if (length < config_.min_message || !recorder->heard_voice()) {
    log->info("{} nothing worth keeping ({} ms, voice: {})", call.ctx(), absl::ToInt64Milliseconds(length),
              recorder->heard_voice());
    if (!caller_left) call.Hangup();
    return;
  }
  const std::string from = CallerNumber(info);
  // The recording exists only in memory: a busy database (every connection
  // taken by a burst of hang-ups) is waited out rather than losing it.
  absl::StatusOr<MessageRow> stored = absl::UnavailableError("not tried");
  for (int attempt = 0; attempt < 6; ++attempt) {
    stored = manager_->StoreRecording(*mb, line_id, from, from.empty() ? "" : info.from_display, samples,
                                      reason.reason, false);
    const absl::StatusCode code = stored.status().code();
    if (stored.ok() || (code != absl::StatusCode::kUnavailable && code != absl::StatusCode::kAborted &&
                        code != absl::StatusCode::kDeadlineExceeded)) {
      break;
    }
    log->warn("{} storing the message failed ({}), retrying", call.ctx(), stored.status().message());
    absl::SleepFor(absl::Seconds(1 << attempt));
  }
  if (!stored.ok()) {
    log->error("{} message lost: {}", call.ctx(), stored.status().message());
    if (!caller_left) {
      PlayAndWait(
          call,
          prompts_->Get(lang, stored.status().code() == absl::StatusCode::kResourceExhausted ? "mailbox_full"
                                                                                             : "goodbye"),
          false);
    }
  } else {
    log->info("{} message {} stored: {} ms from {}", call.ctx(), stored->message.id(),
              stored->message.duration_ms(), from.empty() ? "anonymous" : from);
    if (!caller_left) PlayAndWait(call, prompts_->Get(lang, "message_recorded"), false);
  }
  if (!call.ended()) call.Hangup();
}

// ------------------------------------------------------------------ announcements

CallRouter::NamedPrompt CallRouter::AnnouncementPrompt(const sipua::CallInfo& info) {
  const std::string name = info.Header("X-Sb-Announcement");
  std::string lang = info.Header("X-Sb-Language");
  if (lang != "fr" && lang != "en") {
    lang = "fr";
    // The language of the subscriber whose setting decided (the callee, or
    // the caller for a star code).
    if (const std::string user = info.Header("X-Sb-User"); !user.empty()) {
      if (auto u = profiles_->GetUser(user); u.ok() && !u->language().empty()) lang = Lang(u->language());
    }
  }
  std::string id = absl::StrCat("announce_", absl::StrReplaceAll(absl::AsciiStrToLower(name), {{"-", "_"}}));
  if (!prompts_->Has(lang, id)) id = "announce_generic";
  return {name, lang, id};
}

void CallRouter::Announce(Call& call) {
  const sipua::CallInfo& info = call.info();
  auto [name, lang, id] = AnnouncementPrompt(info);
  // "press-1-to-forward" needs where 1 leads; without it, it is just a call
  // that can't be completed.
  const std::string forward_to = info.Header("X-Sb-Forward-To");
  if (id == "announce_press_1_to_forward" && forward_to.empty()) id = "announce_generic";
  Log()->info("{} announcement {}: prompt {}/{}", call.ctx(), name, lang, id);
  if (!call.Answer().ok()) return;
  if (id == "announce_press_1_to_forward") {
    // The forward only with the caller's consent (routing's WHEN_CALLER_PRESSES_1).
    Outcome o = PlayAndWait(call, prompts_->Get(lang, id), true);
    if (o.kind == Outcome::kDone) o = WaitDigit(call, config_.digit_timeout);
    if (o.kind == Outcome::kHangup) return;
    if (o.kind == Outcome::kDigit && o.digit == '1') {
      PlayAndWait(call, prompts_->Get(lang, "transfer"), false);
      auto code = call.Refer(forward_to);
      Log()->info("{} press-1 forward to {}: {}", call.ctx(), forward_to,
                  code.ok() ? std::to_string(*code) : std::string(code.status().message()));
      if (code.ok() && *code >= 200 && *code < 300) {
        call.Hangup();
        return;
      }
      PlayAndWait(call, prompts_->Get(lang, "transfer_failed"), false);
    }
    PlayAndWait(call, prompts_->Get(lang, "goodbye"), false);
    call.Hangup();
    return;
  }
  if (PlayAndWait(call, prompts_->Get(lang, id), false).kind == Outcome::kHangup) return;
  // A breath before the BYE, so the end of the prompt isn't clipped.
  PlayAndWait(call, {media::MakePrompt("pause", std::vector<int16_t>(2400))}, false);
  call.Hangup();
}

// ------------------------------------------------------------------ early media

void CallRouter::EarlyMedia(Call& call) {
  const std::string kind = absl::AsciiStrToLower(call.info().Header("X-Sb-Early-Media"));
  if (kind == "music") {
    EarlyMusic(call);
  } else if (kind == "announcement") {
    RejectWithMessage(call);
  } else {
    Log()->warn("{} X-Sb-Early-Media: unknown value \"{}\" (music, announcement)", call.ctx(), kind);
    call.Reject(488, "Unknown X-Sb-Early-Media");
  }
}

void CallRouter::RejectWithMessage(Call& call) {
  const sipua::CallInfo& info = call.info();
  // "433 Anonymity Disallowed": the status the call ends with. Anything but
  // a failure status is the edge's mistake; the call is declined then.
  int code = 603;
  std::string reason = "Decline";
  const std::string reject = info.Header("X-Sb-Reject");
  std::pair<absl::string_view, absl::string_view> parts = absl::StrSplit(reject, absl::MaxSplits(' ', 1));
  if (int c = 0; absl::SimpleAtoi(parts.first, &c) && c >= 400 && c <= 699) {
    code = c;
    reason = std::string(absl::StripAsciiWhitespace(parts.second));
  } else {
    Log()->warn("{} X-Sb-Reject \"{}\" is not a failure status: 603", call.ctx(), reject);
  }
  auto [name, lang, id] = AnnouncementPrompt(info);
  if (id == "announce_press_1_to_forward") id = "announce_generic";  // no digit before an answer
  if (absl::Status st = call.AnswerEarly(); !st.ok()) {
    Log()->info("{} reject message {} not played ({}): {} at once", call.ctx(), name, st.message(), code);
    call.Reject(code, reason);
    return;
  }
  Log()->info("{} reject message {}: prompt {}/{} as early media, then {}", call.ctx(), name, lang, id, code);
  if (PlayEarly(call, prompts_->Get(lang, id), /*loop=*/false, config_.early_media_cap).kind == Outcome::kHangup) {
    Log()->info("{} reject message ended by the caller side", call.ctx());
    return;
  }
  call.Reject(code, reason);
}

void CallRouter::EarlyMusic(Call& call) {
  if (absl::Status st = call.AnswerEarly(); !st.ok()) {
    Log()->info("{} early media refused: {}", call.ctx(), st.message());
    call.Reject(488, "Early Media Needs An Offer");
    return;
  }
  Log()->info("{} early media: music on hold (user {})", call.ctx(), call.info().Header("X-Sb-User"));
  if (PlayEarly(call, {prompts_->music_on_hold()}, /*loop=*/true, config_.early_media_cap).kind == Outcome::kHangup) {
    Log()->info("{} early media ended by the caller side", call.ctx());
    return;
  }
  Log()->info("{} early media: nobody answered within {}, 480", call.ctx(),
              absl::FormatDuration(config_.early_media_cap));
  call.Reject(480, "Temporarily Unavailable");
}

// ------------------------------------------------------------------ retrieval

void CallRouter::Retrieval(Call& call) {
  const sipua::CallInfo& info = call.info();
  const std::string mailbox_user = info.Header("X-Sb-Mailbox-User");
  const std::string tenant = info.Header("X-Sb-Tenant");
  if (!call.Answer().ok()) return;
  if (!mailbox_user.empty()) {
    auto mb = manager_->MailboxForUser(mailbox_user);
    if (!mb.ok()) {
      PlayAndWait(call, prompts_->Get("fr", "unknown_mailbox"), false);
      return;
    }
    // *318 from the subscriber's own line (the edge vouches for it with
    // X-Sb-Mailbox-User): "skip PIN" may apply.
    RetrievalFor(call, *mb, !mb->settings.skip_pin());
    return;
  }
  // Remote access: the mailbox number first (C7 "quick login" is the
  // X-Sb-Mailbox-User case above).
  for (int attempt = 0; attempt < config_.max_pin_attempts; ++attempt) {
    auto number = CollectDigits(call, prompts_->Get("fr", "enter_mailbox"), 15, config_.digit_timeout);
    if (!number) return;
    auto resolved = profiles_->ResolveLine(tenant, *number);
    if (resolved.ok()) {
      auto mb = manager_->MailboxForLine(resolved->line().id());
      if (mb.ok()) {
        RetrievalFor(call, *mb, true);
        return;
      }
    }
    PlayAndWait(call, prompts_->Get("fr", "unknown_mailbox"), false);
  }
  PlayAndWait(call, prompts_->Get("fr", "too_many_attempts"), false);
}

void CallRouter::RetrievalFor(Call& call, MailboxRow mb, bool ask_pin) {
  auto log = Log();
  const std::string lang = manager_->LanguageOf(mb);
  if (ask_pin) {
    if (mb.mailbox.user_id().empty()) {
      PlayAndWait(call, prompts_->Get(lang, "unknown_mailbox"), false);
      return;
    }
    bool ok = false;
    for (int attempt = 1; attempt <= config_.max_pin_attempts && !ok; ++attempt) {
      auto pin = CollectDigits(call, prompts_->Get(lang, "enter_pin"), 16, config_.digit_timeout);
      if (!pin) {
        if (call.ended()) return;
        pin = "";
      }
      auto verified = pin->empty() ? absl::StatusOr<bool>(false)
                                   : profiles_->VerifyVoicemailPin(mb.mailbox.user_id(), *pin);
      if (!verified.ok()) log->warn("{} PIN check failed: {}", call.ctx(), verified.status().message());
      ok = verified.ok() && *verified;
      if (!ok) {
        // No PIN in logs, only the fact.
        log->info("{} wrong voicemail PIN for user={} (attempt {})", call.ctx(), mb.mailbox.user_id(),
                  attempt);
        if (attempt < config_.max_pin_attempts) PlayAndWait(call, prompts_->Get(lang, "wrong_pin"), false);
      }
    }
    if (!ok) {
      PlayAndWait(call, prompts_->Get(lang, "too_many_attempts"), false);
      call.Hangup();
      return;
    }
  }
  log->info("{} retrieval: mailbox={} logged in ({})", call.ctx(), mb.mailbox.id(),
            ask_pin ? "PIN" : "skip PIN");
  manager_->NotePhoneAccess(mb);
  auto refresh = [&] {
    if (auto again = manager_->store()->GetMailbox(mb.mailbox.id()); again.ok()) mb = *again;
  };
  refresh();
  const int fresh = mb.mailbox.inbox_new();
  const int saved = mb.mailbox.inbox_total() - fresh;
  Outcome o =
      PlayAndWait(call,
                  Cat({Counts(*prompts_, lang, fresh, saved),
                       mb.mailbox.nearly_full() ? prompts_->Get(lang, "mailbox_nearly_full") : PromptList{}}),
                  true);
  if (o.kind == Outcome::kHangup) return;
  if (mb.settings.auto_play() && fresh > 0 && o.kind != Outcome::kDigit) {
    PlayMessages(call, mb, lang, true);
  }
  for (int rounds = 0; rounds < 20 && !call.ended(); ++rounds) {
    if (o.kind != Outcome::kDigit) o = PlayAndWait(call, prompts_->Get(lang, "main_menu"), true);
    if (o.kind == Outcome::kDone) o = WaitDigit(call, config_.digit_timeout);
    if (o.kind == Outcome::kHangup) return;
    if (o.kind == Outcome::kTimeout) break;
    const char key = o.digit;
    log->info("{} retrieval: main menu key {}", call.ctx(), key);
    o = {};
    switch (key) {
      case '1':
        PlayMessages(call, mb, lang, true);
        break;
      case '2':
        PlayMessages(call, mb, lang, false);
        break;
      case '3':
        RecordTemporaryGreeting(call, mb, lang);
        break;
      case '4':
        (void)manager_->RemoveGreeting(mb, vpb::SLOT_TEMPORARY);
        PlayAndWait(call, prompts_->Get(lang, "temporary_removed"), false);
        break;
      case '0':
        OptionsMenu(call, mb, lang);
        break;
      case '*':
        PlayAndWait(call, prompts_->Get(lang, "goodbye"), false);
        call.Hangup();
        return;
      default:
        PlayAndWait(call, prompts_->Get(lang, "invalid_choice"), false);
        break;
    }
    refresh();
  }
  if (!call.ended()) {
    PlayAndWait(call, prompts_->Get(lang, "goodbye"), false);
    call.Hangup();
  }
}

void CallRouter::PlayMessages(Call& call, const MailboxRow& mb, const std::string& lang, bool only_new) {
  auto list = manager_->Messages(mb, vpb::INBOX, only_new);
  if (!list.ok()) return;
  // Saved messages are the heard ones: new ones have their own key.
  std::vector<vpb::Message> messages;
  for (const auto& m : *list) {
    if (only_new || !m.new_()) messages.push_back(m);
  }
  // Oldest first, as people expect on the phone.
  std::reverse(messages.begin(), messages.end());
  absl::TimeZone tz = absl::UTCTimeZone();
  if (!mb.mailbox.user_id().empty()) {
    if (auto u = profiles_->GetUser(mb.mailbox.user_id()); u.ok()) {
      absl::LoadTimeZone(u->timezone().empty() ? "Europe/Paris" : u->timezone(), &tz);
    }
  }
  Log()->info("{} retrieval: {} {} message(s)", call.ctx(), messages.size(), only_new ? "new" : "saved");
  for (const auto& m : messages) {
    auto row = manager_->store()->GetMessage(m.id());
    if (!row.ok()) continue;
    auto samples = manager_->MessageSamples(*row);
    PromptList audio;
    if (samples.ok()) audio.push_back(media::MakePrompt("message", std::move(*samples)));
    PromptList details;
    if (mb.settings.playback() != vpb::MESSAGE_ONLY) {
      const absl::CivilSecond t = absl::ToCivilSecond(absl::FromUnixSeconds(m.received_at().seconds()), tz);
      details =
          Cat({m.urgent() ? prompts_->Get(lang, "urgent") : PromptList{}, prompts_->Get(lang, "message_from"),
               m.from().empty() ? prompts_->Get(lang, "unknown_caller") : prompts_->Digits(lang, m.from()),
               prompts_->Get(lang, "received_at"), prompts_->Number(lang, static_cast<int>(t.hour())),
               prompts_->Get(lang, "hours"), prompts_->Number(lang, static_cast<int>(t.minute()))});
    }
    const bool play_audio = mb.settings.playback() != vpb::DETAILS_ONLY;
    bool next = false;
    while (!next) {
      Outcome o = PlayAndWait(call, details, true);
      if (o.kind == Outcome::kHangup) return;
      // Heard once its audio starts (or its details, when that is all that is played).
      if (m.new_()) (void)manager_->SetMessageState(m.id(), false, vpb::FOLDER_UNSPECIFIED);
      if (o.kind != Outcome::kDigit && play_audio) o = PlayAndWait(call, audio, true);
      if (o.kind == Outcome::kHangup) return;
      if (o.kind != Outcome::kDigit) o = PlayAndWait(call, prompts_->Get(lang, "message_menu"), true);
      if (o.kind == Outcome::kDone) o = WaitDigit(call, config_.digit_timeout);
      if (o.kind == Outcome::kHangup) return;
      if (o.kind == Outcome::kTimeout) return;
      switch (o.digit) {
        case '1':
          break;  // replay
        case '2':
          PlayAndWait(call, prompts_->Get(lang, "message_saved"), false);
          next = true;
          break;
        case '3':
          (void)manager_->SetMessageState(m.id(), std::nullopt, vpb::DELETED);
          PlayAndWait(call, prompts_->Get(lang, "message_deleted"), false);
          next = true;
          break;
        case '#':
          next = true;
          break;
        case '*':
          return;
        default:
          PlayAndWait(call, prompts_->Get(lang, "invalid_choice"), false);
          break;
      }
    }
  }
  PlayAndWait(call, prompts_->Get(lang, "no_more_messages"), false);
}

std::optional<std::vector<int16_t>> CallRouter::RecordAfterTone(Call& call, PromptList prompt) {
  prompt.push_back(prompts_->beep());
  if (PlayAndWait(call, std::move(prompt), false).kind == Outcome::kHangup) return std::nullopt;
  call.ClearDigits();
  media::RecorderConfig rc;
  rc.max_length = absl::Minutes(2);
  rc.silence_timeout = config_.silence_timeout;
  call.StartRecording(rc);
  for (;;) {
    auto e = call.WaitEvent(absl::Minutes(3));
    if (!e || e->kind == CallEventKind::kRecordingStopped || e->kind == CallEventKind::kHangup ||
        (e->kind == CallEventKind::kDigit && e->digit == '#')) {
      break;
    }
  }
  auto recorder = call.StopRecording();
  if (recorder == nullptr || call.ended() || !recorder->heard_voice()) return std::nullopt;
  return recorder->TakeSamples();
}

void CallRouter::RecordTemporaryGreeting(Call& call, const MailboxRow& mb, const std::string& lang) {
  auto samples = RecordAfterTone(call, prompts_->Get(lang, "record_temporary"));
  if (!samples) return;
  if (manager_->StoreGreetingSamples(mb, vpb::SLOT_TEMPORARY, *samples).ok()) {
    PlayAndWait(call, prompts_->Get(lang, "temporary_saved"), false);
  }
}

bool CallRouter::RecordGreeting(Call& call, const MailboxRow& mb, const std::string& lang,
                                vpb::GreetingSlot slot) {
  auto log = Log();
  auto samples = RecordAfterTone(call, prompts_->Get(lang, "record_greeting"));
  while (samples && !call.ended()) {
    Outcome o = PlayAndWait(call, prompts_->Get(lang, "review_greeting"), true);
    if (o.kind == Outcome::kDone) o = WaitDigit(call, config_.digit_timeout);
    if (o.kind == Outcome::kHangup) return false;
    if (o.kind == Outcome::kTimeout) break;
    switch (o.digit) {
      case '1':
        if (PlayAndWait(call, {media::MakePrompt("greeting", *samples)}, true).kind == Outcome::kHangup)
          return false;
        break;
      case '2': {
        const absl::Status st = manager_->StoreGreetingSamples(mb, slot, *samples);
        log->info("{} retrieval: {} greeting recorded by phone ({} ms): {}", call.ctx(),
                  vpb::GreetingSlot_Name(slot), samples->size() / 8, st.ok() ? "stored" : st.message());
        if (!st.ok()) return false;
        PlayAndWait(call, prompts_->Get(lang, "greeting_saved"), false);
        return true;
      }
      case '3':
        samples = RecordAfterTone(call, prompts_->Get(lang, "record_greeting"));
        break;
      case '*':
        PlayAndWait(call, prompts_->Get(lang, "greeting_cancelled"), false);
        return false;
      default:
        PlayAndWait(call, prompts_->Get(lang, "invalid_choice"), false);
        break;
    }
  }
  return false;
}

void CallRouter::GreetingMenu(Call& call, const MailboxRow& mb, const std::string& lang,
                              vpb::GreetingSlot slot) {
  for (int rounds = 0; rounds < 10 && !call.ended(); ++rounds) {
    Outcome o = PlayAndWait(call, prompts_->Get(lang, "greeting_menu"), true);
    if (o.kind == Outcome::kDone) o = WaitDigit(call, config_.digit_timeout);
    if (o.kind != Outcome::kDigit) return;
    switch (o.digit) {
      case '1':
        if (RecordGreeting(call, mb, lang, slot)) return;
        break;
      case '2': {
        auto samples = manager_->GreetingSamples(mb, slot);
        PlayAndWait(call,
                    samples.ok() ? PromptList{media::MakePrompt("greeting", std::move(*samples))}
                                 : prompts_->Get(lang, "no_greeting"),
                    true);
        break;
      }
      case '3':
        PlayAndWait(
            call,
            prompts_->Get(lang, manager_->RemoveGreeting(mb, slot).ok() ? "greeting_deleted" : "no_greeting"),
            false);
        break;
      case '*':
        return;
      default:
        PlayAndWait(call, prompts_->Get(lang, "invalid_choice"), false);
        break;
    }
  }
}

void CallRouter::OptionsMenu(Call& call, const MailboxRow& mb, const std::string& lang) {
  for (int rounds = 0; rounds < 10 && !call.ended(); ++rounds) {
    Outcome o = PlayAndWait(call, prompts_->Get(lang, "options_menu"), true);
    if (o.kind == Outcome::kDone) o = WaitDigit(call, config_.digit_timeout);
    if (o.kind != Outcome::kDigit) return;
    Log()->info("{} retrieval: options key {}", call.ctx(), o.digit);
    switch (o.digit) {
      case '1':
        GreetingMenu(call, mb, lang, vpb::SLOT_PERSONAL);
        break;
      case '2':
        GreetingMenu(call, mb, lang, vpb::SLOT_BUSY);
        break;
      case '4': {
        // Cooptel 1.3 / 1.4: 4 then 1 records, 2 removes the temporary greeting.
        Outcome t = PlayAndWait(call, prompts_->Get(lang, "temporary_menu"), true);
        if (t.kind == Outcome::kDone) t = WaitDigit(call, config_.digit_timeout);
        if (t.kind != Outcome::kDigit) return;
        if (t.digit == '1') {
          RecordTemporaryGreeting(call, mb, lang);
        } else if (t.digit == '2') {
          (void)manager_->RemoveGreeting(mb, vpb::SLOT_TEMPORARY);
          PlayAndWait(call, prompts_->Get(lang, "temporary_removed"), false);
        }
        break;
      }
      case '*':
        return;
      default:
        PlayAndWait(call, prompts_->Get(lang, "invalid_choice"), false);
        break;
    }
  }
}

// ------------------------------------------------------------------ call-outs

vpb::PlaceCallResponse CallRouter::PlaceCall(sipua::UserAgent* ua, const vpb::PlaceCallRequest& req,
                                             const std::string& outbound_domain) {
  vpb::PlaceCallResponse out;
  absl::StatusOr<MailboxRow> mb = manager_->MailboxForUser(req.user_id());
  std::string domain = outbound_domain;
  std::string caller = req.caller_id();
  if (mb.ok()) {
    if (!mb->sip_domain.empty()) domain = mb->sip_domain;
    if (caller.empty() && !mb->mailbox.lines().empty()) caller = mb->mailbox.lines(0).number();
  }
  if (caller.empty()) caller = "voicemail";
  const std::string to =
      absl::StartsWith(req.to(), "sip:") ? req.to() : absl::StrCat("sip:", req.to(), "@", domain);
  sipua::OriginateRequest o;
  o.to_uri = to;
  o.from_uri = absl::StrCat("sip:", caller, "@", domain);
  o.from_display = req.kind() == vpb::PlaceCallRequest::NEW_MESSAGES_CALLOUT ? "Messagerie" : "Rappel";
  o.ring_timeout = absl::Seconds(req.ring_timeout_s() > 0 ? req.ring_timeout_s() : 30);
  o.headers = {{"X-Sb-Tenant", req.tenant_id()}, {"X-Sb-Origin", "voicemail"}};
  if (!req.user_id().empty()) o.headers.push_back({"X-Sb-User", req.user_id()});
  sipua::OriginateResult r = ua->Originate(o);
  out.set_sip_code(r.status);
  out.set_sip_reason(r.phrase);
  out.set_answered(r.call != nullptr);
  if (r.call == nullptr) return out;
  out.set_call_id(r.call->info().call_id);
  r.call->set_tenant(req.tenant_id());
  const std::string lang = !req.language().empty() ? req.language()
                           : mb.ok()               ? manager_->LanguageOf(*mb)
                                                   : "fr";
  if (req.kind() == vpb::PlaceCallRequest::ANNOUNCEMENT || req.kind() == vpb::PlaceCallRequest::REMINDER) {
    PromptList announcement;
    if (!req.announcement_wav().empty()) {
      auto p = media::LoadPromptFromWav(
          {reinterpret_cast<const uint8_t*>(req.announcement_wav().data()), req.announcement_wav().size()},
          "announcement");
      if (p.ok()) announcement.push_back(*p);
    } else if (!req.message_id().empty()) {
      if (auto row = manager_->store()->GetMessage(req.message_id()); row.ok()) {
        if (auto s = manager_->MessageSamples(*row); s.ok())
          announcement.push_back(media::MakePrompt("message", *s));
      }
    } else if (req.greeting_slot() != vpb::GREETING_SLOT_UNSPECIFIED && mb.ok()) {
      if (auto s = manager_->GreetingSamples(*mb, req.greeting_slot()); s.ok()) {
        announcement.push_back(media::MakePrompt("greeting", *s));
      }
    }
    if (announcement.empty() && req.kind() == vpb::PlaceCallRequest::REMINDER) {
      announcement = prompts_->Get(lang, "reminder_default");
    }
    std::vector<std::string> names;
    for (const auto& p : announcement) names.push_back(p->name);
    Log()->info("{} {} call to {}: plays [{}]", r.call->ctx(), vpb::PlaceCallRequest::Kind_Name(req.kind()), to,
                absl::StrJoin(names, ","));
    const int repeat = std::clamp(req.repeat(), 1, 5);
    Spawn(r.call, [this, announcement, repeat](Call& c) {
      for (int i = 0; i < repeat; ++i) {
        if (PlayAndWait(c, announcement, false).kind == Outcome::kHangup) return;
        PlayAndWait(c, {media::MakePrompt("pause", std::vector<int16_t>(8000))}, false);
      }
      c.Hangup();
    });
  } else if (mb.ok()) {
    MailboxRow row = *mb;
    Spawn(r.call, [this, row, lang](Call& c) {
      const int fresh = row.mailbox.inbox_new();
      const int saved = row.mailbox.inbox_total() - fresh;
      Outcome o =
          PlayAndWait(c,
                      Cat({prompts_->Get(lang, "callout_intro"), Counts(*prompts_, lang, fresh, saved),
                           prompts_->Get(lang, "callout_login")}),
                      true);
      if (o.kind == Outcome::kDone) o = WaitDigit(c, absl::Seconds(10));
      if (o.kind == Outcome::kDigit && o.digit == '1') {
        RetrievalFor(c, row, true);
        return;
      }
      PlayAndWait(c, prompts_->Get(lang, "goodbye"), false);
      c.Hangup();
    });
  } else {
    r.call->Hangup();
  }
  return out;
}

}  // namespace sb::voicemail
