#include "numbering/numbering.h"

#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"

namespace sb::numbering {
namespace {

// Building ShortNumberInfo takes milliseconds; share one across test cases.
const Numbering& Shared() {
  static const Numbering* numbering = new Numbering();
  return *numbering;
}

DialPlan Plan(std::string country, std::string home = "") {
  DialPlan plan;
  plan.country = std::move(country);
  plan.home_e164 = std::move(home);
  return plan;
}

struct NormalizeCase {
  std::string input;
  std::string country;
  std::string e164;
  std::string national;
  std::string region;
  Category category;
};

TEST_CASE("Normalize accepts what people type into the portal") {
  const std::vector<NormalizeCase> cases = {
      // The three ways the MetaCentrex guide's number is written, and more.
      {"02 22 96 95 69", "FR", "+33222969569", "0222969569", "FR", Category::kNational},
      {"02.22.96.95.69", "FR", "+33222969569", "0222969569", "FR", Category::kNational},
      {"02-22-96-95-69", "FR", "+33222969569", "0222969569", "FR", Category::kNational},
      {"+33222969569", "FR", "+33222969569", "0222969569", "FR", Category::kNational},
      {"0033222969569", "FR", "+33222969569", "0222969569", "FR", Category::kNational},
      {"  02 22 96 95 69 \t", "FR", "+33222969569", "0222969569", "FR", Category::kNational},
      {"+33 (0)2 22 96 95 69", "FR", "+33222969569", "0222969569", "FR", Category::kNational},
      {"02\u00a022\u00a096\u00a095\u00a069", "FR", "+33222969569", "0222969569", "FR",
       Category::kNational},
      {"02 22 96 95 69", "fr", "+33222969569", "0222969569", "FR", Category::kNational},
      {"06 12 34 56 78", "FR", "+33612345678", "0612345678", "FR", Category::kMobile},
      {"07 81 23 45 67", "FR", "+33781234567", "0781234567", "FR", Category::kMobile},
      {"0800 12 34 56", "FR", "+33800123456", "0800123456", "FR", Category::kTollFree},
      {"0899 12 34 56", "FR", "+33899123456", "0899123456", "FR", Category::kPremium},
      {"09 12 34 56 78", "FR", "+33912345678", "0912345678", "FR", Category::kNational},
      // Another country keeps its own region and national form.
      {"+44 20 7946 0000", "FR", "+442079460000", "02079460000", "GB", Category::kInternational},
      {"00 44 20 7946 0000", "FR", "+442079460000", "02079460000", "GB", Category::kInternational},
      {"(514) 907-3400", "CA", "+15149073400", "5149073400", "CA", Category::kNational},
      {"1-514-907-3400", "CA", "+15149073400", "5149073400", "CA", Category::kNational},
      {"+1 514 907 3400", "FR", "+15149073400", "5149073400", "CA", Category::kInternational},
      {"1 800 555 1234", "CA", "+18005551234", "8005551234", "CA", Category::kTollFree},
      {"1 800 555 1234", "US", "+18005551234", "8005551234", "US", Category::kTollFree},
      {"(212) 555-1234", "US", "+12125551234", "2125551234", "US", Category::kNational},
      {"02 234 56 78", "BE", "+3222345678", "022345678", "BE", Category::kNational},
      {"0470 12 34 56", "BE", "+32470123456", "0470123456", "BE", Category::kMobile},
      // Anything libphonenumber knows.
      {"030 123456", "DE", "+4930123456", "030123456", "DE", Category::kNational},
  };
  for (const NormalizeCase& c : cases) {
    INFO("input='" << c.input << "' country=" << c.country);
    absl::StatusOr<Normalized> got = Shared().Normalize(c.input, c.country);
    REQUIRE(got.ok());
    CHECK(got->e164 == c.e164);
    CHECK(got->national == c.national);
    CHECK(got->region == c.region);
    CHECK(CategoryName(got->category) == CategoryName(c.category));
  }
}

struct RejectCase {
  std::string input;
  std::string country;
  std::string field;
  std::string message;
};

TEST_CASE("Normalize explains what is wrong with a number") {
  const std::vector<RejectCase> cases = {
      {"02 22", "FR", "number", "'02 22' is too short for FR"},
      {"02 22 96 95 69 11", "FR", "number", "'02 22 96 95 69 11' is too long for FR"},
      {"+44 20", "FR", "number", "'+44 20' is too short for GB"},
      {"0800 FLOWERS", "FR", "number", "letters are not allowed"},
      {"02 22 96 95 69 ext 12", "FR", "number", "letters are not allowed"},
      {"", "FR", "number", "must not be empty"},
      {"   ", "FR", "number", "must not be empty"},
      {"02+22 96 95 69", "FR", "number", "'+' is only allowed at the start"},
      {"02_22_96_95_69", "FR", "number",
       "only digits, spaces and the separators . - ( ) / are allowed, with an optional "
       "leading +"},
      {"02 22 96 95 69 #", "FR", "number",
       "only digits, spaces and the separators . - ( ) / are allowed, with an optional "
       "leading +"},
      {"--", "FR", "number", "'--' has no digits"},
      {"+999 1234 5678", "FR", "number",
       "'+999 1234 5678' does not start with a known country code"},
      {"907-3400", "CA", "number", "'907-3400' is missing its area code"},
      {"(123) 456-7890", "US", "number", "'(123) 456-7890' is not a valid phone number for US"},
      {std::string(65, '1'), "FR", "number", "is too long to be a phone number (65 characters)"},
      {"02 22 96 95 69", "XX", "country", "'XX' is not a known country code (e.g. FR, CA)"},
      {"02 22 96 95 69", "", "country", "'' is not a known country code (e.g. FR, CA)"},
  };
  for (const RejectCase& c : cases) {
    INFO("input='" << c.input << "' country=" << c.country);
    absl::StatusOr<Normalized> got = Shared().Normalize(c.input, c.country);
    REQUIRE_FALSE(got.ok());
    CHECK(got.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(sb::core::FieldOf(got.status()) == c.field);
    CHECK(std::string(got.status().message()) == c.message);
  }
}

TEST_CASE("Normalize echoes at most a bounded part of the input") {
  // 40 digits of garbage: the message quotes 32 characters and marks the cut.
  absl::StatusOr<Normalized> got = Shared().Normalize("+33 " + std::string(40, '9'), "FR");
  REQUIRE_FALSE(got.ok());
  const std::string message(got.status().message());
  CHECK(message.find("...'") != std::string::npos);
  CHECK(message.size() < 80);
}

struct ClassifyCase {
  std::string dialed;
  DialPlan plan;
  Category category;
  std::string e164;  // expected when non-empty
};

void RunClassifyCases(const std::vector<ClassifyCase>& cases) {
  for (const ClassifyCase& c : cases) {
    INFO("dialed='" << c.dialed << "' country=" << c.plan.country << " home=" << c.plan.home_e164);
    Classified got = Shared().Classify(c.dialed, c.plan);
    CHECK(CategoryName(got.category) == CategoryName(c.category));
    if (!c.e164.empty()) CHECK(got.e164 == c.e164);
  }
}

TEST_CASE("Classify what a phone dials in France") {
  const DialPlan fr = Plan("FR", "+33222969569");
  RunClassifyCases({
      // Service codes, MetaCentrex 2.5.2 / 2.5.3.
      {"*72", fr, Category::kConfigAccessCode, ""},
      {"*72 06 12 34 56 78", fr, Category::kConfigAccessCode, ""},
      {"*73", fr, Category::kConfigAccessCode, ""},
      {"*90", fr, Category::kConfigAccessCode, ""},
      {"*91", fr, Category::kConfigAccessCode, ""},
      {"*92", fr, Category::kConfigAccessCode, ""},
      {"*93", fr, Category::kConfigAccessCode, ""},
      {"*318", fr, Category::kAccessCode, ""},
      {"#31#", fr, Category::kAccessCode, ""},
      {"*67", fr, Category::kAccessCode, ""},
      // Emergency numbers, including those libphonenumber lacks.
      {"112", fr, Category::kEmergency, ""},
      {"15", fr, Category::kEmergency, ""},
      {"17", fr, Category::kEmergency, ""},
      {"18", fr, Category::kEmergency, ""},
      {"114", fr, Category::kEmergency, ""},
      {"115", fr, Category::kEmergency, ""},
      {"119", fr, Category::kEmergency, ""},
      {"191", fr, Category::kEmergency, ""},
      {"196", fr, Category::kEmergency, ""},
      {"197", fr, Category::kEmergency, ""},
      {"118712", fr, Category::kDirectory, ""},
      {"118 218", fr, Category::kDirectory, ""},
      {"3949", fr, Category::kShortCode, ""},
      // No operator code in France: "0" is nothing dialable.
      {"0", fr, Category::kInvalid, ""},
      {"4002", fr, Category::kExtension, ""},
      {"40", fr, Category::kExtension, ""},
      {"240817", fr, Category::kExtension, ""},
      // Same zone (02) as the caller is local, another zone national.
      {"02 22 96 95 69", fr, Category::kLocal, "+33222969569"},
      {"02 40 12 34 56", fr, Category::kLocal, "+33240123456"},
      {"+33 2 40 12 34 56", fr, Category::kLocal, "+33240123456"},
      {"01 45 67 89 01", fr, Category::kNational, "+33145678901"},
      {"05 56 12 34 56", fr, Category::kNational, "+33556123456"},
      {"09 12 34 56 78", fr, Category::kNational, "+33912345678"},
      {"06 12 34 56 78", fr, Category::kMobile, "+33612345678"},
      {"07 81 23 45 67", fr, Category::kMobile, "+33781234567"},
      {"0899 12 34 56", fr, Category::kPremium, "+33899123456"},
      {"0800 12 34 56", fr, Category::kTollFree, "+33800123456"},
      {"0810 12 34 56", fr, Category::kSharedCost, "+33810123456"},
      {"+44 20 7946 0000", fr, Category::kInternational, "+442079460000"},
      {"00 44 20 7946 0000", fr, Category::kInternational, "+442079460000"},
      {"00 1 514 907 3400", fr, Category::kInternational, "+15149073400"},
      // Garbage, too short and too long.
      {"", fr, Category::kInvalid, ""},
      {"   ", fr, Category::kInvalid, ""},
      {"abc", fr, Category::kInvalid, ""},
      {"06 12 ab", fr, Category::kInvalid, ""},
      {"*", fr, Category::kInvalid, ""},
      {"06*12345678", fr, Category::kInvalid, ""},
      {"0612+345678", fr, Category::kInvalid, ""},
      {"0612345", fr, Category::kInvalid, ""},
      {"061234567890123", fr, Category::kInvalid, ""},
      {"+4420", fr, Category::kInvalid, ""},
  });
}

TEST_CASE("Classify without a home number never says local") {
  RunClassifyCases({
      {"02 22 96 95 69", Plan("FR"), Category::kNational, "+33222969569"},
      {"(514) 907-3400", Plan("CA"), Category::kNational, "+15149073400"},
  });
}

TEST_CASE("Classify what a phone dials in Canada and the US") {
  const DialPlan ca = Plan("CA", "+15149073400");
  const DialPlan us = Plan("US", "+12125551234");
  RunClassifyCases({
      {"911", ca, Category::kEmergency, ""},
      {"911", us, Category::kEmergency, ""},
      {"411", ca, Category::kDirectory, ""},
      {"411", us, Category::kDirectory, ""},
      {"1 514 555 1212", ca, Category::kDirectory, ""},
      {"311", ca, Category::kShortCode, ""},
      {"511", ca, Category::kShortCode, ""},
      {"311", us, Category::kShortCode, ""},
      {"0", ca, Category::kOperator, ""},
      {"00", us, Category::kOperator, ""},
      // Every 4-digit number is a carrier-specific short code in US metadata;
      // on a business line they are extensions.
      {"4002", ca, Category::kExtension, ""},
      {"4002", us, Category::kExtension, ""},
      {"40021", us, Category::kExtension, ""},
      {"*72", ca, Category::kConfigAccessCode, ""},
      {"*318", us, Category::kAccessCode, ""},
      {"(514) 907-3401", ca, Category::kLocal, "+15149073401"},
      {"1 514 907 3401", ca, Category::kLocal, "+15149073401"},
      {"907-3401", ca, Category::kLocal, "+15149073401"},
      {"(416) 907-3400", ca, Category::kNational, "+14169073400"},
      {"1 800 555 1234", ca, Category::kTollFree, "+18005551234"},
      {"1 800 555 1234", us, Category::kTollFree, "+18005551234"},
      {"1 900 555 1234", us, Category::kPremium, "+19005551234"},
      {"212 555 9876", us, Category::kLocal, "+12125559876"},
      {"1 312 555 9876", us, Category::kNational, "+13125559876"},
      // Another NANP country is another country, +1 or not.
      {"1 212 555 1234", ca, Category::kInternational, "+12125551234"},
      {"514 907 3400", us, Category::kInternational, "+15149073400"},
      {"1 876 555 1234", ca, Category::kInternational, "+18765551234"},
      {"011 44 20 7946 0000", ca, Category::kInternational, "+442079460000"},
      {"+33 2 22 96 95 69", us, Category::kInternational, "+33222969569"},
  });
}

TEST_CASE("Classify what a phone dials in Belgium") {
  const DialPlan be = Plan("BE", "+3222345678");
  RunClassifyCases({
      {"112", be, Category::kEmergency, ""},
      {"100", be, Category::kEmergency, ""},
      {"101", be, Category::kEmergency, ""},
      {"1207", be, Category::kDirectory, ""},
      {"4002", be, Category::kExtension, ""},
      {"02 345 67 89", be, Category::kLocal, "+3223456789"},
      {"04 223 45 67", be, Category::kNational, "+3242234567"},
      {"0470 12 34 56", be, Category::kMobile, "+32470123456"},
      {"0800 12 345", be, Category::kTollFree, "+3280012345"},
      {"0900 12 345", be, Category::kPremium, "+3290012345"},
      {"00 33 2 22 96 95 69", be, Category::kInternational, "+33222969569"},
  });
}

TEST_CASE("Classify honours the plan's extension range and access code") {
  DialPlan narrow = Plan("FR");
  narrow.min_extension_digits = 3;
  narrow.max_extension_digits = 4;
  DialPlan custom_idd = Plan("CA");
  custom_idd.international_access_code = "00";
  RunClassifyCases({
      {"40", narrow, Category::kInvalid, ""},
      {"400", narrow, Category::kExtension, ""},
      {"4002", narrow, Category::kExtension, ""},
      {"40021", narrow, Category::kInvalid, ""},
      // Emergency numbers win over the extension range.
      {"112", narrow, Category::kEmergency, ""},
      {"00 44 20 7946 0000", custom_idd, Category::kInternational, "+442079460000"},
      {"00 44 20 7946 0000", Plan("CA"), Category::kInvalid, ""},
  });
}

TEST_CASE("Classify keeps the dialed string without separators") {
  CHECK(Shared().Classify(" 02.22-96 95 69 ", Plan("FR")).digits == "0222969569");
  CHECK(Shared().Classify("*72 (06) 12", Plan("FR")).digits == "*720612");
  CHECK(Shared().Classify("+44 20", Plan("FR")).digits == "+4420");
  // Phone numbers carry their E.164 form; service codes do not.
  CHECK(Shared().Classify("112", Plan("FR")).e164.empty());
  CHECK(Shared().Classify("4002", Plan("FR")).e164.empty());
}

TEST_CASE("Classify with an unknown country still knows access codes and extensions") {
  RunClassifyCases({
      {"*72", Plan("XX"), Category::kConfigAccessCode, ""},
      {"4002", Plan("XX"), Category::kExtension, ""},
      {"0222969569", Plan("XX"), Category::kInvalid, ""},
      {"+33222969569", Plan("XX"), Category::kInvalid, ""},
  });
}

TEST_CASE("the international access code comes from the country") {
  CHECK(Shared().InternationalAccessCode("FR") == "00");
  CHECK(Shared().InternationalAccessCode("BE") == "00");
  CHECK(Shared().InternationalAccessCode("GB") == "00");
  CHECK(Shared().InternationalAccessCode("CA") == "011");
  CHECK(Shared().InternationalAccessCode("us") == "011");
  CHECK(Shared().InternationalAccessCode("XX").empty());
}

TEST_CASE("category names are stable and round-trip") {
  CHECK(CategoryName(Category::kExtension) == "EXTENSION");
  CHECK(CategoryName(Category::kConfigAccessCode) == "CONFIG_ACCESS_CODE");
  CHECK(CategoryName(Category::kTollFree) == "TOLL_FREE");
  for (int i = static_cast<int>(Category::kExtension); i <= static_cast<int>(Category::kInvalid);
       ++i) {
    const auto category = static_cast<Category>(i);
    INFO(CategoryName(category));
    REQUIRE(CategoryFromName(CategoryName(category)).has_value());
    CHECK(*CategoryFromName(CategoryName(category)) == category);
  }
  CHECK_FALSE(CategoryFromName("local").has_value());
}

TEST_CASE("every configuration access code classifies as one") {
  REQUIRE(ConfigAccessCodes().size() >= 6);
  for (const ConfigAccessCode& code : ConfigAccessCodes()) {
    INFO(code.code << " " << code.what);
    CHECK(code.code[0] == '*');
    CHECK_FALSE(code.what.empty());
    CHECK(Shared().Classify(code.code, Plan("FR")).category == Category::kConfigAccessCode);
  }
}

TEST_CASE("a Numbering is shared across threads and copies") {
  const Numbering copy = Shared();
  const DialPlan fr = Plan("FR", "+33222969569");
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const Numbering& n = t % 2 ? copy : Shared();
        if (n.Classify("0612345678", fr).category != Category::kMobile) ++wrong[t];
        if (n.Classify("0222969569", fr).category != Category::kLocal) ++wrong[t];
        if (!n.Normalize("02 22 96 95 69", "FR").ok()) ++wrong[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(wrong == std::vector<int>(4, 0));
}

}  // namespace
}  // namespace sb::numbering
