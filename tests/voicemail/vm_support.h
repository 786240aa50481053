#pragma once
// What the voicemail end-to-end tests share (one test binary includes it
// once): the stack with voicemail, signed-in clients, SIPp runs from the
// templates in scenarios/ (placeholders @NAME@ filled here), DTMF pcaps with
// forward-only RTP timestamps, and the mailbox events on Redis.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "core/principal.h"
#include "core/server.h"
#include "media/g711.h"
#include "media/tones.h"
#include "media/wav.h"
#include "redis/client.h"
#include "switchboard/events/v1/events.pb.h"
#include "switchboard/voicemail/v1/voicemail.grpc.pb.h"
#include "tests/support/backends.h"
#include "tests/support/http_client.h"
#include "tests/support/json.h"
#include "tests/support/process.h"
#include "tests/support/sipp.h"
#include "tests/support/stack.h"

using sb::testing::HttpClient;
using sb::testing::HttpResult;
using sb::testing::Json;
using sb::testing::ReadFile;

namespace {

constexpr char kAudioPcap[] = "/usr/share/sip-tester/g711a.pcap";
constexpr int kAudioPcapMs = 7050;  // its first to last packet

sb::testing::Stack& TheStack() {
  // Calls the voicemail places go straight to their URI (no edge here);
  // early-media music stops after 6 s instead of 10 minutes, so the cap is
  // tested in seconds.
  static sb::testing::Stack stack(
      {.voicemail = true,
       .voicemail_flags = {"--voicemail_outbound_proxy=", "--voicemail_early_media_cap=6s"}});
  return stack;
}

HttpClient Alice() {
  HttpClient http(TheStack().http_base());
  HttpResult r = http.Post("/v1/sessions", R"({"login":"0222969569","password":"Alice!Portal42"})");
  INFO(r.body);
  REQUIRE(r.status == 201);
  http.set_token(Json::Parse(r.body)["token"].str());
  return http;
}

struct Who {
  std::string user_id;
  std::string tenant_id;
};

Who AliceIds() {
  HttpClient http = Alice();
  Json me = Json::Parse(http.Get("/v1/users/me").body);
  return {me["id"].str(), me["tenant_id"].str()};
}

std::string RunDir() {
  static std::string dir = [] {
    char tmpl[] = "/tmp/sb-vm-test-XXXXXX";
    return std::string(mkdtemp(tmpl));
  }();
  return dir;
}

// A pcap SIPp can play (Ethernet/IPv4/UDP/RTP) holding RFC 4733 events for
// `keys`, payload type 101, with sequence numbers and timestamps that only
// go forward (the DTMF pcaps SIPp ships restart at each file). ',' is a
// one-second pause.
std::string WriteDtmfPcap(const std::string& name, const std::string& keys) {
  std::string out;
  auto put32 = [&](uint32_t v) { out.append(reinterpret_cast<const char*>(&v), 4); };
  auto put16 = [&](uint16_t v) { out.append(reinterpret_cast<const char*>(&v), 2); };
  put32(0xa1b2c3d4);
  put16(2);
  put16(4);
  put32(0);
  put32(0);
  put32(65535);
  put32(1);  // Ethernet
  uint16_t seq = 1000;
  uint32_t ts = 16000;
  double t = 1.0;
  auto packet = [&](bool marker, uint8_t event, bool end, uint16_t duration) {
    uint8_t rtp[16] = {0x80, static_cast<uint8_t>((marker ? 0x80 : 0) | 101)};
    rtp[2] = seq >> 8;
    rtp[3] = seq & 0xff;
    rtp[4] = ts >> 24;
    rtp[5] = (ts >> 16) & 0xff;
    rtp[6] = (ts >> 8) & 0xff;
    rtp[7] = ts & 0xff;
    rtp[8] = 0x12, rtp[9] = 0x34, rtp[10] = 0x56, rtp[11] = 0x78;
    rtp[12] = event;
    rtp[13] = (end ? 0x80 : 0) | 10;
    rtp[14] = duration >> 8;
    rtp[15] = duration & 0xff;
    ++seq;
    uint8_t hdr[42] = {};
    hdr[12] = 0x08;  // IPv4
    hdr[14] = 0x45;
    const uint16_t ip_len = 20 + 8 + sizeof rtp;
    hdr[16] = ip_len >> 8;
    hdr[17] = ip_len & 0xff;
    hdr[22] = 64;
    hdr[23] = 17;  // UDP
    hdr[26] = 127, hdr[29] = 1, hdr[30] = 127, hdr[33] = 1;
    hdr[34] = 0x1f, hdr[35] = 0x40, hdr[36] = 0x1f, hdr[37] = 0x41;
    const uint16_t udp_len = 8 + sizeof rtp;
    hdr[38] = udp_len >> 8;
    hdr[39] = udp_len & 0xff;
    put32(static_cast<uint32_t>(t));
    put32(static_cast<uint32_t>((t - static_cast<uint32_t>(t)) * 1e6));
    put32(sizeof hdr + sizeof rtp);
    put32(sizeof hdr + sizeof rtp);
    out.append(reinterpret_cast<const char*>(hdr), sizeof hdr);
    out.append(reinterpret_cast<const char*>(rtp), sizeof rtp);
  };
  for (char k : keys) {
    if (k == ',') {
      t += 1.0;
      ts += 8000;
      continue;
    }
    const uint8_t event = k == '*' ? 10 : k == '#' ? 11 : static_cast<uint8_t>(k - '0');
    for (int i = 1; i <= 6; ++i) {
      packet(i == 1, event, false, static_cast<uint16_t>(160 * i));
      t += 0.02;
    }
    for (int i = 0; i < 3; ++i) packet(false, event, true, 960);
    // 120 ms of event, then 280 ms before the next key.
    t += 0.28;
    ts += 3200;
  }
  const std::string path = absl::StrCat(RunDir(), "/", name, ".pcap");
  std::ofstream(path, std::ios::binary) << out;
  return path;
}

struct SippResult {
  int exit_code = -1;
  std::string log;
};

// Runs scenarios/<scenario> once against `target` (default: the voicemail
// UA itself), with `extra` SIPp arguments.
SippResult RunSipp(const std::string& scenario, const std::map<std::string, std::string>& values,
                   std::string target = "", const std::vector<std::string>& extra = {}) {
  if (target.empty()) target = TheStack().voicemail_sip();
  static int run = 0;
  ++run;
  std::string xml = ReadFile(absl::StrCat(sb::testing::SourceDir(), "/tests/voicemail/scenarios/", scenario));
  for (const auto& [k, v] : values) xml = absl::StrReplaceAll(xml, {{absl::StrCat("@", k, "@"), v}});
  std::vector<std::string> args = {target, "-m", "1", "-mp",
                                   absl::StrCat(30000 + (getpid() % 500) * 4 + 2 * run)};
  args.insert(args.end(), extra.begin(), extra.end());
  sb::testing::Sipp sipp = sb::testing::Sipp::Start(
      {.scenario = xml, .dir = RunDir(), .args = args, .timeout = absl::Seconds(60)});
  SippResult r;
  r.exit_code = sipp.Wait(absl::Seconds(90));
  r.log = sipp.Errors();
  return r;
}

SippResult Deposit(const Who& who, const std::string& cause = "408") {
  static const std::string pound = WriteDtmfPcap("pound", "#");
  return RunSipp("deposit.xml", {{"RUSER", "0222969569"},
                                 {"MAILBOX_USER", who.user_id},
                                 {"TENANT", who.tenant_id},
                                 {"CAUSE", cause},
                                 {"DTMF_PCAP", pound},
                                 {"AUDIO_PCAP", kAudioPcap},
                                 {"AUDIO_MS", absl::StrCat(kAudioPcapMs)}});
}

Json Messages(HttpClient& http, const std::string& query = "") {
  HttpResult r = http.Get("/v1/users/me/messages" + query);
  INFO(r.body);
  REQUIRE(r.status == 200);
  return Json::Parse(r.body);
}

bool WaitFor(const std::function<bool()>& cond, absl::Duration timeout = absl::Seconds(15)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (cond()) return true;
    absl::SleepFor(absl::Milliseconds(100));
  }
  return cond();
}

// Every event of `type` on events.mailbox for `user_id`, oldest first.
template <typename Payload>
std::vector<Payload> MailboxEvents(const std::string& type, const std::string& user_id) {
  auto redis = sb::redis::Client::Create({.url = TheStack().redis().url()}).value();
  std::vector<Payload> out;
  auto r = redis->Command({"XRANGE", "events.mailbox", "-", "+"});
  REQUIRE(r.ok());
  for (const auto& entry : r->elements) {
    const auto& fields = entry.elements[1].elements;
    std::string t, payload;
    for (size_t i = 0; i + 1 < fields.size(); i += 2) {
      if (fields[i].str == "type") t = fields[i + 1].str;
      if (fields[i].str == "payload") payload = fields[i + 1].str;
    }
    if (t != type) continue;
    Payload p;
    REQUIRE(p.ParseFromString(payload));
    if (p.user_id() == user_id) out.push_back(p);
  }
  return out;
}

// Waits for a mailbox.changed with these INBOX voice counts.
bool WaitCounts(const std::string& user_id, int fresh, int old) {
  return WaitFor([&] {
    auto events = MailboxEvents<switchboard::events::v1::MailboxChanged>("mailbox.changed", user_id);
    return !events.empty() && events.back().voice_new() == fresh && events.back().voice_old() == old;
  });
}

std::string ToneWav(int ms) {
  std::vector<int16_t> s(static_cast<size_t>(ms) * 8);
  for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<int16_t>(6000 * ((i / 10) % 2 ? 1 : -1));
  auto wav = sb::media::WriteWav(s, 8000).value();
  return std::string(wav.begin(), wav.end());
}

// The media side of a phone the test plays itself (SIPp does the SIP): a
// loopback UDP socket whose port goes into the SDP; a thread counts what
// arrives by payload type and remembers where it comes from, so RFC 4733
// keys can be sent back there (symmetric RTP, as phones do).
class RtpPeer {
 public:
  RtpPeer() {
    fd_ = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Receive(); });
  }
  ~RtpPeer() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  int port() const { return port_; }
  int packets(int payload_type) const { return counts_[payload_type & 0x7f].load(); }
  int total() const {
    int n = 0;
    for (const auto& c : counts_) n += c.load();
    return n;
  }
  // RMS of the G.711 audio received so far (PCMU and PCMA decoded), 0 if none.
  double audio_rms() const {
    std::lock_guard<std::mutex> lock(mu_);
    return audio_samples_ == 0 ? 0 : std::sqrt(audio_energy_ / static_cast<double>(audio_samples_));
  }
  // Sends `keys` (',' a one-second pause) as RFC 4733 events, payload type
  // 101, to where the audio comes from. False if nothing was received yet.
  bool SendDigits(const std::string& keys) {
    sockaddr_in to{};
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!have_peer_) return false;
      to = peer_;
    }
    for (char k : keys) {
      if (k == ',') {
        absl::SleepFor(absl::Seconds(1));
        ts_ += 8000;
        continue;
      }
      const uint8_t event = k == '*' ? 10 : k == '#' ? 11 : static_cast<uint8_t>(k - '0');
      for (int i = 1; i <= 9; ++i) {
        const bool end = i > 6;
        const uint16_t duration = static_cast<uint16_t>(160 * std::min(i, 6));
        uint8_t rtp[16] = {0x80, static_cast<uint8_t>((i == 1 ? 0x80 : 0) | 101)};
        rtp[2] = seq_ >> 8, rtp[3] = seq_ & 0xff;
        rtp[4] = ts_ >> 24, rtp[5] = (ts_ >> 16) & 0xff, rtp[6] = (ts_ >> 8) & 0xff, rtp[7] = ts_ & 0xff;
        rtp[8] = 0x0b, rtp[9] = 0xad, rtp[10] = 0xf0, rtp[11] = 0x0d;
        rtp[12] = event;
        rtp[13] = (end ? 0x80 : 0) | 10;
        rtp[14] = duration >> 8, rtp[15] = duration & 0xff;
        ++seq_;
        sendto(fd_, rtp, sizeof rtp, 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
        absl::SleepFor(absl::Milliseconds(20));
      }
      absl::SleepFor(absl::Milliseconds(300));
      ts_ += 3200;
    }
    return true;
  }

 private:
  void Receive() {
    uint8_t buf[2048];
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      sockaddr_in from{};
      socklen_t len = sizeof from;
      const ssize_t n = recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n < 12) continue;
      const uint8_t pt = buf[1] & 0x7f;
      counts_[pt]++;
      std::lock_guard<std::mutex> lock(mu_);
      if (auto law = sb::media::LawForPayloadType(pt); law && (buf[0] & 0xc0) == 0x80) {
        // Past the fixed header and any CSRCs (no extension in what we send).
        for (ssize_t i = 12 + 4 * (buf[0] & 0x0f); i < n; ++i) {
          const double x = *law == sb::media::G711Law::kUlaw ? sb::media::UlawToLinear(buf[i])
                                                             : sb::media::AlawToLinear(buf[i]);
          audio_energy_ += x * x;
          ++audio_samples_;
        }
      }
      peer_ = from;
      have_peer_ = true;
    }
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::array<std::atomic<int>, 128> counts_{};
  mutable std::mutex mu_;
  double audio_energy_ = 0;
  int64_t audio_samples_ = 0;
  sockaddr_in peer_{};
  bool have_peer_ = false;
  uint16_t seq_ = 4000;
  uint32_t ts_ = 80000;
  std::thread thread_;
};

// A SIPp phone started in the background (scenarios/callee.xml, `body`
// being what it does once the INVITE is in, made of sb::testing::sipp's
// pieces); Wait() collects it. Its messages are traced to <base>.messages.
using Callee = sb::testing::Sipp;

Callee StartCallee(const std::string& body) {
  std::string xml = ReadFile(sb::testing::SourceDir() + "/tests/voicemail/scenarios/callee.xml");
  xml = absl::StrReplaceAll(xml, {{"@BODY@", body}});
  return Callee::Start({.scenario = xml,
                        .dir = RunDir(),
                        .args = {"-m", "1", "-mp", absl::StrCat(sb::testing::FreePort() & ~1)},
                        .timeout = absl::Seconds(60)});
}

// A phone answering in A-law only, its media at `rtp_port` (the test's
// RtpPeer), until the other side hangs up. `record_route` when the call
// comes through the edge (its Record-Route goes back in the 200).
std::string AnswerPcmaTo(int rtp_port, bool record_route = false) {
  namespace sipp = sb::testing::sipp;
  return sipp::AnswerCall({.record_route = record_route,
                           .contact = "sip:callee@[local_ip]:[local_port]",
                           .sdp = sipp::AudioSdp("8 101", absl::StrCat(rtp_port)),
                           .retransmit = true},
                          60000);
}

// Starts from an empty mailbox: everything to DELETED, then purged.
void EmptyMailbox(HttpClient& http) {
  REQUIRE(http.Post("/v1/users/me/messages/delete-all", "").status == 200);
  REQUIRE(http.Post("/v1/users/me/messages/purge", "").status == 200);
}

}  // namespace
