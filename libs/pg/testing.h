#pragma once
// Test-only helpers: find the throwaway PostgreSQL that the CTest fixture
// `backends` starts (tests/harness/backends.sh) and give each test binary a
// database of its own, so test binaries can run in parallel.
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <pqxx/pqxx>
#include <stdexcept>
#include <string>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace sb::pg::testing {

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

// A random lowercase token, for database, schema and table names.
inline std::string UniqueToken() {
  absl::BitGen gen;
  return absl::StrFormat("%d_%08x", getpid(), absl::Uniform<uint32_t>(gen));
}

// Creates a uniquely named database on construction and drops it on
// destruction.
class ScratchDatabase {
 public:
  ScratchDatabase() {
    admin_url_ = ReadTestEnv().at("SB_PG_URL");
    name_ = "sb_test_" + UniqueToken();
    pqxx::connection admin(admin_url_);
    pqxx::nontransaction txn(admin);
    txn.exec0("CREATE DATABASE " + txn.quote_name(name_));
    // postgresql://user@host:port/postgres → …/<name_>
    url_ = admin_url_.substr(0, admin_url_.rfind('/') + 1) + name_;
  }
  ~ScratchDatabase() {
    try {
      pqxx::connection admin(admin_url_);
      pqxx::nontransaction txn(admin);
      txn.exec0("DROP DATABASE IF EXISTS " + txn.quote_name(name_) + " WITH (FORCE)");
    } catch (...) {
      // The fixture's cleanup removes the whole cluster anyway.
    }
  }
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;

  const std::string& url() const { return url_; }
  const std::string& admin_url() const { return admin_url_; }
  const std::string& name() const { return name_; }

 private:
  std::string admin_url_;
  std::string name_;
  std::string url_;
};

// One database per test binary, dropped at exit.
inline const ScratchDatabase& TestDatabase() {
  static ScratchDatabase db;
  return db;
}

}  // namespace sb::pg::testing
