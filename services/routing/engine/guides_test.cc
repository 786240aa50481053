// The call-handling examples of the operator guides (seeds/), end to end
// through Decide. Ring counts become seconds at 5 s per ring (a European
// ring cadence of 1 s on, 4 s off): "3 sonneries" is 15 s.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "services/routing/engine/engine.h"
#include "services/routing/engine/test_support.h"

namespace sb::routing {
namespace {

using testing::At;
using testing::Describe;
using testing::FromTrunk;

constexpr int kSecondsPerRing = 5;
const absl::Time kMonday10 = At("Europe/Paris", 2026, 6, 15, 10);

rpb::RouteDecision Run(const CalleeView& callee, const rpb::CallSetup& setup, absl::Time at = kMonday10) {
  return Decide(setup, testing::To(callee), at);
}

const std::string kAliceFallbacks = "busy=VOICEMAIL alice USER_BUSY unreachable=VOICEMAIL alice UNAVAILABLE";

TEST_CASE("Standard ringing: voicemail after 24 s; busy only when 5 calls are in use (B3)") {
  CalleeView alice = testing::Alice();
  rpb::RouteDecision decision = Run(alice, FromTrunk("0612345678"));
  CHECK(decision.error().empty());
  CHECK(Describe(decision) == "[line:line-alice] 24s noanswer=VOICEMAIL alice NO_ANSWER " + kAliceFallbacks +
                                  " | final=VOICEMAIL alice NO_ANSWER");
  CHECK(decision.max_concurrent_calls() == 5);  // the edge counts dialogs; 5 in use = busy
  CHECK(decision.callee_user_id() == "alice");
  CHECK(decision.callee_tenant_id() == "t-fr");
  CHECK(decision.decided_by() == "standard ringing");
  alice.settings.set_max_concurrent_calls(0);
  CHECK(Run(alice, FromTrunk("0612345678")).max_concurrent_calls() == 5);
  alice.settings.set_max_concurrent_calls(2);
  CHECK(Run(alice, FromTrunk("0612345678")).max_concurrent_calls() == 2);
}

// MC 2.1.1.2: voicemail after 0–60 s (0: at once); another phone after 6–3600 s.
TEST_CASE("MetaCentrex no-answer timers") {
  struct Case {
    int voicemail_after_s;
    int forward_after_s;  // 0: no forward on no answer
    std::string expected;
  };
  const std::vector<Case> cases = {
      {30, 0, "[line:line-alice] 30s noanswer=VOICEMAIL alice NO_ANSWER"},
      {75, 0, "[line:line-alice] 60s noanswer=VOICEMAIL alice NO_ANSWER"},
      {0, 0, "final=VOICEMAIL alice NO_ANSWER"},
      {30, 36, "[line:line-alice] 36s noanswer=FORWARD ext:+33660606060(NO_ANSWER)"},
      {30, 3, "[line:line-alice] 6s noanswer=FORWARD ext:+33660606060(NO_ANSWER)"},
      {30, 5000, "[line:line-alice] 3600s noanswer=FORWARD ext:+33660606060(NO_ANSWER)"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.voicemail_after_s, c.forward_after_s);
    CalleeView alice = testing::Alice();
    alice.settings.set_voicemail_after_s(c.voicemail_after_s);
    if (c.forward_after_s > 0) {
      alice.settings.mutable_forward_no_answer()->set_enabled(true);
      alice.settings.mutable_forward_no_answer()->set_number("06 60 60 60 60");
      alice.settings.mutable_forward_no_answer()->set_after_s(c.forward_after_s);
    }
    const std::string decision = Describe(Run(alice, FromTrunk("0612345678")));
    CHECK(decision.starts_with(c.expected));
  }
}

TEST_CASE("Busy, unreachable and no-mailbox fallbacks") {
  CalleeView alice = testing::Alice();
  alice.settings.set_voicemail_enabled(false);
  alice.settings.set_ring_time_s(0);  // CT: rings until the caller hangs up
  CHECK(Describe(Run(alice, FromTrunk("0612345678"))) ==
        "[line:line-alice] 0s noanswer=REJECT 480 busy=BUSY 486 unreachable=REJECT 480 | "
        "final=REJECT 480");

  alice = testing::Alice();
  alice.settings.mutable_forward_busy()->set_enabled(true);
  alice.settings.mutable_forward_busy()->set_number("0660606060");
  alice.settings.mutable_forward_unreachable()->set_enabled(true);
  alice.settings.mutable_forward_unreachable()->set_number("4002");
  rpb::Step step = Run(alice, FromTrunk("0612345678")).steps(0);
  CHECK(Describe(step.on_busy()) == "FORWARD ext:+33660606060(USER_BUSY)");
  CHECK(Describe(step.on_unreachable()) == "FORWARD line:line-bob(UNAVAILABLE)");

  alice.settings.mutable_forward_busy()->set_to_voicemail(true);
  CHECK(Describe(Run(alice, FromTrunk("0612345678")).steps(0).on_busy()) == "VOICEMAIL alice USER_BUSY");

  // CT "si l'usager est au téléphone": a message, or the busy tone.
  alice = testing::Alice();
  alice.settings.set_when_busy(rpb::ON_THE_PHONE_MESSAGE);
  CHECK(Describe(Run(alice, FromTrunk("0612345678")).steps(0).on_busy()) == "ANNOUNCEMENT on-the-phone");
  alice.settings.set_when_busy(rpb::BUSY_TONE);
  CHECK(Describe(Run(alice, FromTrunk("0612345678")).steps(0).on_busy()) == "BUSY 486");
}

// MC 2.1.1.1 "Ne Pas Déranger", priority callers; PX "tonalité d'occupation".
TEST_CASE("MetaCentrex DND: voicemail, busy-forward number, busy tone, priority callers") {
  CalleeView alice = testing::Alice();
  alice.settings.set_availability(rpb::DND);
  *alice.settings.mutable_dnd_priority_callers() = testing::Numbers({"06 12 34 56 78"});

  rpb::RouteDecision decision = Run(alice, FromTrunk("0699999999"));
  CHECK(Describe(decision) == "final=VOICEMAIL alice DO_NOT_DISTURB");
  CHECK(decision.decided_by() == "do not disturb");

  // "Si Renvoi sur occupation est activé, les appels seront alors transférés
  // vers le Numéro de Renvoi sur occupation" (0660606060 in the guide).
  alice.settings.mutable_forward_busy()->set_enabled(true);
  alice.settings.mutable_forward_busy()->set_number("0660606060");
  CHECK(Describe(Run(alice, FromTrunk("0699999999"))) == "final=FORWARD ext:+33660606060(DO_NOT_DISTURB)");

  alice.settings.clear_forward_busy();
  alice.settings.set_voicemail_enabled(false);
  CHECK(Describe(Run(alice, FromTrunk("0699999999"))) == "final=BUSY 486");

  // The priority caller, presented in E.164, rings through.
  decision = Run(alice, FromTrunk("+33612345678"));
  REQUIRE(decision.steps_size() == 1);
  CHECK(Describe(decision.steps(0).targets(0)) == "line:line-alice");
  CHECK(decision.decided_by() == "do not disturb: priority caller");
}

// PX "Sonneries simultanées sélectives": 021234567 rings with my line for
// calls from 021234589 during the "Week-end" schedule; otherwise only my line.
TEST_CASE("Proximus selective simultaneous ring (weekend, caller 021234589)") {
  CalleeView jean = testing::Brussels();
  jean.schedules.push_back(testing::Weekly("weekend", "Week-end", {6, 7}, {{"00:00", "24:00"}}));
  rpb::SimultaneousRing& ring = *jean.settings.mutable_simultaneous_ring();
  ring.set_enabled(true);
  ring.add_targets()->set_number("021234567");
  ring.set_do_not_ring_if_on_call(true);
  ring.mutable_criteria()->set_schedule_id("weekend");
  *ring.mutable_criteria()->mutable_callers() = testing::Numbers({"021234589"});

  const absl::Time saturday = At("Europe/Brussels", 2026, 6, 13, 11);
  const absl::Time wednesday = At("Europe/Brussels", 2026, 6, 10, 11);
  rpb::RouteDecision decision = Run(jean, FromTrunk("021234589", "022345678"), saturday);
  CHECK(Describe(decision) ==
        "[line:line-jean ext:+3221234567[skip-if-on-call]] 24s noanswer=VOICEMAIL jean NO_ANSWER "
        "busy=VOICEMAIL jean USER_BUSY unreachable=VOICEMAIL jean UNAVAILABLE | "
        "final=VOICEMAIL jean NO_ANSWER");
  CHECK(decision.decided_by() == "simultaneous ring");
  CHECK(Run(jean, FromTrunk("+3221234589"), saturday).steps(0).targets_size() == 2);
  // "Si ce même numéro appelle en dehors de cette tranche horaire …, l'appel
  // aboutira sur votre propre numéro."
  decision = Run(jean, FromTrunk("021234589"), wednesday);
  CHECK(decision.steps(0).targets_size() == 1);
  CHECK(decision.decided_by() == "standard ringing");
  CHECK(Run(jean, FromTrunk("021234590"), saturday).steps(0).targets_size() == 1);
}

// PX "Sonneries en cascade sélectives": during the shop schedule, 021231234
// rings my number and Numéro 1 for 3 rings, then Numéro 2 for 3 rings, …
TEST_CASE("Proximus selective cascade ring, 3 rings per number") {
  CalleeView jean = testing::Brussels();
  jean.schedules.push_back(
      testing::Weekly("shop", "Horaire du magasin", {1, 2, 3, 4, 5, 6}, {{"09:00", "18:00"}}));
  rpb::SequentialRing& cascade = *jean.settings.mutable_sequential_ring();
  cascade.set_enabled(true);
  cascade.set_ring_my_line_first(true);
  for (const std::string number : {"0470123456", "021234567", "+33612345678"}) {
    rpb::RingTarget& step = *cascade.add_steps();
    step.set_number(number);
    step.set_ring_s(3 * kSecondsPerRing);
  }
  cascade.mutable_criteria()->set_schedule_id("shop");
  *cascade.mutable_criteria()->mutable_callers() = testing::Numbers({"021231234"});

  const absl::Time open = At("Europe/Brussels", 2026, 6, 13, 10);  // Saturday, open
  const rpb::RouteDecision decision = Run(jean, FromTrunk("021231234"), open);
  CHECK(Describe(decision) ==
        "[line:line-jean ext:+32470123456] 15s noanswer=NEXT busy=NEXT unreachable=NEXT | "
        "[ext:+3221234567] 15s noanswer=NEXT busy=NEXT unreachable=NEXT | "
        "[ext:+33612345678] 15s noanswer=VOICEMAIL jean NO_ANSWER busy=VOICEMAIL jean USER_BUSY "
        "unreachable=VOICEMAIL jean UNAVAILABLE | final=VOICEMAIL jean NO_ANSWER");
  CHECK(decision.decided_by() == "sequential ring");
  // AS "Permettre le renvoi d'appels à distance", per number, off by default.
  CHECK_FALSE(decision.steps(1).targets(0).allow_remote_forwarding());
  cascade.mutable_steps(1)->set_allow_remote_forwarding(true);
  const rpb::RouteDecision remote = Run(jean, FromTrunk("021231234"), open);
  CHECK(remote.steps(1).targets(0).allow_remote_forwarding());
  CHECK_FALSE(remote.steps(0).targets(1).allow_remote_forwarding());
  const absl::Time closed = At("Europe/Brussels", 2026, 6, 14, 10);  // Sunday
  CHECK(Run(jean, FromTrunk("021231234"), closed).steps_size() == 1);
}

// MC 2.1.2.2–2.1.2.3: rule lists per weekly period and on special days.
TEST_CASE("MetaCentrex rule lists: first matching rule, default action, periods, special days") {
  CalleeView alice = testing::Alice();
  alice.contact_numbers["c-lea"] = {"0622222222"};
  alice.group_members["g-famille"] = {"c-lea"};
  rpb::Schedule office = testing::Weekly("office", "Heures de bureau", {1, 2, 3, 4, 5},
                                         {{"09:00", "12:00"}, {"13:00", "17:00"}});
  office.set_holiday_country("FR");
  alice.schedules.push_back(office);

  rpb::RuleList& bureau = alice.rule_lists.emplace_back();
  bureau.set_id("l-bureau");
  bureau.set_name("Bureau");
  auto add_rule = [&bureau](const std::string& name, bool enabled, rpb::CallerMatch when,
                            rpb::Action::Kind kind) -> rpb::Action& {
    rpb::Rule& rule = *bureau.add_rules();
    rule.set_name(name);
    rule.set_enabled(enabled);
    *rule.mutable_when() = std::move(when);
    rule.mutable_then()->set_kind(kind);
    return *rule.mutable_then();
  };
  add_rule("Clients VIP", true, testing::Numbers({"0612345678"}), rpb::Action::RING)
      .set_ring_tone("Bellcore-dr2");
  rpb::CallerMatch anonymous;
  anonymous.set_anonymous(true);
  add_rule("Filtrage d'appels", true, anonymous, rpb::Action::SCREEN);
  rpb::CallerMatch family;
  family.add_group_ids("g-famille");
  add_rule("Famille", true, family, rpb::Action::FORWARD).set_number("0660606060");
  add_rule("Désactivée", false, rpb::CallerMatch(), rpb::Action::REJECT);

  rpb::RuleList& soir = alice.rule_lists.emplace_back();
  soir.set_id("l-soir");
  soir.set_name("Soir");
  soir.mutable_default_action()->set_kind(rpb::Action::VOICEMAIL);
  rpb::RuleList& rejet = alice.rule_lists.emplace_back();
  rejet.set_id("l-rejet");
  rejet.set_name("Rejet d'appels");
  rejet.mutable_default_action()->set_kind(rpb::Action::REJECT);
  rejet.mutable_default_action()->set_reject_message("closed-today");

  rpb::ActiveRuleList* active = alice.settings.add_active_rule_lists();
  active->set_schedule_id("office");
  active->set_rule_list_id("l-bureau");
  active = alice.settings.add_active_rule_lists();
  active->set_schedule_id("office");
  active->set_outside(true);
  active->set_rule_list_id("l-soir");
  alice.settings.set_special_days_rule_list_id("l-rejet");

  rpb::RouteDecision vip = Run(alice, FromTrunk("+33612345678"));
  CHECK(vip.decided_by() == "rule 'Clients VIP' of list 'Bureau'");
  CHECK(vip.steps(0).targets(0).alert_info() == "<http://127.0.0.1>;info=Bellcore-dr2");

  rpb::RouteDecision screened = Run(alice, testing::FromAnonymous());
  CHECK(screened.decided_by() == "rule 'Filtrage d'appels' of list 'Bureau'");
  CHECK(Describe(screened.steps(0).targets(0)) == "line:line-alice[screen]");

  CHECK(Describe(Run(alice, FromTrunk("0622222222"))) == "final=FORWARD ext:+33660606060(TIME_OF_DAY)");

  // No rule matches and the list has no default: the basic settings apply
  // (the disabled catch-all rule is skipped).
  rpb::RouteDecision other = Run(alice, FromTrunk("0633333333"));
  CHECK(other.decided_by() == "standard ringing");
  alice.settings.mutable_forward_unconditional()->set_enabled(true);
  alice.settings.mutable_forward_unconditional()->set_number("4002");
  CHECK(Describe(Run(alice, FromTrunk("0633333333"))) == "final=FORWARD line:line-bob(UNCONDITIONAL)");
  alice.settings.clear_forward_unconditional();

  const rpb::RouteDecision evening = Run(alice, FromTrunk("0612345678"), At("Europe/Paris", 2026, 6, 15, 20));
  CHECK(Describe(evening) == "final=VOICEMAIL alice TIME_OF_DAY");
  CHECK(evening.decided_by() == "default action of list 'Soir'");

  // Ascension Thursday 2026: a public holiday of the office schedule.
  const rpb::RouteDecision holiday = Run(alice, FromTrunk("0612345678"), At("Europe/Paris", 2026, 5, 14, 10));
  CHECK(Describe(holiday) == "final=REJECT 603");
  CHECK(holiday.final().announcement() == "closed-today");
  CHECK(holiday.decided_by() == "default action of list 'Rejet d'appels'");
}

// CT 2 "Renvoi d'appel", Règle: the four variants.
TEST_CASE("Cooptel unconditional forward variants") {
  CalleeView alice = testing::Alice();
  alice.settings.set_ring_time_s(25);  // "Faire sonner pendant"
  rpb::ForwardUnconditional& forward = *alice.settings.mutable_forward_unconditional();
  forward.set_enabled(true);
  forward.set_number("0660606060");
  struct Case {
    rpb::ForwardMode mode;
    std::string expected;
  };
  const std::string fwd = "ext:+33660606060";
  const std::vector<Case> cases = {
      {rpb::FORWARD_MODE_UNSPECIFIED, "final=FORWARD " + fwd + "(UNCONDITIONAL)"},
      {rpb::ALWAYS, "final=FORWARD " + fwd + "(UNCONDITIONAL)"},
      {rpb::ONLY_ON_NO_ANSWER, "[line:line-alice] 25s noanswer=FORWARD " + fwd +
                                   "(NO_ANSWER) busy=VOICEMAIL alice "
                                   "USER_BUSY unreachable=FORWARD " +
                                   fwd + "(UNAVAILABLE) | final=FORWARD " + fwd + "(NO_ANSWER)"},
      {rpb::RING_BOTH, "[line:line-alice " + fwd +
                           "(UNCONDITIONAL)] 25s noanswer=VOICEMAIL "
                           "alice NO_ANSWER " +
                           kAliceFallbacks + " | final=VOICEMAIL alice NO_ANSWER"},
      {rpb::WHEN_CALLER_PRESSES_1,
       "[line:line-alice] 25s noanswer=ANNOUNCEMENT press-1-to-forward then " + fwd + "(NO_ANSWER) " +
           kAliceFallbacks + " | final=ANNOUNCEMENT press-1-to-forward then " + fwd + "(NO_ANSWER)"},
  };
  for (const Case& c : cases) {
    CAPTURE(rpb::ForwardMode_Name(c.mode));
    forward.set_mode(c.mode);
    const rpb::RouteDecision decision = Run(alice, FromTrunk("0612345678"));
    CHECK(Describe(decision) == c.expected);
    CHECK(decision.decided_by().starts_with("unconditional forward ("));
  }
  // CT "Destination": a colleague's extension is an internal target.
  forward.set_mode(rpb::ALWAYS);
  forward.set_number("4002");
  CHECK(Describe(Run(alice, FromTrunk("0612345678"))) == "final=FORWARD line:line-bob(UNCONDITIONAL)");
}

// CT 9 "Find-Me / Follow-Me": number, ring time before transfer (45 s in the
// guide), caller must say their name, extra attempts; only when forwarding
// is off.
TEST_CASE("Cooptel find-me/follow-me") {
  CalleeView alice = testing::Alice();
  rpb::FindMeFollowMe& find_me = *alice.settings.mutable_find_me_follow_me();
  find_me.set_enabled(true);
  rpb::RingTarget& mobile = *find_me.add_targets();
  mobile.set_number("0612345678");
  mobile.set_delay_s(45);
  mobile.set_ring_s(30);
  find_me.set_screen_caller_name(true);
  find_me.set_extra_attempts(1);
  const std::string hop = "[ext:+33612345678[screen](FOLLOW_ME)] 30s ";
  CHECK(Describe(Run(alice, FromTrunk("0699999999"))) ==
        "[line:line-alice] 45s noanswer=NEXT busy=NEXT unreachable=NEXT | " + hop +
            "noanswer=NEXT busy=NEXT unreachable=NEXT | " + hop + "noanswer=VOICEMAIL alice NO_ANSWER " +
            kAliceFallbacks + " | final=VOICEMAIL alice NO_ANSWER");
  {
    // The guide's other boxes: "Remplacer la sonnerie par la musique
    // d'attente" on every step of the search, and "Passer les informations
    // d'identification de l'appelant d'origine": unchecked, the mobile is
    // shown Alice's own number and name; checked, the caller's.
    find_me.set_music_instead_of_ringback(true);
    mobile.set_allow_remote_forwarding(true);
    const rpb::RouteDecision own = Run(alice, FromTrunk("0699999999"));
    REQUIRE(own.steps_size() == 3);
    for (const rpb::Step& step : own.steps()) CHECK(step.music_instead_of_ringback());
    const rpb::Target& found = own.steps(1).targets(0);
    CHECK(found.present_number() == alice.line.number_e164);
    CHECK(found.present_name() == alice.line.display_name);
    CHECK(found.allow_remote_forwarding());
    CHECK(own.steps(0).targets(0).present_number().empty());  // her own phone: the caller as usual
    find_me.set_pass_original_caller_id(true);
    find_me.set_music_instead_of_ringback(false);
    const rpb::RouteDecision original = Run(alice, FromTrunk("0699999999"));
    CHECK(original.steps(1).targets(0).present_number().empty());
    CHECK_FALSE(original.steps(1).music_instead_of_ringback());
    mobile.set_allow_remote_forwarding(false);
  }
  find_me.set_skip_voicemail(true);
  const rpb::RouteDecision skipped = Run(alice, FromTrunk("0699999999"));
  CHECK(Describe(skipped.final()) == "REJECT 480");
  CHECK(Describe(skipped.steps(2).on_no_answer()) == "REJECT 480");
  // "Le renvoi d'appel doit être désactivé pour que cette option soit enclenchée."
  alice.settings.mutable_forward_unconditional()->set_enabled(true);
  alice.settings.mutable_forward_unconditional()->set_number("4002");
  CHECK(Run(alice, FromTrunk("0699999999")).decided_by() == "unconditional forward (ALWAYS)");
}

// Through Decide, on the night clocks go forward (see schedule_test.cc).
TEST_CASE("A rule list tied to a night schedule across the DST change") {
  CalleeView alice = testing::Alice();
  alice.schedules.push_back(testing::Weekly("night", "Nuit", {7}, {{"01:30", "03:30"}}));
  rpb::RuleList& list = alice.rule_lists.emplace_back();
  list.set_id("l-nuit");
  list.set_name("Nuit");
  list.mutable_default_action()->set_kind(rpb::Action::VOICEMAIL);
  rpb::ActiveRuleList& active = *alice.settings.add_active_rule_lists();
  active.set_schedule_id("night");
  active.set_rule_list_id("l-nuit");
  auto utc = [](int hour, int minute) {
    return absl::FromCivil(absl::CivilSecond(2026, 3, 29, hour, minute, 0), absl::UTCTimeZone());
  };
  CHECK(Run(alice, FromTrunk("0612345678"), utc(0, 45)).decided_by() ==
        "default action of list 'Nuit'");  // 01:45 CET
  CHECK(Run(alice, FromTrunk("0612345678"), utc(1, 15)).decided_by() ==
        "default action of list 'Nuit'");                                                     // 03:15 CEST
  CHECK(Run(alice, FromTrunk("0612345678"), utc(1, 30)).decided_by() == "standard ringing");  // 03:30 CEST
}

}  // namespace
}  // namespace sb::routing
