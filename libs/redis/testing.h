#pragma once
// Test-only helpers: find the throwaway Redis that the CTest fixture
// `backends` starts (tests/harness/backends.sh) and name keys so parallel
// test binaries never touch each other's data.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "redis/client.h"

namespace sb::redis::testing {

// KEY=VALUE lines of the file named by SB_TEST_ENV_FILE.
inline std::map<std::string, std::string> ReadTestEnv() {
  const char* path = std::getenv("SB_TEST_ENV_FILE");
  if (path == nullptr) {
    throw std::runtime_error("SB_TEST_ENV_FILE is not set: run this test through ctest");
  }
  std::ifstream in(path);
  if (!in) {
    throw std::runtime_error(
        absl::StrCat("cannot read ", path, ": did the `backends` fixture run?"));
  }
  std::map<std::string, std::string> env;
  for (std::string line; std::getline(in, line);) {
    const size_t eq = line.find('=');
    if (eq == std::string::npos || line[0] == '#') continue;
    env[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return env;
}

inline std::string TestRedisUrl() { return ReadTestEnv().at("SB_REDIS_URL"); }

// "<what>_<pid>_<random>": unique per call, safe in key and stream names.
inline std::string UniqueName(const std::string& what) {
  absl::BitGen gen;
  return absl::StrFormat("%s_%d_%08x", what, getpid(), absl::Uniform<uint32_t>(gen));
}

// Polls `condition` until it holds or `timeout` passes; true if it held.
inline bool WaitFor(const std::function<bool()>& condition,
                    absl::Duration timeout = absl::Seconds(10)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!condition()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

// Waits until the server at `url` serves data commands. PING is not enough:
// it answers while Redis is still loading its append-only file, when every
// data command fails with LOADING.
inline void WaitForRedisReady(const std::string& url, absl::Duration timeout = absl::Seconds(30)) {
  auto probe =
      Client::Create({.url = url, .pool_size = 1, .connect_timeout = absl::Milliseconds(200)});
  if (!probe.ok()) throw std::runtime_error(probe.status().ToString());
  absl::Status last;
  const bool ready = WaitFor(
      [&] {
        last = (*probe)->Command({"EXISTS", "sb:test:readiness"}).status();
        return last.ok();
      },
      timeout);
  if (!ready) throw std::runtime_error("redis at " + url + " is not ready: " + last.ToString());
}

// The fixture's Redis, once it is ready.
inline std::string ReadyTestRedisUrl() {
  const std::string url = TestRedisUrl();
  WaitForRedisReady(url);
  return url;
}

// A private redis-server on a free port, for tests that do something to the
// whole server (CLIENT KILL TYPE normal, SCRIPT FLUSH, a restart) and must
// not disturb the tests sharing the fixture's Redis.
class ScratchRedisServer {
 public:
  ScratchRedisServer() : port_(FreePort()) { Start(); }
  ~ScratchRedisServer() { Stop(); }
  ScratchRedisServer(const ScratchRedisServer&) = delete;
  ScratchRedisServer& operator=(const ScratchRedisServer&) = delete;

  std::string url() const { return absl::StrCat("redis://127.0.0.1:", port_); }

  // Starts the server (again, on the same port) and waits until it answers.
  void Start() {
    const std::string port = absl::StrCat(port_);
    std::vector<std::string> args = {"redis-server", "--port",     port,     "--bind",
                                     "127.0.0.1",    "--save",     "",       "--appendonly",
                                     "no",           "--dir",      "/tmp",   "--logfile",
                                     "/dev/null",    "--loglevel", "warning"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawnp(&pid_, "redis-server", nullptr, nullptr, argv.data(), environ) != 0) {
      throw std::runtime_error("cannot start redis-server");
    }
    WaitForRedisReady(url(), absl::Seconds(10));
  }

  // Stops the server and waits for it to exit.
  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  static int FreePort() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr = {};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      close(fd);
      throw std::runtime_error("cannot find a free port");
    }
    close(fd);
    return ntohs(addr.sin_port);
  }

  int port_;
  pid_t pid_ = -1;
};

}  // namespace sb::redis::testing
