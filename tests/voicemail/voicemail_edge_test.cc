// Voicemail through the real edge: a phone of the demo tenant calls a
// colleague on do-not-disturb; routing decides voicemail, the edge sends the
// call to the voicemail UA with History-Info/Diversion and X-Sb-*, the
// voicemail answers and records; the message appears in the colleague's
// mailbox through the gateway and mailbox.changed lights their lamp.
#include <signal.h>

#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "tests/voicemail/vm_support.h"

namespace {

HttpClient SignedIn(const std::string& login, const std::string& password) {
  HttpClient http(TheStack().http_base());
  HttpResult r =
      http.Post("/v1/sessions", absl::StrCat(R"({"login":")", login, R"(","password":")", password, R"("})"));
  INFO(r.body);
  REQUIRE(r.status == 201);
  http.set_token(Json::Parse(r.body)["token"].str());
  return http;
}

class EdgeProcess {
 public:
  EdgeProcess() {
    port_ = sb::testing::FreePort();
    std::vector<std::string> argv = {
        sb::testing::BuildDir() + "/services/edge/edge",
        absl::StrCat("--sip_listen=127.0.0.1:", port_),
        absl::StrCat("--edge_listen=127.0.0.1:", sb::testing::FreePort()),
        "--redis_url=" + TheStack().redis().url(),
        "--profiles_addr=" + TheStack().profiles_addr(),
        "--routing_addr=" + TheStack().routing_addr(),
        "--nonce_secret=voicemail-edge-test",
        "--routing_timeout_ms=3000",
        absl::StrCat("--voicemail_sip_uri=sip:voicemail@", TheStack().voicemail_sip()),
        absl::StrCat("--events_group=edge-vm-test-", port_)};
    log_ = RunDir() + "/edge.log";
    process_ = sb::testing::Process(argv, {}, log_);
    REQUIRE(sb::testing::WaitForTcp("127.0.0.1", port_, absl::Seconds(15)));
    REQUIRE(WaitFor([&] { return absl::StrContains(ReadFile(log_), "call stream to routing open"); }));
  }
  ~EdgeProcess() { process_.Stop(); }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }
  std::string Log() const { return ReadFile(log_); }

 private:
  int port_ = 0;
  std::string log_;
  sb::testing::Process process_;
};

// A new soft phone of the signed-in user, written as a SIPp injection file
// (user;[authentication …];domain) under the run dir; returns its path.
std::string SoftphoneCsv(HttpClient& user, const std::string& name, const std::string& file,
                         const std::string& for_user = "me") {
  HttpResult dev =
      user.Post("/v1/users/" + for_user + "/devices", absl::StrCat(R"({"kind":"SOFTPHONE","name":")", name, R"("})"));
  INFO(dev.body);
  REQUIRE(dev.status == 201);
  Json device = Json::Parse(dev.body);
  const std::string csv = absl::StrCat(RunDir(), "/", file, ".csv");
  std::ofstream(csv) << "SEQUENTIAL\n"
                     << device["sip_username"].str() << ";[authentication username=" << device["sip_username"].str()
                     << " password=" << device["sip_password"].str() << "];" << device["sip_domain"].str() << "\n";
  return csv;
}

// Bruno's (extension 4002) user id, as the tenant admin sees it.
std::string BrunoId(HttpClient& admin) {
  const std::string tenant = Json::Parse(admin.Get("/v1/users/me").body)["tenant_id"].str();
  Json users = Json::Parse(admin.Get("/v1/tenants/" + tenant + "/users?page_size=100").body);
  std::string bruno;
  for (int i = 0; i < users["items"].size(); ++i) {
    if (users[absl::StrCat("items.", i, ".extension")].str() == "4002")
      bruno = users[absl::StrCat("items.", i, ".id")].str();
  }
  REQUIRE(!bruno.empty());
  return bruno;
}

}  // namespace

TEST_CASE("a call to a colleague on do-not-disturb reaches voicemail through the edge") {
  HttpClient admin = SignedIn("admin@demo.switchboard.local", "Dem0-Admin!Pass");
  const std::string bruno = BrunoId(admin);
  REQUIRE(admin.Patch("/v1/users/" + bruno + "/call-settings", R"({"availability":"DND"})").status == 200);

  HttpClient alice = Alice();
  const std::string csv = SoftphoneCsv(alice, "voicemail edge test", "alice");

  // Bruno has an internal-callers greeting (C6): Alice, a colleague calling
  // from her phone, must hear it (the edge says X-Sb-Caller-Internal).
  std::vector<int16_t> wide(16000);
  for (size_t i = 0; i < wide.size(); ++i) wide[i] = static_cast<int16_t>(5000 * ((i / 20) % 2 ? 1 : -1));
  auto greeting = sb::media::WriteWav(wide, 16000).value();
  REQUIRE(admin
              .Request("PUT", "/v1/users/" + bruno + "/greetings/internal",
                       std::string(greeting.begin(), greeting.end()), {"Content-Type: audio/wav"})
              .status == 200);
  REQUIRE(
      admin.Patch("/v1/users/" + bruno + "/message-settings", R"({"use_internal_greeting":true})").status ==
      200);

  EdgeProcess edge;

  // Bruno's phone registers and waits for message-summary NOTIFYs.
  const std::string bcsv = SoftphoneCsv(admin, "bruno mwi", "bruno", bruno);
  std::string notifies;
  for (int i = 0; i < 6; ++i) notifies += "  <recv request=\"NOTIFY\"/>\n" + sb::testing::sipp::Send({});
  std::string phone_xml = ReadFile(sb::testing::SourceDir() + "/tests/voicemail/scenarios/mwi_phone.xml");
  phone_xml = absl::StrReplaceAll(phone_xml, {{"@NOTIFIES@", notifies}});
  sb::testing::Sipp phone = sb::testing::Sipp::Start({.scenario = phone_xml,
                                                      .dir = RunDir(),
                                                      .args = {edge.address(), "-inf", bcsv, "-m", "1"},
                                                      .timeout = absl::Seconds(120)});
  REQUIRE(WaitFor([&] { return absl::StrContains(phone.Messages(), "SIP/2.0 200 OK"); }));

  static const std::string pound = WriteDtmfPcap("edge-pound", "#");
  SippResult sipp = RunSipp("edge_deposit.xml",
                            {{"DIALED", "4002"},
                             {"DTMF_PCAP", pound},
                             {"AUDIO_PCAP", kAudioPcap},
                             {"AUDIO_MS", absl::StrCat(kAudioPcapMs)}},
                            edge.address(), {"-inf", csv});
  INFO(sipp.log);
  INFO(edge.Log().substr(edge.Log().size() > 6000 ? edge.Log().size() - 6000 : 0));
  INFO(TheStack().voicemail().LogTail());
  REQUIRE(sipp.exit_code == 0);

  // The greeting chosen for this deposit (the voicemail logs it per call).
  const std::string mailbox_id =
      Json::Parse(admin.Get("/v1/users/" + bruno + "/mailboxes").body)["items.0.id"].str();
  CHECK(absl::StrContains(
      ReadFile(TheStack().voicemail().log_path()),
      absl::StrCat("deposit for mailbox=", mailbox_id, " reason=UNAVAILABLE greeting=SLOT_INTERNAL")));

  Json list;
  REQUIRE(WaitFor([&] {
    list = Json::Parse(admin.Get("/v1/users/" + bruno + "/messages").body);
    return list["items"].size() == 1;
  }));
  Json m = list["items.0"];
  CHECK(m["reason"].str() == "UNAVAILABLE");
  CHECK(m["duration_ms"].num() > kAudioPcapMs - 1000);
  CHECK(m["duration_ms"].num() < kAudioPcapMs + 2000);
  CHECK(admin.Get("/v1/messages/" + m["id"].str() + "/content").status == 200);
  CHECK(WaitCounts(bruno, 1, 0));
  // The lamp: a NOTIFY saying 1 new, then, once heard, 0 new 1 old.
  CHECK(WaitFor([&] { return absl::StrContains(phone.Messages(), "Voice-Message: 1/0"); }));
  REQUIRE(admin.Patch("/v1/messages/" + m["id"].str(), R"({"new":false})").status == 200);
  CHECK(WaitFor([&] { return absl::StrContains(phone.Messages(), "Voice-Message: 0/1"); }));
  INFO(phone.Messages());
  CHECK(absl::StrContains(phone.Messages(), "Messages-Waiting: yes"));
  kill(phone.pid, SIGTERM);
  phone.Wait();
  // Its binding goes too: later calls to Bruno must not ring a phone that
  // is gone (each gets a 503 at once, a step of its own).
  SippResult unregister =
      RunSipp("register_contact.xml", {{"CONTACT", "*"}, {"EXPIRES", "0"}}, edge.address(), {"-inf", bcsv});
  INFO(unregister.log);
  CHECK(unregister.exit_code == 0);
  REQUIRE(admin.Patch("/v1/users/" + bruno + "/call-settings", R"({"availability":"AVAILABLE"})").status ==
          200);
  REQUIRE(
      admin.Patch("/v1/users/" + bruno + "/message-settings", R"({"use_internal_greeting":false})").status ==
      200);
  CHECK(admin.Delete("/v1/users/" + bruno + "/greetings/internal").status == 204);
}

TEST_CASE("an announcement routing decides is answered, played and hung up by the voicemail") {
  HttpClient alice = Alice();
  const std::string csv = SoftphoneCsv(alice, "announcement test", "alice-announcement");
  EdgeProcess edge;

  // The caller's media: the test's own socket, so what arrives is counted.
  RtpPeer phone;
  const int rtp_port = phone.port();

  // "*87" (anonymous rejection off): routing answers ANNOUNCEMENT
  // feature-confirmed; the scenario expects 200, then the voicemail's BYE.
  SippResult sipp = RunSipp("announcement.xml", {{"DIALED", "*87"}, {"RTP_PORT", absl::StrCat(rtp_port)}},
                            edge.address(), {"-inf", csv});
  INFO(sipp.log);
  INFO(edge.Log().substr(edge.Log().size() > 6000 ? edge.Log().size() - 6000 : 0));
  INFO(TheStack().voicemail().LogTail());
  CHECK(sipp.exit_code == 0);
  // The prompt lasts about 2 s: 20 ms packets.
  CHECK(phone.total() > 50);
  CHECK(absl::StrContains(ReadFile(TheStack().voicemail().log_path()),
                          "announcement feature-confirmed: prompt fr/announce_feature_confirmed"));
}

TEST_CASE("a rule list's reject with message: the caller hears it from the voicemail, unanswered, then 603") {
  HttpClient admin = SignedIn("admin@demo.switchboard.local", "Dem0-Admin!Pass");
  const std::string bruno = BrunoId(admin);
  // Bruno's default list (no schedule in force) rejects everyone with the
  // "closed today" message.
  HttpResult created = admin.Post("/v1/users/" + bruno + "/rule-lists",
                                  R"({"name":"closed","default_action":{"kind":"REJECT","reject_message":"closed-today"}})");
  INFO(created.body);
  REQUIRE(created.status == 201);
  const std::string list_id = Json::Parse(created.body)["id"].str();
  HttpResult in_force = admin.Patch("/v1/users/" + bruno + "/call-settings",
                                    absl::StrCat(R"({"default_rule_list_id":")", list_id, R"("})"));
  INFO(in_force.body);
  REQUIRE(in_force.status == 200);
  HttpClient alice = Alice();
  const std::string csv = SoftphoneCsv(alice, "reject message test", "alice-reject");
  EdgeProcess edge;
  RtpPeer phone;
  const size_t vm_log_from = ReadFile(TheStack().voicemail().log_path()).size();

  SippResult sipp = RunSipp(
      "reject_message_caller.xml",
      {{"DIALED", "4002"}, {"RTP_PORT", absl::StrCat(phone.port())}, {"CODE", "603"}, {"STATUS", "603 Decline"}},
      edge.address(), {"-inf", csv});
  const std::string vm_log = ReadFile(TheStack().voicemail().log_path()).substr(vm_log_from);
  INFO(sipp.log);
  INFO(edge.Log().substr(edge.Log().size() > 6000 ? edge.Log().size() - 6000 : 0));
  INFO(vm_log);
  // 183 with SDP, then "603 Decline" (the scenario fails on a 200).
  CHECK(sipp.exit_code == 0);
  // The message (a sentence of a few seconds) reached Alice before the 603.
  CHECK(phone.packets(8) > 75);
  CHECK(absl::StrContains(vm_log, "reject message closed-today: prompt fr/announce_closed_today as early media, then 603"));

  REQUIRE(admin.Patch("/v1/users/" + bruno + "/call-settings", R"({"default_rule_list_id":""})").status == 200);
  CHECK(admin.Delete("/v1/rule-lists/" + list_id).status == 204);
}

TEST_CASE("key 0 during the greeting transfers the caller: the REFER crosses the edge and is accepted") {
  HttpClient admin = SignedIn("admin@demo.switchboard.local", "Dem0-Admin!Pass");
  const std::string bruno = BrunoId(admin);
  REQUIRE(admin.Patch("/v1/users/" + bruno + "/call-settings", R"({"availability":"DND"})").status == 200);
  REQUIRE(admin.Patch("/v1/users/" + bruno + "/message-settings", R"({"key0_destination":"4003"})").status ==
          200);

  HttpClient alice = Alice();
  const std::string csv = SoftphoneCsv(alice, "key 0 test", "alice-key0");
  EdgeProcess edge;

  static const std::string zero = WriteDtmfPcap("edge-zero", "0");
  SippResult sipp = RunSipp("transfer.xml", {{"DIALED", "4002"}, {"DTMF_PCAP", zero}, {"DEST", "4003"}},
                            edge.address(), {"-inf", csv});
  INFO(sipp.log);
  INFO(edge.Log().substr(edge.Log().size() > 6000 ? edge.Log().size() - 6000 : 0));
  INFO(TheStack().voicemail().LogTail());
  CHECK(sipp.exit_code == 0);
  CHECK(absl::StrContains(ReadFile(TheStack().voicemail().log_path()), "key 0 transfer to 4003: 202"));

  REQUIRE(admin.Patch("/v1/users/" + bruno + "/call-settings", R"({"availability":"AVAILABLE"})").status ==
          200);
  REQUIRE(admin.Patch("/v1/users/" + bruno + "/message-settings", R"({"key0_destination":""})").status ==
          200);
}

TEST_CASE("voicemail from a closed-hours rule list plays the out-of-hours greeting") {
  HttpClient admin = SignedIn("admin@demo.switchboard.local", "Dem0-Admin!Pass");
  const std::string bruno = BrunoId(admin);
  // A schedule Bruno is not inside now (a quarter hour three days from
  // today), and a list in force outside it that sends callers to voicemail.
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
  const int weekday = (static_cast<int>(absl::GetWeekday(today)) + 3) % 7 + 1;  // Monday = 1
  HttpResult sched = admin.Post("/v1/users/" + bruno + "/schedules",
                                absl::StrCat(R"({"name":"Permanence","days":[{"day":)", weekday,
                                             R"(,"periods":[{"start":"03:00","end":"03:15"}]}]})"));
  INFO(sched.body);
  REQUIRE(sched.status == 201);
  const std::string schedule = Json::Parse(sched.body)["id"].str();
  HttpResult list = admin.Post("/v1/users/" + bruno + "/rule-lists",
                               R"({"name":"Fermé","default_action":{"kind":"VOICEMAIL"}})");
  INFO(list.body);
  REQUIRE(list.status == 201);
  const std::string list_id = Json::Parse(list.body)["id"].str();
  HttpResult active = admin.Patch("/v1/users/" + bruno + "/call-settings",
                                  absl::StrCat(R"({"active_rule_lists":[{"schedule_id":")", schedule,
                                               R"(","outside":true,"rule_list_id":")", list_id, R"("}]})"));
  INFO(active.body);
  REQUIRE(active.status == 200);
  std::vector<int16_t> wide(16000);
  for (size_t i = 0; i < wide.size(); ++i) wide[i] = static_cast<int16_t>(5000 * ((i / 20) % 2 ? 1 : -1));
  auto greeting = sb::media::WriteWav(wide, 16000).value();
  REQUIRE(admin
              .Request("PUT", "/v1/users/" + bruno + "/greetings/out-of-hours",
                       std::string(greeting.begin(), greeting.end()), {"Content-Type: audio/wav"})
              .status == 200);
  REQUIRE(admin.Patch("/v1/users/" + bruno + "/message-settings", R"({"use_out_of_hours_greeting":true})")
              .status == 200);

  HttpClient alice = Alice();
  const std::string csv = SoftphoneCsv(alice, "out of hours test", "alice-ooh");
  EdgeProcess edge;
  static const std::string pound = WriteDtmfPcap("ooh-pound", "#");
  SippResult sipp =
      RunSipp("edge_deposit.xml",
              {{"DIALED", "4002"}, {"DTMF_PCAP", pound}, {"AUDIO_PCAP", kAudioPcap}, {"AUDIO_MS", "2000"}},
              edge.address(), {"-inf", csv});
  INFO(sipp.log);
  INFO(edge.Log().substr(edge.Log().size() > 6000 ? edge.Log().size() - 6000 : 0));
  INFO(TheStack().voicemail().LogTail());
  CHECK(sipp.exit_code == 0);
  const std::string mailbox_id =
      Json::Parse(admin.Get("/v1/users/" + bruno + "/mailboxes").body)["items.0.id"].str();
  const std::string log = ReadFile(TheStack().voicemail().log_path());
  const std::string line = absl::StrCat("deposit for mailbox=", mailbox_id, " reason=");
  const size_t at = log.rfind(line);
  REQUIRE(at != std::string::npos);
  CHECK(absl::StrContains(log.substr(at, log.find('\n', at) - at), "greeting=SLOT_OUT_OF_HOURS"));

  REQUIRE(admin.Patch("/v1/users/" + bruno + "/call-settings", R"({"active_rule_lists":[]})").status == 200);
  CHECK(admin.Delete("/v1/rule-lists/" + list_id).status == 204);
  CHECK(admin.Delete("/v1/schedules/" + schedule).status == 204);
  CHECK(admin.Delete("/v1/users/" + bruno + "/greetings/out-of-hours").status == 204);
  REQUIRE(admin.Patch("/v1/users/" + bruno + "/message-settings", R"({"use_out_of_hours_greeting":false})")
              .status == 200);
  CHECK(admin.Post("/v1/users/" + bruno + "/messages/delete-all", "").status == 200);
  CHECK(admin.Post("/v1/users/" + bruno + "/messages/purge", "").status == 200);
}

TEST_CASE(
    "find-me/follow-me with music instead of ringback: the caller hears the voicemail's music until the "
    "phone found answers") {
  HttpClient admin = SignedIn("admin@demo.switchboard.local", "Dem0-Admin!Pass");
  const std::string bruno = BrunoId(admin);
  CHECK(admin.Post("/v1/users/" + bruno + "/messages/delete-all", "").status == 200);
  CHECK(admin.Post("/v1/users/" + bruno + "/messages/purge", "").status == 200);
  // Bruno's own phone rings first for 2 s (the target's delay), then the
  // search goes on to Claire's extension (4000): two steps, one music.
  HttpResult set = admin.Patch(
      "/v1/users/" + bruno + "/call-settings",
      R"({"find_me_follow_me":{"enabled":true,"music_instead_of_ringback":true,"targets":[{"number":"4000","delay_s":2,"ring_s":10}]}})");
  INFO(set.body);
  REQUIRE(set.status == 200);

  HttpClient alice = Alice();
  const std::string csv = SoftphoneCsv(alice, "music ringback test", "alice-music");
  const std::string claire_csv = SoftphoneCsv(admin, "music ringback target", "claire-music");
  const std::string bruno_csv = SoftphoneCsv(admin, "music ringback own phone", "bruno-music", bruno);
  EdgeProcess edge;

  // A test phone's 180 (either phone below rings first).
  namespace sipp = sb::testing::sipp;
  const std::string ringing = sipp::Send(
      {.status = "180 Ringing", .record_route = true, .contact = "sip:phone@[local_ip]:[local_port]"});
  // Bruno's phone rings until the search moves on (CANCEL).
  Callee bruno_phone = StartCallee(ringing + sipp::UntilCancelled());
  SippResult bruno_reg =
      RunSipp("register_contact.xml",
              {{"CONTACT", absl::StrCat("<sip:[field0]@[local_ip]:", bruno_phone.port, ">")}, {"EXPIRES", "600"}},
              edge.address(), {"-inf", bruno_csv});
  INFO(bruno_reg.log);
  REQUIRE(bruno_reg.exit_code == 0);

  // Claire's phone rings (its 180 must stay behind the music), answers
  // after 3 s, and stays until Alice hangs up.
  RtpPeer claire_media;
  Callee claire = StartCallee(absl::StrCat(ringing, sipp::Pause(3000), AnswerPcmaTo(claire_media.port(), true)));
  SippResult reg =
      RunSipp("register_contact.xml",
              {{"CONTACT", absl::StrCat("<sip:[field0]@[local_ip]:", claire.port, ">")}, {"EXPIRES", "600"}},
              edge.address(), {"-inf", claire_csv});
  INFO(reg.log);
  REQUIRE(reg.exit_code == 0);

  const size_t vm_log_from = ReadFile(TheStack().voicemail().log_path()).size();
  RtpPeer caller_media;
  const std::string trace = RunDir() + "/alice-music.messages";
  SippResult call;
  std::thread caller([&] {
    call = RunSipp("music_ringback_caller.xml",
                   {{"DIALED", "4002"}, {"RTP_PORT", absl::StrCat(caller_media.port())}, {"HOLD_MS", "3000"}},
                   edge.address(), {"-inf", csv, "-trace_msg", "-message_file", trace});
  });
  // The moment Alice's SIPp has the 200 (the only 200 before its BYE): what
  // her RTP socket has by then came while Claire's phone was ringing.
  bool answered = false;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (!answered && absl::Now() < deadline) {
    answered = absl::StrContains(ReadFile(trace), "SIP/2.0 200 OK");
    if (!answered) absl::SleepFor(absl::Milliseconds(10));
  }
  const int music_packets = caller_media.packets(8);
  const double music_rms = caller_media.audio_rms();
  // The music branch is cancelled on the answer: nothing more comes while
  // the call goes on (Alice hangs up 3 s after the 200).
  absl::SleepFor(absl::Seconds(1));
  const int after_answer = caller_media.total();
  absl::SleepFor(absl::Seconds(1));
  const int later = caller_media.total();
  caller.join();
  const int claire_exit = claire.Wait();
  const int bruno_exit = bruno_phone.Wait();
  const std::string vm_log = ReadFile(TheStack().voicemail().log_path()).substr(vm_log_from);
  INFO(call.log);
  INFO(ReadFile(trace));
  INFO(ReadFile(claire.base + ".errors") + ReadFile(claire.base + ".messages"));
  INFO(edge.Log().substr(edge.Log().size() > 8000 ? edge.Log().size() - 8000 : 0));
  INFO(vm_log);
  REQUIRE(answered);
  // 183 with SDP, no 180, the 200, ACK, BYE answered (the scenario fails otherwise).
  CHECK(call.exit_code == 0);
  CHECK(claire_exit == 0);  // rang, answered, hung up by Alice
  CHECK(bruno_exit == 0);   // rang for the first step, cancelled when the search moved on
  const std::string messages = ReadFile(trace);
  CHECK(absl::StrContains(messages, "SIP/2.0 183"));
  CHECK_FALSE(absl::StrContains(messages, "SIP/2.0 180"));
  CHECK(absl::StrContains(ReadFile(claire.base + ".messages"), "SIP/2.0 180 Ringing"));
  // About 5 s (Bruno's 2 s, then Claire's 3 s) of 20 ms A-law packets of
  // music at -20 dBm0 before the answer, from one music call kept across
  // both steps (a second INVITE would be a merged request).
  CHECK(music_packets > 175);
  CHECK(music_rms > sb::media::DbmToAmplitude(-30) / std::sqrt(2.0));
  CHECK(music_rms < sb::media::DbmToAmplitude(-10) / std::sqrt(2.0));
  CHECK(later == after_answer);
  CHECK(claire_media.total() == 0);  // the music went to the caller only
  // The voicemail played music for Bruno and the edge's CANCEL ended it; no message.
  CHECK(absl::StrContains(vm_log, absl::StrCat("early media: music on hold (user ", bruno, ")")));
  const std::vector<std::string> music_calls = absl::StrSplit(vm_log, "early media: music on hold");
  CHECK(music_calls.size() == 2);  // exactly one
  CHECK(absl::StrContains(vm_log, "early media ended by the caller side"));
  CHECK_FALSE(absl::StrContains(vm_log, "deposit for mailbox="));
  HttpResult kept = admin.Get("/v1/users/" + bruno + "/messages");
  INFO(kept.body);
  CHECK(kept.status == 200);
  CHECK(Json::Parse(kept.body)["items"].size() == 0);

  REQUIRE(admin.Patch("/v1/users/" + bruno + "/call-settings", R"({"find_me_follow_me":{"enabled":false}})")
              .status == 200);
  for (const std::string& phone : {bruno_csv, claire_csv}) {
    SippResult gone =
        RunSipp("register_contact.xml", {{"CONTACT", "*"}, {"EXPIRES", "0"}}, edge.address(), {"-inf", phone});
    CHECK(gone.exit_code == 0);
  }
}
