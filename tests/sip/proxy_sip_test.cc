// The stateful proxy, black-box: SIPp phones, trunk and voicemail around the
// real edge, routing, profiles, PostgreSQL and Redis (proxy_env.h). Each case
// sets Bruno's (4002) call settings through routing's API, registers SIPp
// UASes as his phones, and lets Alice (4001) or the trunk call him.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <fstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "events/publisher.h"
#include "services/edge/line_calls.h"
#include "sip/digest.h"
#include "switchboard/events/v1/events.pb.h"
#include "tests/sip/proxy_env.h"
#include "tests/sip/sip_env.h"
#include "tests/support/http_client.h"
#include "tests/support/json.h"

namespace sb::siptest {
namespace {

ProxyEnv& Env() { return ProxyEnv::Get(); }

// Fails the test with SIPp's own account of what went wrong.
void Expect(Sipp& sipp, const std::string& who) {
  const int rc = sipp.Wait();
  const std::string log = Env().EdgeLog();
  INFO(who << " errors:\n"
           << sipp.Errors() << "\nmessages:\n"
           << sipp.Messages().substr(0, 6000) << "\nedge log (end):\n"
           << log.substr(log.size() > 5000 ? log.size() - 5000 : 0));
  REQUIRE(rc == 0);
}

// The call log of `phone` eventually holds an entry of `kind` for a call
// that started after `since`.
bool LoggedSince(const Phone& phone, rpb::CallLogEntry::Kind kind, absl::Time since) {
  return WaitFor(
      [&] {
        for (const auto& e : Env().CallLog(phone, kind)) {
          if (e.started_at().seconds() >= absl::ToUnixSeconds(since) - 1) return true;
        }
        return false;
      },
      absl::Seconds(15));
}

void Fresh() {
  Env().ResetSettings(Env().bruno());
  Env().ResetSettings(Env().claire());
  Env().UnregisterPhone(Env().bruno());
  Env().UnregisterPhone(Env().claire());
}

void PublishMailbox(const Phone& phone, int voice_new, int voice_old, int urgent_new) {
  switchboard::events::v1::MailboxChanged m;
  m.set_tenant_id(Env().tenant_id());
  m.set_user_id(phone.user_id);
  m.add_line_ids(phone.line_id);
  m.set_voice_new(voice_new);
  m.set_voice_old(voice_old);
  m.set_voice_urgent_new(urgent_new);
  m.set_mwi_mode("ALL_VOICEMAIL");
  m.set_mailbox_address(absl::StrCat("sip:", phone.number_e164, "@demo.switchboard.local"));
  events::Publisher publisher(Env().redis());
  REQUIRE(publisher
              .Publish("mailbox", {.type = "mailbox.changed",
                                   .tenant_id = Env().tenant_id(),
                                   .payload = m.SerializeAsString()})
              .ok());
}

// The body of the last NOTIFY a SIPp trace shows.
std::string LastNotifyBody(const std::string& messages) {
  const size_t at = messages.rfind("NOTIFY sip:");
  if (at == std::string::npos) return "";
  const size_t end = messages.find("-----------------------------------------------", at);
  return messages.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

}  // namespace

TEST_CASE("a call is answered and hung up; its dialog goes through the edge", "[proxy]") {
  Fresh();
  const absl::Time since = absl::Now();
  Sipp phone = Env().StartUas({.behaviour = "answer"});
  Env().RegisterPhone(Env().bruno(), {phone.port});
  Sipp alice = Env().StartUac({.dialed = "4002", .expect = "answer"});
  Expect(alice, "alice");
  Expect(phone, "bruno's phone");

  const auto invites = ReceivedInvites(phone.Messages());
  REQUIRE(invites.size() == 1);
  CHECK(
      absl::StrContains(HeaderOf(invites[0], "Record-Route"), absl::StrCat("127.0.0.1:", Env().edge_port())));
  CHECK(HeaderOf(invites[0], "Max-Forwards") == "69");
  CHECK(HeaderOf(invites[0], "Proxy-Authorization").empty());  // our realm's credentials stay here
  // The BYE reached the phone through the edge (loose routing).
  CHECK(absl::StrContains(phone.Messages(), "BYE sip:"));
  CHECK(LoggedSince(Env().bruno(), rpb::CallLogEntry::RECEIVED, since));
  CHECK(edge::LineCalls(Env().redis(), {}).Count(Env().bruno().line_id).value_or(-1) == 0);
}

TEST_CASE("busy forwards to the busy-forward number with Diversion user-busy", "[proxy]") {
  Fresh();
  rpb::CallSettings s;
  s.mutable_forward_busy()->set_enabled(true);
  s.mutable_forward_busy()->set_number("4000");
  Env().UpdateSettings(Env().bruno(), s, {"forward_busy"});
  Sipp bruno = Env().StartUas({.behaviour = "busy"});
  Sipp claire = Env().StartUas({.behaviour = "answer"});
  Env().RegisterPhone(Env().bruno(), {bruno.port});
  Env().RegisterPhone(Env().claire(), {claire.port});
  Sipp alice = Env().StartUac({.dialed = "4002", .expect = "answer"});
  Expect(alice, "alice");
  Expect(bruno, "bruno's phone");
  Expect(claire, "claire's phone");
  const auto invites = ReceivedInvites(claire.Messages());
  REQUIRE(invites.size() == 1);
  CHECK(absl::StrContains(HeaderOf(invites[0], "Diversion"), "reason=user-busy"));
  CHECK(absl::StrContains(HeaderOf(invites[0], "History-Info"), "cause=486"));
}

TEST_CASE("no answer after the timer goes to voicemail with History-Info cause 408", "[proxy]") {
  Fresh();
  rpb::CallSettings s;
  s.set_voicemail_after_s(2);
  Env().UpdateSettings(Env().bruno(), s, {"voicemail_after_s"});
  Sipp bruno = Env().StartUas({.behaviour = "ring"});
  Sipp voicemail = Env().StartUas({.behaviour = "answer", .port = Env().voicemail_port()});
  Env().RegisterPhone(Env().bruno(), {bruno.port});
  Sipp alice = Env().StartUac({.dialed = "4002", .expect = "answer"});
  Expect(alice, "alice");
  Expect(bruno, "bruno's phone (rings, then CANCEL)");
  Expect(voicemail, "voicemail");
  const auto invites = ReceivedInvites(voicemail.Messages());
  REQUIRE(invites.size() == 1);
  const std::string& vm = invites[0];
  const std::string bruno_uri = absl::StrCat("sip:", Env().bruno().number_e164, "@");
  CHECK(absl::StartsWith(vm, "INVITE sip:voicemail@127.0.0.1:"));
  CHECK(absl::StrContains(vm.substr(0, vm.find('\n')), "cause=408"));
  const std::string hi = HeaderOf(vm, "History-Info");
  CHECK(absl::StrContains(hi, "<" + bruno_uri));
  CHECK(absl::StrContains(hi, "cause=408"));
  CHECK(absl::StrContains(HeaderOf(vm, "Diversion"), "reason=no-answer"));
  CHECK(absl::StrContains(HeaderOf(vm, "Diversion"), bruno_uri));
  CHECK(HeaderOf(vm, "X-Sb-Mailbox-User") == Env().bruno().user_id);
  CHECK(HeaderOf(vm, "X-Sb-Tenant") == Env().tenant_id());
  // Bruno's phone rang about voicemail_after_s before the diversion.
  const absl::Duration rang = FirstMessageTime(voicemail.Messages(), "INVITE", true) -
                              FirstMessageTime(bruno.Messages(), "INVITE", true);
  UNSCOPED_INFO("rang for " << absl::FormatDuration(rang));
  CHECK(rang > absl::Seconds(1));
}

TEST_CASE("DND sends the call to voicemail at once with reason unavailable", "[proxy]") {
  Fresh();
  rpb::CallSettings s;
  s.set_availability(rpb::DND);
  Env().UpdateSettings(Env().bruno(), s, {"availability"});
  Sipp bruno = Env().StartUas({.behaviour = "answer"});
  Env().RegisterPhone(Env().bruno(), {bruno.port});
  Sipp voicemail = Env().StartUas({.behaviour = "answer", .port = Env().voicemail_port()});
  Sipp alice = Env().StartUac({.dialed = "4002", .expect = "answer"});
  Expect(alice, "alice");
  Expect(voicemail, "voicemail");
  CHECK(ReceivedInvites(bruno.Messages()).empty());
  const auto invites = ReceivedInvites(voicemail.Messages());
  REQUIRE(invites.size() == 1);
  CHECK(absl::StrContains(HeaderOf(invites[0], "History-Info"), "cause=480"));
  CHECK(absl::StrContains(HeaderOf(invites[0], "Diversion"), "reason=unavailable"));
  CHECK(HeaderOf(invites[0], "X-Sb-Diversion-Reason") == "do-not-disturb");
}

TEST_CASE("unconditional forward to another subscriber", "[proxy]") {
  Fresh();
  rpb::CallSettings s;
  s.mutable_forward_unconditional()->set_enabled(true);
  s.mutable_forward_unconditional()->set_number("4000");
  Env().UpdateSettings(Env().bruno(), s, {"forward_unconditional"});
  Sipp bruno = Env().StartUas({.behaviour = "answer"});
  Sipp claire = Env().StartUas({.behaviour = "answer"});
  Env().RegisterPhone(Env().bruno(), {bruno.port});
  Env().RegisterPhone(Env().claire(), {claire.port});
  Sipp alice = Env().StartUac({.dialed = "4002", .expect = "answer"});
  Expect(alice, "alice");
  Expect(claire, "claire's phone");
  CHECK(ReceivedInvites(bruno.Messages()).empty());
  const auto invites = ReceivedInvites(claire.Messages());
  REQUIRE(invites.size() == 1);
  CHECK(absl::StrContains(HeaderOf(invites[0], "History-Info"), "cause=302"));
  CHECK(absl::StrContains(HeaderOf(invites[0], "Diversion"), "reason=unconditional"));
}

TEST_CASE("unconditional forward to an external number leaves through the trunk", "[proxy]") {
  Fresh();
  rpb::CallSettings s;
  s.mutable_forward_unconditional()->set_enabled(true);
  s.mutable_forward_unconditional()->set_number("0612345678");
  Env().UpdateSettings(Env().bruno(), s, {"forward_unconditional"});
  Sipp carrier = Env().StartUas({.behaviour = "answer", .port = Env().carrier_port()});
  Sipp alice = Env().StartUac({.dialed = "4002", .expect = "answer"});
  Expect(alice, "alice");
  Expect(carrier, "carrier");
  const auto invites = ReceivedInvites(carrier.Messages());
  REQUIRE(invites.size() == 1);
  CHECK(absl::StartsWith(invites[0], "INVITE sip:+33612345678@127.0.0.1:"));
  CHECK(absl::StrContains(HeaderOf(invites[0], "Diversion"), "reason=unconditional"));
}

namespace {

// Bruno rejects anonymous calls; his phone (returned) is registered and
// would answer, so a call reaching it is seen.
Sipp BrunoRejectingAnonymous() {
  Fresh();
  rpb::CallSettings s;
  s.set_reject_anonymous(true);
  Env().UpdateSettings(Env().bruno(), s, {"reject_anonymous"});
  Sipp bruno = Env().StartUas({.behaviour = "answer"});
  Env().RegisterPhone(Env().bruno(), {bruno.port});
  return bruno;
}

}  // namespace

TEST_CASE("anonymous callers hear why from the voicemail, unanswered, then get 433", "[proxy]") {
  Sipp bruno = BrunoRejectingAnonymous();
  Sipp message = Env().StartUas(
      {.behaviour = "early-reject", .ring_ms = 1000, .status = "433 Anonymity Disallowed", .port = Env().voicemail_port()});
  Sipp trunk =
      Env().StartUac({.dialed = "0222969570", .expect = "433", .trunk = true, .from_user = "anonymous"});
  Expect(trunk, "trunk");
  Expect(message, "the voicemail (183, the message, 433)");
  CHECK(ReceivedInvites(bruno.Messages()).empty());
  const auto to_voicemail = ReceivedInvites(message.Messages());
  INFO(message.Messages());
  REQUIRE(to_voicemail.size() == 1);
  CHECK(HeaderOf(to_voicemail[0], "X-Sb-Early-Media") == "announcement");
  CHECK(HeaderOf(to_voicemail[0], "X-Sb-Announcement") == "anonymous-rejected");
  CHECK(HeaderOf(to_voicemail[0], "X-Sb-Reject") == "433 Anonymity Disallowed");
  CHECK(HeaderOf(to_voicemail[0], "X-Sb-User") == Env().bruno().user_id);
  // The caller heard the message (the 183 with its SDP) before the 433.
  const std::string heard = trunk.Messages();
  const auto progress = heard.find("SIP/2.0 183 Session Progress");
  REQUIRE(progress != std::string::npos);
  CHECK(heard.find("SIP/2.0 433", progress) != std::string::npos);
}

TEST_CASE("anonymous callers get 433 at once when the voicemail can't tell them why", "[proxy]") {
  Sipp bruno = BrunoRejectingAnonymous();
  // The voicemail refuses (no SDP it can answer, or no such service).
  Sipp message = Env().StartUas({.behaviour = "busy", .port = Env().voicemail_port()});
  Sipp trunk =
      Env().StartUac({.dialed = "0222969570", .expect = "433", .trunk = true, .from_user = "anonymous"});
  Expect(trunk, "trunk");
  Expect(message, "the voicemail (refuses)");
  CHECK(ReceivedInvites(bruno.Messages()).empty());
  // Not the voicemail's refusal: only its status line would tell (a bare
  // "486" can turn up in a branch, a tag or a port).
  CHECK_FALSE(absl::StrContains(trunk.Messages(), "SIP/2.0 486"));
}

TEST_CASE("selective reject answers 603 to a listed caller", "[proxy]") {
  Fresh();
  rpb::CallSettings s;
  s.mutable_selective_reject()->set_enabled(true);
  s.mutable_selective_reject()->mutable_callers()->add_numbers("0611223344");
  Env().UpdateSettings(Env().bruno(), s, {"selective_reject"});
  Sipp bruno = Env().StartUas({.behaviour = "answer"});
  Env().RegisterPhone(Env().bruno(), {bruno.port});
  Sipp trunk =
      Env().StartUac({.dialed = "0222969570", .expect = "603", .trunk = true, .from_user = "0611223344"});
  Expect(trunk, "trunk");
  CHECK(ReceivedInvites(bruno.Messages()).empty());
}

TEST_CASE("parallel ring forks to every device and cancels the losers", "[proxy]") {
  Fresh();
  Sipp desk = Env().StartUas({.behaviour = "answer", .ring_ms = 500});
  Sipp mobile = Env().StartUas({.behaviour = "ring"});
  Env().RegisterPhone(Env().bruno(), {desk.port, mobile.port});
  Sipp alice = Env().StartUac({.dialed = "4002", .expect = "answer"});
  Expect(alice, "alice");
  Expect(desk, "desk phone (answers)");
  Expect(mobile, "soft phone (cancelled)");
  CHECK(absl::StrContains(mobile.Messages(), "Reason: SIP;cause=200"));
}

TEST_CASE("sequential ring tries each number in order for its time", "[proxy]") {
  Fresh();
  rpb::CallSettings s;
  auto* seq = s.mutable_sequential_ring();
  seq->set_enabled(true);
  seq->set_ring_my_line_first(false);
  auto* first = seq->add_steps();
  first->set_number("4000");
  first->set_ring_s(5);
  auto* second = seq->add_steps();
  second->set_number("0612345678");
  second->set_ring_s(5);
  Env().UpdateSettings(Env().bruno(), s, {"sequential_ring"});
  Sipp claire = Env().StartUas({.behaviour = "ring"});
  Env().RegisterPhone(Env().claire(), {claire.port});
  Sipp carrier = Env().StartUas({.behaviour = "answer", .port = Env().carrier_port()});
  Sipp alice = Env().StartUac({.dialed = "4002", .expect = "answer"});
  Expect(alice, "alice");
  Expect(claire, "claire (first, cancelled)");
  Expect(carrier, "carrier (second, answers)");
  const absl::Time claire_rang = FirstMessageTime(claire.Messages(), "INVITE", true);
  const absl::Time claire_cancelled = FirstMessageTime(claire.Messages(), "CANCEL", true);
  const absl::Time carrier_rang = FirstMessageTime(carrier.Messages(), "INVITE", true);
  UNSCOPED_INFO("first step rang " << absl::FormatDuration(claire_cancelled - claire_rang));
  CHECK(claire_rang < claire_cancelled);
  CHECK(claire_cancelled <= carrier_rang + absl::Milliseconds(50));
  CHECK(carrier_rang - claire_rang > absl::Seconds(1));
}

// B5 "allow remote forwarding": Bruno's simultaneous ring also rings
// Claire's extension, whose phone says it forwards the call (181).
void RingBrunoAndClaire(bool allow_remote_forwarding) {
  rpb::CallSettings s;
  auto* ring = s.mutable_simultaneous_ring();
  ring->set_enabled(true);
  auto* claire = ring->add_targets();
  claire->set_number("4000");
  claire->set_allow_remote_forwarding(allow_remote_forwarding);
  Env().UpdateSettings(Env().bruno(), s, {"simultaneous_ring"});
}

TEST_CASE("remote forwarding not allowed: a ringing number that forwards stops, the others ring on", "[proxy]") {
  Fresh();
  RingBrunoAndClaire(false);
  Sipp claire = Env().StartUas({.behaviour = "forwarded"});
  Env().RegisterPhone(Env().claire(), {claire.port});
  Sipp bruno = Env().StartUas({.behaviour = "answer", .ring_ms = 1500});
  Env().RegisterPhone(Env().bruno(), {bruno.port});
  Sipp alice = Env().StartUac({.dialed = "4002", .expect = "answer"});
  Expect(alice, "alice");
  Expect(bruno, "bruno (answers)");
  Expect(claire, "claire's phone (181, then CANCEL)");
  CHECK_FALSE(absl::StrContains(alice.Messages(), "181 Call Is Being Forwarded"));
  // Claire's branch stopped at her 181, before Bruno answered.
  CHECK(FirstMessageTime(claire.Messages(), "CANCEL", true) < FirstMessageTime(bruno.Messages(), "ACK", true));
}

TEST_CASE("remote forwarding allowed: the number's forward takes the call, the others stop", "[proxy]") {
  Fresh();
  RingBrunoAndClaire(true);
  Sipp claire = Env().StartUas({.behaviour = "forwarded-answer", .ring_ms = 1000});
  Env().RegisterPhone(Env().claire(), {claire.port});
  Sipp bruno = Env().StartUas({.behaviour = "ring"});
  Env().RegisterPhone(Env().bruno(), {bruno.port});
  Sipp alice = Env().StartUac({.dialed = "4002", .expect = "answer"});
  Expect(alice, "alice");
  Expect(claire, "claire's forward (answers)");
  Expect(bruno, "bruno (cancelled at the 181)");
  CHECK(absl::StrContains(alice.Messages(), "181 Call Is Being Forwarded"));
  // Bruno stopped ringing at the 181, not when the forward answered a second later.
  const absl::Duration early =
      FirstMessageTime(claire.Messages(), "ACK", true) - FirstMessageTime(bruno.Messages(), "CANCEL", true);
  UNSCOPED_INFO("bruno cancelled " << absl::FormatDuration(early) << " before the answer");
  CHECK(early > absl::Milliseconds(500));
}

TEST_CASE("remote forwarding allowed: a number of ours that forwards every call takes it to its forward",
          "[proxy]") {
  Fresh();
  RingBrunoAndClaire(true);
  rpb::CallSettings s;
  s.mutable_forward_unconditional()->set_enabled(true);
  s.mutable_forward_unconditional()->set_number("0612345678");
  Env().UpdateSettings(Env().claire(), s, {"forward_unconditional"});
  Sipp bruno = Env().StartUas({.behaviour = "ring"});
  Env().RegisterPhone(Env().bruno(), {bruno.port});
  Sipp carrier = Env().StartUas({.behaviour = "answer", .port = Env().carrier_port()});
  Sipp alice = Env().StartUac({.dialed = "4002", .expect = "answer"});
  Expect(alice, "alice");
  Expect(carrier, "claire's forward number (answers)");
  const auto invites = ReceivedInvites(carrier.Messages());
  REQUIRE(invites.size() == 1);
  CHECK(absl::StartsWith(invites[0], "INVITE sip:+33612345678@127.0.0.1:"));
  CHECK(absl::StrContains(HeaderOf(invites[0], "Diversion"), "reason=unconditional"));
  CHECK(ReceivedInvites(bruno.Messages()).empty());  // the table rang no other phone
}

TEST_CASE("remote forwarding allowed: a 302 is followed to its Contact; not allowed, it fails that phone only",
          "[proxy]") {
  Fresh();
  RingBrunoAndClaire(true);
  const std::string mobile = absl::StrCat("sip:+33698765432@127.0.0.1:", Env().carrier_port());
  {
    Sipp claire = Env().StartUas({.behaviour = "redirect", .redirect_to = mobile});
    Env().RegisterPhone(Env().claire(), {claire.port});
    Sipp carrier = Env().StartUas({.behaviour = "answer", .port = Env().carrier_port()});
    Sipp bruno = Env().StartUas({.behaviour = "ring"});
    Env().RegisterPhone(Env().bruno(), {bruno.port});
    Sipp alice = Env().StartUac({.dialed = "4002", .expect = "answer"});
    Expect(alice, "alice");
    Expect(claire, "claire's phone (302)");
    Expect(carrier, "the number it redirected to (answers)");
    Expect(bruno, "bruno (cancelled at the 302)");
    const auto invites = ReceivedInvites(carrier.Messages());
    REQUIRE(invites.size() == 1);
    CHECK(absl::StartsWith(invites[0], "INVITE " + mobile));
  }
  Fresh();
  RingBrunoAndClaire(false);
  Sipp claire = Env().StartUas({.behaviour = "redirect", .redirect_to = mobile});
  Env().RegisterPhone(Env().claire(), {claire.port});
  Sipp bruno = Env().StartUas({.behaviour = "answer", .ring_ms = 1000});
  Env().RegisterPhone(Env().bruno(), {bruno.port});
  Sipp alice = Env().StartUac({.dialed = "4002", .expect = "answer"});
  Expect(alice, "alice");
  Expect(claire, "claire's phone (302, not followed)");
  Expect(bruno, "bruno (answers)");
}

TEST_CASE("find-me/follow-me: music instead of ringback, and the subscriber's number shown to the phone found",
          "[proxy]") {
  Fresh();
  rpb::CallSettings s;
  auto* find_me = s.mutable_find_me_follow_me();
  find_me->set_enabled(true);
  find_me->set_music_instead_of_ringback(true);
  find_me->set_pass_original_caller_id(false);
  auto* target = find_me->add_targets();
  target->set_number("0612345678");
  target->set_ring_s(10);
  Env().UpdateSettings(Env().bruno(), s, {"find_me_follow_me"});
  // Bruno has no phone registered: the search goes on to his mobile.
  Sipp music = Env().StartUas({.behaviour = "early-media", .port = Env().voicemail_port()});
  Sipp carrier = Env().StartUas({.behaviour = "answer", .ring_ms = 1000, .port = Env().carrier_port()});
  Sipp alice = Env().StartUac({.dialed = "4002", .expect = "answer"});
  Expect(alice, "alice");
  Expect(carrier, "bruno's mobile (answers)");
  Expect(music, "the voicemail's music (183, then CANCEL)");
  const auto to_music = ReceivedInvites(music.Messages());
  INFO(music.Messages());
  REQUIRE(to_music.size() == 1);
  CHECK(HeaderOf(to_music[0], "X-Sb-Early-Media") == "music");
  CHECK(HeaderOf(to_music[0], "X-Sb-User") == Env().bruno().user_id);
  CHECK(absl::StrContains(alice.Messages(), "183 Session Progress"));
  CHECK_FALSE(absl::StrContains(alice.Messages(), "180 Ringing"));  // the mobile's ringing stays behind the music
  const auto to_mobile = ReceivedInvites(carrier.Messages());
  REQUIRE(to_mobile.size() == 1);
  CHECK(absl::StrContains(HeaderOf(to_mobile[0], "P-Asserted-Identity"), Env().bruno().number_e164));
}

TEST_CASE("find-me/follow-me: when the music can't play, the caller hears the ringback", "[proxy]") {
  Fresh();
  rpb::CallSettings s;
  auto* find_me = s.mutable_find_me_follow_me();
  find_me->set_enabled(true);
  find_me->set_music_instead_of_ringback(true);
  find_me->set_pass_original_caller_id(true);
  auto* target = find_me->add_targets();
  target->set_number("0612345678");
  target->set_ring_s(10);
  Env().UpdateSettings(Env().bruno(), s, {"find_me_follow_me"});
  Sipp music = Env().StartUas({.behaviour = "busy", .port = Env().voicemail_port()});
  Sipp carrier = Env().StartUas({.behaviour = "answer", .ring_ms = 1000, .port = Env().carrier_port()});
  Sipp alice = Env().StartUac({.dialed = "4002", .expect = "answer"});
  Expect(alice, "alice");
  Expect(carrier, "bruno's mobile (answers)");
  Expect(music, "the voicemail, refusing the music");
  CHECK(absl::StrContains(alice.Messages(), "180 Ringing"));
  const auto to_mobile = ReceivedInvites(carrier.Messages());
  REQUIRE(to_mobile.size() == 1);
  // "Pass original caller ID": the mobile is shown the caller, not Bruno.
  CHECK_FALSE(absl::StrContains(HeaderOf(to_mobile[0], "P-Asserted-Identity"), Env().bruno().number_e164));
}

TEST_CASE("a caller who hangs up before an answer leaves a missed call", "[proxy]") {
  Fresh();
  const absl::Time since = absl::Now();
  Sipp bruno = Env().StartUas({.behaviour = "ring"});
  Env().RegisterPhone(Env().bruno(), {bruno.port});
  Sipp alice = Env().StartUac({.dialed = "4002", .expect = "cancel", .hold_ms = 500});
  Expect(alice, "alice");
  Expect(bruno, "bruno's phone");
  CHECK(LoggedSince(Env().bruno(), rpb::CallLogEntry::MISSED, since));
}

TEST_CASE("the 6th simultaneous call to a 5-call line gets busy handling", "[proxy]") {
  Fresh();
  rpb::CallSettings s;
  s.set_voicemail_enabled(false);
  s.set_when_busy(rpb::BUSY_TONE);
  Env().UpdateSettings(Env().bruno(), s, {"voicemail_enabled", "when_busy"});
  Sipp bruno = Env().StartUas({.behaviour = "answer", .calls = 5});
  Env().RegisterPhone(Env().bruno(), {bruno.port});
  Sipp five = Env().StartUac({.dialed = "4002", .expect = "answer", .hold_ms = 4000, .calls = 5, .limit = 5});
  edge::LineCalls calls(Env().redis(), {});
  REQUIRE(WaitFor([&] { return calls.Count(Env().bruno().line_id).value_or(0) == 5; }, absl::Seconds(10)));
  Sipp sixth = Env().StartUac({.dialed = "4002", .expect = "486"});
  Expect(sixth, "the 6th call");
  Expect(five, "five calls");
  Expect(bruno, "bruno's phone");
  CHECK(ReceivedInvites(bruno.Messages()).size() == 5);
}

TEST_CASE("garbage on the wire then a call that works", "[proxy]") {
  Fresh();
  for (const std::string& junk :
       {std::string("\x01\x02garbage\xff"), std::string("INVITE\r\n\r\n"),
        std::string("INVITE sip:4002@demo SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9\r\n\r\n"),
        std::string("INVITE sip:4002@demo SIP/2.0\r\nX-Huge: ") + std::string(60000, 'a') + "\r\n\r\n"}) {
    UdpSend(Env().edge_port(), junk);
  }
  Sipp phone = Env().StartUas({.behaviour = "answer"});
  Env().RegisterPhone(Env().bruno(), {phone.port});
  Sipp alice = Env().StartUac({.dialed = "4002", .expect = "answer"});
  Expect(alice, "alice");
  Expect(phone, "bruno's phone");
}

TEST_CASE("routing down: the edge rings the line itself and uses routing again once back",
          "[proxy][fallback]") {
  Fresh();
  rpb::CallSettings s;
  s.set_availability(rpb::DND);  // routing would send this call to voicemail
  Env().UpdateSettings(Env().bruno(), s, {"availability"});
  Env().StopRouting();
  {
    Sipp phone = Env().StartUas({.behaviour = "answer"});
    Env().RegisterPhone(Env().bruno(), {phone.port});
    Sipp alice = Env().StartUac({.dialed = "4002", .expect = "answer"});
    Expect(alice, "alice (degraded)");
    Expect(phone, "bruno's phone (degraded)");
    CHECK(absl::StrContains(Env().EdgeLog(), "degraded mode"));
  }
  {
    // Nothing to ring: 503 with Retry-After.
    Sipp alice = Env().StartUac({.dialed = "4999", .expect = "503"});
    Expect(alice, "alice to nobody (degraded)");
    CHECK(absl::StrContains(alice.Messages(), "Retry-After: 7"));
  }
  Env().StartRouting();
  REQUIRE(WaitFor(
      [] {
        const std::string log = Env().EdgeLog();
        return absl::StrContains(log, "call stream to routing open (connection 2)");
      },
      absl::Seconds(15)));
  Sipp voicemail = Env().StartUas({.behaviour = "answer", .port = Env().voicemail_port()});
  Sipp alice = Env().StartUac({.dialed = "4002", .expect = "answer"});
  Expect(alice, "alice (recovered)");
  Expect(voicemail, "voicemail (routing decided DND again)");
}

TEST_CASE("a mailbox change lights the lamp of every registered device", "[proxy][mwi]") {
  Fresh();
  Sipp phone = Env().StartScenario("mwi_device.xml", /*uac=*/false);
  Env().RegisterPhone(Env().bruno(), {phone.port});
  PublishMailbox(Env().bruno(), 2, 1, 1);
  Expect(phone, "bruno's phone");
  const std::string notify = LastNotifyBody(phone.Messages());
  CHECK(absl::StrContains(notify, "Event: message-summary"));
  CHECK(absl::StrContains(notify, "Content-Type: application/simple-message-summary"));
  CHECK(absl::StrContains(notify, "Messages-Waiting: yes"));
  CHECK(absl::StrContains(notify, "Voice-Message: 2/1 (1/0)"));
  CHECK(absl::StrContains(notify, absl::StrCat("Message-Account: sip:", Env().bruno().number_e164)));
}

TEST_CASE("a message-summary subscription gets the state at once and every change", "[proxy][mwi]") {
  Fresh();
  Sipp alice = Env().StartScenario("mwi_subscribe.xml", /*uac=*/true);
  // The first NOTIFY (the current state) has arrived once SIPp answered it.
  REQUIRE(WaitFor([&] { return absl::StrContains(alice.Messages(), "NOTIFY sip:"); }, absl::Seconds(10)));
  PublishMailbox(Env().alice(), 0, 4, 0);
  Expect(alice, "alice's subscription");
  const std::string notify = LastNotifyBody(alice.Messages());
  CHECK(absl::StrContains(notify, "Subscription-State: active"));
  CHECK(absl::StrContains(notify, "Messages-Waiting: no"));
  CHECK(absl::StrContains(notify, "Voice-Message: 0/4 (0/0)"));
}

}  // namespace sb::siptest

namespace sb::siptest {

TEST_CASE("baresip registers and places a call that a phone answers", "[proxy][baresip]") {
  Fresh();
  Sipp bruno = Env().StartUas({.behaviour = "answer"});
  Env().RegisterPhone(Env().bruno(), {bruno.port});
  const Phone& alice = Env().alice();
  char tmpl[] = "/tmp/sb-baresip-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  int ua_port = 0;
  // Registers, dials 4002 once registered, hangs up when it quits. baresip
  // also binds TLS on the next port up: another port if it can't start.
  testing::Process baresip = testing::StartOnFreePort(
      [&](int port) {
        // G.711 and a sine tone as the microphone: a call needs a codec and a
        // source; nothing is played back.
        std::ofstream config(dir + "/config");
        config << "poll_method\t\tepoll\n"
               << "sip_listen\t\t127.0.0.1:" << port << "\n"
               << "module_path\t\t/usr/lib/baresip/modules\n"
               << "module\t\t\tg711.so\nmodule\t\t\tausine.so\nmodule\t\t\taufile.so\n"
               << "module_app\t\taccount.so\nmodule_app\t\tmenu.so\n"
               << "audio_source\t\tausine,440\naudio_player\t\taufile," << dir << "/heard.wav\n"
               << "audio_alert\t\taufile," << dir << "/alert.wav\n";
        std::ofstream accounts(dir + "/accounts");
        accounts << "<sip:" << alice.sip_user << "@" << alice.domain << ">;auth_pass=" << alice.password
                 << ";outbound=\"sip:127.0.0.1:" << Env().edge_port() << "\";regint=60\n";
        config.close();
        accounts.close();
        return testing::Process({"baresip", "-f", dir, "-e", "/dial 4002", "-t", "6"}, {}, dir + "/baresip.log");
      },
      &ua_port);
  const int rc = bruno.Wait(absl::Seconds(30));
  INFO("baresip log:\n"
       << baresip.LogTail() << "\nbruno:\n"
       << bruno.Errors() << bruno.Messages().substr(0, 4000));
  const auto invites = ReceivedInvites(bruno.Messages());
  REQUIRE(invites.size() == 1);
  CHECK(absl::StartsWith(HeaderOf(invites[0], "User-Agent"), "baresip"));
  CHECK(rc == 0);  // answered, ACKed, and hung up with a BYE through the edge
  baresip.Stop();
  std::system(("rm -rf '" + dir + "'").c_str());
}

}  // namespace sb::siptest

namespace sb::siptest {

TEST_CASE("a trunk provisioned through the API brings calls in without digest", "[proxy][trunks]") {
  Fresh();
  testing::HttpClient http(Env().stack().http_base());
  const auto login =
      http.Post("/v1/sessions", R"({"login":"operator@switchboard.local","password":"Sw1tchboard!Op"})");
  REQUIRE(login.status == 201);
  http.set_token(testing::Json::Parse(login.body)["token"].str());
  // Bad input names the field.
  const auto bad = http.Post("/v1/trunks", absl::StrCat(R"({"name":"x","tenant_id":")", Env().tenant_id(),
                                                        R"(","inbound_sources":["not-an-ip"]})"));
  CHECK(bad.status == 400);
  CHECK(absl::StrContains(bad.body, "inbound_sources[0]"));
  const int source_port = testing::FreePort();
  const auto created = http.Post(
      "/v1/trunks", absl::StrCat(R"({"name":"Carrier B","tenant_id":")", Env().tenant_id(),
                                 R"(","inbound_sources":["127.0.0.1:)", source_port,
                                 R"("],"outbound_uri":"sip:127.0.0.1:5999","numbers":["+33222969500/24"]})"));
  INFO(created.body);
  REQUIRE(created.status == 201);
  const std::string id = testing::Json::Parse(created.body)["id"].str();
  CHECK(absl::StrContains(http.Get("/v1/trunks").body, id));
  CHECK(http.Get("/v1/trunks/" + id).status == 200);
  // The edge reloads trunks every second (--trunks_refresh_s=1 here).
  const std::string reload_mark = Env().EdgeLog();
  absl::SleepFor(absl::Milliseconds(1500));
  Sipp bruno = Env().StartUas({.behaviour = "answer"});
  Env().RegisterPhone(Env().bruno(), {bruno.port});
  Sipp carrier = Env().StartUac({.dialed = "0222969570",
                                 .expect = "answer",
                                 .trunk = true,
                                 .from_user = "0612345678",
                                 .trunk_port = source_port});
  Expect(carrier, "carrier B");
  Expect(bruno, "bruno's phone");
  CHECK(http.Delete("/v1/trunks/" + id).status == 204);
  CHECK(http.Get("/v1/trunks/" + id).status == 404);
}

TEST_CASE("calls the voicemail service places come in without digest, from its address only", "[proxy]") {
  Fresh();
  Sipp bruno = Env().StartUas({.behaviour = "answer"});
  Env().RegisterPhone(Env().bruno(), {bruno.port});
  const std::string headers = absl::StrCat("X-Sb-Origin: voicemail\nX-Sb-Tenant: ", Env().tenant_id());
  // A reminder or a call-out: from the voicemail UA's address (--voicemail_sip_uri).
  Sipp callout = Env().StartUac({.dialed = "0222969570",
                                 .expect = "answer",
                                 .extra_headers = headers,
                                 .trunk = true,
                                 .from_user = "0222969570",
                                 .trunk_port = Env().voicemail_port()});
  Expect(callout, "voicemail call-out");
  Expect(bruno, "bruno's phone");
  const auto invites = ReceivedInvites(bruno.Messages());
  REQUIRE(invites.size() == 1);
  CHECK(HeaderOf(invites[0], "X-Sb-Origin").empty());  // our headers stay inside
  CHECK(HeaderOf(invites[0], "X-Sb-Tenant").empty());
  // The same headers from anywhere else get the digest challenge.
  Sipp forged = Env().StartUac({.dialed = "0222969570",
                                .expect = "407",
                                .extra_headers = headers,
                                .trunk = true,
                                .from_user = "0222969570",
                                .trunk_port = testing::FreePort()});
  Expect(forged, "forged call-out");
}

}  // namespace sb::siptest

namespace sb::siptest {

TEST_CASE("distinctive ring sets Alert-Info and a withheld number leaves with Privacy: id", "[proxy]") {
  Fresh();
  rpb::CallSettings s;
  s.mutable_distinctive_ring()->set_enabled(true);
  s.mutable_distinctive_ring()->mutable_callers()->add_numbers("0611223344");
  s.mutable_distinctive_ring()->set_ring_tone("bellcore-dr2");
  Env().UpdateSettings(Env().bruno(), s, {"distinctive_ring"});
  {
    Sipp bruno = Env().StartUas({.behaviour = "answer"});
    Env().RegisterPhone(Env().bruno(), {bruno.port});
    Sipp trunk = Env().StartUac(
        {.dialed = "0222969570", .expect = "answer", .trunk = true, .from_user = "0611223344"});
    Expect(trunk, "trunk");
    Expect(bruno, "bruno's phone");
    const auto invites = ReceivedInvites(bruno.Messages());
    REQUIRE(invites.size() == 1);
    CHECK(absl::StrContains(HeaderOf(invites[0], "Alert-Info"), "bellcore-dr2"));
  }
  // Alice withholds her number: the carrier gets Privacy: id, and her
  // number only in P-Asserted-Identity (RFC 3323/3325).
  Env().ResetSettings(Env().alice());
  rpb::CallSettings a;
  a.mutable_caller_id()->set_withhold_my_number(true);
  Env().UpdateSettings(Env().alice(), a, {"caller_id"});
  Sipp carrier = Env().StartUas({.behaviour = "answer", .port = Env().carrier_port()});
  Sipp alice = Env().StartUac({.dialed = "0612345678", .expect = "answer"});
  Expect(alice, "alice");
  Expect(carrier, "carrier");
  Env().ResetSettings(Env().alice());
  const auto invites = ReceivedInvites(carrier.Messages());
  REQUIRE(invites.size() == 1);
  CHECK(HeaderOf(invites[0], "Privacy") == "id");
  CHECK(absl::StrContains(HeaderOf(invites[0], "P-Asserted-Identity"), Env().alice().number_e164));
}

// Overload control: the test's edge runs with --max_pending_setups=8.
// Routing frozen (SIGSTOP) keeps every call in setup until the routing
// timeout (3 s): of 12 calls placed at 10/s, the first 8 wait, the last 4
// are refused at once with 503 and Retry-After, statelessly. Once routing
// runs again, calls go through.
TEST_CASE("past its bound of calls in setup the edge answers 503 with Retry-After", "[proxy][overload]") {
  Fresh();  // Bruno has no phone: the 8 waiting calls end 480 in the fallback
  const int routing = Env().stack().routing().pid();
  REQUIRE(kill(routing, SIGSTOP) == 0);
  Sipp burst = Env().StartUac({.dialed = "0222969570", .expect = "503", .calls = 12, .limit = 12, .trunk = true,
                               .from_user = "0299000001"});
  burst.Wait();
  kill(routing, SIGCONT);
  const std::string messages = burst.Messages();
  size_t refused = 0;
  for (size_t at = 0; (at = messages.find("SIP/2.0 503 Overloaded", at)) != std::string::npos; ++at) ++refused;
  INFO(messages.substr(0, 4000));
  CHECK(refused == 4);
  CHECK(absl::StrContains(messages, "Retry-After: 2"));
  CHECK(absl::StrContains(Env().EdgeLog(), "overloaded (8 calls in setup"));

  Sipp bruno = Env().StartUas({.behaviour = "answer"});
  Env().RegisterPhone(Env().bruno(), {bruno.port});
  Sipp alice = Env().StartUac({.dialed = "4002", .expect = "answer"});
  Expect(alice, "alice after the burst");
  Expect(bruno, "bruno's phone");
}

namespace {

// A bare UDP user agent on a port of our choosing: what SIPp can't do here,
// hold back an ACK and count the 200s that arrive meanwhile.
class RawPhone {
 public:
  explicit RawPhone(int port) : fd_(socket(AF_INET, SOCK_DGRAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    bound_ = fd_ >= 0 && bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawPhone() {
    if (fd_ >= 0) close(fd_);
  }
  bool bound() const { return bound_; }
  void SendTo(int port, const std::string& text) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    sendto(fd_, text.data(), text.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  }
  // Every message received within `wait`.
  std::vector<std::string> Receive(absl::Duration wait) {
    std::vector<std::string> out;
    const absl::Time deadline = absl::Now() + wait;
    while (absl::Now() < deadline) {
      timeval tv{0, 20000};
      setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      char buf[65536];
      const ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n > 0) out.emplace_back(buf, static_cast<size_t>(n));
    }
    return out;
  }

 private:
  int fd_;
  bool bound_ = false;
};

std::string Unbracket(std::string v) {
  if (const size_t lt = v.find('<'); lt != std::string::npos) v = v.substr(lt + 1, v.find('>', lt) - lt - 1);
  return v;
}

}  // namespace

// RFC 3261 §16.7 step 10 / RFC 6026: the callee's phone retransmits its 200
// until the caller's ACK arrives; the edge's branch is closed by then, and
// those 200s must still be relayed (statelessly, along the Via) or a caller
// that lost the first one never connects. The caller here holds its ACK
// back for 1.6 s and must see the phone's retransmissions (0.5 s, 1.5 s).
TEST_CASE("a 200 retransmitted after the branch closed is relayed statelessly to the caller", "[proxy]") {
  Fresh();
  Sipp bruno = Env().StartUas({.behaviour = "answer", .ring_ms = 20});
  Env().RegisterPhone(Env().bruno(), {bruno.port});
  RawPhone trunk(Env().trunk_port());
  REQUIRE(trunk.bound());
  const int edge = Env().edge_port();
  const std::string me = absl::StrCat("127.0.0.1:", Env().trunk_port());
  const std::string call_id = absl::StrCat("stray-2xx-", absl::ToUnixNanos(absl::Now()), "@carrier.example");
  const std::string from = "<sip:0299000002@carrier.example>;tag=stray-caller";
  const std::string sdp = "v=0\r\no=c 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                          "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
  trunk.SendTo(edge, absl::StrCat("INVITE sip:0222969570@127.0.0.1:", edge, " SIP/2.0\r\n",
                                  "Via: SIP/2.0/UDP ", me, ";branch=z9hG4bK-stray-inv;rport\r\n",
                                  "From: ", from, "\r\nTo: <sip:0222969570@127.0.0.1>\r\n",
                                  "Call-ID: ", call_id, "\r\nCSeq: 1 INVITE\r\n",
                                  "Contact: <sip:0299000002@", me, ">\r\nMax-Forwards: 70\r\n",
                                  "Content-Type: application/sdp\r\nContent-Length: ", sdp.size(), "\r\n\r\n", sdp));
  std::string first_200;
  int oks = 0;
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (first_200.empty() && absl::Now() < give_up) {
    for (const std::string& m : trunk.Receive(absl::Milliseconds(100))) {
      if (absl::StartsWith(m, "SIP/2.0 200") && absl::StrContains(m, "INVITE")) {
        ++oks;
        if (first_200.empty()) first_200 = m;
      }
    }
  }
  REQUIRE_FALSE(first_200.empty());
  for (const std::string& m : trunk.Receive(absl::Milliseconds(1600))) {
    if (absl::StartsWith(m, "SIP/2.0 200") && absl::StrContains(m, "INVITE")) ++oks;
  }
  INFO(first_200);
  CHECK(oks >= 2);

  // The dialog goes on through the edge: ACK and BYE by the Record-Route.
  const std::string target = Unbracket(HeaderOf(first_200, "Contact"));
  const std::string route = HeaderOf(first_200, "Record-Route");
  const std::string to = HeaderOf(first_200, "To");
  auto in_dialog = [&](const std::string& method, int cseq, const std::string& branch) {
    return absl::StrCat(method, " ", target, " SIP/2.0\r\nVia: SIP/2.0/UDP ", me, ";branch=", branch,
                        ";rport\r\nRoute: ", route, "\r\nFrom: ", from, "\r\nTo: ", to, "\r\nCall-ID: ", call_id,
                        "\r\nCSeq: ", cseq, " ", method, "\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
  };
  trunk.SendTo(edge, in_dialog("ACK", 1, "z9hG4bK-stray-ack"));
  trunk.Receive(absl::Milliseconds(200));
  trunk.SendTo(edge, in_dialog("BYE", 2, "z9hG4bK-stray-bye"));
  bool bye_ok = false;
  for (const std::string& m : trunk.Receive(absl::Seconds(2))) {
    bye_ok = bye_ok || (absl::StartsWith(m, "SIP/2.0 200") && absl::StrContains(m, "BYE"));
  }
  CHECK(bye_ok);
  Expect(bruno, "bruno's phone");
}

namespace {

// The first final response to an INVITE among `messages`, e.g.
// "SIP/2.0 407 Proxy Authentication Required…"; "" when none.
std::string FinalToInvite(const std::vector<std::string>& messages) {
  for (const std::string& m : messages) {
    if (absl::StartsWith(m, "SIP/2.0 ") && !absl::StartsWith(m, "SIP/2.0 1") &&
        absl::StrContains(HeaderOf(m, "CSeq"), "INVITE")) {
      return m;
    }
  }
  return "";
}

}  // namespace

// The nonce-count replay guard covers INVITE as it covers REGISTER: a
// captured Proxy-Authorization (same nonce, same nc) played again in a new
// INVITE gets a fresh challenge (407, stale=true) instead of a call; the
// next nc with that nonce is accepted.
TEST_CASE("an INVITE replaying a nonce-count gets a stale 407, the next count is accepted", "[proxy]") {
  Fresh();
  const Phone& alice = Env().alice();
  const int port = testing::FreePort();
  RawPhone phone(port);
  REQUIRE(phone.bound());
  const std::string me = absl::StrCat("127.0.0.1:", port);
  const std::string uri = absl::StrCat("sip:4999@", alice.domain);
  auto invite = [&](const std::string& call_id, const std::string& authorization) {
    return absl::StrCat("INVITE ", uri, " SIP/2.0\r\nVia: SIP/2.0/UDP ", me, ";branch=z9hG4bK-", call_id,
                        ";rport\r\nFrom: <sip:", alice.sip_user, "@", alice.domain, ">;tag=nc-", call_id,
                        "\r\nTo: <", uri, ">\r\nCall-ID: ", call_id, "\r\nCSeq: 1 INVITE\r\nContact: <sip:",
                        alice.sip_user, "@", me, ">\r\nMax-Forwards: 70\r\n", authorization,
                        "Content-Length: 0\r\n\r\n");
  };
  const std::string stamp = absl::StrCat(absl::ToUnixNanos(absl::Now()));
  phone.SendTo(Env().edge_port(), invite("nc-0-" + stamp, ""));
  const std::string challenge = FinalToInvite(phone.Receive(absl::Seconds(1)));
  REQUIRE(absl::StartsWith(challenge, "SIP/2.0 407"));
  const std::string offer = HeaderOf(challenge, "Proxy-Authenticate");
  const size_t n0 = offer.find("nonce=\"") + 7;
  const std::string nonce = offer.substr(n0, offer.find('"', n0) - n0);
  auto credentials = [&](uint32_t nc) {
    sip::DigestCredentials c;
    c.username = alice.sip_user;
    c.realm = alice.domain;
    c.nonce = nonce;
    c.uri = uri;
    c.qop = "auth";
    c.nc = absl::StrFormat("%08x", nc);
    c.cnonce = "9b7d3a11";
    const std::string ha1 = sip::DigestHa1(sip::DigestAlgorithm::kMd5, alice.sip_user, alice.domain, alice.password);
    return absl::StrCat("Proxy-Authorization: Digest username=\"", alice.sip_user, "\", realm=\"", alice.domain,
                        "\", nonce=\"", nonce, "\", uri=\"", uri, "\", response=\"",
                        sip::ExpectedDigestResponse(sip::DigestAlgorithm::kMd5, ha1, "INVITE", c),
                        "\", algorithm=MD5, qop=auth, nc=", c.nc, ", cnonce=\"9b7d3a11\"\r\n");
  };
  // First use of nc 1: a call (whatever routing makes of 4999, not a 407).
  phone.SendTo(Env().edge_port(), invite("nc-1-" + stamp, credentials(1)));
  const std::string first = FinalToInvite(phone.Receive(absl::Seconds(2)));
  INFO("first: " << first);
  CHECK_FALSE(first.empty());
  CHECK_FALSE(absl::StartsWith(first, "SIP/2.0 407"));
  // The same credentials again, in another INVITE: a replay.
  phone.SendTo(Env().edge_port(), invite("nc-1b-" + stamp, credentials(1)));
  const std::string replayed = FinalToInvite(phone.Receive(absl::Seconds(2)));
  INFO("replayed: " << replayed);
  CHECK(absl::StartsWith(replayed, "SIP/2.0 407"));
  CHECK(absl::StrContains(HeaderOf(replayed, "Proxy-Authenticate"), "stale=true"));
  // The next count with the same nonce is fine.
  phone.SendTo(Env().edge_port(), invite("nc-2-" + stamp, credentials(2)));
  const std::string next = FinalToInvite(phone.Receive(absl::Seconds(2)));
  INFO("next: " << next);
  CHECK_FALSE(next.empty());
  CHECK_FALSE(absl::StartsWith(next, "SIP/2.0 407"));
}

}  // namespace sb::siptest
