#include "tests/sip/sip_env.h"

#include <arpa/inet.h>
#include <grpcpp/client_context.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/principal.h"
#include "core/server.h"
#include "core/status.h"
#include "switchboard/profiles/v1/profiles.grpc.pb.h"
#include "tests/support/sipp.h"

namespace sb::siptest {
namespace pb = switchboard::profiles::v1;
namespace {

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "sip test environment: %s\n", what.c_str());
  std::abort();
}

using testing::ReadFile;

template <typename Req, typename Resp, typename Fn>
absl::Status Call(const std::string& addr, Fn fn, const Req& req, Resp* resp) {
  static auto stub = pb::Profiles::NewStub(core::MakeChannel(addr));
  grpc::ClientContext ctx;
  ctx.set_deadline(core::DeadlineIn(absl::Seconds(10)));
  core::AttachPrincipal(&ctx, core::Principal::System());
  return core::FromGrpc((stub.get()->*fn)(&ctx, req, resp));
}

// "Alice Martin (ext 4001, 0222969569): username U  password P  domain D"
SipAccount ParseSeedLine(const std::string& text, const std::string& who) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!absl::StartsWith(line, who)) continue;
    std::vector<std::string> words = absl::StrSplit(line, ' ', absl::SkipEmpty());
    SipAccount a;
    for (size_t i = 0; i + 1 < words.size(); ++i) {
      if (words[i] == "username") a.user = words[i + 1];
      if (words[i] == "password") a.password = words[i + 1];
      if (words[i] == "domain") a.domain = words[i + 1];
    }
    if (!a.user.empty() && !a.password.empty() && !a.domain.empty()) return a;
  }
  Die("no SIP credentials for " + who + " in the seed output:\n" + text);
}

}  // namespace

std::string SipAccount::CsvLine() const {
  return absl::StrCat(user, ";[authentication username=", user, " password=", password, "];", domain);
}

SipEnv& SipEnv::Get() {
  static SipEnv* env = new SipEnv();  // lives until exit: its children are stopped by atexit below
  return *env;
}

SipEnv::SipEnv() {
  // First what may throw (no backends: run through ctest), then the
  // directory, so that a failed start leaves nothing behind.
  const std::string pg_url = testing::FreshDatabase("sip");
  char tmpl[] = "/tmp/sb-sip-XXXXXX";
  dir_ = mkdtemp(tmpl);
  redis_ = std::make_unique<testing::OwnRedis>();
  auto client = redis::Client::Create({.url = redis_->url()});
  if (!client.ok()) Die(client.status().ToString());
  client_ = *std::move(client);

  const int port = testing::FreePort();
  profiles_addr_ = absl::StrCat("127.0.0.1:", port);
  profiles_ = testing::Process({testing::BuildDir() + "/services/profiles/profiles"},
                               {"SB_PG_URL=" + pg_url, "SB_REDIS_URL=" + redis_->url(),
                                "SB_PROFILES_LISTEN=" + profiles_addr_, "SB_LOG_LEVEL=info"},
                               dir_ + "/profiles.log");
  if (!testing::WaitForTcp("127.0.0.1", port, absl::Seconds(30))) Die("profiles did not start");

  const std::string credentials = dir_ + "/sip-credentials.txt";
  const std::string cmd =
      absl::StrCat(testing::BuildDir(), "/services/profiles/profiles-seed --profiles_addr=", profiles_addr_,
                   " --credentials_out=", credentials, " > ", dir_, "/seed.log 2>&1");
  if (std::system(cmd.c_str()) != 0) Die("profiles-seed failed:\n" + ReadFile(dir_ + "/seed.log"));
  const std::string seeded = ReadFile(credentials);
  alice_ = ParseSeedLine(seeded, "Alice");
  bruno_ = ParseSeedLine(seeded, "Bruno");

  pb::GetSipCredentialsRequest req;
  req.set_sip_username(alice_.user);
  req.set_sip_domain(alice_.domain);
  pb::SipCredentials creds;
  if (auto st = Call(profiles_addr_, &pb::Profiles::Stub::GetSipCredentials, req, &creds); !st.ok()) {
    Die("GetSipCredentials: " + st.ToString());
  }
  alice_user_id_ = creds.user_id();
  if (creds.lines_size() == 0) Die("Alice's soft phone carries no line");
  alice_line_id_ = creds.lines(0).id();

  // Children must not outlive the test binary.
  std::atexit([] {
    SipEnv& e = Get();
    e.profiles_.Stop();
    e.redis_.reset();
    std::system(absl::StrCat("rm -rf '", e.dir_, "'").c_str());
  });
}

Device SipEnv::NewDevice(const std::string& user_id) {
  pb::CreateDeviceRequest req;
  req.set_user_id(user_id);
  req.mutable_device()->set_kind(pb::SOFTPHONE);
  req.mutable_device()->set_name("Test softphone");
  pb::Device d;
  if (auto st = Call(profiles_addr_, &pb::Profiles::Stub::CreateDevice, req, &d); !st.ok()) {
    Die("CreateDevice: " + st.ToString());
  }
  return {{d.sip_username(), d.sip_password(), d.sip_domain()}, d.id()};
}

std::string SipEnv::ResetPassword(const std::string& user_id, const std::string& device_id) {
  pb::ResetDevicePasswordRequest req;
  req.set_user_id(user_id);
  req.set_device_id(device_id);
  pb::Device d;
  if (auto st = Call(profiles_addr_, &pb::Profiles::Stub::ResetDevicePassword, req, &d); !st.ok()) {
    Die("ResetDevicePassword: " + st.ToString());
  }
  return d.sip_password();
}

// ---------------------------------------------------------------- Edge

Edge::Edge(std::vector<std::string> extra_flags) {
  SipEnv& env = SipEnv::Get();
  port_ = testing::FreePort();
  log_path_ = absl::StrCat(env.run_dir(), "/edge-", port_, ".log");
  std::vector<std::string> argv = {testing::BuildDir() + "/services/edge/edge",
                                   absl::StrCat("--sip_listen=127.0.0.1:", port_),
                                   absl::StrCat("--edge_listen=127.0.0.1:", testing::FreePort()),
                                   "--redis_url=" + env.redis_url(),
                                   "--profiles_addr=" + env.profiles_addr(),
                                   "--nonce_secret=sip-test-secret",
                                   "--log_level=debug",
                                   absl::StrCat("--events_group=edge-test-", port_)};
  for (auto& f : extra_flags) argv.push_back(std::move(f));
  process_ = testing::Process(argv, {}, log_path_);
  WaitReady();
}

Edge::~Edge() { process_.Stop(); }

std::string Edge::address() const { return absl::StrCat("127.0.0.1:", port_); }

std::string Edge::Log() const { return ReadFile(log_path_); }

void Edge::WaitReady() {
  // TCP is bound after UDP: once TCP accepts, both serve.
  if (!testing::WaitForTcp("127.0.0.1", port_, absl::Seconds(15))) {
    Die("edge did not start:\n" + process_.LogTail());
  }
}

void Edge::Restart() {
  process_.Restart();
  WaitReady();
}

// ---------------------------------------------------------------- SIPp

std::string ScenarioPath(const std::string& name) {
  return absl::StrCat(testing::SourceDir(), "/tests/sip/scenarios/", name);
}

SippRun RunSipp(const std::string& scenario, const Edge& edge, const SippOptions& o) {
  std::vector<SipAccount> accounts = o.accounts;
  if (accounts.empty()) accounts.push_back({"nobody", "none", "demo.switchboard.local"});
  std::vector<std::string> csv;
  for (const auto& a : accounts) csv.push_back(a.CsvLine());
  const int calls = o.calls > 0 ? o.calls : static_cast<int>(accounts.size());
  std::vector<std::string> args = {edge.address(), "-m", absl::StrCat(calls), "-t", o.transport};
  std::map<std::string, std::string> keys = o.keys;
  keys.try_emplace("expires", "3600");
  for (const auto& [k, v] : keys) args.insert(args.end(), {"-key", k, v});
  args.insert(args.end(), o.extra_args.begin(), o.extra_args.end());
  testing::Sipp sipp = testing::Sipp::Start({.scenario = ReadFile(ScenarioPath(scenario)),
                                             .dir = SipEnv::Get().run_dir(),
                                             .args = std::move(args),
                                             .csv = absl::StrJoin(csv, "\n"),
                                             .port = o.local_port,
                                             .local_ip = o.local_ip,
                                             .timeout = absl::Seconds(30),
                                             .await_listening = false});
  SippRun result;
  result.exit_code = sipp.Wait(absl::Seconds(60));
  result.errors = sipp.Errors();
  if (result.exit_code == -1) result.errors += "\nsipp was killed, or did not finish within 60 s";
  result.messages = sipp.Messages();
  return result;
}

std::string LastReceived(const std::string& messages) {
  const size_t at = messages.rfind("message received");
  if (at == std::string::npos) return "";
  const size_t start = messages.find('\n', at);
  const size_t end = messages.find("-----------------------------------------------", start);
  return messages.substr(start + 1, end == std::string::npos ? std::string::npos : end - start - 1);
}

// ---------------------------------------------------------------- raw UDP

namespace {
int UdpSocket() {
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local);
  return fd;
}

void SendTo(int fd, int port, const std::string& bytes) {
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
}
}  // namespace

std::string UdpExchange(int port, const std::string& request, absl::Duration timeout) {
  const int fd = UdpSocket();
  SendTo(fd, port, request);
  const absl::Time deadline = absl::Now() + timeout;
  std::string response;
  while (absl::Now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now()))) <= 0) break;
    char buf[65536];
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    response.assign(buf, n);
    if (!absl::StartsWith(response, "SIP/2.0 1")) break;  // skip provisional responses
    response.clear();
  }
  close(fd);
  return response;
}

void UdpSend(int port, const std::string& bytes) {
  const int fd = UdpSocket();
  SendTo(fd, port, bytes);
  close(fd);
}

bool WaitFor(const std::function<bool()>& condition, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!condition()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return true;
}

}  // namespace sb::siptest
