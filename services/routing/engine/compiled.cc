#include "services/routing/engine/compiled.h"

#include <algorithm>
#include <utility>

#include "services/routing/engine/blacklist.h"

namespace sb::routing {
namespace {

// AS universal contact number: "jusqu'à un maximum de 6 colonnes".
constexpr size_t kMaxSequentialSteps = 6;

ForwardNumber ReadNumber(std::string_view dialed, SettingsNumberReader& reader) {
  ForwardNumber number;
  number.dialed = CleanDialString(dialed);
  number.key = reader.Key(number.dialed);
  return number;
}

std::vector<CompiledRingTarget> ReadTargets(
    const google::protobuf::RepeatedPtrField<rpb::RingTarget>& targets, SettingsNumberReader& reader,
    size_t max_targets) {
  std::vector<CompiledRingTarget> out;
  for (const rpb::RingTarget& target : targets) {
    if (out.size() == max_targets) break;
    CompiledRingTarget compiled;
    compiled.number = ReadNumber(target.number(), reader);
    if (compiled.number.empty()) continue;
    compiled.delay_s = std::max(0, target.delay_s());
    compiled.ring_s = std::max(0, target.ring_s());
    compiled.allow_remote_forwarding = target.allow_remote_forwarding();
    out.push_back(std::move(compiled));
  }
  return out;
}

CompiledAction ReadAction(const rpb::Action& action, SettingsNumberReader& reader) {
  CompiledAction out;
  out.kind = action.kind();
  out.number = ReadNumber(action.number(), reader);
  out.ring_tone = action.ring_tone();
  out.reject_message = action.reject_message();
  const size_t max_targets = action.kind() == rpb::Action::RING_SEQUENTIAL ? kMaxSequentialSteps : size_t{64};
  out.numbers = ReadTargets(action.numbers(), reader, max_targets);
  return out;
}

}  // namespace

std::shared_ptr<const CompiledSettings> Compile(const CalleeView& callee,
                                                const numbering::Numbering* numbering) {
  auto compiled = std::make_shared<CompiledSettings>();
  CompiledSettings& out = *compiled;
  out.settings = callee.settings;
  out.timezone = callee.timezone;
  DialingRules rules = DialingRulesFor(callee.country);
  if (rules.calling_code.empty() && numbering != nullptr) {
    rules = DialingRulesFor(callee.country, numbering->InternationalAccessCode(callee.country));
  }
  out.rules = rules;
  SettingsNumberReader reader(std::move(rules), numbering);

  for (const auto& [contact_id, numbers] : callee.contact_numbers) {
    for (const std::string& number : numbers) out.callers.AddContact(reader.Key(number));
  }
  auto match = [&](const rpb::CallerMatch& m) {
    return out.callers.Add(m, reader, callee.contact_numbers, callee.group_members);
  };
  const rpb::CallSettings& s = callee.settings;
  out.dnd_priority = match(s.dnd_priority_callers());
  out.selective_forward = match(s.selective_forward().callers());
  out.selective_reject = match(s.selective_reject().callers());
  out.distinctive_ring = match(s.distinctive_ring().callers());
  out.simultaneous_callers = match(s.simultaneous_ring().criteria().callers());
  out.sequential_callers = match(s.sequential_ring().criteria().callers());

  out.forward_unconditional = ReadNumber(s.forward_unconditional().number(), reader);
  out.forward_busy = ReadNumber(s.forward_busy().number(), reader);
  out.forward_no_answer = ReadNumber(s.forward_no_answer().number(), reader);
  out.forward_unreachable = ReadNumber(s.forward_unreachable().number(), reader);
  out.selective_forward_to = ReadNumber(s.selective_forward().to(), reader);
  out.simultaneous_targets = ReadTargets(s.simultaneous_ring().targets(), reader, 64);
  out.sequential_steps = ReadTargets(s.sequential_ring().steps(), reader, kMaxSequentialSteps);
  out.find_me_targets = ReadTargets(s.find_me_follow_me().targets(), reader, 64);

  out.schedules = ScheduleSet(callee.schedules);
  for (const rpb::ActiveRuleList& active : s.active_rule_lists()) {
    if (!active.schedule_id().empty()) out.special_day_schedules.push_back(active.schedule_id());
  }
  if (out.special_day_schedules.empty()) {
    for (const rpb::Schedule& schedule : callee.schedules) {
      out.special_day_schedules.push_back(schedule.id().empty() ? schedule.name() : schedule.id());
    }
  }

  out.rule_lists.reserve(callee.rule_lists.size());
  for (const rpb::RuleList& list : callee.rule_lists) {
    CompiledRuleList& compiled_list = out.rule_lists.emplace_back();
    compiled_list.id = list.id();
    compiled_list.name = list.name();
    for (const rpb::Rule& rule : list.rules()) {
      if (!rule.enabled()) continue;
      compiled_list.rules.push_back({rule.name().empty() ? rule.id() : rule.name(), match(rule.when()),
                                     ReadAction(rule.then(), reader)});
    }
    compiled_list.default_action = ReadAction(list.default_action(), reader);
    out.rule_list_by_id.try_emplace(list.id(), out.rule_lists.size() - 1);
  }
  return compiled;
}

std::shared_ptr<const CompiledBlacklist> CompileBlacklist(const rpb::Blacklist& blacklist) {
  return std::make_shared<const CompiledBlacklist>(blacklist);
}

}  // namespace sb::routing
