#include "services/routing/engine/star_codes.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/status.h"
#include "services/routing/engine/test_support.h"

namespace sb::routing {
namespace {

using Kind = StarCode::Kind;
using testing::Describe;

const absl::Time kNow = testing::At("Europe/Paris", 2026, 6, 15, 10);

struct ParseCase {
  std::string dialed;
  Kind kind;
  std::string number;
};

// MC 2.5.2 "Rappel des codes d'accès": *72, *90, *92; *318 voicemail.
TEST_CASE("ParseStarCode") {
  const std::vector<ParseCase> cases = {
      {"*72", Kind::kForwardUnconditionalOn, ""},
      {"*720612345678", Kind::kForwardUnconditionalOn, "0612345678"},
      {"*72*0612345678#", Kind::kForwardUnconditionalOn, "0612345678"},
      {"*72 06 12 34 56 78", Kind::kForwardUnconditionalOn, "0612345678"},
      {"*72+33612345678", Kind::kForwardUnconditionalOn, "+33612345678"},
      {"*72#", Kind::kForwardUnconditionalOn, ""},
      {"*73", Kind::kForwardUnconditionalOff, ""},
      {"*90", Kind::kForwardBusyOn, ""},
      {"*904002", Kind::kForwardBusyOn, "4002"},
      {"*91", Kind::kForwardBusyOff, ""},
      {"*92*0660606060", Kind::kForwardNoAnswerOn, "0660606060"},
      {"*93", Kind::kForwardNoAnswerOff, ""},
      {"*318", Kind::kVoicemailAccess, ""},
      {"*78", Kind::kDoNotDisturbOn, ""},
      {"*79", Kind::kDoNotDisturbOff, ""},
      {"*77", Kind::kRejectAnonymousOn, ""},
      {"*87", Kind::kRejectAnonymousOff, ""},
      // Not ours, or malformed.
      {"*73123", Kind::kNone, ""},
      {"*3185", Kind::kNone, ""},
      {"*72abc", Kind::kNone, ""},
      {"*67", Kind::kNone, ""},
      {"*7", Kind::kNone, ""},
      {"#31#", Kind::kNone, ""},
      {"0612345678", Kind::kNone, ""},
      {"", Kind::kNone, ""},
  };
  for (const ParseCase& c : cases) {
    CAPTURE(c.dialed);
    const StarCode code = ParseStarCode(c.dialed);
    CHECK(code.kind == c.kind);
    CHECK(code.number == c.number);
  }
}

TEST_CASE("ApplyStarCode changes settings as the portal would") {
  rpb::CallSettings settings;
  settings.mutable_forward_unconditional()->set_number("+33660606060");

  auto on = ApplyStarCode(ParseStarCode("*720612345678"), settings);
  REQUIRE(on.ok());
  CHECK(on->forward_unconditional().enabled());
  CHECK(on->forward_unconditional().number() == "0612345678");

  // MC: without a number, "le dernier numéro mémorisé".
  auto stored = ApplyStarCode(ParseStarCode("*72"), settings);
  REQUIRE(stored.ok());
  CHECK(stored->forward_unconditional().enabled());
  CHECK(stored->forward_unconditional().number() == "+33660606060");

  // "Me demander un numéro de transfert à chaque fois".
  settings.mutable_forward_unconditional()->set_ask_number_each_time(true);
  auto ask = ApplyStarCode(ParseStarCode("*72"), settings);
  REQUIRE_FALSE(ask.ok());
  CHECK(ask.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(ask.status().message()), Catch::Contains("which number?"));
  CHECK(sb::core::FieldOf(ask.status()) == "number");
  CHECK(ApplyStarCode(ParseStarCode("*720612345678"), settings).ok());

  auto off = ApplyStarCode(ParseStarCode("*73"), *on);
  REQUIRE(off.ok());
  CHECK_FALSE(off->forward_unconditional().enabled());
  CHECK(off->forward_unconditional().number() == "0612345678");  // kept for next *72

  rpb::CallSettings empty;
  CHECK_FALSE(ApplyStarCode(ParseStarCode("*90"), empty).ok());  // nothing stored
  empty.mutable_forward_busy()->set_to_voicemail(true);
  auto busy = ApplyStarCode(ParseStarCode("*904002"), empty);
  REQUIRE(busy.ok());
  CHECK(busy->forward_busy().enabled());
  CHECK(busy->forward_busy().number() == "4002");
  CHECK_FALSE(busy->forward_busy().to_voicemail());

  auto no_answer = ApplyStarCode(ParseStarCode("*920660606060"), empty);
  REQUIRE(no_answer.ok());
  CHECK(no_answer->forward_no_answer().after_s() == 36);  // API.md default
  empty.mutable_forward_no_answer()->set_after_s(20);
  CHECK(ApplyStarCode(ParseStarCode("*920660606060"), empty)->forward_no_answer().after_s() == 20);

  CHECK(ApplyStarCode(ParseStarCode("*78"), empty)->availability() == rpb::DND);
  CHECK(ApplyStarCode(ParseStarCode("*79"), empty)->availability() == rpb::AVAILABLE);
  CHECK(ApplyStarCode(ParseStarCode("*77"), empty)->reject_anonymous());
  CHECK_FALSE(ApplyStarCode(ParseStarCode("*67"), empty).ok());
}

TEST_CASE("The normalizing ApplyStarCode stores E.164, keeps extensions") {
  const auto& numbering = testing::SharedNumbering();
  auto e164 = ApplyStarCode(ParseStarCode("*72 06 12 34 56 78"), {}, numbering, "FR");
  REQUIRE(e164.ok());
  CHECK(e164->forward_unconditional().number() == "+33612345678");
  auto extension = ApplyStarCode(ParseStarCode("*724002"), {}, numbering, "FR");
  REQUIRE(extension.ok());
  CHECK(extension->forward_unconditional().number() == "4002");
  auto invalid = ApplyStarCode(ParseStarCode("*720612"), {}, numbering, "FR");
  CHECK_FALSE(invalid.ok());
  auto garbage = ApplyStarCode(ParseStarCode("*7206123456789999"), {}, numbering, "FR");
  CHECK_FALSE(garbage.ok());
  CHECK(sb::core::FieldOf(garbage.status()) == "number");
}

rpb::RouteDecision Dialed(const CallerView& caller, const std::string& dialed) {
  return Decide(testing::Dial(dialed), testing::FromCaller(caller), kNow);
}

TEST_CASE("Decide: *318 reaches the caller's own mailbox to listen") {
  const rpb::RouteDecision decision = Dialed(testing::BobAsCaller(), "*318");
  CHECK(decision.error().empty());
  CHECK(decision.steps_size() == 0);
  CHECK(Describe(decision.final()) == "VOICEMAIL bob DIVERSION_REASON_UNSPECIFIED retrieval");
  CHECK(decision.feature_applied().empty());
}

TEST_CASE("Decide: *72 describes the change, the service stores it") {
  CallerView bob = testing::BobAsCaller();
  rpb::RouteDecision decision = Dialed(bob, "*72 06 12 34 56 78");
  CHECK(decision.feature_applied() == "forward_unconditional on to +33612345678");
  CHECK(Describe(decision.final()) == "ANNOUNCEMENT feature-confirmed");
  CHECK(decision.decided_by() == "star code *72");
  CHECK_FALSE(bob.settings.forward_unconditional().enabled());  // nothing persisted here

  CHECK(Dialed(bob, "*73").feature_applied() == "forward_unconditional off");
  CHECK(Dialed(bob, "*78").feature_applied() == "do_not_disturb on");

  bob.settings.mutable_forward_unconditional()->set_ask_number_each_time(true);
  decision = Dialed(bob, "*72");
  CHECK(decision.feature_applied().empty());
  CHECK(Describe(decision.final()) == "ANNOUNCEMENT feature-number-required");
  decision = Dialed(bob, "*72 0612");
  CHECK(decision.feature_applied().empty());
  CHECK(Describe(decision.final()) == "ANNOUNCEMENT feature-invalid-number");
}

// MC 2.5.3: "Codes d'accès" bars every star code, "Codes d'accès qui
// changent de configuration" only the ones that change settings.
TEST_CASE("Decide: star codes can be barred") {
  CallerView config_barred = testing::BobAsCaller();
  config_barred.settings.mutable_outgoing_barring()->add_barred_categories("CONFIG_ACCESS_CODE");
  CHECK(Dialed(config_barred, "*720612345678").final().sip_code() == 403);
  CHECK(Dialed(config_barred, "*720612345678").feature_applied().empty());
  CHECK(Dialed(config_barred, "*318").final().kind() == rpb::Terminal::VOICEMAIL);

  CallerView all_barred = testing::BobAsCaller();
  all_barred.settings.mutable_outgoing_barring()->add_barred_categories("ACCESS_CODE");
  CHECK(Dialed(all_barred, "*318").final().sip_code() == 403);
  CHECK(Dialed(all_barred, "*73").final().sip_code() == 403);
}

TEST_CASE("Decide: an unknown star code is an unknown destination") {
  const rpb::RouteDecision decision = Dialed(testing::BobAsCaller(), "*55");
  CHECK(decision.final().sip_code() == 404);
  CHECK_THAT(decision.error(), Catch::Contains("unknown service code *55"));
}

}  // namespace
}  // namespace sb::routing
