#include "services/routing/engine/incoming.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/routing/engine/absl_view.h"
#include "services/routing/engine/caller_match.h"
#include "services/routing/engine/outgoing.h"
#include "services/routing/engine/ringing.h"
#include "services/routing/engine/terminals.h"

namespace sb::routing {
namespace {

// B3 / MC 2.1.1.3: "une ligne MetaCentrex [peut] prendre 5 appels simultanés".
constexpr int kDefaultMaxConcurrentCalls = 5;
// RFC 7462: calls from inside the company ring differently (PX internal /
// external display, distinct ring by default on most desk phones).
constexpr std::string_view kInternalAlertInfo = "<urn:alert:source:internal>";
constexpr std::string_view kPriorityAlertInfo = "<urn:alert:priority:high>";

class Incoming {
 public:
  Incoming(const rpb::CallSetup& setup, const Snapshot& snapshot, const CompiledSettings& compiled,
           const CompiledBlacklist& blacklist, absl::Time now)
      : setup_(setup),
        snapshot_(snapshot),
        callee_(*snapshot.callee),
        cs_(compiled),
        settings_(compiled.settings),
        blacklist_(blacklist),
        local_(absl::ToCivilSecond(now, compiled.timezone)) {}

  rpb::RouteDecision Decide() {
    Start();
    if (CallerBarred() || Blacklisted() || AnonymousRejected() || SelectivelyRejected() || DoNotDisturb() ||
        RuleLists() || SelectiveForward() || UnconditionalForward() || ExtraRinging()) {
      return std::move(decision_);
    }
    StandardRinging();
    return std::move(decision_);
  }

 private:
  // ------------------------------------------------------------ the chain

  void Start() {
    caller_ = DescribeCaller(setup_, snapshot_, callee_.line.tenant_id, cs_.rules);
    hits_ = cs_.callers.Lookup(caller_);
    decision_.set_call_id(setup_.call_id());
    decision_.set_callee_user_id(callee_.line.user_id);
    decision_.set_callee_tenant_id(callee_.line.tenant_id);
    decision_.set_max_concurrent_calls(settings_.max_concurrent_calls() > 0 ? settings_.max_concurrent_calls()
                                                                            : kDefaultMaxConcurrentCalls);
    SetPresentation();
    if (settings_.distinctive_ring().enabled() && Matches(cs_.distinctive_ring)) {
      ring_.set_alert_info(AlertInfoFor(settings_.distinctive_ring().ring_tone()));
    } else if (caller_.colleague) {
      ring_.set_alert_info(std::string(kInternalAlertInfo));
    }
  }

  // 0. The calling subscriber's own outgoing barring (an internal call).
  bool CallerBarred() {
    if (!snapshot_.caller || snapshot_.numbering == nullptr ||
        !HasOutgoingRestrictions(snapshot_.caller->settings.outgoing_barring())) {
      return false;
    }
    const OutgoingDestination destination =
        ClassifyOutgoing(setup_.dialed(), *snapshot_.caller, *snapshot_.numbering);
    std::optional<std::string> reason =
        BarredReason(destination, snapshot_.caller->settings.outgoing_barring());
    if (!reason) return false;
    ring_.Final(Reject(403, "call-barred"), "caller's outgoing call barring");
    decision_.mutable_final()->set_sip_reason(*reason);
    return true;
  }

  // 1. The tenant's blacklist.
  bool Blacklisted() {
    const CompiledBlacklist::Verdict verdict = blacklist_.Check(caller_);
    if (!verdict.blocked) return false;
    ring_.Final(Reject(603), absl::StrCat("tenant blacklist (", Av(verdict.rule), ")"));
    return true;
  }

  // 2. Anonymous call rejection (RFC 5079).
  bool AnonymousRejected() {
    if (!settings_.reject_anonymous() || !caller_.anonymous) return false;
    ring_.Final(Reject(433, "anonymous-rejected"), "anonymous call rejection");
    return true;
  }

  // 3. Selective reject: declined, never to voicemail (AS, MC).
  bool SelectivelyRejected() {
    if (!settings_.selective_reject().enabled() || !Matches(cs_.selective_reject)) return false;
    ring_.Final(Reject(603), "selective reject list");
    return true;
  }

  // 4. Do not disturb, unless a priority caller.
  bool DoNotDisturb() {
    if (settings_.availability() != rpb::DND) return false;
    if (Matches(cs_.dnd_priority)) {
      priority_caller_ = true;
      return false;
    }
    const rpb::ForwardBusy& busy = settings_.forward_busy();
    if (busy.enabled() && !busy.to_voicemail() && !cs_.forward_busy.empty()) {
      // MC 2.1.1.1: with busy forwarding on, DND callers go to its number.
      ring_.Final(ring_.ForwardOr(cs_.forward_busy, rpb::DO_NOT_DISTURB), "do not disturb (busy forward)");
    } else if (settings_.voicemail_enabled()) {
      ring_.Final(Voicemail(callee_.line.user_id, rpb::DO_NOT_DISTURB), "do not disturb");
    } else {
      // PX: "l'appelant reçoit une tonalité d'occupation".
      ring_.Final(Busy(), "do not disturb");
    }
    return true;
  }

  // 5. The rule list active now: its first matching rule, else its default.
  bool RuleLists() {
    const CompiledRuleList* list = ActiveRuleList(&out_of_hours_);
    if (list == nullptr) return false;
    for (const CompiledRule& rule : list->rules) {
      if (!rule.when.empty() && !Matches(rule.when)) continue;
      // A matching rule always decides; one saved without an action is the
      // MC default scenario, "ring my phone with the standard ring".
      const std::string by = absl::StrCat("rule '", rule.name, "' of list '", list->name, "'");
      if (rule.then.kind == rpb::Action::KIND_UNSPECIFIED) {
        ring_.RingMyLine(by, ring_.alert_info(), false);
      } else {
        ApplyAction(rule.then, by);
      }
      return true;
    }
    // An unset default falls through to the basic settings below, so a list
    // of exceptions doesn't switch off forwarding for everyone else.
    if (list->default_action.kind == rpb::Action::KIND_UNSPECIFIED) return false;
    ApplyAction(list->default_action, absl::StrCat("default action of list '", list->name, "'"));
    return true;
  }

  // 6. Selective forward (a caller on the reject list was stopped at 3).
  bool SelectiveForward() {
    if (!settings_.selective_forward().enabled() || cs_.selective_forward_to.empty() ||
        !Matches(cs_.selective_forward)) {
      return false;
    }
    ring_.Final(ring_.ForwardOr(cs_.selective_forward_to, rpb::DEFLECTION), "selective forward list");
    return true;
  }

  // 7. Unconditional forward, with the Cooptel variants.
  bool UnconditionalForward() {
    const rpb::ForwardUnconditional& forward = settings_.forward_unconditional();
    if (!forward.enabled() || cs_.forward_unconditional.empty()) return false;
    std::optional<rpb::Target> target = ring_.ResolveTarget(cs_.forward_unconditional, rpb::UNCONDITIONAL);
    const rpb::ForwardMode mode =
        forward.mode() == rpb::FORWARD_MODE_UNSPECIFIED ? rpb::ALWAYS : forward.mode();
    const std::string by = absl::StrCat("unconditional forward (", rpb::ForwardMode_Name(mode), ")");
    switch (mode) {
      case rpb::ONLY_ON_NO_ANSWER: {
        if (!target) return false;  // a loop: ring my line as usual
        rpb::Step& step = ring_.AddStep({ring_.MyLine()}, ring_.RingTime());
        *step.mutable_on_no_answer() = ForwardTo(*target, rpb::NO_ANSWER);
        *step.mutable_on_busy() = ring_.OnBusy();
        // An unregistered phone can't answer either: forward as well.
        *step.mutable_on_unreachable() = ForwardTo(*target, rpb::UNAVAILABLE);
        *decision_.mutable_final() = step.on_no_answer();
        decision_.set_decided_by(by);
        return true;
      }
      case rpb::RING_BOTH: {
        if (!target) return false;
        rpb::Step& step = ring_.AddStep({ring_.MyLine(), *target}, ring_.RingTime());
        ring_.FinishLastStep(step);
        decision_.set_decided_by(by);
        return true;
      }
      case rpb::WHEN_CALLER_PRESSES_1: {
        if (!target) return false;
        // After the ring time the caller hears a prompt; pressing 1 forwards
        // (Terminal.forward), anything else ends the call: the subscriber
        // asked for forwarding only with the caller's consent.
        rpb::Step& step = ring_.AddStep({ring_.MyLine()}, ring_.RingTime());
        rpb::Terminal prompt = Announcement("press-1-to-forward");
        *prompt.mutable_forward() = *target;
        prompt.mutable_forward()->set_diversion(rpb::NO_ANSWER);
        prompt.set_reason(rpb::NO_ANSWER);
        *step.mutable_on_no_answer() = prompt;
        *step.mutable_on_busy() = ring_.OnBusy();
        *step.mutable_on_unreachable() = ring_.OnUnreachable();
        *decision_.mutable_final() = prompt;
        decision_.set_decided_by(by);
        return true;
      }
      default:  // ALWAYS and unspecified
        ring_.Final(target ? ForwardTo(*target, rpb::UNCONDITIONAL) : ring_.LoopFallback(rpb::UNCONDITIONAL),
                    by);
        return true;
    }
  }

  // 8. Simultaneous ring, sequential ring, find-me/follow-me.
  bool ExtraRinging() {
    const rpb::SimultaneousRing& simultaneous = settings_.simultaneous_ring();
    if (simultaneous.enabled() && !cs_.simultaneous_targets.empty() &&
        CriteriaHold(simultaneous.criteria(), cs_.simultaneous_callers)) {
      ring_.RingSimultaneous(cs_.simultaneous_targets, simultaneous.do_not_ring_if_on_call(),
                             "simultaneous ring");
      return true;
    }
    const rpb::SequentialRing& sequential = settings_.sequential_ring();
    if (sequential.enabled() && !cs_.sequential_steps.empty() &&
        CriteriaHold(sequential.criteria(), cs_.sequential_callers) &&
        ring_.RingSequential(cs_.sequential_steps, sequential.ring_my_line_first(), "sequential ring")) {
      return true;
    }
    const rpb::FindMeFollowMe& find_me = settings_.find_me_follow_me();
    // CT: "Le renvoi d'appel doit être désactivé pour que cette option soit
    // enclenchée."
    if (find_me.enabled() && !settings_.forward_unconditional().enabled() && !cs_.find_me_targets.empty()) {
      return ring_.FindMeFollowMe(find_me);
    }
    return false;
  }

  // 9. My line, with the busy / no-answer / unreachable fallbacks.
  void StandardRinging() {
    ring_.RingMyLine(priority_caller_ ? "do not disturb: priority caller" : "standard ringing",
                     ring_.alert_info(), false);
  }

  // ------------------------------------------------------------ actions

  void ApplyAction(const CompiledAction& action, const std::string& by) {
    switch (action.kind) {
      case rpb::Action::FORWARD:
        ring_.Final(ring_.ForwardOr(action.number, rpb::TIME_OF_DAY), by);
        return;
      case rpb::Action::VOICEMAIL:
        if (settings_.voicemail_enabled()) {
          rpb::Terminal voicemail = Voicemail(callee_.line.user_id, rpb::TIME_OF_DAY);
          // A list in force because the office is closed: the out-of-hours greeting.
          voicemail.set_out_of_hours(out_of_hours_);
          ring_.Final(voicemail, by);
        } else {
          ring_.Final(Reject(480), by);
        }
        return;
      case rpb::Action::REJECT:
        ring_.Final(Reject(603, action.reject_message), by);
        return;
      case rpb::Action::SCREEN:
        ring_.RingMyLine(by, ring_.alert_info(), /*screen=*/true);
        return;
      case rpb::Action::RING_SIMULTANEOUS:
        ring_.RingSimultaneous(action.numbers, false, by);
        return;
      case rpb::Action::RING_SEQUENTIAL:
        if (!ring_.RingSequential(action.numbers, false, by)) ring_.RingMyLine(by, ring_.alert_info(), false);
        return;
      default:  // RING
        ring_.RingMyLine(by, action.ring_tone.empty() ? ring_.alert_info() : AlertInfoFor(action.ring_tone),
                         false);
        return;
    }
  }

  // ------------------------------------------------------------ helpers

  bool Matches(const CompiledCallerMatch& match) const {
    return !match.empty() && match.Matches(caller_, hits_);
  }

  bool CriteriaHold(const rpb::RingCriteria& criteria, const CompiledCallerMatch& callers) const {
    if (!criteria.schedule_id().empty() &&
        !cs_.schedules.Contains(criteria.schedule_id(), local_).value_or(false)) {
      return false;  // outside the schedule, or a schedule that is gone
    }
    return callers.empty() || callers.Matches(caller_, hits_);
  }

  // The rule list in force now; *out_of_hours tells whether it is because
  // of a special day or a schedule's closed period (a list active outside
  // its schedule).
  const CompiledRuleList* ActiveRuleList(bool* out_of_hours) const {
    *out_of_hours = false;
    if (!settings_.special_days_rule_list_id().empty()) {
      const absl::CivilDay today(local_);
      for (const std::string& schedule : cs_.special_day_schedules) {
        if (cs_.schedules.IsSpecialDay(schedule, today)) {
          if (const CompiledRuleList* list = cs_.FindRuleList(settings_.special_days_rule_list_id())) {
            *out_of_hours = true;
            return list;
          }
          break;
        }
      }
    }
    for (const rpb::ActiveRuleList& active : settings_.active_rule_lists()) {
      bool applies = true;
      if (!active.schedule_id().empty()) {
        const std::optional<bool> in = cs_.schedules.Contains(active.schedule_id(), local_);
        if (!in) continue;
        applies = *in != active.outside();
      }
      if (!applies) continue;
      if (const CompiledRuleList* list = cs_.FindRuleList(active.rule_list_id())) {
        *out_of_hours = !active.schedule_id().empty() && active.outside();
        return list;
      }
    }
    if (settings_.default_rule_list_id().empty()) return nullptr;
    return cs_.FindRuleList(settings_.default_rule_list_id());
  }

  void SetPresentation() {
    rpb::Presentation& presentation = *decision_.mutable_presentation();
    if (snapshot_.caller) {
      presentation = CallerPresentation(*snapshot_.caller, caller_.colleague);
    } else {
      const rpb::Party& party = setup_.caller();
      presentation.set_withhold_number(caller_.anonymous);
      presentation.set_number(party.number_e164().empty() ? party.number() : party.number_e164());
      presentation.set_display_name(party.display_name());
      presentation.set_asserted_identity(party.number_e164());
    }
    // The callee's own choice not to be shown who calls (B11). The asserted
    // identity stays: it is for the network and the call log, not the phone.
    if (settings_.caller_id().hide_incoming_number()) {
      presentation.set_withhold_number(true);
      presentation.clear_number();
    }
    if (settings_.caller_id().hide_incoming_name()) presentation.clear_display_name();
  }

  const rpb::CallSetup& setup_;
  const Snapshot& snapshot_;
  const CalleeView& callee_;
  const CompiledSettings& cs_;
  const rpb::CallSettings& settings_;
  const CompiledBlacklist& blacklist_;
  const absl::CivilSecond local_;

  CallerInfo caller_;
  CallerHits hits_;
  bool priority_caller_ = false;
  bool out_of_hours_ = false;  // the active rule list is the closed-hours / special-day one
  rpb::RouteDecision decision_;
  Ringing ring_{setup_, snapshot_, cs_, decision_};  // after decision_
};

}  // namespace

std::string AlertInfoFor(std::string_view ring_tone) {
  if (ring_tone.empty()) return std::string(kPriorityAlertInfo);
  if (ring_tone.front() == '<') return std::string(ring_tone);
  if (ring_tone.starts_with("urn:") || ring_tone.starts_with("http")) {
    return absl::StrCat("<", Av(ring_tone), ">");
  }
  return absl::StrCat("<http://127.0.0.1>;info=", Av(ring_tone));
}

rpb::RouteDecision DecideIncoming(const rpb::CallSetup& setup, const Snapshot& snapshot,
                                  const CompiledSettings& compiled, const CompiledBlacklist& blacklist,
                                  absl::Time now) {
  return Incoming(setup, snapshot, compiled, blacklist, now).Decide();
}

}  // namespace sb::routing
