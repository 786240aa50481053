#include "services/routing/engine/blacklist.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "services/routing/engine/test_support.h"

namespace sb::routing {
namespace {

rpb::BlacklistRule Rule(rpb::BlacklistRule::Match match, const std::string& digits,
                        rpb::BlacklistRule::Effect effect = rpb::BlacklistRule::BLOCK) {
  rpb::BlacklistRule rule;
  rule.set_match(match);
  rule.set_digits(digits);
  rule.set_effect(effect);
  return rule;
}

// A Québec subscriber (Cooptel is in Québec): callers present ten digits.
CalleeView Quebec() {
  CalleeView callee = testing::Alice();
  callee.country = "CA";
  callee.timezone = testing::Zone("America/Toronto");
  callee.line.number_e164 = "+14185550100";
  return callee;
}

bool Blocked(const rpb::Blacklist& blacklist, const rpb::CallSetup& setup,
             const CalleeView& callee = Quebec()) {
  Snapshot snapshot;
  const CallerInfo caller =
      DescribeCaller(setup, snapshot, callee.line.tenant_id, DialingRulesFor(callee.country));
  return CompiledBlacklist(blacklist).Check(caller).blocked;
}

struct Case {
  rpb::BlacklistRule::Match match;
  std::string digits;
  std::string caller;
  bool matches;
};

// CT 8.2, "Exemples d'options en fonction du type de règle créée": the
// guide's four rules, with callers that match them and callers that don't.
const std::vector<Case>& CooptelTable() {
  static const auto* const cases = new std::vector<Case>{
      {rpb::BlacklistRule::EQUALS, "5149073400", "5149073400", true},
      {rpb::BlacklistRule::EQUALS, "5149073400", "514 907-3400", true},
      {rpb::BlacklistRule::EQUALS, "5149073400", "+15149073400", true},
      {rpb::BlacklistRule::EQUALS, "5149073400", "15149073400", true},
      {rpb::BlacklistRule::EQUALS, "5149073400", "5149073401", false},
      {rpb::BlacklistRule::CONTAINS, "5555", "4185555123", true},
      {rpb::BlacklistRule::CONTAINS, "5555", "5555123456", true},
      {rpb::BlacklistRule::CONTAINS, "5555", "4185551234", false},
      {rpb::BlacklistRule::STARTS_WITH, "514", "5141234567", true},
      {rpb::BlacklistRule::STARTS_WITH, "514", "+15141234567", true},
      {rpb::BlacklistRule::STARTS_WITH, "514", "4505141234", false},
      {rpb::BlacklistRule::ENDS_WITH, "3400", "4501233400", true},
      {rpb::BlacklistRule::ENDS_WITH, "3400", "4501233401", false},
  };
  return *cases;
}

TEST_CASE("Cooptel blacklist table: block rules") {
  for (const Case& c : CooptelTable()) {
    CAPTURE(rpb::BlacklistRule::Match_Name(c.match), c.digits, c.caller);
    rpb::Blacklist blacklist;
    *blacklist.add_rules() = Rule(c.match, c.digits);
    CHECK(Blocked(blacklist, testing::FromTrunk(c.caller)) == c.matches);
  }
}

TEST_CASE("Cooptel blacklist table: allow-only mode lets only listed callers in") {
  for (const Case& c : CooptelTable()) {
    CAPTURE(rpb::BlacklistRule::Match_Name(c.match), c.digits, c.caller);
    rpb::Blacklist blacklist;
    blacklist.set_allow_only_listed(true);
    *blacklist.add_rules() = Rule(c.match, c.digits, rpb::BlacklistRule::ALLOW);
    CHECK(Blocked(blacklist, testing::FromTrunk(c.caller)) == !c.matches);
  }
}

// CT 8.1: "Les règles ne s'appliqueront pas aux appels entrants sans
// numéro, anonymes ou confidentiels."
TEST_CASE("The blacklist never applies to anonymous callers") {
  rpb::Blacklist blacklist;
  *blacklist.add_rules() = Rule(rpb::BlacklistRule::CONTAINS, "0");
  *blacklist.add_rules() = Rule(rpb::BlacklistRule::STARTS_WITH, "1");
  CHECK_FALSE(Blocked(blacklist, testing::FromAnonymous()));
  CHECK_FALSE(Blocked(blacklist, testing::FromTrunk("")));
  blacklist.set_allow_only_listed(true);
  CHECK_FALSE(Blocked(blacklist, testing::FromAnonymous()));
}

TEST_CASE("An ALLOW rule wins over a BLOCK rule") {
  rpb::Blacklist blacklist;
  *blacklist.add_rules() = Rule(rpb::BlacklistRule::STARTS_WITH, "514");
  *blacklist.add_rules() = Rule(rpb::BlacklistRule::EQUALS, "5149073400", rpb::BlacklistRule::ALLOW);
  CHECK_FALSE(Blocked(blacklist, testing::FromTrunk("5149073400")));
  CHECK(Blocked(blacklist, testing::FromTrunk("5149073401")));
  const CompiledBlacklist compiled(blacklist);
  Snapshot snapshot;
  const CallerInfo caller =
      DescribeCaller(testing::FromTrunk("5149073401"), snapshot, "t-fr", DialingRulesFor("CA"));
  CHECK(compiled.Check(caller).rule == "block: starts with 514");
}

TEST_CASE("Digits are compared in the forms people write them") {
  rpb::Blacklist blacklist;
  *blacklist.add_rules() = Rule(rpb::BlacklistRule::STARTS_WITH, "0032");
  const CalleeView alice = testing::Alice();
  CHECK(Blocked(blacklist, testing::FromTrunk("+3221234589"), alice));
  CHECK_FALSE(Blocked(blacklist, testing::FromTrunk("0612345678"), alice));
  rpb::Blacklist by_country_code;
  *by_country_code.add_rules() = Rule(rpb::BlacklistRule::STARTS_WITH, "32");
  CHECK(Blocked(by_country_code, testing::FromTrunk("0032 2 123 45 89"), alice));
  rpb::Blacklist national;
  *national.add_rules() = Rule(rpb::BlacklistRule::STARTS_WITH, "06");
  CHECK(Blocked(national, testing::FromTrunk("+33612345678"), alice));
  // Stored with separators by mistake: read as digits.
  rpb::Blacklist sloppy;
  *sloppy.add_rules() = Rule(rpb::BlacklistRule::EQUALS, "06 12 34 56 78");
  CHECK(Blocked(sloppy, testing::FromTrunk("0612345678"), alice));
}

TEST_CASE("Colleagues are not subject to the company's blacklist") {
  rpb::Blacklist blacklist;
  blacklist.set_allow_only_listed(true);
  CHECK_FALSE(Blocked(blacklist, testing::FromBob(), testing::Alice()));
  CHECK(Blocked(blacklist, testing::FromTrunk("0222969570"), testing::Alice()));
}

}  // namespace
}  // namespace sb::routing
