#include "services/routing/engine/outgoing.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "services/routing/engine/test_support.h"

namespace sb::routing {
namespace {

using testing::Describe;

const absl::Time kNow = testing::At("Europe/Paris", 2026, 6, 15, 10);

rpb::RouteDecision Call(const CallerView& caller, const std::string& dialed) {
  return Decide(testing::Dial(dialed), testing::FromCaller(caller), kNow);
}

CallerView Barring(std::initializer_list<std::string> categories) {
  CallerView bob = testing::BobAsCaller();
  for (const std::string& category : categories) {
    bob.settings.mutable_outgoing_barring()->add_barred_categories(category);
  }
  return bob;
}

struct BarringCase {
  std::string barred;
  std::string dialed;
  bool rejected;
};

// MC 2.5.3 "Blocage d'Appel": one category barred at a time, from a line of
// Rennes (+33 2 22 96 95 69's neighbour).
TEST_CASE("Outgoing barring by category (MetaCentrex 2.5.3)") {
  const std::vector<BarringCase> cases = {
      {"NATIONAL", "0145000000", true},   // Paris from Rennes
      {"NATIONAL", "0222969580", false},  // same area: LOCAL
      {"LOCAL", "0222969580", true},
      {"MOBILE", "0612345678", true},
      {"MOBILE", "0145000000", false},
      {"INTERNATIONAL", "00442079460000", true},
      {"INTERNATIONAL", "+442079460000", true},
      {"INTERNATIONAL", "0612345678", false},
      {"PREMIUM", "0899123456", true},
      {"PREMIUM", "0810123456", true},   // shared cost: "commençant par 08"
      {"PREMIUM", "3949", true},         // "numéros courts hors urgence"
      {"PREMIUM", "0800123456", false},  // free numbers stay reachable
      {"TOLL_FREE", "0800123456", true},
      {"DIRECTORY", "118712", true},
      {"DIRECTORY", "0145000000", false},
  };
  for (const BarringCase& c : cases) {
    CAPTURE(c.barred, c.dialed);
    const rpb::RouteDecision decision = Call(Barring({c.barred}), c.dialed);
    CHECK(decision.error().empty());
    if (c.rejected) {
      CHECK(decision.steps_size() == 0);
      CHECK(decision.final().kind() == rpb::Terminal::REJECT);
      CHECK(decision.final().sip_code() == 403);
      CHECK_THAT(decision.final().sip_reason(), Catch::Contains("are barred"));
    } else {
      REQUIRE(decision.steps_size() == 1);
      CHECK(decision.steps(0).targets(0).kind() == rpb::Target::EXTERNAL);
    }
  }
  const rpb::RouteDecision premium = Call(Barring({"PREMIUM"}), "0899123456");
  CHECK(premium.final().sip_reason() == "outgoing calls to PREMIUM numbers are barred on this line");
  CHECK(premium.decided_by() == "outgoing call barring (PREMIUM)");
}

TEST_CASE("Emergency numbers are never barred") {
  CallerView locked = Barring({"LOCAL", "NATIONAL", "MOBILE", "INTERNATIONAL", "PREMIUM", "SHORT_CODE",
                               "OPERATOR", "DIRECTORY", "ACCESS_CODE", "CONFIG_ACCESS_CODE", "EMERGENCY"});
  locked.settings.mutable_outgoing_barring()->set_long_distance(rpb::LD_DISABLED);
  locked.settings.mutable_outgoing_barring()->set_international(rpb::LD_DISABLED);
  for (const std::string dialed : {"112", "15", "17", "18", "115"}) {
    CAPTURE(dialed);
    const rpb::RouteDecision decision = Call(locked, dialed);
    REQUIRE(decision.steps_size() == 1);
    CHECK(decision.steps(0).targets(0).number_e164() == dialed);
  }
  CHECK(Call(locked, "0612345678").final().sip_code() == 403);
}

// CT "Appels interurbains / internationaux": Désactivé / Avec code / Illimité.
TEST_CASE("Cooptel long-distance modes, with the access code stripped") {
  CallerView quebec = testing::BobAsCaller();
  quebec.country = "CA";
  quebec.line.number_e164 = "+15149073400";
  rpb::OutgoingBarring& barring = *quebec.settings.mutable_outgoing_barring();
  barring.set_long_distance(rpb::LD_WITH_ACCESS_CODE);
  barring.set_international(rpb::LD_DISABLED);
  barring.set_access_code("4321");

  // Ottawa from Montréal is long distance.
  rpb::RouteDecision without_code = Call(quebec, "6135625800");
  CHECK(without_code.final().sip_code() == 403);
  CHECK(without_code.final().sip_reason() ==
        "long-distance calls (NATIONAL) need the access code dialed before the number");
  rpb::RouteDecision with_code = Call(quebec, "4321 613 562 5800");
  REQUIRE(with_code.steps_size() == 1);
  CHECK(with_code.steps(0).targets(0).number_e164() == "+16135625800");
  CHECK(Call(quebec, "432116135625800").steps_size() == 1);
  // A local call needs no code; the code does not make it invalid either.
  CHECK(Call(quebec, "5149073401").steps_size() == 1);
  // International: disabled, with or without the code.
  CHECK(Call(quebec, "01133145000000").final().sip_reason() ==
        "international calls (INTERNATIONAL) are disabled on this line");
  CHECK(Call(quebec, "432101133145000000").final().sip_code() == 403);
  // Unlimited.
  barring.set_long_distance(rpb::LD_UNLIMITED);
  barring.set_international(rpb::LD_UNLIMITED);
  CHECK(Call(quebec, "6135625800").steps_size() == 1);
  CHECK(Call(quebec, "01133145000000").steps(0).targets(0).number_e164() == "+33145000000");
  // "With code" and no code configured: nothing can satisfy it.
  barring.set_international(rpb::LD_WITH_ACCESS_CODE);
  barring.clear_access_code();
  CHECK_THAT(Call(quebec, "01133145000000").final().sip_reason(), Catch::Contains("none is configured"));
}

TEST_CASE("An outgoing call is one step to the E.164 number") {
  const rpb::RouteDecision decision = Call(testing::BobAsCaller(), "06 12 34 56 78");
  CHECK(decision.error().empty());
  CHECK(Describe(decision) ==
        "[ext:+33612345678] 0s noanswer=REJECT 480 busy=BUSY 486 unreachable=REJECT 480 | "
        "final=REJECT 480");
  CHECK(decision.decided_by() == "outgoing call to a MOBILE number");
  CHECK(decision.presentation().number() == "+33222969570");
  CHECK(decision.presentation().display_name() == "Bob Leroy");
  CHECK_FALSE(decision.presentation().withhold_number());
}

// PX/MC/CT "withhold my number"; CT per-extension name (≤15) and number.
TEST_CASE("Caller ID: withhold keeps the asserted identity; outgoing name and number") {
  CallerView bob = testing::BobAsCaller();
  bob.settings.mutable_caller_id()->set_withhold_my_number(true);
  rpb::Presentation p = Call(bob, "0612345678").presentation();
  CHECK(p.withhold_number());
  CHECK(p.asserted_identity() == "+33222969570");

  bob.settings.mutable_caller_id()->set_withhold_my_number(false);
  bob.settings.mutable_caller_id()->set_outgoing_name("Réception Générale Acme");
  p = Call(bob, "0612345678").presentation();
  CHECK(p.display_name() == "Bob Leroy");  // a name alone is not enough (CT)
  bob.settings.mutable_caller_id()->set_outgoing_number("02 22 96 95 00");
  p = Call(bob, "0612345678").presentation();
  CHECK(p.display_name() == "Réception Génér");  // 15 characters, not bytes
  CHECK(p.number() == "+33222969500");
  CHECK(p.asserted_identity() == "+33222969570");
}

TEST_CASE("Outgoing setups that can't be evaluated get an error decision") {
  struct Case {
    std::string dialed;
    int code;
  };
  for (const Case& c : std::vector<Case>{{"abc", 484}, {"", 484}, {"4999", 404}, {"#31#", 404}}) {
    CAPTURE(c.dialed);
    const rpb::RouteDecision decision = Call(testing::BobAsCaller(), c.dialed);
    CHECK_FALSE(decision.error().empty());
    CHECK(decision.final().kind() == rpb::Terminal::REJECT);
    CHECK(decision.final().sip_code() == c.code);
    CHECK(decision.steps_size() == 0);
  }
  Snapshot no_numbering = testing::FromCaller(testing::BobAsCaller());
  no_numbering.numbering = nullptr;
  const rpb::RouteDecision decision = Decide(testing::Dial("0612345678"), no_numbering, kNow);
  CHECK(decision.final().sip_code() == 500);
  CHECK_FALSE(decision.error().empty());
}

}  // namespace
}  // namespace sb::routing
