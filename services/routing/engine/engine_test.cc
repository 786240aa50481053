// The precedence chain of PRECEDENCE.md, one test per adjacent pair at
// least, and what Decide does with setups it can't evaluate.
#include "services/routing/engine/engine.h"

#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "services/routing/engine/test_support.h"

namespace sb::routing {
namespace {

using testing::Describe;
using testing::FromTrunk;

const absl::Time kMonday10 = testing::At("Europe/Paris", 2026, 6, 15, 10);

rpb::RouteDecision Run(const CalleeView& callee, const rpb::CallSetup& setup,
                       const rpb::Blacklist& blacklist = {}) {
  return Decide(setup, testing::To(callee, blacklist), kMonday10);
}

rpb::Blacklist Blocking(const std::string& digits) {
  rpb::Blacklist blacklist;
  rpb::BlacklistRule& rule = *blacklist.add_rules();
  rule.set_match(rpb::BlacklistRule::EQUALS);
  rule.set_digits(digits);
  return blacklist;
}

// Alice with every feature on for caller 0612345678, so that each test can
// switch off the winner and see the next one decide.
CalleeView Everything() {
  CalleeView alice = testing::Alice();
  rpb::CallSettings& s = alice.settings;
  const rpb::CallerMatch caller = testing::Numbers({"0612345678"});
  s.set_reject_anonymous(true);
  s.mutable_selective_reject()->set_enabled(true);
  *s.mutable_selective_reject()->mutable_callers() = caller;
  s.set_availability(rpb::DND);
  *s.mutable_dnd_priority_callers() = caller;
  rpb::RuleList& list = alice.rule_lists.emplace_back();
  list.set_id("l-1");
  list.set_name("Bureau");
  rpb::Rule& rule = *list.add_rules();
  rule.set_name("VIP");
  rule.set_enabled(true);
  *rule.mutable_when() = caller;
  rule.mutable_then()->set_kind(rpb::Action::VOICEMAIL);
  s.set_default_rule_list_id("l-1");
  s.mutable_selective_forward()->set_enabled(true);
  *s.mutable_selective_forward()->mutable_callers() = caller;
  s.mutable_selective_forward()->set_to("0660606060");
  s.mutable_forward_unconditional()->set_enabled(true);
  s.mutable_forward_unconditional()->set_number("4002");
  s.mutable_simultaneous_ring()->set_enabled(true);
  s.mutable_simultaneous_ring()->add_targets()->set_number("0677777777");
  s.mutable_sequential_ring()->set_enabled(true);
  s.mutable_sequential_ring()->add_steps()->set_number("0688888888");
  return alice;
}

TEST_CASE("Precedence 0: the calling subscriber's barring comes before the callee") {
  Snapshot snapshot = testing::To(Everything());
  CallerView bob = testing::BobAsCaller();
  bob.settings.mutable_outgoing_barring()->add_barred_categories("LOCAL");
  snapshot.caller = bob;
  const rpb::RouteDecision decision = Decide(testing::FromBob("0222969569"), snapshot, kMonday10);
  CHECK(decision.final().sip_code() == 403);
  CHECK(decision.decided_by() == "caller's outgoing call barring");
  // Dialing the extension is not a LOCAL call.
  CHECK(Decide(testing::FromBob("4001"), snapshot, kMonday10).decided_by() !=
        "caller's outgoing call barring");
}

TEST_CASE("Precedence 1: the tenant blacklist beats everything after it") {
  const rpb::RouteDecision decision = Run(Everything(), FromTrunk("0612345678"), Blocking("0612345678"));
  CHECK(Describe(decision) == "final=REJECT 603");
  CHECK(decision.decided_by() == "tenant blacklist (block: equals 0612345678)");
}

TEST_CASE("Precedence 1-2: the blacklist skips anonymous callers; anonymous rejection doesn't") {
  CalleeView alice = testing::Alice();
  rpb::Blacklist allow_only;
  allow_only.set_allow_only_listed(true);
  CHECK(Run(alice, testing::FromAnonymous(), allow_only).steps_size() == 1);
  alice.settings.set_reject_anonymous(true);
  const rpb::RouteDecision decision = Run(alice, testing::FromAnonymous(), allow_only);
  CHECK(Describe(decision) == "final=REJECT 433");
  CHECK(decision.final().sip_reason() == "Anonymity Disallowed");
}

TEST_CASE("Precedence 2-3-4: anonymous rejection beats the reject list and DND") {
  CalleeView alice = Everything();
  alice.settings.mutable_selective_reject()->mutable_callers()->set_anonymous(true);
  CHECK(Run(alice, testing::FromAnonymous()).final().sip_code() == 433);
  alice.settings.set_reject_anonymous(false);
  CHECK(Run(alice, testing::FromAnonymous()).decided_by() == "selective reject list");
}

TEST_CASE("Precedence 3-4: the selective reject list beats DND and its priority list") {
  const rpb::RouteDecision decision = Run(Everything(), FromTrunk("+33612345678"));
  CHECK(Describe(decision) == "final=REJECT 603");  // no voicemail (AS, MC)
  CHECK(decision.decided_by() == "selective reject list");
}

TEST_CASE("Precedence 3-6: a caller on both the reject and forward lists is rejected") {
  CalleeView alice = testing::Alice();
  alice.settings.mutable_selective_reject()->set_enabled(true);
  *alice.settings.mutable_selective_reject()->mutable_callers() = testing::Numbers({"0612345678"});
  alice.settings.mutable_selective_forward()->set_enabled(true);
  *alice.settings.mutable_selective_forward()->mutable_callers() = testing::Numbers({"+33612345678"});
  alice.settings.mutable_selective_forward()->set_to("0660606060");
  CHECK(Describe(Run(alice, FromTrunk("0612345678"))) == "final=REJECT 603");
  alice.settings.mutable_selective_reject()->set_enabled(false);
  CHECK(Describe(Run(alice, FromTrunk("0612345678"))) == "final=FORWARD ext:+33660606060(DEFLECTION)");
}

TEST_CASE("Precedence 4-5: DND beats rule lists and every forward") {
  CalleeView alice = Everything();
  alice.settings.mutable_selective_reject()->set_enabled(false);
  const rpb::RouteDecision decision = Run(alice, FromTrunk("0699999999"));
  CHECK(Describe(decision) == "final=VOICEMAIL alice DO_NOT_DISTURB");
}

TEST_CASE("Precedence 4-5: a priority caller bypasses DND, then the rest applies") {
  CalleeView alice = Everything();
  alice.settings.mutable_selective_reject()->set_enabled(false);
  const rpb::RouteDecision decision = Run(alice, FromTrunk("0612345678"));
  CHECK(decision.decided_by() == "rule 'VIP' of list 'Bureau'");
  CHECK(Describe(decision) == "final=VOICEMAIL alice TIME_OF_DAY");
}

TEST_CASE("Precedence 5-6: a matching rule beats the selective forward list") {
  CalleeView alice = Everything();
  alice.settings.mutable_selective_reject()->set_enabled(false);
  alice.settings.set_availability(rpb::AVAILABLE);
  CHECK(Run(alice, FromTrunk("0612345678")).decided_by() == "rule 'VIP' of list 'Bureau'");
  alice.settings.clear_default_rule_list_id();
  CHECK(Run(alice, FromTrunk("0612345678")).decided_by() == "selective forward list");
}

TEST_CASE("Precedence 6-7: selective forward beats unconditional forward") {
  CalleeView alice = Everything();
  alice.settings.mutable_selective_reject()->set_enabled(false);
  alice.settings.set_availability(rpb::AVAILABLE);
  alice.settings.clear_default_rule_list_id();
  CHECK(Describe(Run(alice, FromTrunk("0612345678"))) == "final=FORWARD ext:+33660606060(DEFLECTION)");
  CHECK(Describe(Run(alice, FromTrunk("0699999999"))) == "final=FORWARD line:line-bob(UNCONDITIONAL)");
}

TEST_CASE("Precedence 7-8: unconditional forward beats simultaneous and sequential ring") {
  CalleeView alice = Everything();
  alice.settings.set_availability(rpb::AVAILABLE);
  alice.settings.clear_default_rule_list_id();
  CHECK(Run(alice, FromTrunk("0699999999")).decided_by() == "unconditional forward (ALWAYS)");
  alice.settings.mutable_forward_unconditional()->set_enabled(false);
  CHECK(Run(alice, FromTrunk("0699999999")).decided_by() == "simultaneous ring");
  alice.settings.mutable_simultaneous_ring()->set_enabled(false);
  CHECK(Run(alice, FromTrunk("0699999999")).decided_by() == "sequential ring");
  alice.settings.mutable_sequential_ring()->set_enabled(false);
  CHECK(Run(alice, FromTrunk("0699999999")).decided_by() == "standard ringing");
}

TEST_CASE("Loop protection: never forward to where the call was diverted from") {
  CalleeView alice = testing::Alice();
  alice.settings.mutable_forward_unconditional()->set_enabled(true);
  alice.settings.mutable_forward_unconditional()->set_number("0660606060");
  rpb::CallSetup setup = FromTrunk("0612345678");
  setup.add_diverted_from("sip:+33660606060@carrier.example;user=phone");
  rpb::RouteDecision decision = Run(alice, setup);
  CHECK(Describe(decision) == "final=VOICEMAIL alice UNCONDITIONAL");
  alice.settings.set_voicemail_enabled(false);
  CHECK(Describe(Run(alice, setup)) == "final=BUSY 486");

  // Bob forwarded to Alice, Alice forwards to Bob: back to Bob is a loop.
  alice = testing::Alice();
  alice.settings.mutable_forward_unconditional()->set_enabled(true);
  alice.settings.mutable_forward_unconditional()->set_number("4002");
  rpb::CallSetup via_bob = FromTrunk("0612345678");
  via_bob.add_diverted_from("+33222969570");
  CHECK(Describe(Run(alice, via_bob)) == "final=VOICEMAIL alice UNCONDITIONAL");
  // Forwarding to oneself is a loop too.
  alice.settings.mutable_forward_unconditional()->set_number("02 22 96 95 69");
  CHECK(Describe(Run(alice, FromTrunk("0612345678"))) == "final=VOICEMAIL alice UNCONDITIONAL");

  // A no-answer forward that would loop falls back to the mailbox.
  alice = testing::Alice();
  alice.settings.mutable_forward_no_answer()->set_enabled(true);
  alice.settings.mutable_forward_no_answer()->set_number("0660606060");
  CHECK(Describe(Run(alice, setup).steps(0).on_no_answer()) == "VOICEMAIL alice NO_ANSWER");
}

TEST_CASE("Distinctive ring and internal calls set Alert-Info on my line") {
  CalleeView alice = testing::Alice();
  alice.settings.mutable_distinctive_ring()->set_enabled(true);
  *alice.settings.mutable_distinctive_ring()->mutable_callers() = testing::Numbers({"0612345678"});
  CHECK(Run(alice, FromTrunk("0612345678")).steps(0).targets(0).alert_info() == "<urn:alert:priority:high>");
  alice.settings.mutable_distinctive_ring()->set_ring_tone("urn:alert:service:normal");
  CHECK(Run(alice, FromTrunk("0612345678")).steps(0).targets(0).alert_info() == "<urn:alert:service:normal>");
  CHECK(Run(alice, FromTrunk("0699999999")).steps(0).targets(0).alert_info().empty());
  CHECK(Run(alice, testing::FromBob()).steps(0).targets(0).alert_info() == "<urn:alert:source:internal>");
}

TEST_CASE("Presentation of incoming calls") {
  const CalleeView alice = testing::Alice();
  rpb::Presentation p = Run(alice, FromTrunk("0612345678")).presentation();
  CHECK(p.number() == "0612345678");
  CHECK_FALSE(p.withhold_number());
  CHECK(Run(alice, testing::FromAnonymous()).presentation().withhold_number());
  // From a colleague: the extension and name, even when Bob withholds his
  // number outside (PX internal caller display).
  Snapshot snapshot = testing::To(alice);
  CallerView bob = testing::BobAsCaller();
  bob.settings.mutable_caller_id()->set_withhold_my_number(true);
  snapshot.caller = bob;
  p = Decide(testing::FromBob(), snapshot, kMonday10).presentation();
  CHECK(p.number() == "4002");
  CHECK(p.display_name() == "Bob Leroy");
  CHECK_FALSE(p.withhold_number());
  // Nor is a withholding colleague an anonymous caller for Alice's rejection.
  CalleeView strict = alice;
  strict.settings.set_reject_anonymous(true);
  rpb::CallSetup withheld = testing::FromBob();
  withheld.mutable_caller()->set_anonymous(true);
  CHECK(Run(strict, withheld).steps_size() == 1);
  CHECK(Run(strict, testing::FromAnonymous()).final().sip_code() == 433);

  // Alice chooses not to be shown callers' numbers, then names (B11); the
  // asserted identity is kept for the network and the log.
  CalleeView discreet = alice;
  discreet.settings.mutable_caller_id()->set_hide_incoming_number(true);
  rpb::CallSetup from_mobile = FromTrunk("0612345678");
  from_mobile.mutable_caller()->set_number_e164("+33612345678");
  p = Run(discreet, from_mobile).presentation();
  CHECK(p.withhold_number());
  CHECK(p.number().empty());
  CHECK(p.asserted_identity() == "+33612345678");
  snapshot = testing::To(discreet);
  snapshot.caller = testing::BobAsCaller();
  p = Decide(testing::FromBob(), snapshot, kMonday10).presentation();
  CHECK(p.number().empty());
  CHECK(p.display_name() == "Bob Leroy");
  discreet.settings.mutable_caller_id()->set_hide_incoming_name(true);
  snapshot = testing::To(discreet);
  snapshot.caller = testing::BobAsCaller();
  CHECK(Decide(testing::FromBob(), snapshot, kMonday10).presentation().display_name().empty());
}

TEST_CASE("Setups that can't be evaluated get an error decision, never an exception") {
  Snapshot nothing;
  rpb::RouteDecision decision = Decide(FromTrunk("0612345678", "0999999999"), nothing, kMonday10);
  CHECK(decision.final().sip_code() == 404);
  CHECK_FALSE(decision.error().empty());

  CalleeView lineless = testing::Alice();
  lineless.line = LineRef();
  decision = Decide(FromTrunk("0612345678"), testing::To(lineless), kMonday10);
  CHECK(decision.final().sip_code() == 500);
  CHECK_FALSE(decision.error().empty());

  CalleeView alice = testing::Alice();
  alice.settings.mutable_forward_unconditional()->set_enabled(true);
  alice.settings.mutable_forward_unconditional()->set_number("4002");
  Snapshot throwing = testing::To(alice);
  throwing.resolve = [](const std::string&) -> std::optional<LineRef> {
    throw std::runtime_error("profiles cache unavailable");
  };
  decision = Decide(FromTrunk("0612345678"), throwing, kMonday10);
  CHECK(decision.final().sip_code() == 500);
  CHECK_THAT(decision.error(), Catch::Contains("profiles cache unavailable"));

  // No numbering and no resolver: still decides, with the engine's own rules.
  Snapshot bare;
  bare.callee = testing::Alice();
  decision = Decide(FromTrunk("0612345678"), bare, kMonday10);
  CHECK(decision.error().empty());
  CHECK(decision.steps_size() == 1);
}

TEST_CASE("A precompiled snapshot decides exactly like the slow path") {
  CalleeView alice = Everything();
  alice.settings.mutable_selective_reject()->set_enabled(false);
  alice.contact_numbers["c-1"] = {"0611111111"};
  const std::vector<rpb::CallSetup> setups = {FromTrunk("0612345678"), FromTrunk("0699999999"),
                                              FromTrunk("+33611111111"), testing::FromAnonymous(),
                                              testing::FromBob()};
  const std::vector<absl::Time> times = {kMonday10, testing::At("Europe/Paris", 2026, 5, 14, 3)};
  CalleeView compiled = alice;
  compiled.compiled = Compile(alice, &testing::SharedNumbering());
  rpb::Blacklist blacklist = Blocking("0699999999");
  Snapshot fast = testing::To(compiled, blacklist);
  fast.compiled_blacklist = CompileBlacklist(blacklist);
  for (int pass = 0; pass < 2; ++pass) {
    for (const rpb::CallSetup& setup : setups) {
      for (absl::Time at : times) {
        const rpb::RouteDecision slow = Decide(setup, testing::To(alice, blacklist), at);
        const rpb::RouteDecision quick = Decide(setup, fast, at);
        CHECK(quick.SerializeAsString() == slow.SerializeAsString());
      }
    }
    alice.settings.set_availability(rpb::AVAILABLE);
    compiled = alice;
    compiled.compiled = Compile(alice, &testing::SharedNumbering());
    fast.callee = compiled;
  }
}

// C6 out-of-hours greeting: voicemail decided by a list in force because the
// office is closed (outside its schedule, or a special day) says so.
TEST_CASE("Voicemail from a closed-hours or special-day list is marked out of hours") {
  CalleeView alice = testing::Alice();
  rpb::Schedule office = testing::Weekly("office", "Heures de bureau", {1, 2, 3, 4, 5},
                                         {{"09:00", "12:00"}, {"13:00", "17:00"}});
  office.set_holiday_country("FR");
  alice.schedules.push_back(office);
  for (const char* id : {"l-open", "l-closed", "l-holiday"}) {
    rpb::RuleList& list = alice.rule_lists.emplace_back();
    list.set_id(id);
    list.set_name(id);
    list.mutable_default_action()->set_kind(rpb::Action::VOICEMAIL);
  }
  rpb::ActiveRuleList* active = alice.settings.add_active_rule_lists();
  active->set_schedule_id("office");
  active->set_rule_list_id("l-open");
  active = alice.settings.add_active_rule_lists();
  active->set_schedule_id("office");
  active->set_outside(true);
  active->set_rule_list_id("l-closed");
  alice.settings.set_special_days_rule_list_id("l-holiday");
  const auto decide = [&](absl::Time at) { return Decide(FromTrunk("0612345678"), testing::To(alice), at); };

  const rpb::RouteDecision open = decide(kMonday10);
  CHECK(open.decided_by() == "default action of list 'l-open'");
  CHECK(open.final().kind() == rpb::Terminal::VOICEMAIL);
  CHECK_FALSE(open.final().out_of_hours());

  const rpb::RouteDecision evening = decide(testing::At("Europe/Paris", 2026, 6, 15, 20));
  CHECK(evening.decided_by() == "default action of list 'l-closed'");
  CHECK(evening.final().kind() == rpb::Terminal::VOICEMAIL);
  CHECK(evening.final().out_of_hours());

  // Ascension Thursday 2026, during office hours: the special-day list.
  const rpb::RouteDecision holiday = decide(testing::At("Europe/Paris", 2026, 5, 14, 10));
  CHECK(holiday.decided_by() == "default action of list 'l-holiday'");
  CHECK(holiday.final().out_of_hours());

  // Not every voicemail is out of hours: DND, no answer.
  alice.settings.clear_active_rule_lists();
  alice.settings.clear_special_days_rule_list_id();
  alice.settings.set_availability(rpb::DND);
  const rpb::RouteDecision dnd = decide(testing::At("Europe/Paris", 2026, 6, 15, 20));
  CHECK(dnd.final().kind() == rpb::Terminal::VOICEMAIL);
  CHECK_FALSE(dnd.final().out_of_hours());
}

}  // namespace
// AS "Permettre le renvoi d'appels à distance": Bob's extension is in
// Alice's simultaneous ring, and Bob forwards every call to his mobile.
TEST_CASE("remote forwarding: allowed, the number's own forward takes the call; not allowed, it rings") {
  CalleeView alice = testing::Alice();
  rpb::SimultaneousRing& ring = *alice.settings.mutable_simultaneous_ring();
  ring.set_enabled(true);
  rpb::RingTarget& bob = *ring.add_targets();
  bob.set_number("4002");
  Snapshot snapshot = testing::To(alice, {});
  int asked = 0;
  snapshot.unconditional_forward = [&asked](const LineRef& line) -> std::optional<std::string> {
    ++asked;
    if (line.line_id == "line-bob") return "0611111111";
    return std::nullopt;
  };
  const rpb::RouteDecision rings = Decide(FromTrunk("0699999999"), snapshot, kMonday10);
  CHECK(asked == 0);  // not allowed: not even looked at
  REQUIRE(rings.steps_size() == 1);
  CHECK(rings.steps(0).targets_size() == 2);

  bob.set_allow_remote_forwarding(true);
  snapshot = testing::To(alice, {});
  snapshot.unconditional_forward = [&asked](const LineRef& line) -> std::optional<std::string> {
    ++asked;
    if (line.line_id == "line-bob") return "0611111111";
    return std::nullopt;
  };
  const rpb::RouteDecision forwarded = Decide(FromTrunk("0699999999"), snapshot, kMonday10);
  CHECK(asked == 1);
  CHECK(forwarded.steps_size() == 0);
  CHECK(Describe(forwarded.final()) == "FORWARD ext:+33611111111(UNCONDITIONAL)");
  CHECK(forwarded.decided_by() ==
        "simultaneous ring, then the forwarding of 4002 (remote forwarding allowed)");

  // Bob doesn't forward: his phones ring with Alice's, as before.
  snapshot.unconditional_forward = [](const LineRef&) -> std::optional<std::string> { return std::nullopt; };
  CHECK(Decide(FromTrunk("0699999999"), snapshot, kMonday10).steps(0).targets_size() == 2);
  // A remote forward back to Alice would loop: ignored.
  snapshot.unconditional_forward = [](const LineRef&) -> std::optional<std::string> { return "4001"; };
  const rpb::RouteDecision looped = Decide(FromTrunk("0699999999"), snapshot, kMonday10);
  REQUIRE(looped.steps_size() == 1);
  CHECK(looped.steps(0).targets_size() == 2);
}

}  // namespace sb::routing
