#include "tests/support/process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/time/clock.h"
#include "tests/support/backends.h"

extern char** environ;

namespace sb::testing {

int SpawnProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                 const std::string& log_path) {
  std::vector<std::string> envs;
  for (char** e = environ; *e; ++e) envs.emplace_back(*e);
  for (const auto& kv : env) envs.push_back(kv);
  pid_t pid = fork();
  if (pid == 0) {
    // The parent may have signals blocked (services' tests); the child starts clean.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    // Never inherit the test's stdout: a child outliving the test would hold
    // CTest's output pipe open and stall the run.
    {
      int fd = open(log_path.empty() ? "/dev/null" : log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
      }
    }
    std::vector<char*> a, e;
    for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    for (const auto& s : envs) e.push_back(const_cast<char*>(s.c_str()));
    e.push_back(nullptr);
    execvpe(a[0], a.data(), e.data());
    _exit(127);
  }
  return pid;
}

bool WaitForTcp(const std::string& host, int port, absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
    bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(fd);
    if (ok) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return false;
}

Process::Process(std::vector<std::string> argv, std::vector<std::string> env, std::string log_path)
    : argv_(std::move(argv)), env_(std::move(env)), log_path_(std::move(log_path)) {
  pid_ = SpawnProcess(argv_, env_, log_path_);
}

Process& Process::operator=(Process&& other) noexcept {
  Stop();
  argv_ = std::move(other.argv_);
  env_ = std::move(other.env_);
  log_path_ = std::move(other.log_path_);
  pid_ = other.pid_;
  other.pid_ = 0;
  return *this;
}

bool Process::Running() const {
  if (pid_ <= 0) return false;
  return waitpid(pid_, nullptr, WNOHANG) == 0;
}

int Process::Stop(absl::Duration grace) {
  if (pid_ <= 0) return 0;
  kill(pid_, SIGTERM);
  int status = 0;
  absl::Time deadline = absl::Now() + grace;
  while (absl::Now() < deadline) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = 0;
      return status;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, &status, 0);
  pid_ = 0;
  return status;
}

void Process::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = 0;
}

void Process::Restart() {
  Stop();
  pid_ = SpawnProcess(argv_, env_, log_path_);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Process::LogTail(int max_bytes) const {
  std::string s = ReadFile(log_path_);
  if (static_cast<int>(s.size()) > max_bytes) s = s.substr(s.size() - max_bytes);
  return s;
}

Process StartOnFreePort(const std::function<Process(int port)>& start, int* port, absl::Duration settle,
                        int attempts) {
  Process p;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    *port = FreePort();
    p = start(*port);
    const absl::Time until = absl::Now() + settle;
    while (p.Running() && absl::Now() < until) absl::SleepFor(absl::Milliseconds(20));
    if (p.Running()) break;
  }
  return p;
}

}  // namespace sb::testing
