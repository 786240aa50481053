// Voicemail through the real edge: a phone of the demo tenant calls a
// colleague on do-not-disturb; routing decides voicemail, the edge sends the
// call to the voicemail UA with History-Info/Diversion and X-Sb-*, the
// voicemail answers and records; the message appears in the colleague's
// mailbox through the gateway and mailbox.changed lights their lamp.
#include <signal.h>

#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
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
std::string SoftphoneCsv(HttpClient& user, const std::string& name, const std::string& file) {
  HttpResult dev = user.Post("/v1/users/me/devices", absl::StrCat(R"({"kind":"SOFTPHONE","name":")", name, R"("})"));
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
  HttpResult bdev =
      admin.Post("/v1/users/" + bruno + "/devices", R"({"kind":"SOFTPHONE","name":"bruno mwi"})");
  INFO(bdev.body);
  REQUIRE(bdev.status == 201);
  Json bd = Json::Parse(bdev.body);
  const std::string bcsv = RunDir() + "/bruno.csv";
  std::ofstream(bcsv) << "SEQUENTIAL\n"
                      << bd["sip_username"].str() << ";[authentication username=" << bd["sip_username"].str()
                      << " password=" << bd["sip_password"].str() << "];" << bd["sip_domain"].str() << "\n";
  std::string notifies;
  for (int i = 0; i < 6; ++i) {
    notifies += R"(  <recv request="NOTIFY"/>
  <send>
    <![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>
)";
  }
  std::string phone_xml = ReadFile(sb::testing::SourceDir() + "/tests/voicemail/scenarios/mwi_phone.xml");
  phone_xml = absl::StrReplaceAll(phone_xml, {{"@NOTIFIES@", notifies}});
  const std::string phone_base = RunDir() + "/mwi-phone";
  std::ofstream(phone_base + ".xml") << phone_xml;
  const int phone_pid =
      sb::testing::SpawnProcess({"sipp", edge.address(), "-sf", phone_base + ".xml", "-inf", bcsv, "-m", "1",
                                 "-i", "127.0.0.1", "-p", absl::StrCat(sb::testing::FreePort()), "-timeout",
                                 "120s", "-nostdin", "-trace_msg", "-message_file", phone_base + ".messages"},
                                {}, phone_base + ".out");
  REQUIRE(WaitFor([&] { return absl::StrContains(ReadFile(phone_base + ".messages"), "SIP/2.0 200 OK"); }));

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
  CHECK(WaitFor([&] { return absl::StrContains(ReadFile(phone_base + ".messages"), "Voice-Message: 1/0"); }));
  REQUIRE(admin.Patch("/v1/messages/" + m["id"].str(), R"({"new":false})").status == 200);
  CHECK(WaitFor([&] { return absl::StrContains(ReadFile(phone_base + ".messages"), "Voice-Message: 0/1"); }));
  INFO(ReadFile(phone_base + ".messages"));
  CHECK(absl::StrContains(ReadFile(phone_base + ".messages"), "Messages-Waiting: yes"));
  kill(phone_pid, SIGTERM);
  waitpid(phone_pid, nullptr, 0);
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
