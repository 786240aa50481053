#include "services/routing/engine/caller_match.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "services/routing/engine/number_keys.h"
#include "services/routing/engine/test_support.h"

namespace sb::routing {
namespace {

using testing::SharedNumbering;

struct KeyCase {
  std::string input;
  std::string country;
  std::string key;
};

TEST_CASE("NumberKey reads a number as dialed in the callee's country") {
  const std::vector<KeyCase> cases = {
      // API.md: 0612345678 = +33612345678, whatever the separators.
      {"0612345678", "FR", "+33612345678"},
      {"06 12 34 56 78", "FR", "+33612345678"},
      {"06.12.34.56.78", "FR", "+33612345678"},
      {"+33 6 12 34 56 78", "FR", "+33612345678"},
      {"+33 (0)6 12 34 56 78", "FR", "+33612345678"},
      {"0033612345678", "FR", "+33612345678"},
      {"0032 2 123 45 89", "FR", "+3221234589"},
      // PX's example caller: a Brussels number libphonenumber calls invalid.
      {"021234589", "BE", "+3221234589"},
      // CT (Québec): ten digits, or with the long-distance 1.
      {"514 907-3400", "CA", "+15149073400"},
      {"1-514-907-3400", "CA", "+15149073400"},
      {"011 33 6 12 34 56 78", "CA", "+33612345678"},
      {"06 12345678", "IT", "+390612345678"},
      // Extensions, service codes and unknown countries stay literal.
      {"4002", "FR", "4002"},
      {"112", "FR", "112"},
      {"*72", "FR", "*72"},
      {"0612345678", "XX", "0612345678"},
      {"+33612345678", "XX", "+33612345678"},
      {"", "FR", ""},
  };
  for (const KeyCase& c : cases) {
    CAPTURE(c.input, c.country);
    CHECK(NumberKey(c.input, DialingRulesFor(c.country)) == c.key);
  }
}

// The engine's dialing rules and libphonenumber agree on valid numbers: a
// list entry normalized by the portal matches the same caller read fast.
TEST_CASE("NumberKey agrees with Numbering::Normalize on valid numbers") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"0612345678", "FR"},   {"0222969569", "FR"},    {"0044 20 7946 0000", "FR"}, {"022345678", "BE"},
      {"0470123456", "BE"},   {"4185555123", "CA"},    {"2025550143", "US"},        {"044 668 18 00", "CH"},
      {"030 12345678", "DE"}, {"020 7946 0000", "GB"}, {"01 234 5678", "IE"},       {"020 123 4567", "NL"},
      {"01 58858 0", "AT"},   {"06 12345678", "IT"},   {"912345678", "ES"},         {"212345678", "PT"},
      {"27123456", "LU"},     {"98765432", "MC"},
  };
  for (const auto& [number, country] : cases) {
    CAPTURE(number, country);
    const auto normalized = SharedNumbering().Normalize(number, country);
    REQUIRE(normalized.ok());
    const DialingRules rules = DialingRulesFor(country);
    CHECK(NumberKey(number, rules) == normalized->e164);
    if (normalized->region == country) CHECK(NationalDigits(normalized->e164, rules) == normalized->national);
  }
}

TEST_CASE("PrefixKey turns national prefixes into E.164 prefixes") {
  CHECK(PrefixKey("0612*", DialingRulesFor("FR")) == "+33612");
  CHECK(PrefixKey("06 12", DialingRulesFor("FR")) == "+33612");
  CHECK(PrefixKey("0032", DialingRulesFor("FR")) == "+32");
  CHECK(PrefixKey("+3361", DialingRulesFor("FR")) == "+3361");
  CHECK(PrefixKey("514", DialingRulesFor("CA")) == "+1514");
  CHECK(PrefixKey("1514", DialingRulesFor("CA")) == "+1514");
  CHECK(PrefixKey("4", DialingRulesFor("FR")) == "4");  // an extension range
  CHECK(PrefixKey("40", DialingRulesFor("CA")) == "40");
}

CallerInfo Caller(const rpb::CallSetup& setup, const CalleeView& callee) {
  Snapshot snapshot;
  return DescribeCaller(setup, snapshot, callee.line.tenant_id, DialingRulesFor(callee.country));
}

TEST_CASE("DescribeCaller reads the caller once, in the callee's country") {
  const CalleeView alice = testing::Alice();
  const CallerInfo mobile = Caller(testing::FromTrunk("0612345678"), alice);
  CHECK_FALSE(mobile.anonymous);
  CHECK(mobile.key == "+33612345678");
  CHECK_FALSE(mobile.colleague);
  CHECK(std::vector<std::string>(mobile.digit_forms.begin(), mobile.digit_forms.end()) ==
        std::vector<std::string>{"0612345678"});

  rpb::CallSetup foreign = testing::FromTrunk("0032 2 123 45 89");
  foreign.mutable_caller()->set_number_e164("+3221234589");
  const CallerInfo brussels = Caller(foreign, alice);
  CHECK(brussels.key == "+3221234589");
  CHECK(std::vector<std::string>(brussels.digit_forms.begin(), brussels.digit_forms.end()) ==
        std::vector<std::string>{"003221234589", "3221234589"});

  CHECK(Caller(testing::FromAnonymous(), alice).anonymous);
  CHECK(Caller(testing::FromTrunk(""), alice).anonymous);
  rpb::CallSetup withheld = testing::FromTrunk("0612345678");
  withheld.mutable_caller()->set_anonymous(true);  // Privacy: id with a PAI
  CHECK(Caller(withheld, alice).anonymous);

  const CallerInfo bob = Caller(testing::FromBob(), alice);
  CHECK(bob.colleague);
  CHECK(bob.extension == "4002");
  CHECK(bob.key == "+33222969570");
  // A trunk's tenant is the callee's own; that does not make a colleague.
  rpb::CallSetup trunk = testing::FromTrunk("0612345678");
  trunk.set_tenant_id("t-fr");
  CHECK_FALSE(Caller(trunk, alice).colleague);
}

// Each test compiles its matches into one index, as Compile() does; a
// decoy match shares the index so that ids really have to be told apart.
struct MatchFixture {
  CalleeView callee = testing::Alice();
  SettingsNumberReader reader{DialingRulesFor("FR"), &SharedNumbering()};
  CallerIndex index;

  MatchFixture() {
    callee.contact_numbers["c-paul"] = {"+33611111111", "0145000000"};
    callee.contact_numbers["c-lea"] = {"06 22 22 22 22"};
    callee.group_members["g-famille"] = {"c-lea"};
    for (const auto& [id, numbers] : callee.contact_numbers) {
      for (const auto& number : numbers) index.AddContact(reader.Key(number));
    }
    Compile(testing::Numbers({"0633333333", "01*"}));
  }
  CompiledCallerMatch Compile(const rpb::CallerMatch& match) {
    return index.Add(match, reader, callee.contact_numbers, callee.group_members);
  }
  bool Matches(const CompiledCallerMatch& match, const rpb::CallSetup& setup) {
    const CallerInfo caller = Caller(setup, callee);
    return match.Matches(caller, index.Lookup(caller));
  }
};

TEST_CASE("CallerMatch numbers match in any written form, prefixes as prefixes") {
  MatchFixture f;
  const CompiledCallerMatch match =
      f.Compile(testing::Numbers({"06 12 34 56 78", "+33 1 45 00 00 01", "0699*", "3949"}));
  CHECK_FALSE(match.empty());
  CHECK(f.Matches(match, testing::FromTrunk("+33612345678")));
  CHECK(f.Matches(match, testing::FromTrunk("0612345678")));
  CHECK(f.Matches(match, testing::FromTrunk("0145000001")));
  CHECK(f.Matches(match, testing::FromTrunk("0699123456")));
  CHECK(f.Matches(match, testing::FromTrunk("+33699000000")));
  CHECK(f.Matches(match, testing::FromTrunk("3949")));
  CHECK_FALSE(f.Matches(match, testing::FromTrunk("0612345679")));
  CHECK_FALSE(f.Matches(match, testing::FromTrunk("0698123456")));
  CHECK_FALSE(f.Matches(match, testing::FromAnonymous()));
  // The decoy's numbers are in the same index, but not in this match.
  CHECK_FALSE(f.Matches(match, testing::FromTrunk("0633333333")));
  CHECK_FALSE(f.Matches(match, testing::FromTrunk("0145000002")));
}

TEST_CASE("CallerMatch contacts, groups, any contact") {
  MatchFixture f;
  rpb::CallerMatch paul;
  paul.add_contact_ids("c-paul");
  CHECK(f.Matches(f.Compile(paul), testing::FromTrunk("0611111111")));
  CHECK(f.Matches(f.Compile(paul), testing::FromTrunk("+33145000000")));
  CHECK_FALSE(f.Matches(f.Compile(paul), testing::FromTrunk("0622222222")));
  rpb::CallerMatch family;
  family.add_group_ids("g-famille");
  CHECK(f.Matches(f.Compile(family), testing::FromTrunk("0622222222")));
  CHECK_FALSE(f.Matches(f.Compile(family), testing::FromTrunk("0611111111")));
  rpb::CallerMatch anyone_known;
  anyone_known.set_any_contact(true);
  CHECK(f.Matches(f.Compile(anyone_known), testing::FromTrunk("0622222222")));
  CHECK_FALSE(f.Matches(f.Compile(anyone_known), testing::FromTrunk("0633333333")));
  // A list of stale entries is not empty, and matches no one.
  rpb::CallerMatch stale;
  stale.add_contact_ids("c-deleted");
  CHECK_FALSE(f.Compile(stale).empty());
  CHECK_FALSE(f.Matches(f.Compile(stale), testing::FromTrunk("0622222222")));
}

TEST_CASE("CallerMatch colleagues, extensions and anonymous callers") {
  MatchFixture f;
  rpb::CallerMatch company;
  company.set_any_colleague(true);
  CHECK(f.Matches(f.Compile(company), testing::FromBob()));
  CHECK_FALSE(f.Matches(f.Compile(company), testing::FromTrunk("0222969570")));
  rpb::CallSetup other_tenant = testing::FromBob();
  other_tenant.mutable_caller()->set_tenant_id("t-other");
  CHECK_FALSE(f.Matches(f.Compile(company), other_tenant));

  rpb::CallerMatch extension;
  extension.add_extensions("4002");
  CHECK(f.Matches(f.Compile(extension), testing::FromBob()));
  CHECK_FALSE(f.Matches(f.Compile(extension), other_tenant));

  rpb::CallerMatch anonymous;
  anonymous.set_anonymous(true);
  CHECK(f.Matches(f.Compile(anonymous), testing::FromAnonymous()));
  CHECK_FALSE(f.Matches(f.Compile(anonymous), testing::FromTrunk("0612345678")));
  CHECK(f.Compile(rpb::CallerMatch()).empty());
}

}  // namespace
}  // namespace sb::routing
