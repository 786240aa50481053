#pragma once
// Child processes for black-box tests: a service binary started with flags
// and environment, stopped (SIGTERM, then SIGKILL) when the handle goes.
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace sb::testing {

// fork/exec of argv with extra environment entries ("K=V"); returns the pid.
// stdout/stderr go to `log_path` when set.
int SpawnProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                 const std::string& log_path = "");
bool WaitForTcp(const std::string& host, int port, absl::Duration timeout);
// A whole file (a log, SIPp's traces), "" when there is none.
std::string ReadFile(const std::string& path);

class Process {
 public:
  Process() = default;
  Process(std::vector<std::string> argv, std::vector<std::string> env, std::string log_path = "");
  Process(Process&& other) noexcept { *this = std::move(other); }
  Process& operator=(Process&& other) noexcept;
  ~Process() { Stop(); }

  int pid() const { return pid_; }
  bool Running() const;
  // SIGTERM, wait up to `grace`, then SIGKILL. Returns the exit status.
  int Stop(absl::Duration grace = absl::Seconds(10));
  void Kill();  // SIGKILL at once: a crash
  void Restart();
  const std::string& log_path() const { return log_path_; }
  std::string LogTail(int max_bytes = 4000) const;

 private:
  std::vector<std::string> argv_, env_;
  std::string log_path_;
  int pid_ = 0;
};

// Starts a program on a port from FreePort(): `start(port)` writes its
// configuration and starts it. A program that exits within `settle` could
// not bind (another test took the port, or one next to it, meanwhile), so
// another port is tried, up to `attempts` times. `*port` is the one used.
Process StartOnFreePort(const std::function<Process(int port)>& start, int* port,
                        absl::Duration settle = absl::Seconds(1), int attempts = 5);

}  // namespace sb::testing
