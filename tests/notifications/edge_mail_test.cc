// Voicemail to e-mail from a real call: a phone of the demo tenant calls a
// colleague on do-not-disturb through the SIP edge; routing decides
// voicemail, the voicemail UA records the caller, and notifications e-mails
// the recording with its WAV attached, byte for byte the stored audio.
// The SIPp scenario and its helpers are the voicemail tests' own.
#include "tests/voicemail/vm_support.h"
// (vm_support.h first: it is written to be included before anything else.)
#include <openssl/evp.h>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "events/event.h"
#include "tests/notifications/notify_env.h"
#include "tests/support/demo.h"

namespace {

namespace vpb = ::switchboard::voicemail::v1;

sb::testing::NotifyEnv& Env() {
  static sb::testing::NotifyEnv env({}, sb::testing::StackOptions{.voicemail = true});
  return env;
}

std::string Md5(const std::string& s) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(s.data(), s.size(), d, &n, EVP_md5(), nullptr);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(d), n));
}

template <typename Req, typename Resp>
Resp VmCall(grpc::Status (vpb::Voicemail::Stub::*m)(grpc::ClientContext*, const Req&, Resp*),
            const Req& req) {
  auto stub = vpb::Voicemail::NewStub(sb::core::MakeChannel(Env().stack().voicemail_addr()));
  grpc::ClientContext ctx;
  ctx.set_deadline(sb::core::DeadlineIn(absl::Seconds(10)));
  sb::core::AttachPrincipal(&ctx, sb::core::Principal::System());
  Resp resp;
  grpc::Status st = (stub.get()->*m)(&ctx, req, &resp);
  INFO(st.error_message());
  REQUIRE(st.ok());
  return resp;
}

}  // namespace

TEST_CASE("a voicemail left through the edge is e-mailed once, with the stored audio attached") {
  const std::string base = Env().stack().http_base();
  HttpClient admin = sb::testing::demo::Admin(base);
  const std::string tenant = Json::Parse(admin.Get("/v1/users/me").body)["tenant_id"].str();
  Json users = Json::Parse(admin.Get("/v1/tenants/" + tenant + "/users?page_size=100").body);
  std::string bruno;
  for (int i = 0; i < users["items"].size(); ++i) {
    if (users[absl::StrCat("items.", i, ".extension")].str() == "4002") {
      bruno = users[absl::StrCat("items.", i, ".id")].str();
    }
  }
  REQUIRE(!bruno.empty());
  REQUIRE(admin.Patch("/v1/users/" + bruno + "/call-settings", R"({"availability":"DND"})").status == 200);
  const std::string to = "edge-" + sb::events::NewEventId().substr(0, 8) + "@example.com";
  vpb::UpdateMessageSettingsRequest settings;
  settings.set_user_id(bruno);
  auto* f = settings.mutable_settings()->mutable_forward_to_email();
  f->set_enabled(true);
  f->set_keep_original(true);
  auto* a = f->add_addresses();
  a->set_email(to);
  a->set_voice(true);
  settings.mutable_update_mask()->add_paths("forward_to_email");
  VmCall(&vpb::Voicemail::Stub::UpdateMessageSettings, settings);

  HttpClient alice = sb::testing::demo::Alice(base);
  HttpResult dev =
      alice.Post("/v1/users/me/devices", R"({"kind":"SOFTPHONE","name":"notifications edge test"})");
  INFO(dev.body);
  REQUIRE(dev.status == 201);
  Json device = Json::Parse(dev.body);
  const std::string csv = RunDir() + "/alice.csv";
  std::ofstream(csv) << "SEQUENTIAL\n"
                     << device["sip_username"].str()
                     << ";[authentication username=" << device["sip_username"].str()
                     << " password=" << device["sip_password"].str() << "];" << device["sip_domain"].str()
                     << "\n";

  const int sip_port = sb::testing::FreePort();
  const std::string edge_log = RunDir() + "/edge.log";
  sb::testing::Process edge(
      {sb::testing::BuildDir() + "/services/edge/edge", absl::StrCat("--sip_listen=127.0.0.1:", sip_port),
       absl::StrCat("--edge_listen=127.0.0.1:", sb::testing::FreePort()),
       "--redis_url=" + Env().stack().redis().url(), "--profiles_addr=" + Env().stack().profiles_addr(),
       "--routing_addr=" + Env().stack().routing_addr(), "--nonce_secret=notifications-edge-test",
       "--routing_timeout_ms=3000",
       absl::StrCat("--voicemail_sip_uri=sip:voicemail@", Env().stack().voicemail_sip()),
       absl::StrCat("--events_group=edge-notify-test-", sip_port)},
      {}, edge_log);
  REQUIRE(sb::testing::WaitForTcp("127.0.0.1", sip_port, absl::Seconds(15)));
  REQUIRE(WaitFor([&] { return absl::StrContains(ReadFile(edge_log), "call stream to routing open"); }));

  static const std::string pound = WriteDtmfPcap("notify-edge-pound", "#");
  SippResult sipp = RunSipp("edge_deposit.xml",
                            {{"DIALED", "4002"},
                             {"DTMF_PCAP", pound},
                             {"AUDIO_PCAP", kAudioPcap},
                             {"AUDIO_MS", absl::StrCat(kAudioPcapMs)}},
                            absl::StrCat("127.0.0.1:", sip_port), {"-inf", csv});
  INFO(sipp.log);
  REQUIRE(sipp.exit_code == 0);

  auto mail = Env().WaitMail(to, "Nouveau message vocal");
  INFO(Env().notifications().LogTail());
  REQUIRE(mail);
  REQUIRE(mail->attachments.size() == 1);
  vpb::ListMessagesRequest list;
  list.set_user_id(bruno);
  auto messages = VmCall(&vpb::Voicemail::Stub::ListMessages, list);
  REQUIRE(messages.items_size() == 1);
  vpb::GetMessageContentRequest content;
  content.set_message_id(messages.items(0).id());
  vpb::MessageContent stored = VmCall(&vpb::Voicemail::Stub::GetMessageContent, content);
  CHECK(mail->attachments[0].size == static_cast<int>(stored.data().size()));
  CHECK(mail->attachments[0].md5 == Md5(stored.data()));
  CHECK(stored.data().size() > 8000 * 2 * 5);  // seconds of the caller's audio, not a stub
  REQUIRE(WaitFor([] {
    return Env().QueryOne(
               "SELECT count(*) FROM notifications.deliveries WHERE state IN ('pending','sending')") == "0";
  }));
  CHECK(Env().MailsFor(to).size() == 1);
  REQUIRE(admin.Patch("/v1/users/" + bruno + "/call-settings", R"({"availability":"AVAILABLE"})").status ==
          200);
}
