// Voicemail end to end: real profiles, voicemail (with its SIP user agent),
// gateway, PostgreSQL and Redis. SIPp plays the caller straight into the
// voicemail UA with the headers the edge adds (X-Sb-Mailbox-User,
// X-Sb-Tenant, History-Info), sends RTP (the A-law pcap SIPp ships, and DTMF
// pcaps this test writes), and hangs up; the portal API then shows the
// message, its audio, and manages it; mailbox.changed carries the counts.
#include <pqxx/pqxx>

#include "tests/voicemail/vm_support.h"

TEST_CASE("a caller leaves a message; the portal lists it, plays it and manages it") {
  const Who alice = AliceIds();
  HttpClient http = Alice();
  EmptyMailbox(http);

  SippResult sipp = Deposit(alice);
  INFO(sipp.log);
  INFO(TheStack().voicemail().LogTail());
  REQUIRE(sipp.exit_code == 0);

  Json list;
  REQUIRE(WaitFor([&] {
    list = Messages(http);
    return list["items"].size() == 1;
  }));
  Json m = list["items.0"];
  CHECK(m["type"].str() == "VOICE");
  CHECK(m["from"].str() == "0297000099");
  CHECK(m["from_name"].str() == "Dupont Paul");
  CHECK(m["new"].boolean());
  CHECK(m["reason"].str() == "NO_ANSWER");
  // The recording runs from the beep to the BYE: the pcap's length, give or
  // take the time between the beep and the first packet.
  const double duration = m["duration_ms"].num();
  CHECK(duration > kAudioPcapMs - 1000);
  CHECK(duration < kAudioPcapMs + 2000);
  const std::string id = m["id"].str();

  // The audio: a valid WAV of that length.
  HttpResult content = http.Get("/v1/messages/" + id + "/content");
  REQUIRE(content.status == 200);
  CHECK(content.Header("content-type") == "audio/wav");
  auto wav =
      sb::media::ParseWav({reinterpret_cast<const uint8_t*>(content.body.data()), content.body.size()});
  REQUIRE(wav.ok());
  CHECK(wav->format.sample_rate == 8000);
  CHECK(wav->format.channels == 1);
  CHECK(std::abs(absl::ToDoubleMilliseconds(wav->duration) - duration) < 50);
  auto audio =
      sb::media::ReadWav({reinterpret_cast<const uint8_t*>(content.body.data()), content.body.size()});
  REQUIRE(audio.ok());
  int loud = 0;
  for (int16_t s : audio->samples) loud += std::abs(s) > 1000;
  CHECK(loud > 8000);  // the caller's voice is in it, not silence

  // MWI: mailbox.changed says 1 new; the deposit event for notifications.
  CHECK(WaitCounts(alice.user_id, 1, 0));
  auto deposited =
      MailboxEvents<switchboard::events::v1::MessageDeposited>("mailbox.message_deposited", alice.user_id);
  REQUIRE(!deposited.empty());
  CHECK(deposited.back().message_id() == id);
  CHECK(deposited.back().from() == "0297000099");
  CHECK(deposited.back().reason() == "NO_ANSWER");
  auto changed = MailboxEvents<switchboard::events::v1::MailboxChanged>("mailbox.changed", alice.user_id);
  CHECK(changed.back().line_ids_size() >= 1);
  CHECK(changed.back().mwi_mode() == "ALL_VOICEMAIL");
  CHECK(changed.back().tenant_id() == alice.tenant_id);

  // Heard: the lamp goes off.
  HttpResult heard = http.Patch("/v1/messages/" + id, R"({"new":false})");
  REQUIRE(heard.status == 200);
  CHECK_FALSE(Json::Parse(heard.body)["new"].boolean());
  CHECK(WaitCounts(alice.user_id, 0, 1));

  // Permanent delete only from DELETED.
  HttpResult early = http.Delete("/v1/messages/" + id);
  CHECK(early.status == 400);
  CHECK(early.body.find("DELETED") != std::string::npos);
  REQUIRE(http.Patch("/v1/messages/" + id, R"({"folder":"DELETED"})").status == 200);
  CHECK(Messages(http)["items"].size() == 0);
  CHECK(Messages(http, "?folder=DELETED")["items"].size() == 1);
  CHECK(WaitCounts(alice.user_id, 0, 0));
  // Restore, delete again, delete permanently.
  REQUIRE(http.Post("/v1/messages/" + id + "/restore", "").status == 200);
  CHECK(Messages(http)["items"].size() == 1);
  REQUIRE(http.Patch("/v1/messages/" + id, R"({"folder":"DELETED"})").status == 200);
  CHECK(http.Delete("/v1/messages/" + id).status == 204);
  CHECK(http.Get("/v1/messages/" + id).status == 404);
  CHECK(Messages(http, "?folder=DELETED")["items"].size() == 0);
  HttpResult bogus = http.Get("/v1/users/me/messages?folder=BOGUS");
  CHECK(bogus.status == 400);
  CHECK(Json::Parse(bogus.body)["error"]["field"].str() == "folder");
}

TEST_CASE("compose, forward, private messages, delete all and purge") {
  const Who alice = AliceIds();
  HttpClient http = Alice();
  EmptyMailbox(http);
  const std::string wav = ToneWav(1500);

  // A composed private message to Alice's own extension.
  HttpResult sent =
      http.Request("POST", "/v1/users/me/messages?to=4001&private=true", wav, {"Content-Type: audio/wav"});
  INFO(sent.body);
  REQUIRE(sent.status == 201);
  Json delivered = Json::Parse(sent.body)["delivered"];
  REQUIRE(delivered.size() == 1);
  const std::string private_id = delivered["0"]["id"].str();
  CHECK(delivered["0"]["private"].boolean());
  CHECK(delivered["0"]["duration_ms"].num() == 1500);
  CHECK(delivered["0"]["reason"].str() == "COMPOSED");

  HttpResult refused = http.Post("/v1/messages/" + private_id + "/forward", R"({"to_numbers":["4002"]})");
  CHECK(refused.status == 400);
  CHECK(refused.body.find("private messages can't be forwarded") != std::string::npos);

  // A public one forwards to Bruno (4002).
  HttpResult pub = http.Request("POST", "/v1/users/me/messages?to=4001", wav, {"Content-Type: audio/wav"});
  REQUIRE(pub.status == 201);
  const std::string public_id = Json::Parse(pub.body)["delivered"]["0"]["id"].str();
  HttpResult fwd = http.Post("/v1/messages/" + public_id + "/forward", R"({"to_numbers":["4002"]})");
  INFO(fwd.body);
  CHECK(fwd.status == 200);
  CHECK(Json::Parse(fwd.body)["delivered"]["0"]["reason"].str() == "FORWARDED");
  // An unknown number is named.
  HttpResult bad = http.Post("/v1/messages/" + public_id + "/forward", R"({"to_numbers":["4002","9999"]})");
  CHECK(bad.status == 400);
  CHECK(Json::Parse(bad.body)["error"]["field"].str() == "to_numbers[1]");

  // A bad upload says what is wrong.
  HttpResult not_wav =
      http.Request("POST", "/v1/users/me/messages?to=4001", "hello", {"Content-Type: audio/wav"});
  CHECK(not_wav.status == 400);
  CHECK(Json::Parse(not_wav.body)["error"]["field"].str() == "audio_wav");

  CHECK(Messages(http)["items"].size() == 2);
  HttpResult all = http.Post("/v1/users/me/messages/delete-all", "");
  REQUIRE(all.status == 200);
  CHECK(Json::Parse(all.body)["affected"].num() == 2);
  CHECK(Messages(http, "?folder=DELETED")["items"].size() == 2);
  HttpResult purge = http.Post("/v1/users/me/messages/purge", "");
  REQUIRE(purge.status == 200);
  CHECK(Json::Parse(purge.body)["affected"].num() == 2);
  CHECK(Messages(http, "?folder=DELETED")["items"].size() == 0);
  CHECK(WaitCounts(alice.user_id, 0, 0));
}

TEST_CASE("mark all read: every new INBOX message heard, one mailbox.changed") {
  const Who alice = AliceIds();
  HttpClient http = Alice();
  EmptyMailbox(http);
  for (int i = 0; i < 2; ++i) {
    REQUIRE(http.Request("POST", "/v1/users/me/messages?to=4001", ToneWav(800), {"Content-Type: audio/wav"})
                .status == 201);
  }
  REQUIRE(WaitCounts(alice.user_id, 2, 0));
  using switchboard::events::v1::MailboxChanged;
  const size_t before = MailboxEvents<MailboxChanged>("mailbox.changed", alice.user_id).size();
  HttpResult bad = http.Post("/v1/users/me/messages/mark-all-read?type=BOGUS", "");
  CHECK(bad.status == 400);
  CHECK(Json::Parse(bad.body)["error"]["field"].str() == "type");
  HttpResult r = http.Post("/v1/users/me/messages/mark-all-read", "");
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(Json::Parse(r.body)["affected"].num() == 2);
  CHECK(Messages(http, "?only_new=true")["items"].size() == 0);
  CHECK(Messages(http)["items"].size() == 2);
  CHECK(WaitCounts(alice.user_id, 0, 2));
  absl::SleepFor(absl::Milliseconds(500));  // a second event would be relayed by now
  CHECK(MailboxEvents<MailboxChanged>("mailbox.changed", alice.user_id).size() == before + 1);
  // Nothing new left: nothing affected.
  CHECK(Json::Parse(http.Post("/v1/users/me/messages/mark-all-read", "").body)["affected"].num() == 0);
  // Documented with the other message routes.
  Json doc = Json::Parse(HttpClient(TheStack().http_base()).Get("/v1/openapi.json").body);
  CHECK(doc["paths"].value().struct_value().fields().count("/v1/users/{user_id}/messages/mark-all-read") ==
        1);
  EmptyMailbox(http);
}

TEST_CASE("the owner listing the INBOX publishes mailbox.accessed, at most once a minute") {
  const Who alice = AliceIds();
  HttpClient http = Alice();
  using switchboard::events::v1::MailboxAccessed;
  auto portal_events = [&] {
    size_t n = 0;
    for (const auto& e : MailboxEvents<MailboxAccessed>("mailbox.accessed", alice.user_id)) {
      n += e.via() == "PORTAL";
    }
    return n;
  };
  // Forget the last publication (earlier tests listed the INBOX) so the
  // next listing publishes.
  {
    pqxx::connection c(TheStack().pg_url());
    pqxx::work w(c);
    w.exec_params("UPDATE voicemail.mailboxes SET accessed_event_at = NULL WHERE user_id = $1",
                  alice.user_id);
    w.commit();
  }
  const size_t before = portal_events();
  // DELETED is not the INBOX: no event.
  Messages(http, "?folder=DELETED");
  Messages(http);
  Messages(http);
  Messages(http);
  REQUIRE(WaitFor([&] { return portal_events() >= before + 1; }));
  absl::SleepFor(absl::Milliseconds(500));
  CHECK(portal_events() == before + 1);
  auto events = MailboxEvents<MailboxAccessed>("mailbox.accessed", alice.user_id);
  CHECK(events.back().tenant_id() == alice.tenant_id);
  CHECK_FALSE(events.back().mailbox_id().empty());
  CHECK(events.back().accessed_at().seconds() > 0);
}

TEST_CASE("settings and greetings through the portal") {
  HttpClient http = Alice();
  // The user's message store (A6): its numbers and counts.
  HttpResult boxes = http.Get("/v1/users/me/mailboxes");
  INFO(boxes.body);
  REQUIRE(boxes.status == 200);
  Json box = Json::Parse(boxes.body)["items.0"];
  CHECK(box["lines.0.number"].str() == "0222969569");
  CHECK(box["max_messages"].num() == 100);
  CHECK_FALSE(box["full"].boolean());
  // Another user's store is out of reach.
  HttpResult other = http.Get("/v1/users/00000000-0000-0000-0000-000000000001/messages");
  CHECK(other.status == 404);
  HttpResult s = http.Get("/v1/users/me/message-settings");
  INFO(s.body);
  REQUIRE(s.status == 200);
  Json settings = Json::Parse(s.body);
  CHECK(settings["max_message_s"].num() == 180);
  CHECK(settings["max_messages"].num() == 100);
  CHECK(settings["greeting"].str() == "SYSTEM");

  HttpResult p = http.Patch(
      "/v1/users/me/message-settings",
      R"({"max_message_s":120,"forward_to_email":{"enabled":true,"addresses":[{"email":"a@b.example","voice":true}],"keep_original":true}})");
  INFO(p.body);
  REQUIRE(p.status == 200);
  CHECK(Json::Parse(p.body)["max_message_s"].num() == 120);
  CHECK(Json::Parse(p.body)["forward_to_email"]["addresses"]["0"]["email"].str() == "a@b.example");
  CHECK(Json::Parse(p.body)["max_messages"].num() == 100);  // untouched

  HttpResult bad = http.Patch("/v1/users/me/message-settings", R"({"max_message_s":5})");
  CHECK(bad.status == 400);
  CHECK(Json::Parse(bad.body)["error"]["field"].str() == "max_message_s");

  // Greetings must be 16 kHz 16-bit mono PCM.
  HttpResult narrow =
      http.Request("PUT", "/v1/users/me/greetings/personal", ToneWav(1000), {"Content-Type: audio/wav"});
  CHECK(narrow.status == 400);
  CHECK(narrow.body.find("16 kHz") != std::string::npos);
  std::vector<int16_t> wide(16000);
  for (size_t i = 0; i < wide.size(); ++i) wide[i] = static_cast<int16_t>(6000 * ((i / 20) % 2 ? 1 : -1));
  auto wav = sb::media::WriteWav(wide, 16000).value();
  HttpResult ok = http.Request("PUT", "/v1/users/me/greetings/personal", std::string(wav.begin(), wav.end()),
                               {"Content-Type: audio/wav"});
  INFO(ok.body);
  CHECK(ok.status == 200);
  CHECK(http.Get("/v1/users/me/greetings/personal").status == 200);
  CHECK(http.Delete("/v1/users/me/greetings/personal").status == 204);
  CHECK(http.Get("/v1/users/me/greetings/personal").status == 404);
  REQUIRE(http.Patch("/v1/users/me/message-settings",
                     R"({"max_message_s":180,"forward_to_email":{"enabled":false,"addresses":[]}})")
              .status == 200);
}

TEST_CASE("a full mailbox takes no message and says so") {
  const Who alice = AliceIds();
  HttpClient http = Alice();
  EmptyMailbox(http);
  REQUIRE(http.Request("POST", "/v1/users/me/messages?to=4001", ToneWav(1000), {"Content-Type: audio/wav"})
              .status == 201);
  REQUIRE(http.Patch("/v1/users/me/message-settings", R"({"max_messages":1})").status == 200);

  SippResult sipp = RunSipp(
      "refused.xml", {{"RUSER", "0222969569"}, {"MAILBOX_USER", alice.user_id}, {"TENANT", alice.tenant_id}});
  INFO(sipp.log);
  CHECK(sipp.exit_code == 0);  // answered, told, hung up by the voicemail
  CHECK(Messages(http)["items"].size() == 1);
  // Composing to a full mailbox is refused too.
  HttpResult full =
      http.Request("POST", "/v1/users/me/messages?to=4001", ToneWav(1000), {"Content-Type: audio/wav"});
  CHECK(full.status == 429);
  CHECK(full.body.find("full") != std::string::npos);
  REQUIRE(http.Patch("/v1/users/me/message-settings", R"({"max_messages":100})").status == 200);
  EmptyMailbox(http);
}

TEST_CASE("retrieval by phone: the PIN, then the new message plays and is marked heard") {
  const Who alice = AliceIds();
  HttpClient http = Alice();
  EmptyMailbox(http);
  REQUIRE(Deposit(alice).exit_code == 0);
  std::string id;
  REQUIRE(WaitFor([&] {
    Json list = Messages(http);
    if (list["items"].size() != 1) return false;
    id = list["items"]["0"]["id"].str();
    return true;
  }));

  // A wrong PIN first, then the right one (the seed's 240817), then 1.
  const std::string keys = WriteDtmfPcap("login", "1111#,240817#,,1");
  SippResult sipp = RunSipp("retrieval.xml", {{"RUSER", "*318"},
                                              {"MAILBOX_USER", alice.user_id},
                                              {"TENANT", alice.tenant_id},
                                              {"DTMF_PCAP", keys},
                                              {"AUDIO_MS", "26000"}});
  INFO(sipp.log);
  INFO(TheStack().voicemail().LogTail());
  CHECK(sipp.exit_code == 0);
  {
    const std::string log = ReadFile(TheStack().voicemail().log_path());
    CHECK(log.find("retrieval: main menu key 1") != std::string::npos);
    CHECK(log.find("retrieval: 1 new message(s)") != std::string::npos);
    CHECK(log.find("logged in (PIN)") != std::string::npos);
  }
  // Logged in by phone: mailbox.accessed via PHONE.
  CHECK(WaitFor([&] {
    for (const auto& e :
         MailboxEvents<switchboard::events::v1::MailboxAccessed>("mailbox.accessed", alice.user_id)) {
      if (e.via() == "PHONE") return true;
    }
    return false;
  }));
  // Heard by phone: no longer new, and the lamp follows.
  Json m = Json::Parse(http.Get("/v1/messages/" + id).body);
  CHECK_FALSE(m["new"].boolean());
  CHECK(WaitCounts(alice.user_id, 0, 1));
  CHECK(TheStack().voicemail().LogTail().find("wrong voicemail PIN") != std::string::npos);
  CHECK(TheStack().voicemail().LogTail().find("240817") == std::string::npos);  // no PIN in logs
  EmptyMailbox(http);
}

TEST_CASE("the voicemail UA: session timers, hold and resume by re-INVITE, a refused re-offer") {
  const Who alice = AliceIds();
  SippResult sipp = RunSipp(
      "hold.xml", {{"RUSER", "0222969569"}, {"MAILBOX_USER", alice.user_id}, {"TENANT", alice.tenant_id}});
  INFO(sipp.log);
  CHECK(sipp.exit_code == 0);
}

TEST_CASE("a call to a mailbox nobody has is refused 404") {
  SippResult sipp = RunSipp("refused.xml", {{"RUSER", "0299999999"},
                                            {"MAILBOX_USER", "00000000-0000-0000-0000-000000000000"},
                                            {"TENANT", "00000000-0000-0000-0000-000000000000"}});
  CHECK(sipp.exit_code != 0);
  CHECK(sipp.log.find("404") != std::string::npos);
}

namespace {

namespace sipp = sb::testing::sipp;

// A phone answering in PCMU with keys, until the voicemail hangs up.
const std::string kAnswer = sipp::AnswerCall(
    {.contact = "sip:callee@[local_ip]:[local_port]", .sdp = sipp::AudioSdp("0 101")}, 30000);

const std::string kBusy = sipp::Refuse({.status = "486 Busy Here"});

switchboard::voicemail::v1::PlaceCallResponse PlaceCall(switchboard::voicemail::v1::PlaceCallRequest req) {
  auto stub =
      switchboard::voicemail::v1::Voicemail::NewStub(sb::core::MakeChannel(TheStack().voicemail_addr()));
  grpc::ClientContext ctx;
  ctx.set_deadline(sb::core::DeadlineIn(absl::Seconds(30)));
  sb::core::AttachPrincipal(&ctx, sb::core::Principal::System());
  switchboard::voicemail::v1::PlaceCallResponse resp;
  grpc::Status st = stub->PlaceCall(&ctx, req, &resp);
  INFO(st.error_message());
  REQUIRE(st.ok());
  return resp;
}

}  // namespace

TEST_CASE("PlaceCall rings a number, plays the announcement and hangs up; a refusal gives its code") {
  const Who alice = AliceIds();
  Callee phone = StartCallee(kAnswer);
  switchboard::voicemail::v1::PlaceCallRequest req;
  req.set_tenant_id(alice.tenant_id);
  req.set_user_id(alice.user_id);
  req.set_to(absl::StrCat("sip:0612345678@127.0.0.1:", phone.port));
  req.set_kind(switchboard::voicemail::v1::PlaceCallRequest::ANNOUNCEMENT);
  req.set_announcement_wav(ToneWav(1000));
  auto answered = PlaceCall(req);
  CHECK(answered.answered());
  CHECK(answered.sip_code() == 200);
  CHECK_FALSE(answered.call_id().empty());
  INFO(ReadFile(phone.base + ".errors"));
  CHECK(phone.Wait() == 0);  // the voicemail hung up after the announcement

  Callee busy = StartCallee(kBusy);
  req.set_to(absl::StrCat("sip:0612345678@127.0.0.1:", busy.port));
  auto refused = PlaceCall(req);
  CHECK_FALSE(refused.answered());
  CHECK(refused.sip_code() == 486);
  busy.Wait();
}


TEST_CASE("a new-messages call-out: the phone answers in PCMA, hears the counts, logs in with the PIN") {
  const Who alice = AliceIds();
  HttpClient http = Alice();
  EmptyMailbox(http);
  REQUIRE(http.Request("POST", "/v1/users/me/messages?to=4001", ToneWav(800), {"Content-Type: audio/wav"})
              .status == 201);
  using switchboard::events::v1::MailboxAccessed;
  auto phone_logins = [&] {
    size_t n = 0;
    for (const auto& e : MailboxEvents<MailboxAccessed>("mailbox.accessed", alice.user_id))
      n += e.via() == "PHONE";
    return n;
  };
  const size_t logins = phone_logins();

  RtpPeer media;
  Callee phone = StartCallee(AnswerPcmaTo(media.port()));
  switchboard::voicemail::v1::PlaceCallRequest req;
  req.set_tenant_id(alice.tenant_id);
  req.set_user_id(alice.user_id);
  req.set_to(absl::StrCat("sip:0612345678@127.0.0.1:", phone.port));
  req.set_kind(switchboard::voicemail::v1::PlaceCallRequest::NEW_MESSAGES_CALLOUT);
  auto answered = PlaceCall(req);
  REQUIRE(answered.answered());
  // The counts are spoken: audio arrives, in the codec the phone kept (we
  // offered PCMU and PCMA; it answered PCMA only).
  REQUIRE(WaitFor([&] { return media.packets(8) > 50; }));
  CHECK(media.packets(0) == 0);
  // 1 to log in, then the PIN.
  REQUIRE(media.SendDigits("1,240817#"));
  INFO(TheStack().voicemail().LogTail());
  CHECK(WaitFor([&] { return phone_logins() == logins + 1; }));
  // * leaves; the voicemail says goodbye and hangs up.
  REQUIRE(media.SendDigits(",*"));
  INFO(ReadFile(phone.base + ".errors"));
  CHECK(phone.Wait() == 0);
  CHECK(media.packets(0) == 0);
  EmptyMailbox(http);
}

TEST_CASE("a temporary greeting recorded by phone, then played to callers, removed in the portal") {
  const Who alice = AliceIds();
  HttpClient http = Alice();
  (void)http.Delete("/v1/users/me/greetings/temporary");
  const std::string keys = WriteDtmfPcap("temporary", "240817#,,3");
  const std::string end = WriteDtmfPcap("temporary-end", "#");
  SippResult sipp = RunSipp("temporary_greeting.xml", {{"RUSER", "*318"},
                                                       {"MAILBOX_USER", alice.user_id},
                                                       {"TENANT", alice.tenant_id},
                                                       {"DTMF_PCAP", keys},
                                                       {"PROMPT_MS", "11500"},
                                                       {"AUDIO_PCAP", kAudioPcap},
                                                       {"AUDIO_MS", absl::StrCat(kAudioPcapMs)},
                                                       {"END_PCAP", end}});
  INFO(sipp.log);
  INFO(TheStack().voicemail().LogTail());
  CHECK(sipp.exit_code == 0);
  HttpResult greeting = http.Get("/v1/users/me/greetings/temporary");
  REQUIRE(greeting.status == 200);
  auto wav =
      sb::media::ParseWav({reinterpret_cast<const uint8_t*>(greeting.body.data()), greeting.body.size()});
  REQUIRE(wav.ok());
  CHECK(wav->duration > absl::Seconds(4));
  CHECK(Json::Parse(http.Get("/v1/users/me/message-settings").body)["temporary_greeting_active"].boolean());
  // The next caller hears it: the deposit log names the TEMPORARY slot.
  REQUIRE(Deposit(alice).exit_code == 0);
  CHECK(ReadFile(TheStack().voicemail().log_path()).find("greeting=SLOT_TEMPORARY") != std::string::npos);
  CHECK(http.Delete("/v1/users/me/greetings/temporary").status == 204);
  CHECK_FALSE(
      Json::Parse(http.Get("/v1/users/me/message-settings").body)["temporary_greeting_active"].boolean());
  EmptyMailbox(http);
}

TEST_CASE("the personal greeting recorded by phone (options 0, 1, 1), reviewed and kept") {
  const Who alice = AliceIds();
  HttpClient http = Alice();
  (void)http.Delete("/v1/users/me/greetings/personal");
  // The PIN, 0 (options), 1 (personal greeting), 1 (record); then speech,
  // '#' to stop, and 2 (keep it) at the review.
  const std::string keys = WriteDtmfPcap("personal", "240817#,,0,1,1");
  const std::string end = WriteDtmfPcap("personal-end", "#,,2");
  SippResult sipp = RunSipp("temporary_greeting.xml", {{"RUSER", "*318"},
                                                       {"MAILBOX_USER", alice.user_id},
                                                       {"TENANT", alice.tenant_id},
                                                       {"DTMF_PCAP", keys},
                                                       {"PROMPT_MS", "13500"},
                                                       {"AUDIO_PCAP", kAudioPcap},
                                                       {"AUDIO_MS", absl::StrCat(kAudioPcapMs)},
                                                       {"END_PCAP", end}});
  INFO(sipp.log);
  INFO(TheStack().voicemail().LogTail());
  CHECK(sipp.exit_code == 0);
  CHECK(ReadFile(TheStack().voicemail().log_path()).find("SLOT_PERSONAL greeting recorded by phone") !=
        std::string::npos);
  // Stored like an uploaded one: the portal plays it back and lists it.
  HttpResult greeting = http.Get("/v1/users/me/greetings/personal");
  REQUIRE(greeting.status == 200);
  CHECK(greeting.Header("content-type") == "audio/wav");
  auto wav =
      sb::media::ParseWav({reinterpret_cast<const uint8_t*>(greeting.body.data()), greeting.body.size()});
  REQUIRE(wav.ok());
  CHECK(wav->duration > absl::Seconds(4));
  Json settings = Json::Parse(http.Get("/v1/users/me/message-settings").body);
  bool listed = false;
  for (int i = 0; i < settings["greetings"].size(); ++i) {
    listed = listed || settings[absl::StrCat("greetings.", i, ".slot")].str() == "SLOT_PERSONAL";
  }
  CHECK(listed);
  CHECK(http.Delete("/v1/users/me/greetings/personal").status == 204);
}

TEST_CASE("the press-1-to-forward announcement: 1 transfers the caller to the forward number") {
  const Who alice = AliceIds();
  static const std::string one = WriteDtmfPcap("press-1", "1");
  SippResult sipp = RunSipp("press1.xml", {{"RUSER", "voicemail"},
                                           {"TENANT", alice.tenant_id},
                                           {"DEST", "+33612345678"},
                                           {"DEST_RE", "[+]33612345678"},
                                           {"DTMF_PCAP", one}});
  INFO(sipp.log);
  INFO(TheStack().voicemail().LogTail());
  CHECK(sipp.exit_code == 0);
  CHECK(ReadFile(TheStack().voicemail().log_path())
            .find("press-1 forward to sip:+33612345678@demo.switchboard.local: 202") != std::string::npos);
}

TEST_CASE("announcements: a known name plays its prompt, an unknown one the generic prompt") {
  const Who alice = AliceIds();
  for (const auto& [name, lang, prompt] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"on-the-phone", "en", "en/announce_on_the_phone"},
           {"no-such-announcement", "fr", "fr/announce_generic"}}) {
    SippResult sipp =
        RunSipp("announce_direct.xml",
                {{"RUSER", "voicemail"}, {"TENANT", alice.tenant_id}, {"NAME", name}, {"LANG", lang}});
    INFO(sipp.log);
    INFO(TheStack().voicemail().LogTail());
    CHECK(sipp.exit_code == 0);  // answered, then hung up by the voicemail
    CHECK(ReadFile(TheStack().voicemail().log_path())
              .find(absl::StrCat("announcement ", name, ": prompt ", prompt)) != std::string::npos);
  }
}

TEST_CASE("music instead of ringback: 183 with SDP, music on hold, no 200, CANCEL gives 487, nothing kept") {
  const Who alice = AliceIds();
  auto count = [&](const std::string& sql) {
    pqxx::connection c(TheStack().pg_url());
    pqxx::work w(c);
    return w.exec_params1(sql, alice.user_id)[0].as<int>();
  };
  const std::string kMessages =
      "SELECT count(*) FROM voicemail.messages m JOIN voicemail.mailboxes b ON b.id = m.mailbox_id "
      "WHERE b.user_id = $1";
  auto redis = sb::redis::Client::Create({.url = TheStack().redis().url()}).value();
  auto stream_length = [&] {
    auto r = redis->Command({"XLEN", "events.mailbox"});
    REQUIRE(r.ok());
    return r->integer;
  };
  const int messages_before = count(kMessages);
  const auto events_before = stream_length();

  RtpPeer phone;
  SippResult sipp = RunSipp("early_music.xml", {{"RUSER", "voicemail"},
                                                {"TENANT", alice.tenant_id},
                                                {"USER", alice.user_id},
                                                {"RTP_PORT", absl::StrCat(phone.port())},
                                                {"WAIT_MS", "3000"}});
  INFO(sipp.log);
  INFO(TheStack().voicemail().LogTail());
  // 183 with m=audio, no 200 during the 3 s, 200 to the CANCEL, 487, ACK.
  CHECK(sipp.exit_code == 0);
  // About 3 s of 20 ms A-law packets, at the music's level (-20 dBm0), not silence.
  CHECK(phone.packets(8) > 100);
  CHECK(phone.audio_rms() > sb::media::DbmToAmplitude(-30) / std::sqrt(2.0));
  CHECK(phone.audio_rms() < sb::media::DbmToAmplitude(-10) / std::sqrt(2.0));
  // The CANCEL stopped the music.
  absl::SleepFor(absl::Milliseconds(300));
  const int after_cancel = phone.total();
  absl::SleepFor(absl::Seconds(1));
  CHECK(phone.total() == after_cancel);
  CHECK(
      absl::StrContains(ReadFile(TheStack().voicemail().log_path()), "early media ended by the caller side"));
  // No message, no mailbox event (deposited, changed or accessed).
  CHECK(count(kMessages) == messages_before);
  CHECK(stream_length() == events_before);
}

TEST_CASE("music instead of ringback nobody cancels stops at the cap with 480, never 200") {
  const Who alice = AliceIds();
  RtpPeer phone;
  // This stack's cap is 6 s (TheStack); SIPp fails on a 200 or no 480.
  SippResult sipp = RunSipp("early_music_cap.xml", {{"RUSER", "voicemail"},
                                                    {"TENANT", alice.tenant_id},
                                                    {"USER", alice.user_id},
                                                    {"RTP_PORT", absl::StrCat(phone.port())}});
  INFO(sipp.log);
  INFO(TheStack().voicemail().LogTail());
  CHECK(sipp.exit_code == 0);
  CHECK(phone.packets(8) > 200);  // ~6 s of music
  absl::SleepFor(absl::Milliseconds(300));
  const int after = phone.total();
  absl::SleepFor(absl::Seconds(1));
  CHECK(phone.total() == after);
  CHECK(absl::StrContains(ReadFile(TheStack().voicemail().log_path()),
                          "early media: nobody answered within 6s, 480"));
}

TEST_CASE("a reject with its message: 183 with SDP, the announcement, then the reject status, never 200") {
  const Who alice = AliceIds();
  RtpPeer phone;
  // SIPp fails on a 200, on a 183 without SDP, or on a final status other
  // than "433 Anonymity Disallowed".
  SippResult sipp = RunSipp("early_reject.xml", {{"RUSER", "voicemail"},
                                                 {"TENANT", alice.tenant_id},
                                                 {"USER", alice.user_id},
                                                 {"NAME", "anonymous-rejected"},
                                                 {"LANG", "en"},
                                                 {"RTP_PORT", absl::StrCat(phone.port())}});
  INFO(sipp.log);
  INFO(TheStack().voicemail().LogTail());
  CHECK(sipp.exit_code == 0);
  // The prompt (a spoken sentence of a few seconds), not silence.
  CHECK(phone.packets(8) > 75);
  CHECK(phone.audio_rms() > sb::media::DbmToAmplitude(-45) / std::sqrt(2.0));
  absl::SleepFor(absl::Milliseconds(300));
  const int after = phone.total();
  absl::SleepFor(absl::Seconds(1));
  CHECK(phone.total() == after);  // nothing plays after the reject
  CHECK(absl::StrContains(ReadFile(TheStack().voicemail().log_path()),
                          "reject message anonymous-rejected: prompt en/announce_anonymous_rejected as early media, "
                          "then 433"));
}
