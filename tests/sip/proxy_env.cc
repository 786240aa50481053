#include "tests/sip/proxy_env.h"

#include <grpcpp/client_context.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/principal.h"
#include "core/server.h"
#include "core/status.h"
#include "services/edge/location.h"
#include "switchboard/profiles/v1/profiles.grpc.pb.h"
#include "tests/support/backends.h"

namespace sb::siptest {
namespace ppb = ::switchboard::profiles::v1;
namespace {

ProxyEnv* g_env = nullptr;  // to stop the children before aborting

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "proxy test environment: %s\n", what.c_str());
  if (ProxyEnv* env = std::exchange(g_env, nullptr); env != nullptr) env->Shutdown();
  std::abort();
}

using testing::ReadFile;

template <typename Stub, typename Req, typename Resp, typename Fn>
absl::Status Call(Stub* stub, Fn fn, const Req& req, Resp* resp) {
  grpc::ClientContext ctx;
  ctx.set_deadline(core::DeadlineIn(absl::Seconds(10)));
  core::AttachPrincipal(&ctx, core::Principal::System());
  return core::FromGrpc((stub->*fn)(&ctx, req, resp));
}

// The stubs are made on first use, from the environment being built (no
// ProxyEnv::Get() here: the constructor calls them).
ppb::Profiles::Stub* Profiles(const std::string& addr = "") {
  static auto stub = ppb::Profiles::NewStub(core::MakeChannel(addr));
  return stub.get();
}

rpb::Routing::Stub* Routing(const std::string& addr = "") {
  static auto stub = rpb::Routing::NewStub(core::MakeChannel(addr));
  return stub.get();
}

// ---- SIPp scenario fragments (see tests/sip/scenarios/proxy/*.xml)

constexpr char kAck2xx[] = R"(
  <send>
    <![CDATA[

      ACK [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      From: "{{FROM_NAME}}" <sip:[field0]@[field2]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:{{DIALED}}@[field2]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 ACK
      [routes]
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
)";

// Provisional responses: one per ringing branch (forking), relayed as they come.
constexpr char kUacProvisional[] = R"(
  <recv response="181" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="180" optional="true"/>
)";

constexpr char kUacAnswer[] = R"(
  <recv response="200" rrs="true" rtd="setup"/>
{{ACK2XX}}
  <pause milliseconds="{{HOLD_MS}}"/>
  <send retrans="500">
    <![CDATA[

      BYE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      From: "{{FROM_NAME}}" <sip:[field0]@[field2]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:{{DIALED}}@[field2]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 3 BYE
      [routes]
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <recv response="200"/>
)";

// The ACK of a final failure to the second INVITE (the first is challenged).
constexpr char kAckFailure[] = R"(
  <send>
    <![CDATA[

      ACK sip:{{DIALED}}@[field2] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=z9hG4bK-[pid]-inv2-[call_number];rport
      From: "{{FROM_NAME}}" <sip:[field0]@[field2]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:{{DIALED}}@[field2]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 ACK
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
)";

constexpr char kUacCode[] = R"(
  <recv response="{{CODE}}" rtd="setup"/>
{{ACK}})";

constexpr char kUacCancel[] = R"(
  <recv response="180"/>
  <pause milliseconds="{{HOLD_MS}}"/>
  <send>
    <![CDATA[

      CANCEL sip:{{DIALED}}@[field2] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=z9hG4bK-[pid]-inv2-[call_number];rport
      From: "{{FROM_NAME}}" <sip:[field0]@[field2]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:{{DIALED}}@[field2]>
      Call-ID: [call_id]
      CSeq: 2 CANCEL
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <recv response="200"/>
  <recv response="487" rtd="setup"/>
{{ACK}})";

std::string Fill(std::string text, const std::map<std::string, std::string>& values) {
  for (const auto& [k, v] : values) text = absl::StrReplaceAll(text, {{"{{" + k + "}}", v}});
  return text;
}

Sipp Spawn(const std::string& dir, const std::string& scenario, const std::string& csv,
           std::vector<std::string> args, int port) {
  // One UDP socket; INFO, NOTIFY, OPTIONS and UPDATE answered 200 by SIPp.
  args.insert(args.begin(), {"-t", "u1", "-aa"});
  return Sipp::Start({.scenario = scenario, .dir = dir, .args = std::move(args), .csv = csv, .port = port});
}

}  // namespace

std::string Phone::CsvLine() const {
  return absl::StrCat(sip_user, ";[authentication username=", sip_user, " password=", password, "];", domain);
}

// ---------------------------------------------------------------- ProxyEnv

ProxyEnv& ProxyEnv::Get() {
  static ProxyEnv* env = new ProxyEnv();
  return *env;
}

ProxyEnv::ProxyEnv() {
  stack_ = std::make_unique<testing::Stack>(
      testing::StackOptions{// Short timers: a no-answer test waits seconds, not minutes.
                            .routing_flags = {"--call_setup_timeout=10s"}});
  char tmpl[] = "/tmp/sb-proxy-XXXXXX";
  dir_ = mkdtemp(tmpl);
  auto client = redis::Client::Create({.url = stack_->redis().url()});
  if (!client.ok()) Die(client.status().ToString());
  redis_ = *std::move(client);

  // The demo tenant: "seed: demo tenant <name> (<id>) ready".
  const std::string& out = stack_->SeedOutput();
  const size_t ready = out.find(") ready");
  const size_t open = out.rfind('(', ready);
  if (ready == std::string::npos || open == std::string::npos) Die("no tenant in the seed output:\n" + out);
  tenant_id_ = out.substr(open + 1, ready - open - 1);
  Profiles(stack_->profiles_addr());
  Routing(stack_->routing_addr());
  alice_ = LoadPhone("4001", true);
  bruno_ = LoadPhone("4002", false);
  claire_ = LoadPhone("4000", false);
  trunk_port_ = testing::FreePort();
  carrier_port_ = testing::FreePort();
  voicemail_port_ = testing::FreePort();
  StartEdge();
  g_env = this;
  std::atexit([] {
    if (g_env != nullptr) g_env->Shutdown();
  });
}

void ProxyEnv::Shutdown() {
  g_env = nullptr;
  edge_.Stop();
  stack_.reset();
  std::system(absl::StrCat("rm -rf '", dir_, "'").c_str());
}

void ProxyEnv::StartEdge() {
  edge_port_ = testing::FreePort();
  std::vector<std::string> argv = {
      testing::BuildDir() + "/services/edge/edge",
      absl::StrCat("--sip_listen=127.0.0.1:", edge_port_),
      absl::StrCat("--edge_listen=127.0.0.1:", testing::FreePort()),
      "--redis_url=" + stack_->redis().url(),
      "--profiles_addr=" + stack_->profiles_addr(),
      "--routing_addr=" + stack_->routing_addr(),
      "--nonce_secret=proxy-test-secret",
      "--log_level=debug",
      "--routing_timeout_ms=3000",  // CI machines are slow; the fallback test stops routing outright
      "--fallback_ring_s=5",
      "--retry_after_s=7",
      "--max_pending_setups=8",  // the overload test's bound
      absl::StrCat("--voicemail_sip_uri=sip:voicemail@127.0.0.1:", voicemail_port_),
      absl::StrCat("--static_trunks=test-trunk|", tenant_id_, "|127.0.0.1:", trunk_port_,
                   "|sip:127.0.0.1:", carrier_port_),
      "--trunks_refresh_s=1",
      absl::StrCat("--events_group=edge-proxy-test-", edge_port_)};
  edge_ = testing::Process(argv, {}, dir_ + "/edge.log");
  if (!testing::WaitForTcp("127.0.0.1", edge_port_, absl::Seconds(15)))
    Die("edge did not start:\n" + edge_.LogTail());
  // The call stream is up once routing logs it.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!absl::StrContains(EdgeLog(), "call stream to routing open") && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
}

std::string ProxyEnv::EdgeLog() const { return ReadFile(dir_ + "/edge.log"); }
std::string ProxyEnv::RoutingLog() const { return ReadFile(stack_->routing().log_path()); }

void ProxyEnv::StopRouting() { stack_->routing().Kill(); }
void ProxyEnv::StartRouting() { stack_->RestartRouting(false); }

Phone ProxyEnv::LoadPhone(const std::string& extension, bool with_device) {
  ppb::ListUsersRequest req;
  req.set_tenant_id(tenant_id_);
  req.set_page_size(100);
  ppb::ListUsersResponse resp;
  if (auto st = Call(Profiles(), &ppb::Profiles::Stub::ListUsers, req, &resp); !st.ok()) Die(st.ToString());
  for (const ppb::User& u : resp.items()) {
    if (u.extension() != extension) continue;
    Phone p;
    p.user_id = u.id();
    p.extension = u.extension();
    p.number_e164 = u.number_e164();
    ppb::ListLinesRequest lreq;
    lreq.set_user_id(u.id());
    ppb::ListLinesResponse lines;
    if (auto st = Call(Profiles(), &ppb::Profiles::Stub::ListLines, lreq, &lines); !st.ok())
      Die(st.ToString());
    if (lines.items_size() == 0) Die("user " + extension + " has no line");
    p.line_id = lines.items(0).id();
    if (p.number_e164.empty()) p.number_e164 = lines.items(0).number_e164();
    if (with_device) {
      ppb::CreateDeviceRequest dreq;
      dreq.set_user_id(u.id());
      dreq.mutable_device()->set_kind(ppb::SOFTPHONE);
      dreq.mutable_device()->set_name("proxy test");
      ppb::Device d;
      if (auto st = Call(Profiles(), &ppb::Profiles::Stub::CreateDevice, dreq, &d); !st.ok())
        Die(st.ToString());
      p.sip_user = d.sip_username();
      p.password = d.sip_password();
      p.domain = d.sip_domain();
      p.device_id = d.id();
    }
    return p;
  }
  Die("no user with extension " + extension);
}

void ProxyEnv::RegisterPhone(const Phone& phone, const std::vector<int>& ports) {
  edge::Location location(*redis_, {});
  const std::string aor = absl::StrCat("sip:test-", phone.extension, "@", "demo.switchboard.local");
  edge::RegisterChange remove;
  remove.aor = aor;
  remove.call_id = absl::StrCat("reg-", phone.extension, "-", absl::ToUnixNanos(absl::Now()));
  remove.cseq = 1;
  remove.remove_all = true;
  remove.line_ids = {phone.line_id};
  if (auto r = location.Apply(remove); !r.ok()) Die(r.status().ToString());
  if (ports.empty()) return;
  edge::RegisterChange change;
  change.aor = aor;
  change.call_id = remove.call_id;
  change.cseq = 2;
  change.line_ids = {phone.line_id};
  for (int port : ports) {
    edge::ContactChange c;
    c.expires_s = 600;
    c.binding.contact = absl::StrCat("sip:test-", phone.extension, "@127.0.0.1:", port);
    c.binding.id = edge::Location::BindingId("", 0, c.binding.contact);
    c.binding.contact_value = "<" + c.binding.contact + ">";
    c.binding.received = absl::StrCat("127.0.0.1:", port);
    c.binding.transport = "udp";
    c.binding.tenant_id = tenant_id_;
    c.binding.user_id = phone.user_id;
    change.contacts.push_back(std::move(c));
  }
  if (auto r = location.Apply(change); !r.ok()) Die(r.status().ToString());
}

void ProxyEnv::UnregisterPhone(const Phone& phone) { RegisterPhone(phone, {}); }

void ProxyEnv::ResetSettings(const Phone& phone) {
  rpb::CallSettings s;
  s.set_user_id(phone.user_id);
  s.set_availability(rpb::AVAILABLE);
  s.set_voicemail_enabled(true);
  s.set_voicemail_after_s(3);
  s.set_max_concurrent_calls(5);
  s.set_ring_time_s(0);
  UpdateSettings(
      phone, s,
      {"availability", "voicemail_enabled", "voicemail_after_s", "max_concurrent_calls", "ring_time_s",
       "forward_unconditional", "forward_busy", "forward_no_answer", "forward_unreachable",
       "reject_anonymous", "selective_reject", "selective_forward", "distinctive_ring", "simultaneous_ring",
       "sequential_ring", "find_me_follow_me", "dnd_priority_callers", "when_busy", "caller_id"});
}

void ProxyEnv::UpdateSettings(const Phone& phone, const rpb::CallSettings& settings,
                              const std::vector<std::string>& paths) {
  rpb::UpdateCallSettingsRequest req;
  *req.mutable_settings() = settings;
  req.mutable_settings()->set_user_id(phone.user_id);
  for (const std::string& p : paths) req.mutable_update_mask()->add_paths(p);
  rpb::CallSettings out;
  absl::Status st;
  // Routing may just have been restarted (the fallback test): its channel
  // reconnects on the next attempts.
  for (int attempt = 0; attempt < 50; ++attempt) {
    st = Call(Routing(), &rpb::Routing::Stub::UpdateCallSettings, req, &out);
    if (st.code() != absl::StatusCode::kUnavailable) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  if (!st.ok()) Die("UpdateCallSettings: " + st.ToString());
}

std::vector<rpb::CallLogEntry> ProxyEnv::CallLog(const Phone& phone, rpb::CallLogEntry::Kind kind) {
  rpb::ListCallsRequest req;
  req.set_user_id(phone.user_id);
  req.set_kind(kind);
  req.set_page_size(100);
  rpb::ListCallsResponse resp;
  if (auto st = Call(Routing(), &rpb::Routing::Stub::ListCalls, req, &resp); !st.ok()) return {};
  return {resp.items().begin(), resp.items().end()};
}

Sipp ProxyEnv::StartUas(const UasOptions& o) {
  namespace sipp = testing::sipp;
  auto provisional = [](std::string status) {
    return sipp::Send({.status = std::move(status), .record_route = true, .contact = sipp::kPhoneContact});
  };
  auto answer = [](std::string status) {
    // A 183 is neither retransmitted nor ACKed.
    const bool final = status == "200 OK";
    return sipp::Reply{.status = std::move(status),
                       .record_route = true,
                       .contact = sipp::kPhoneContact,
                       .sdp = sipp::AudioSdp(),
                       .retransmit = final};
  };
  const std::string answered = sipp::Pause(o.ring_ms) + sipp::AnswerCall(answer("200 OK"));
  std::string body;
  if (o.behaviour == "forwarded") {
    body = provisional("181 Call Is Being Forwarded") + sipp::UntilCancelled();
  } else if (o.behaviour == "forwarded-answer") {
    body = provisional("181 Call Is Being Forwarded") + answered;
  } else if (o.behaviour == "redirect") {
    body = sipp::Refuse({.status = "302 Moved Temporarily", .contact = o.redirect_to});
  } else if (o.behaviour == "early-media") {
    body = sipp::Send(answer("183 Session Progress")) + sipp::UntilCancelled();
  } else if (o.behaviour == "early-reject") {
    // The voicemail telling a reject: 183 with SDP, then the reject.
    body = absl::StrCat(sipp::Send(answer("183 Session Progress")), sipp::Pause(o.ring_ms),
                        sipp::Refuse({.status = o.status}));
  } else if (o.behaviour == "answer") {
    body = provisional("180 Ringing") + answered;
  } else if (o.behaviour == "busy") {
    body = sipp::Refuse({.status = "486 Busy Here"});
  } else if (o.behaviour == "decline") {
    body = provisional("180 Ringing") + sipp::Refuse({.status = "603 Decline"});
  } else {
    body = provisional("180 Ringing") + sipp::UntilCancelled();
  }
  const std::string scenario =
      Fill(ReadFile(testing::SourceDir() + "/tests/sip/scenarios/proxy/uas.xml"), {{"BODY", body}});
  return Spawn(dir_, scenario, "", {"-m", absl::StrCat(o.calls)}, o.port);
}

Sipp ProxyEnv::StartScenario(const std::string& file, bool uac) {
  const std::string text = ReadFile(testing::SourceDir() + "/tests/sip/scenarios/proxy/" + file);
  if (!uac) return Spawn(dir_, text, "", {"-m", "1"}, 0);
  return Spawn(dir_, text, alice_.CsvLine(), {"-m", "1", absl::StrCat("127.0.0.1:", edge_port_)}, 0);
}

Sipp ProxyEnv::StartUac(const UacOptions& o) {
  std::string tail;
  if (o.expect == "answer") {
    tail = std::string(kUacProvisional) + Fill(kUacAnswer, {{"ACK2XX", kAck2xx}});
  } else if (o.expect == "cancel") {
    tail = Fill(kUacCancel, {{"ACK", kAckFailure}});
  } else {
    tail = std::string(kUacProvisional) + Fill(kUacCode, {{"CODE", o.expect}, {"ACK", kAckFailure}});
  }
  std::string scenario = ReadFile(testing::SourceDir() + "/tests/sip/scenarios/proxy/uac_call.xml");
  scenario = Fill(scenario, {{"TAIL", tail}});
  // The first INVITE and its ACK, and the second INVITE with what follows
  // it (ACK of a failure, CANCEL) share explicit branches.
  scenario = absl::StrReplaceAll(scenario, {{"CSeq: 1 INVITE", "CSeq: 1 INVITE"}});
  {
    // Second INVITE: a fixed branch so its CANCEL / ACK can name it.
    const std::string marker = "CSeq: 2 INVITE";
    const size_t at = scenario.find(marker);
    const size_t via = scenario.rfind("branch=[branch]", at);
    if (via != std::string::npos) scenario.replace(via, 15, "branch=z9hG4bK-[pid]-inv2-[call_number]");
  }
  std::string csv;
  std::vector<std::string> args = {"-m",
                                   absl::StrCat(o.calls),
                                   "-l",
                                   absl::StrCat(o.limit),
                                   "-r",
                                   "10",
                                   absl::StrCat("127.0.0.1:", edge_port_)};
  if (o.trunk) {
    // A carrier: no digest, the caller's number in From.
    const size_t first = scenario.find("<send retrans=\"500\">");
    const size_t second = scenario.find("<send retrans=\"500\" start_rtd=\"setup\">");
    scenario.erase(first, second - first);
    // The credentials line goes whole: an empty line would end the headers.
    for (size_t at; (at = scenario.find("[field1]")) != std::string::npos;) {
      const size_t start = scenario.rfind('\n', at) + 1;
      const size_t end = scenario.find('\n', at);
      scenario.erase(start, end == std::string::npos ? std::string::npos : end - start + 1);
    }
    csv =
        absl::StrCat(o.from_user, ";;", o.from_user == "anonymous" ? "anonymous.invalid" : "carrier.example");
    // Calls from the trunk are addressed to the edge's IP.
    scenario = absl::StrReplaceAll(scenario,
                                   {{"sip:{{DIALED}}@[field2]", "sip:{{DIALED}}@[remote_ip]:[remote_port]"},
                                    {"<sip:{{DIALED}}@[field2]>", "<sip:{{DIALED}}@[remote_ip]>"}});
    args.insert(args.end(), {"-p", absl::StrCat(o.trunk_port > 0 ? o.trunk_port : trunk_port_)});
  } else {
    csv = alice_.CsvLine();
  }
  scenario = Fill(scenario, {{"DIALED", o.dialed},
                             {"FROM_NAME", o.from_name},
                             {"HOLD_MS", absl::StrCat(o.hold_ms)},
                             {"EXTRA", o.extra_headers}});
  return Spawn(dir_, scenario, csv, args, o.trunk ? (o.trunk_port > 0 ? o.trunk_port : trunk_port_) : 0);
}

// ---------------------------------------------------------------- reading traces

namespace {
struct TracedMessage {
  std::string when;
  bool received = false;
  std::string text;
};

std::vector<TracedMessage> SplitTrace(const std::string& messages) {
  std::vector<TracedMessage> out;
  const std::string sep = "----------------------------------------------- ";
  size_t pos = 0;
  while ((pos = messages.find(sep, pos)) != std::string::npos) {
    const size_t line_end = messages.find('\n', pos);
    if (line_end == std::string::npos) break;
    TracedMessage m;
    m.when = messages.substr(pos + sep.size(), line_end - pos - sep.size());
    const size_t next = messages.find(sep, line_end);
    std::string chunk =
        messages.substr(line_end + 1, next == std::string::npos ? std::string::npos : next - line_end - 1);
    const size_t body = chunk.find('\n');
    const std::string first = chunk.substr(0, body);
    m.received = absl::StrContains(first, "received");
    m.text = std::string(
        absl::StripLeadingAsciiWhitespace(body == std::string::npos ? "" : chunk.substr(body + 1)));
    out.push_back(std::move(m));
    pos = line_end;
  }
  return out;
}
}  // namespace

std::vector<std::string> ReceivedInvites(const std::string& messages) {
  std::vector<std::string> out;
  for (const TracedMessage& m : SplitTrace(messages)) {
    if (m.received && absl::StartsWith(m.text, "INVITE ")) out.push_back(m.text);
  }
  return out;
}

std::string HeaderOf(const std::string& message, const std::string& name) {
  for (absl::string_view line : absl::StrSplit(message, '\n')) {
    line = absl::StripTrailingAsciiWhitespace(line);
    if (line.size() > name.size() && line[name.size()] == ':' &&
        absl::EqualsIgnoreCase(line.substr(0, name.size()), name)) {
      return std::string(absl::StripLeadingAsciiWhitespace(line.substr(name.size() + 1)));
    }
    if (line.empty()) break;
  }
  return "";
}

absl::Time FirstMessageTime(const std::string& messages, const std::string& start_line, bool received) {
  for (const TracedMessage& m : SplitTrace(messages)) {
    if (m.received != received || !absl::StartsWith(m.text, start_line)) continue;
    // "2026-11-22 07:55:01.123456" (sometimes followed by a unix stamp)
    absl::Time t;
    std::string err;
    const std::string stamp = m.when.substr(0, 26);
    if (absl::ParseTime("%Y-%m-%d %H:%M:%E*S", stamp, absl::LocalTimeZone(), &t, &err)) return t;
  }
  return absl::InfinitePast();
}

}  // namespace sb::siptest
