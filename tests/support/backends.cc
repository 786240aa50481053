#include "tests/support/backends.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <pqxx/pqxx>
#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/support/process.h"

namespace sb::testing {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string RandomSuffix() {
  std::random_device rd;
  std::mt19937_64 gen(rd());
  return absl::StrCat(getpid(), "_", gen() % 1000000000);
}

}  // namespace

const Backends& SharedBackends() {
  static const Backends* backends = [] {
    auto* b = new Backends;
    std::string file = Env("SB_TEST_ENV_FILE");
    std::ifstream in(file);
    if (file.empty() || !in) {
      std::fprintf(stderr, "no test backends: run this test through ctest (SB_TEST_ENV_FILE=%s)\n", file.c_str());
      std::abort();
    }
    std::string line;
    while (std::getline(in, line)) {
      auto eq = line.find('=');
      if (eq == std::string::npos) continue;
      std::string key = line.substr(0, eq), value = line.substr(eq + 1);
      if (key == "SB_PG_URL") b->pg_url = value;
      if (key == "SB_REDIS_URL") b->redis_url = value;
      if (key == "SB_TEST_REDIS_PORT") b->redis_port = std::atoi(value.c_str());
    }
    return b;
  }();
  return *backends;
}

std::string FreshDatabase(const std::string& prefix) {
  const std::string& base = SharedBackends().pg_url;
  std::string name = absl::StrCat("t_", prefix, "_", RandomSuffix());
  pqxx::connection c(base);
  pqxx::nontransaction tx(c);
  tx.exec(absl::StrCat("CREATE DATABASE ", name));
  return absl::StrCat(base.substr(0, base.rfind('/')), "/", name);
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

OwnRedis::OwnRedis() {
  char tmpl[] = "/tmp/sb-redis-XXXXXX";
  dir_ = mkdtemp(tmpl);
  port_ = FreePort();
  url_ = absl::StrCat("redis://127.0.0.1:", port_);
  Start();
}

void OwnRedis::Start() {
  pid_ = SpawnProcess({"redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1", "--dir", dir_,
                       "--appendonly", "yes", "--save", "", "--logfile", dir_ + "/redis.log"},
                      {});
  if (!WaitForTcp("127.0.0.1", port_, absl::Seconds(10))) {
    std::fprintf(stderr, "redis-server did not start on %d\n", port_);
    std::abort();
  }
}

void OwnRedis::Stop() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    pid_ = 0;
  }
}

OwnRedis::~OwnRedis() {
  Stop();
  std::system(absl::StrCat("rm -rf '", dir_, "'").c_str());
}

std::string BuildDir() { return Env("SB_BUILD_DIR"); }
std::string SourceDir() { return Env("SB_SOURCE_DIR"); }

}  // namespace sb::testing
