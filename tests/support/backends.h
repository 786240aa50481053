#pragma once
// The PostgreSQL and Redis that CTest's `backends` fixture started
// (tests/harness/backends.sh), and isolated pieces of them for one test.
#include <memory>
#include <string>

namespace sb::testing {

struct Backends {
  std::string pg_url;     // the server's maintenance database
  std::string redis_url;
  int redis_port = 0;
};

// Reads SB_TEST_ENV_FILE; aborts the test run with a clear message when the
// fixture didn't run (run tests through ctest).
const Backends& SharedBackends();

// Creates an empty database named after `prefix` plus a random suffix and
// returns its URL.
std::string FreshDatabase(const std::string& prefix);

// A Redis server of this test's own, on a free port, stopped when destroyed.
class OwnRedis {
 public:
  OwnRedis();
  ~OwnRedis();
  const std::string& url() const { return url_; }
  int port() const { return port_; }
  void Stop();
  void Start();

 private:
  std::string dir_;
  std::string url_;
  int port_ = 0;
  int pid_ = 0;
};

// A free TCP port on 127.0.0.1 (bound and released).
int FreePort();

// Repo paths.
std::string BuildDir();
std::string SourceDir();

}  // namespace sb::testing
