#pragma once
// The ringing half of an incoming decision: targets (my line, forward
// targets resolved to LINE or EXTERNAL, loop protection), steps (my line,
// simultaneous, sequential, find-me/follow-me) and the busy / no-answer /
// unreachable fallbacks of PRECEDENCE.md. incoming.cc decides *which*
// treatment applies; this class builds it into the decision.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "services/routing/engine/compiled.h"
#include "services/routing/engine/engine.h"

namespace sb::routing {

class Ringing {
 public:
  // Writes into `decision`, which must outlive this object.
  Ringing(const rpb::CallSetup& setup, const Snapshot& snapshot, const CompiledSettings& compiled,
          rpb::RouteDecision& decision);

  // The Alert-Info my line rings with, unless an action names its own tone.
  void set_alert_info(std::string alert_info) { alert_info_ = std::move(alert_info); }
  const std::string& alert_info() const { return alert_info_; }

  // ---- whole treatments; each sets decided_by.
  void Final(rpb::Terminal terminal, std::string_view by);
  void RingMyLine(const std::string& by, const std::string& alert_info, bool screen);
  void RingSimultaneous(const std::vector<CompiledRingTarget>& targets, bool skip_if_on_call,
                        const std::string& by);
  // PX cascade: my line rings with the first number, then each next number
  // alone, each for its own time. False when no step is left to ring. Sets
  // decided_by to `by`.
  bool RingSequential(const std::vector<CompiledRingTarget>& steps, bool with_my_line, const std::string& by);
  // CT find-me/follow-me: my line first for the time before transfer (the
  // first target's delay, else the line's ring time), then each number in
  // turn, with screening, 1 + extra_attempts times.
  bool FindMeFollowMe(const rpb::FindMeFollowMe& find_me);
  // AS "Permettre le renvoi d'appels à distance": when a number of ours
  // among `targets` allows it and forwards every call itself, its forward
  // takes the call and the table rings no other phone: the decision is that
  // forward (true). The number's phones may still forward on their own
  // (181, 3xx): the edge applies the same flag to them.
  bool RemoteForward(const std::vector<CompiledRingTarget>& targets, std::string_view by);

  // ---- parts.
  struct NoAnswer {
    int ring_s = 0;
    rpb::Terminal terminal;
    bool at_once = false;  // voicemail_after_s == 0: "immédiatement renvoyés"
  };
  NoAnswer NoAnswerPlan() const;
  rpb::Terminal OnBusy() const;
  rpb::Terminal OnUnreachable() const;
  // The terminals of the last step, and the decision's final (the same as
  // its no-answer terminal, for an edge that runs out of steps).
  void FinishLastStep(rpb::Step& step) { FinishLastStep(step, NoAnswerPlan().terminal); }
  void FinishLastStep(rpb::Step& step, rpb::Terminal on_no_answer);
  rpb::Step& AddStep(std::vector<rpb::Target> targets, int ring_s);
  // CT "Faire sonner pendant", with a default when unset.
  int RingTime() const;

  rpb::Target MyLine() const;
  // A LINE target when the number is one of ours, else EXTERNAL in E.164;
  // nullopt when forwarding there would loop (back to this line, or to a
  // number this call was already diverted from) or can't be routed.
  std::optional<rpb::Target> ResolveTarget(const ForwardNumber& number, rpb::DiversionReason reason) const;
  // A FORWARD to `number`, or LoopFallback when it can't be forwarded to.
  rpb::Terminal ForwardOr(const ForwardNumber& number, rpb::DiversionReason reason) const;
  // Where a forward that would loop goes instead.
  rpb::Terminal LoopFallback(rpb::DiversionReason reason) const;

 private:
  bool IsLoop(std::string_view key) const;

  const Snapshot& snapshot_;
  const CalleeView& callee_;
  const CompiledSettings& cs_;
  const rpb::CallSettings& settings_;
  rpb::RouteDecision& decision_;
  absl::InlinedVector<std::string, 2> diverted_;  // keys of setup.diverted_from
  std::string alert_info_;
};

}  // namespace sb::routing
