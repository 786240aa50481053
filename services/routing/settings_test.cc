// Validation of what a subscriber or an admin may save: call settings,
// schedules, rule lists and blacklist rules. Cases from the guides in seeds/
// (MetaCentrex limits, Cooptel caller ID and find-me/follow-me, Proximus
// schedules).
#include "services/routing/settings.h"

#include <google/protobuf/text_format.h>

#include <catch2/catch.hpp>

#include "core/status.h"
#include "services/routing/calendar.h"
#include "services/routing/rules.h"

namespace sb::routing {
namespace {

const numbering::Numbering& Numbers() {
  static const numbering::Numbering* n = new numbering::Numbering();
  return *n;
}

SettingsContext Ctx() {
  return {.country = "FR", .tenant_max_concurrent_calls = 10, .numbering = &Numbers()};
}

template <typename T>
T Parse(const std::string& text) {
  T m;
  REQUIRE(google::protobuf::TextFormat::ParseFromString(text, &m));
  return m;
}

rpb::CallSettings Settings(const std::string& text) {
  rpb::CallSettings s = DefaultCallSettings("u1", true);
  s.MergeFrom(Parse<rpb::CallSettings>(text));
  return s;
}

}  // namespace

TEST_CASE("call settings: every invalid value names its field") {
  struct Case {
    std::string settings;  // text format, over the defaults
    std::string field;     // "" when valid
    std::vector<std::string> changed = {};
  };
  const std::vector<Case> cases = {
      // B2: 6–3600 s before forwarding to another phone (MC).
      {"forward_no_answer { enabled: true number: '0612345678' after_s: 5 }", "forward_no_answer.after_s"},
      {"forward_no_answer { enabled: true number: '0612345678' after_s: 3601 }", "forward_no_answer.after_s"},
      {"forward_no_answer { enabled: true number: '0612345678' after_s: 6 }", ""},
      {"forward_no_answer { enabled: true number: '0612345678' after_s: 3600 }", ""},
      {"forward_no_answer { enabled: true }", "forward_no_answer.number"},
      {"forward_no_answer { enabled: true ask_number_each_time: true }", ""},
      // 0–60 s before voicemail (MC).
      {"voicemail_after_s: 61", "voicemail_after_s"},
      {"voicemail_after_s: -1", "voicemail_after_s"},
      {"voicemail_after_s: 0", ""},
      // B3: 1 up to the account's limit (10 here).
      {"max_concurrent_calls: 11", "max_concurrent_calls"},
      {"max_concurrent_calls: -1", "max_concurrent_calls"},
      {"max_concurrent_calls: 10", ""},
      // B11 (CT): a name of at most 15 characters, and a number with it.
      {"caller_id { outgoing_name: 'Agence Nantes Est' outgoing_number: '0222969569' }",
       "caller_id.outgoing_name"},
      {"caller_id { outgoing_name: 'Agence Nantes' }", "caller_id.outgoing_number"},
      {"caller_id { outgoing_number: '0222969569' }", "caller_id.outgoing_name"},
      {"caller_id { outgoing_name: 'Société Générale' outgoing_number: '0222969569' }",
       "caller_id.outgoing_name"},
      {"caller_id { outgoing_name: 'Hôtel de Ville' outgoing_number: '02 22 96 95 69' }", ""},
      {"caller_id { outgoing_name: 'Accueil' outgoing_number: '4001' }", "caller_id.outgoing_number"},
      // B5: at most six sequential steps (AS universal contact number).
      {"sequential_ring { enabled: true steps { number: '0612345601' } steps { number: '0612345602' } "
       "steps { number: '0612345603' } steps { number: '0612345604' } steps { number: '0612345605' } "
       "steps { number: '0612345606' } steps { number: '0612345607' } }",
       "sequential_ring.steps"},
      {"sequential_ring { enabled: true steps { number: '0612345601' ring_s: 3 } }",
       "sequential_ring.steps[0].ring_s"},
      {"sequential_ring { enabled: true }", "sequential_ring.steps"},
      // B6 (CT): find-me/follow-me only while forwarding is off; the field
      // named is the one this update turned on.
      {"find_me_follow_me { enabled: true targets { number: '0612345678' } } "
       "forward_unconditional { enabled: true number: '0699999999' }",
       "find_me_follow_me.enabled",
       {"find_me_follow_me"}},
      {"find_me_follow_me { enabled: true targets { number: '0612345678' } } "
       "forward_unconditional { enabled: true number: '0699999999' }",
       "forward_unconditional.enabled",
       {"forward_unconditional"}},
      {"find_me_follow_me { enabled: true targets { number: '0612345678' } }", ""},
      // Numbers: invalid ones are refused where they are.
      {"forward_unconditional { enabled: true number: 'O6I2' }", "forward_unconditional.number"},
      {"forward_unconditional { enabled: true }", "forward_unconditional.number"},
      {"forward_busy { enabled: true to_voicemail: true }", ""},
      {"dnd_priority_callers { numbers: '0612345678' numbers: '12345678901234567' }",
       "dnd_priority_callers.numbers[1]"},
      {"dnd_priority_callers { numbers: 'abc*' }", "dnd_priority_callers.numbers[0]"},
      {"selective_forward { enabled: true callers { numbers: '0612345678' } }", "selective_forward.to"},
      {"selective_reject { enabled: true callers { extensions: '4a' } }",
       "selective_reject.callers.extensions[0]"},
      // A premium-rate number may be rejected, not forwarded to.
      {"selective_reject { enabled: true callers { numbers: '0899123456' } }", ""},
      {"forward_unconditional { enabled: true number: '0899123456' }", "forward_unconditional.number"},
      // B10: categories libs/numbering knows; emergency calls never barred.
      {"outgoing_barring { barred_categories: 'PREMIUM' barred_categories: 'international' }", ""},
      {"outgoing_barring { barred_categories: 'EMERGENCY' }", "outgoing_barring.barred_categories[0]"},
      {"outgoing_barring { barred_categories: 'MARS' }", "outgoing_barring.barred_categories[0]"},
      {"outgoing_barring { international: LD_WITH_ACCESS_CODE }", "outgoing_barring.access_code"},
      {"outgoing_barring { international: LD_WITH_ACCESS_CODE access_code: '12a4' }",
       "outgoing_barring.access_code"},
      {"outgoing_barring { international: LD_WITH_ACCESS_CODE access_code: '1234' }", ""},
      {"ring_time_s: 2", "ring_time_s"},
      {"active_rule_lists { schedule_id: 's1' }", "active_rule_lists[0].rule_list_id"},
  };
  for (const auto& c : cases) {
    INFO(c.settings);
    rpb::CallSettings s = Settings(c.settings);
    absl::Status st = ValidateCallSettings(&s, Ctx(), c.changed);
    if (c.field.empty()) {
      CHECK(st.ok());
      INFO(st.message());
    } else {
      CHECK(st.code() == absl::StatusCode::kInvalidArgument);
      CHECK(core::FieldOf(st) == c.field);
      // The message names the field too, for clients that show only it.
      CHECK_THAT(std::string(st.message()), Catch::Contains(c.field.substr(0, c.field.find('['))));
    }
  }
}

TEST_CASE("call settings: numbers are stored normalized in the tenant's country") {
  rpb::CallSettings s = Settings(
      "forward_unconditional { enabled: true number: '06 12 34 56 78' } "
      "forward_busy { enabled: true number: '+44 20 7946 0958' } "
      "forward_no_answer { enabled: true number: '4002' after_s: 0 } "
      "dnd_priority_callers { numbers: '06.12.34.56.79' numbers: '02 22*' }");
  REQUIRE(ValidateCallSettings(&s, Ctx()).ok());
  CHECK(s.forward_unconditional().number() == "0612345678");  // national form of a French number
  CHECK(s.forward_busy().number() == "+442079460958");        // E.164 for another country
  CHECK(s.forward_no_answer().number() == "4002");            // an extension stays as dialed
  CHECK(s.forward_no_answer().after_s() == 36);               // unset delay: the default
  CHECK(s.dnd_priority_callers().numbers(0) == "0612345679");
  CHECK(s.dnd_priority_callers().numbers(1) == "0222*");  // a prefix keeps its digits

  s.set_max_concurrent_calls(0);  // what a PATCH naming the field with 0 leaves
  CHECK(core::FieldOf(ValidateCallSettings(&s, Ctx())) == "max_concurrent_calls");
}

TEST_CASE("call settings: an update applies only the fields it names") {
  rpb::CallSettings current = DefaultCallSettings("u1", true);
  current.mutable_forward_no_answer()->set_number("0611111111");
  current.set_voicemail_after_s(30);

  // A message named whole is replaced whole (the gateway's PATCH).
  rpb::CallSettings update = Parse<rpb::CallSettings>("forward_no_answer { enabled: true after_s: 20 }");
  google::protobuf::FieldMask mask;
  mask.add_paths("forward_no_answer");
  auto merged = MergeCallSettings(current, update, mask);
  REQUIRE(merged.ok());
  CHECK(merged->forward_no_answer().enabled());
  CHECK(merged->forward_no_answer().number().empty());
  CHECK(merged->voicemail_after_s() == 30);

  // A nested path changes only that field.
  mask.Clear();
  mask.add_paths("forward_no_answer.after_s");
  merged = MergeCallSettings(current, update, mask);
  REQUIRE(merged.ok());
  CHECK(merged->forward_no_answer().after_s() == 20);
  CHECK(merged->forward_no_answer().number() == "0611111111");
  CHECK_FALSE(merged->forward_no_answer().enabled());

  mask.Clear();
  mask.add_paths("forward_no_answer.bogus");
  CHECK(core::FieldOf(MergeCallSettings(current, update, mask).status()) == "update_mask");
  mask.Clear();
  mask.add_paths("updated_at");  // output only: nothing left to change
  CHECK(core::FieldOf(MergeCallSettings(current, update, mask).status()) == "update_mask");
  CHECK(TopLevelFields(Parse<google::protobuf::FieldMask>(
            "paths: 'caller_id.outgoing_name' paths: 'user_id'")) == std::vector<std::string>{"caller_id"});
}

TEST_CASE("schedules: a 15-minute grid, three periods a day, valid dates") {
  struct Case {
    std::string schedule;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"name: 'Bureau' days { day: 1 periods { start: '08:00' end: '12:00' } periods { start: '13:30' end: "
       "'17:45' } }",
       ""},
      {"name: 'Bureau' days { day: 1 periods { start: '08:10' end: '12:00' } }", "days[0].periods[0].start"},
      {"name: 'Bureau' days { day: 1 periods { start: '08:00' end: '25:00' } }", "days[0].periods[0].end"},
      {"name: 'Bureau' days { day: 1 periods { start: '12:00' end: '08:00' } }", "days[0].periods[0].end"},
      {"name: 'Bureau' days { day: 1 periods { start: '08:00' end: '09:00' } periods { start: '10:00' end: "
       "'11:00' } "
       "periods { start: '12:00' end: '13:00' } periods { start: '14:00' end: '15:00' } }",
       "days[0].periods"},
      {"name: 'Bureau' days { day: 1 periods { start: '08:00' end: '12:00' } periods { start: '11:00' end: "
       "'13:00' } }",
       "days[0].periods"},
      {"name: 'Bureau' days { day: 8 }", "days[0].day"},
      {"name: 'Bureau' days { day: 2 } days { day: 2 }", "days[1].day"},
      {"name: ''", "name"},
      {"name: 'Noël' special_days { date: '2026-12-24' end_date: '2026-12-26' closed_all_day: true }", ""},
      {"name: 'Noël' special_days { date: '2026-02-30' closed_all_day: true }", "special_days[0].date"},
      {"name: 'Noël' special_days { date: '2026-12-26' end_date: '2026-12-24' closed_all_day: true }",
       "special_days[0].end_date"},
      {"name: 'Noël' special_days { date: '2026-12-24' }", "special_days[0].open"},
      {"name: 'Fériés' holiday_country: 'fr'", ""},
      {"name: 'Fériés' holiday_country: 'XX'", "holiday_country"},
  };
  for (const auto& c : cases) {
    INFO(c.schedule);
    rpb::Schedule s = Parse<rpb::Schedule>(c.schedule);
    absl::Status st = ValidateSchedule(&s);
    if (c.field.empty()) {
      CHECK(st.ok());
    } else {
      CHECK(core::FieldOf(st) == c.field);
    }
  }
  rpb::Schedule s = Parse<rpb::Schedule>(
      "name: ' Bureau ' days { day: 5 } days { day: 1 periods { start: '13:30' end: '17:00' } "
      "periods { start: '8:00' end: '12:00' } }");
  REQUIRE(ValidateSchedule(&s).ok());
  CHECK(s.name() == "Bureau");
  CHECK(s.days(0).day() == 1);                     // days sorted
  CHECK(s.days(0).periods(0).start() == "08:00");  // periods sorted and zero-padded
  CHECK(OppositeOf(s).name() == "non-Bureau");
}

TEST_CASE("public holidays of France for a year (B7)") {
  auto days = ListPublicHolidays("FR", 2026);
  REQUIRE(days.ok());
  std::vector<std::string> dates;
  for (const auto& d : *days) dates.push_back(d.date());
  CHECK(dates.size() == 11);
  CHECK(std::find(dates.begin(), dates.end(), "2026-04-06") != dates.end());  // Easter Monday
  CHECK(std::find(dates.begin(), dates.end(), "2026-05-14") != dates.end());  // Ascension
  CHECK(std::find(dates.begin(), dates.end(), "2026-07-14") != dates.end());
  CHECK(std::is_sorted(dates.begin(), dates.end()));
  CHECK(core::FieldOf(ListPublicHolidays("ZZ", 2026).status()) == "country");
  CHECK(core::FieldOf(ListPublicHolidays("FR", 1200).status()) == "year");
}

TEST_CASE("rule lists and blacklist rules") {
  struct Case {
    std::string list;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"name: 'Bureau' rules { name: 'VIP' when { numbers: '0612345678' } then { kind: FORWARD number: '06 "
       "99 99 99 99' } }",
       ""},
      {"name: 'Bureau' rules { name: 'VIP' then { kind: FORWARD } }", "rules[0].then.number"},
      {"name: 'Bureau' rules { name: 'VIP' }", "rules[0].then.kind"},
      {"name: 'Bureau' rules { then { kind: RING_SEQUENTIAL } }", "rules[0].then.numbers"},
      {"name: 'Bureau' rules { id: 'a' then { kind: VOICEMAIL } } rules { id: 'a' then { kind: VOICEMAIL } }",
       "rules[1].id"},
      {"name: 'Bureau' default_action { kind: FORWARD number: 'x' }", "default_action.number"},
      {"rules { then { kind: VOICEMAIL } }", "name"},
  };
  for (const auto& c : cases) {
    INFO(c.list);
    rpb::RuleList l = Parse<rpb::RuleList>(c.list);
    absl::Status st = ValidateRuleList(&l, Ctx());
    if (c.field.empty()) {
      CHECK(st.ok());
      CHECK(l.rules(0).then().number() == "0699999999");
      CHECK_FALSE(l.rules(0).id().empty());  // ids assigned: the call log names the rule
    } else {
      CHECK(core::FieldOf(st) == c.field);
    }
  }

  // B9 (CT 8): digits only.
  rpb::BlacklistRule rule = Parse<rpb::BlacklistRule>("match: STARTS_WITH digits: '0899'");
  REQUIRE(ValidateBlacklistRule(&rule).ok());
  CHECK(rule.effect() == rpb::BlacklistRule::BLOCK);
  for (const char* digits : {"", "08 99", "+33899", "123456789012345678901"}) {
    rpb::BlacklistRule bad = rule;
    bad.set_digits(digits);
    INFO(digits);
    CHECK(core::FieldOf(ValidateBlacklistRule(&bad)) == "digits");
  }
  rpb::BlacklistRule no_match = Parse<rpb::BlacklistRule>("digits: '0899'");
  CHECK(core::FieldOf(ValidateBlacklistRule(&no_match)) == "match");
}

}  // namespace sb::routing
