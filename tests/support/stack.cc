#include "tests/support/stack.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "tests/support/http_client.h"

namespace sb::testing {
namespace {

[[noreturn]] void Fail(const std::string& what, const Process& p) {
  std::fprintf(stderr, "%s\n--- log %s ---\n%s\n", what.c_str(), p.log_path().c_str(), p.LogTail().c_str());
  std::abort();
}

}  // namespace

Stack::Stack(StackOptions options) : options_(std::move(options)) {
  char tmpl[] = "/tmp/sb-stack-XXXXXX";
  dir_ = mkdtemp(tmpl);
  pg_url_ = FreshDatabase("stack");
  redis_ = std::make_unique<OwnRedis>();
  profiles_port_ = FreePort();
  routing_port_ = FreePort();
  http_port_ = FreePort();
  StartProfiles();
  StartRouting();
  if (options_.voicemail) StartVoicemail();
  StartGateway();
  if (options_.seed) {
    std::string out = dir_ + "/seed.out";
    std::string cmd = absl::StrCat(BuildDir(), "/services/profiles/profiles-seed --profiles_addr=", profiles_addr(),
                                   " --credentials_out=", dir_, "/sip.txt > ", out, " 2>&1");
    int rc = std::system(cmd.c_str());
    std::ifstream in(out);
    std::stringstream ss;
    ss << in.rdbuf();
    seed_output_ = ss.str();
    if (rc != 0) {
      std::fprintf(stderr, "profiles-seed failed:\n%s\n", seed_output_.c_str());
      std::abort();
    }
  }
}

Stack::~Stack() {
  gateway_.Stop();
  routing_.Stop();
  voicemail_.Stop();
  profiles_.Stop();
  redis_.reset();
  std::system(absl::StrCat("rm -rf '", dir_, "'").c_str());
}

std::string Stack::http_base() const { return absl::StrCat("http://127.0.0.1:", http_port_); }
std::string Stack::profiles_addr() const { return absl::StrCat("127.0.0.1:", profiles_port_); }
std::string Stack::routing_addr() const { return absl::StrCat("127.0.0.1:", routing_port_); }
std::string Stack::voicemail_addr() const { return absl::StrCat("127.0.0.1:", voicemail_port_); }
std::string Stack::voicemail_sip() const { return absl::StrCat("127.0.0.1:", voicemail_sip_port_); }

void Stack::StartVoicemail() {
  if (voicemail_port_ == 0) {
    voicemail_port_ = FreePort();
    voicemail_sip_port_ = FreePort();
  }
  std::vector<std::string> argv = {BuildDir() + "/services/voicemail/voicemail"};
  for (const auto& f : options_.voicemail_flags) argv.push_back(f);
  voicemail_ = Process(argv,
                       {"SB_PG_URL=" + pg_url_, "SB_REDIS_URL=" + redis_->url(),
                        "SB_VOICEMAIL_LISTEN=" + voicemail_addr(), "SB_VOICEMAIL_SIP_LISTEN=" + voicemail_sip(),
                        "PROFILES_ADDR=" + profiles_addr(), "SB_LOG_LEVEL=info"},
                       dir_ + "/voicemail.log");
  if (!WaitForTcp("127.0.0.1", voicemail_port_, absl::Seconds(30))) Fail("voicemail did not start", voicemail_);
}

void Stack::StartProfiles() {
  profiles_ = Process({BuildDir() + "/services/profiles/profiles"},
                      {"SB_PG_URL=" + pg_url_, "SB_REDIS_URL=" + redis_->url(),
                       "SB_PROFILES_LISTEN=" + profiles_addr(), "SB_LOG_LEVEL=info"},
                      dir_ + "/profiles.log");
  if (!WaitForTcp("127.0.0.1", profiles_port_, absl::Seconds(30))) Fail("profiles did not start", profiles_);
}

void Stack::StartRouting() {
  std::vector<std::string> argv = {BuildDir() + "/services/routing/routing"};
  for (const auto& f : options_.routing_flags) argv.push_back(f);
  routing_ = Process(argv,
                     {"SB_PG_URL=" + pg_url_, "SB_REDIS_URL=" + redis_->url(), "SB_ROUTING_LISTEN=" + routing_addr(),
                      "PROFILES_ADDR=" + profiles_addr(), "SB_LOG_LEVEL=info"},
                     dir_ + "/routing.log");
  if (!WaitForTcp("127.0.0.1", routing_port_, absl::Seconds(30))) Fail("routing did not start", routing_);
}

void Stack::StartGateway() {
  std::vector<std::string> argv = {BuildDir() + "/services/gateway/gateway"};
  for (const auto& f : options_.gateway_flags) argv.push_back(f);
  gateway_ = Process(argv,
                     {"SB_REDIS_URL=" + redis_->url(), absl::StrCat("SB_HTTP_LISTEN=127.0.0.1:", http_port_),
                      "PROFILES_ADDR=" + profiles_addr(), "ROUTING_ADDR=" + routing_addr(),
                      "VOICEMAIL_ADDR=" + (options_.voicemail ? voicemail_addr() : std::string("127.0.0.1:1")),
                      // Never a notifications service some other run left on the default port.
                      "NOTIFICATIONS_ADDR=127.0.0.1:1",
                      "SB_LOG_LEVEL=info"},
                     dir_ + "/gateway.log");
  if (!WaitForTcp("127.0.0.1", http_port_, absl::Seconds(30))) Fail("gateway did not start", gateway_);
  // Ready when it reports its essential backends serving (200: SERVING, or
  // DEGRADED since this stack runs no notifications service).
  HttpClient http(http_base());
  for (int i = 0; i < 500; ++i) {
    if (http.Get("/v1/health").status == 200) return;
    usleep(20000);
  }
  Fail("gateway never reported healthy", gateway_);
}

void Stack::RestartProfiles(bool crash) {
  if (crash) profiles_.Kill();
  else profiles_.Stop();
  StartProfiles();
}

void Stack::RestartRouting(bool crash) {
  if (crash) routing_.Kill();
  else routing_.Stop();
  StartRouting();
}

void Stack::RestartGateway(bool crash) {
  if (crash) gateway_.Kill();
  else gateway_.Stop();
  StartGateway();
}

}  // namespace sb::testing
