// Two user agents in one process: one originates to the other (no proxy),
// the callee answers, the caller sends DTMF and audio, the callee records
// and hangs up. Real SIP over loopback UDP, real RTP.
#include "sipua/user_agent.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace sb::sipua {
namespace {

// A free UDP port (the UA can't listen on port 0 and report it).
uint16_t FreePort() {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

// Starts a UA on a free port. FreePort only proves the UDP port free at that
// instant: a test running beside this one may take it, or hold the same
// number in TCP, before the UA binds; so a failed start tries another port.
// `config->listen` ends up naming the port the UA listens on.
absl::StatusOr<std::unique_ptr<UserAgent>> StartOnFreePort(UserAgentConfig* config, IncomingCallHandler* handler) {
  absl::StatusOr<std::unique_ptr<UserAgent>> ua = absl::UnavailableError("not started");
  for (int attempt = 0; attempt < 10 && !ua.ok(); ++attempt) {
    config->listen = absl::StrCat("127.0.0.1:", FreePort());
    ua = UserAgent::Start(*config, handler);
  }
  return ua;
}

class Inbox : public IncomingCallHandler {
 public:
  void OnIncomingCall(std::shared_ptr<Call> call) override {
    absl::MutexLock lock(&mu_);
    calls_.push_back(std::move(call));
  }
  std::shared_ptr<Call> Next(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(
                             +[](std::vector<std::shared_ptr<Call>>* c) { return !c->empty(); }, &calls_),
                         timeout);
    if (calls_.empty()) return nullptr;
    auto c = calls_.front();
    calls_.erase(calls_.begin());
    return c;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::shared_ptr<Call>> calls_;
};

std::shared_ptr<const media::Prompt> Tone(absl::Duration length) {
  std::vector<int16_t> s(static_cast<size_t>(absl::ToDoubleSeconds(length) * 8000));
  for (size_t i = 0; i < s.size(); ++i)
    s[i] = static_cast<int16_t>(8000 * std::sin(2 * M_PI * 440 * i / 8000.0));
  return media::MakePrompt("tone", std::move(s));
}

TEST_CASE("a call between two user agents carries audio and DTMF, then ends with BYE") {
  Inbox callee_inbox, caller_inbox;
  UserAgentConfig cc;
  cc.rtp_port_min = 41000;
  cc.rtp_port_max = 41999;
  cc.media_threads = 1;
  auto callee = StartOnFreePort(&cc, &callee_inbox);
  REQUIRE(callee.ok());
  UserAgentConfig rc = cc;
  rc.rtp_port_min = 42000;
  rc.rtp_port_max = 42999;
  auto caller = StartOnFreePort(&rc, &caller_inbox);
  REQUIRE(caller.ok());

  std::shared_ptr<Call> incoming;
  std::thread answerer([&] {
    incoming = callee_inbox.Next(absl::Seconds(5));
    if (incoming) {
      (void)incoming->Answer();
      incoming->StartRecording({});
    }
  });
  OriginateResult r = (*caller)->Originate({.to_uri = absl::StrCat("sip:4002@", cc.listen),
                                            .from_uri = absl::StrCat("sip:0297000000@", rc.listen),
                                            .from_display = "Test Caller",
                                            .ring_timeout = absl::Seconds(5),
                                            .headers = {{"X-Sb-Mailbox-User", "u-1"}}});
  answerer.join();
  REQUIRE(incoming != nullptr);
  CHECK(incoming->info().request_user == "4002");
  CHECK(incoming->info().from_user == "0297000000");
  CHECK(incoming->info().from_display == "Test Caller");
  CHECK(incoming->info().Header("x-sb-mailbox-user") == "u-1");
  REQUIRE(r.status == 200);
  REQUIRE(r.call != nullptr);
  CHECK_FALSE(r.call->info().call_id.empty());

  r.call->Play({Tone(absl::Seconds(1))});
  auto e = r.call->WaitEvent(absl::Seconds(5));
  REQUIRE(e.has_value());
  CHECK(e->kind == CallEventKind::kPlaybackDone);
  REQUIRE(r.call->SendDigits("5#").ok());
  auto d1 = incoming->WaitEvent(absl::Seconds(5));
  REQUIRE(d1.has_value());
  CHECK(d1->kind == CallEventKind::kDigit);
  CHECK(d1->digit == '5');
  auto d2 = incoming->WaitEvent(absl::Seconds(5));
  REQUIRE(d2.has_value());
  CHECK(d2->digit == '#');

  auto rec = incoming->StopRecording();
  REQUIRE(rec != nullptr);
  CHECK(rec->heard_voice());
  CHECK(rec->length() > absl::Milliseconds(800));

  // Key 0's transfer: a REFER the other side accepts (nua answers 202).
  auto refer = incoming->Refer("sip:4003@127.0.0.1", absl::Seconds(5));
  REQUIRE(refer.ok());
  CHECK(*refer == 202);

  incoming->Hangup();
  auto h = r.call->WaitEvent(absl::Seconds(5));
  REQUIRE(h.has_value());
  CHECK(h->kind == CallEventKind::kHangup);
  CHECK(r.call->ended());
  (*caller)->Stop();
  (*callee)->Stop();
}

TEST_CASE("a call to nobody fails with the SIP status") {
  Inbox inbox;
  UserAgentConfig c;
  c.rtp_port_min = 43000;
  c.rtp_port_max = 43999;
  c.media_threads = 1;
  auto ua = StartOnFreePort(&c, &inbox);
  REQUIRE(ua.ok());
  // The callee rejects with 486.
  Inbox callee_inbox;
  UserAgentConfig cc = c;
  cc.rtp_port_min = 44000;
  cc.rtp_port_max = 44999;
  auto callee = StartOnFreePort(&cc, &callee_inbox);
  REQUIRE(callee.ok());
  std::thread rejecter([&] {
    if (auto call = callee_inbox.Next(absl::Seconds(5))) call->Reject(486, "Busy Here");
  });
  OriginateResult r = (*ua)->Originate({.to_uri = absl::StrCat("sip:x@", cc.listen),
                                        .from_uri = "sip:vm@127.0.0.1",
                                        .ring_timeout = absl::Seconds(5)});
  rejecter.join();
  CHECK(r.status == 486);
  CHECK(r.call == nullptr);
}

TEST_CASE("early media: 183 with SDP and audio before the answer, then the same session answered") {
  Inbox callee_inbox, caller_inbox;
  UserAgentConfig cc;
  cc.rtp_port_min = 45000;
  cc.rtp_port_max = 45999;
  cc.media_threads = 1;
  auto callee = StartOnFreePort(&cc, &callee_inbox);
  REQUIRE(callee.ok());
  UserAgentConfig rc = cc;
  rc.rtp_port_min = 46000;
  rc.rtp_port_max = 46999;
  auto caller = StartOnFreePort(&rc, &caller_inbox);
  REQUIRE(caller.ok());

  std::shared_ptr<Call> incoming;
  absl::Status early, answer;
  std::optional<media::RtpSessionStats> before_answer;
  absl::Time answered_early = absl::Now();
  std::thread callee_side([&] {
    incoming = callee_inbox.Next(absl::Seconds(5));
    if (!incoming) return;
    early = incoming->AnswerEarly();
    incoming->Play({Tone(absl::Seconds(3))});
    absl::SleepFor(absl::Seconds(1));
    before_answer = incoming->MediaStats();
    answered_early = incoming->answered_at();
    answer = incoming->Answer();
  });
  OriginateResult r = (*caller)->Originate({.to_uri = absl::StrCat("sip:4002@", cc.listen),
                                            .from_uri = absl::StrCat("sip:0297000000@", rc.listen),
                                            .ring_timeout = absl::Seconds(5)});
  callee_side.join();
  REQUIRE(incoming != nullptr);
  CHECK(early.ok());
  CHECK(answer.ok());
  // A second of audio went out before the 200, and the call was not answered then.
  REQUIRE(before_answer.has_value());
  CHECK(before_answer->packets_sent > 30);
  CHECK(answered_early == absl::InfinitePast());
  REQUIRE(r.status == 200);
  REQUIRE(r.call != nullptr);
  // The caller received the early audio on the port of its offer.
  auto stats = r.call->MediaStats();
  REQUIRE(stats.has_value());
  CHECK(stats->datagrams_received > 30);
  CHECK(incoming->answered_at() != absl::InfinitePast());
  r.call->Hangup();
  auto h = incoming->WaitEvent(absl::Seconds(5));
  while (h && h->kind != CallEventKind::kHangup) h = incoming->WaitEvent(absl::Seconds(5));
  REQUIRE(h.has_value());
  CHECK(h->kind == CallEventKind::kHangup);
  (*caller)->Stop();
  (*callee)->Stop();
}

}  // namespace
}  // namespace sb::sipua
