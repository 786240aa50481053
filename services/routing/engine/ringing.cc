#include "services/routing/engine/ringing.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/routing/engine/number_keys.h"
#include "services/routing/engine/terminals.h"

namespace sb::routing {
namespace {

// How long a phone rings when a setting that needs a ring time has none
// (Cooptel's "Faire sonner pendant" left at 0, a ring target without time).
constexpr int kDefaultRingS = 20;
// MC 2.1.1.2: forward on no answer after 6–3600 s (default 36, API.md);
// voicemail after 0–60 s, 0 meaning at once.
constexpr int kMinNoAnswerForwardS = 6;
constexpr int kMaxNoAnswerForwardS = 3600;
constexpr int kDefaultNoAnswerForwardS = 36;
constexpr int kMaxVoicemailAfterS = 60;
// CT find-me/follow-me "Nombre de tentatives supplémentaires": bounded so a
// typo cannot keep a caller waiting for an hour.
constexpr int kMaxExtraAttempts = 3;

// The user part of a History-Info / Diversion entry ("sip:+33…@host;x=y").
std::string_view UserPart(std::string_view entry) {
  if (entry.starts_with("sip:") || entry.starts_with("tel:")) entry.remove_prefix(4);
  if (entry.starts_with("sips:")) entry.remove_prefix(5);
  const size_t end = entry.find_first_of("@;>");
  return end == std::string_view::npos ? entry : entry.substr(0, end);
}

}  // namespace

Ringing::Ringing(const rpb::CallSetup& setup, const Snapshot& snapshot, const CompiledSettings& compiled,
                 rpb::RouteDecision& decision)
    : snapshot_(snapshot),
      callee_(*snapshot.callee),
      cs_(compiled),
      settings_(compiled.settings),
      decision_(decision) {
  for (const std::string& entry : setup.diverted_from()) {
    std::string key = NumberKey(UserPart(entry), cs_.rules);
    if (!key.empty()) diverted_.push_back(std::move(key));
  }
}

void Ringing::RingMyLine(const std::string& by, const std::string& alert_info, bool screen) {
  decision_.set_decided_by(by);
  const NoAnswer no_answer = NoAnswerPlan();
  if (no_answer.at_once) {
    *decision_.mutable_final() = no_answer.terminal;
    return;
  }
  rpb::Target line = MyLine();
  line.set_alert_info(alert_info);
  line.set_screen_caller(screen);
  FinishLastStep(AddStep({std::move(line)}, no_answer.ring_s), no_answer.terminal);
}

void Ringing::RingSimultaneous(const std::vector<CompiledRingTarget>& targets, bool skip_if_on_call,
                               const std::string& by) {
  if (RemoteForward(targets, by)) return;
  decision_.set_decided_by(by);
  const NoAnswer no_answer = NoAnswerPlan();
  if (no_answer.at_once) {
    *decision_.mutable_final() = no_answer.terminal;
    return;
  }
  std::vector<rpb::Target> ring = {MyLine()};
  for (const CompiledRingTarget& extra : targets) {
    std::optional<rpb::Target> target = ResolveTarget(extra.number, rpb::DIVERSION_REASON_UNSPECIFIED);
    if (!target) continue;  // a loop: that phone is where the call came from
    target->set_delay_s(extra.delay_s);
    target->set_allow_remote_forwarding(extra.allow_remote_forwarding);
    // PX "Ne pas sonner si en appel": the extra phones are left alone when
    // the subscriber is already on a call (see PRECEDENCE.md).
    target->set_skip_if_on_call(skip_if_on_call);
    ring.push_back(std::move(*target));
  }
  FinishLastStep(AddStep(std::move(ring), no_answer.ring_s), no_answer.terminal);
}

bool Ringing::RingSequential(const std::vector<CompiledRingTarget>& steps, bool with_my_line,
                             const std::string& by) {
  if (RemoteForward(steps, by)) return true;
  std::vector<rpb::Step*> added;
  for (size_t i = 0; i < steps.size(); ++i) {
    std::vector<rpb::Target> ring;
    if (i == 0 && with_my_line) ring.push_back(MyLine());
    if (std::optional<rpb::Target> target =
            ResolveTarget(steps[i].number, rpb::DIVERSION_REASON_UNSPECIFIED)) {
      target->set_allow_remote_forwarding(steps[i].allow_remote_forwarding);
      ring.push_back(std::move(*target));
    }
    if (ring.empty()) continue;
    added.push_back(&AddStep(std::move(ring), steps[i].ring_s > 0 ? steps[i].ring_s : kDefaultRingS));
  }
  if (added.empty()) return false;
  decision_.set_decided_by(by);
  for (rpb::Step* step : added) {
    *step->mutable_on_no_answer() = NextStep();
    *step->mutable_on_busy() = NextStep();
    *step->mutable_on_unreachable() = NextStep();
  }
  FinishLastStep(*added.back());
  return true;
}

bool Ringing::FindMeFollowMe(const rpb::FindMeFollowMe& find_me) {
  if (RemoteForward(cs_.find_me_targets, "find-me/follow-me")) return true;
  std::vector<rpb::Target> targets;
  for (const CompiledRingTarget& entry : cs_.find_me_targets) {
    if (std::optional<rpb::Target> target = ResolveTarget(entry.number, rpb::FOLLOW_ME)) {
      target->set_screen_caller(find_me.screen_caller_name());
      target->set_allow_remote_forwarding(entry.allow_remote_forwarding);
      // Without "pass original caller ID", the phone found shows who is
      // looking for its owner: the subscriber's own number and name.
      if (!find_me.pass_original_caller_id()) {
        target->set_present_number(callee_.line.number_e164);
        target->set_present_name(callee_.line.display_name);
      }
      targets.push_back(std::move(*target));
    }
  }
  if (targets.empty()) return false;
  const int first_delay = cs_.find_me_targets.front().delay_s;
  rpb::Step* step = &AddStep({MyLine()}, first_delay > 0 ? first_delay : RingTime());
  // "Remplacer la sonnerie par la musique d'attente": from the first step on,
  // the caller hears music while the search goes on.
  auto music = [&](rpb::Step* s) { s->set_music_instead_of_ringback(find_me.music_instead_of_ringback()); };
  music(step);
  const int attempts = 1 + std::clamp(find_me.extra_attempts(), 0, kMaxExtraAttempts);
  for (int attempt = 0; attempt < attempts; ++attempt) {
    for (size_t i = 0; i < targets.size(); ++i) {
      *step->mutable_on_no_answer() = NextStep();
      *step->mutable_on_busy() = NextStep();
      *step->mutable_on_unreachable() = NextStep();
      const int ring_s = cs_.find_me_targets[i].ring_s;
      step = &AddStep({targets[i]}, ring_s > 0 ? ring_s : kDefaultRingS);
      music(step);
    }
  }
  if (find_me.skip_voicemail()) {
    // "Sauter le message de boîte vocale": the search ends without my
    // mailbox; the caller is told nobody could be reached.
    *step->mutable_on_no_answer() = Reject(480);
    *step->mutable_on_busy() = Reject(480);
    *step->mutable_on_unreachable() = Reject(480);
    *decision_.mutable_final() = Reject(480);
  } else {
    FinishLastStep(*step);
  }
  decision_.set_decided_by("find-me/follow-me");
  return true;
}

bool Ringing::RemoteForward(const std::vector<CompiledRingTarget>& targets, std::string_view by) {
  if (!snapshot_.unconditional_forward) return false;
  for (const CompiledRingTarget& entry : targets) {
    if (!entry.allow_remote_forwarding) continue;
    std::optional<rpb::Target> target = ResolveTarget(entry.number, rpb::DIVERSION_REASON_UNSPECIFIED);
    if (!target || target->kind() != rpb::Target::LINE || !snapshot_.resolve) continue;
    // Looked up as ResolveTarget did (an extension may have no E.164).
    const bool e164 = entry.number.key[0] == '+';
    std::optional<LineRef> line = snapshot_.resolve(e164 ? entry.number.key : entry.number.dialed);
    if (!line) continue;
    std::optional<std::string> forward = snapshot_.unconditional_forward(*line);
    if (!forward) continue;
    ForwardNumber number{.dialed = *forward, .key = NumberKey(*forward, cs_.rules)};
    // A forward that would loop (back to this line, say) is not followed:
    // the table rings as if there were none.
    std::optional<rpb::Target> there = ResolveTarget(number, rpb::UNCONDITIONAL);
    if (!there) continue;
    Final(ForwardTo(*there, rpb::UNCONDITIONAL),
          absl::StrCat(std::string(by), ", then the forwarding of ", entry.number.dialed, " (remote forwarding allowed)"));
    return true;
  }
  return false;
}

Ringing::NoAnswer Ringing::NoAnswerPlan() const {
  NoAnswer plan;
  const rpb::ForwardNoAnswer& forward = settings_.forward_no_answer();
  if (forward.enabled() && !cs_.forward_no_answer.empty()) {
    const int after = forward.after_s() > 0 ? forward.after_s() : kDefaultNoAnswerForwardS;
    plan.ring_s = std::clamp(after, kMinNoAnswerForwardS, kMaxNoAnswerForwardS);
    plan.terminal = ForwardOr(cs_.forward_no_answer, rpb::NO_ANSWER);
    return plan;
  }
  if (settings_.voicemail_enabled()) {
    plan.ring_s = std::clamp(settings_.voicemail_after_s(), 0, kMaxVoicemailAfterS);
    plan.terminal = Voicemail(callee_.line.user_id, rpb::NO_ANSWER);
    plan.at_once = plan.ring_s == 0;
    return plan;
  }
  // Neither: ring for the line's ring time (CT: 0 rings until the caller
  // hangs up), then tell the caller nobody answered.
  plan.ring_s = std::max(0, settings_.ring_time_s());
  plan.terminal = Reject(480);
  return plan;
}

rpb::Terminal Ringing::OnBusy() const {
  const bool mailbox = settings_.voicemail_enabled();
  const rpb::ForwardBusy& forward = settings_.forward_busy();
  if (forward.enabled()) {
    if (forward.to_voicemail()) {
      return mailbox ? Voicemail(callee_.line.user_id, rpb::USER_BUSY) : Busy();
    }
    if (!cs_.forward_busy.empty()) return ForwardOr(cs_.forward_busy, rpb::USER_BUSY);
  }
  switch (settings_.when_busy()) {
    case rpb::ON_THE_PHONE_MESSAGE:
      return Announcement("on-the-phone");
    case rpb::BUSY_TONE:
      return Busy();
    default:  // voicemail when the mailbox is on, else busy (proto default)
      return mailbox ? Voicemail(callee_.line.user_id, rpb::USER_BUSY) : Busy();
  }
}

rpb::Terminal Ringing::OnUnreachable() const {
  const rpb::ForwardUnreachable& forward = settings_.forward_unreachable();
  if (forward.enabled() && !cs_.forward_unreachable.empty()) {
    return ForwardOr(cs_.forward_unreachable, rpb::UNAVAILABLE);
  }
  if (settings_.voicemail_enabled()) return Voicemail(callee_.line.user_id, rpb::UNAVAILABLE);
  return Reject(480);
}

void Ringing::FinishLastStep(rpb::Step& step, rpb::Terminal on_no_answer) {
  *step.mutable_on_no_answer() = std::move(on_no_answer);
  *step.mutable_on_busy() = OnBusy();
  *step.mutable_on_unreachable() = OnUnreachable();
  *decision_.mutable_final() = step.on_no_answer();
}

rpb::Target Ringing::MyLine() const {
  rpb::Target target;
  target.set_kind(rpb::Target::LINE);
  target.set_line_id(callee_.line.line_id);
  target.set_user_id(callee_.line.user_id);
  target.set_number_e164(callee_.line.number_e164);
  target.set_alert_info(alert_info_);
  return target;
}

bool Ringing::IsLoop(std::string_view key) const {
  if (key.empty()) return false;
  if (key == callee_.line.number_e164) return true;
  return std::find(diverted_.begin(), diverted_.end(), key) != diverted_.end();
}

std::optional<rpb::Target> Ringing::ResolveTarget(const ForwardNumber& number,
                                                  rpb::DiversionReason reason) const {
  if (number.empty() || IsLoop(number.key)) return std::nullopt;
  const bool e164 = number.key[0] == '+';
  rpb::Target target;
  target.set_diversion(reason);
  if (snapshot_.resolve) {
    if (std::optional<LineRef> line = snapshot_.resolve(e164 ? number.key : number.dialed)) {
      if (line->line_id == callee_.line.line_id || IsLoop(line->number_e164)) {
        return std::nullopt;
      }
      target.set_kind(rpb::Target::LINE);
      target.set_line_id(line->line_id);
      target.set_user_id(line->user_id);
      target.set_number_e164(line->number_e164);
      return target;
    }
  }
  // An extension nobody has (any more) can't be dialed out of the trunk.
  if (!e164) return std::nullopt;
  target.set_kind(rpb::Target::EXTERNAL);
  target.set_number_e164(number.key);
  return target;
}

rpb::Terminal Ringing::ForwardOr(const ForwardNumber& number, rpb::DiversionReason reason) const {
  if (std::optional<rpb::Target> target = ResolveTarget(number, reason)) {
    return ForwardTo(*target, reason);
  }
  return LoopFallback(reason);
}

rpb::Terminal Ringing::LoopFallback(rpb::DiversionReason reason) const {
  if (settings_.voicemail_enabled()) return Voicemail(callee_.line.user_id, reason);
  return reason == rpb::UNAVAILABLE ? Reject(480) : Busy();
}

int Ringing::RingTime() const {
  return settings_.ring_time_s() > 0 ? settings_.ring_time_s() : kDefaultRingS;
}

rpb::Step& Ringing::AddStep(std::vector<rpb::Target> targets, int ring_s) {
  rpb::Step& step = *decision_.add_steps();
  for (rpb::Target& target : targets) *step.add_targets() = std::move(target);
  step.set_ring_s(ring_s);
  return step;
}

void Ringing::Final(rpb::Terminal terminal, std::string_view by) {
  *decision_.mutable_final() = std::move(terminal);
  decision_.set_decided_by(std::string(by));
}

}  // namespace sb::routing
