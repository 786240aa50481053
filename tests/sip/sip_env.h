#pragma once
// What the black-box SIP tests share: a fresh database, a Redis of their own,
// the real profiles service seeded with the demo tenant (profiles-seed), and
// helpers to start the real edge on free ports, run SIPp scenarios from
// tests/sip/scenarios, and speak raw SIP over UDP.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "redis/client.h"
#include "tests/support/backends.h"
#include "tests/support/process.h"

namespace sb::siptest {

struct SipAccount {
  std::string user;
  std::string password;
  std::string domain;
  std::string aor() const { return "sip:" + user + "@" + domain; }
  // A SIPp injection-file line: user;[authentication …];domain.
  std::string CsvLine() const;
};

struct Device {
  SipAccount account;
  std::string device_id;
};

// Started once per test binary, on first use.
class SipEnv {
 public:
  static SipEnv& Get();

  const std::string& profiles_addr() const { return profiles_addr_; }
  std::string redis_url() const { return redis_->url(); }
  redis::Client& redis() { return *client_; }
  testing::OwnRedis& own_redis() { return *redis_; }
  std::string run_dir() const { return dir_; }

  // The demo soft phones printed by profiles-seed.
  const SipAccount& alice() const { return alice_; }
  const SipAccount& bruno() const { return bruno_; }
  const std::string& alice_user_id() const { return alice_user_id_; }
  const std::string& alice_line_id() const { return alice_line_id_; }

  // A new soft phone for a user, through profiles' gRPC API.
  Device NewDevice(const std::string& user_id);
  // A new password for a device (profile.device_updated follows).
  std::string ResetPassword(const std::string& user_id, const std::string& device_id);

 private:
  SipEnv();

  std::string dir_;
  std::unique_ptr<testing::OwnRedis> redis_;
  std::unique_ptr<redis::Client> client_;
  std::string profiles_addr_;
  testing::Process profiles_;
  SipAccount alice_, bruno_;
  std::string alice_user_id_, alice_line_id_;
};

// One edge process on free ports, against SipEnv's Redis and profiles.
class Edge {
 public:
  explicit Edge(std::vector<std::string> extra_flags = {});
  ~Edge();

  int port() const { return port_; }
  std::string address() const;  // "127.0.0.1:<port>"
  void Restart();               // SIGTERM, start again, wait until it serves
  bool Running() { return process_.Running(); }
  std::string Log() const;

 private:
  void WaitReady();
  int port_ = 0;
  testing::Process process_;
  std::string log_path_;
};

struct SippRun {
  int exit_code = -1;
  std::string errors;    // SIPp's -trace_err file
  std::string messages;  // SIPp's -trace_msg file
};

struct SippOptions {
  std::vector<SipAccount> accounts;         // the injection file, one call each
  std::map<std::string, std::string> keys;  // -key name value
  std::string local_ip = "127.0.0.1";
  std::string transport = "u1";  // -t: u1 (UDP), t1 (TCP)
  int calls = 0;                 // -m; 0: one per account (at least 1)
  int local_port = 0;            // 0: a free one
  std::vector<std::string> extra_args;
};

// The last message SIPp received, from its -trace_msg log.
std::string LastReceived(const std::string& messages);

// Runs SIPp as a UAC against `edge` and waits for it (at most 60 s).
SippRun RunSipp(const std::string& scenario, const Edge& edge, const SippOptions& options);

// Sends `request` (lines joined with CRLF, blank line added) over UDP from
// 127.0.0.1 and returns the first response, or "" after `timeout`.
std::string UdpExchange(int port, const std::string& request, absl::Duration timeout = absl::Seconds(3));
// Sends raw bytes over UDP (garbage, fragments), expecting nothing.
void UdpSend(int port, const std::string& bytes);

// Polls until `condition` holds, at most `timeout`.
bool WaitFor(const std::function<bool()>& condition, absl::Duration timeout = absl::Seconds(10));

std::string ScenarioPath(const std::string& name);

}  // namespace sb::siptest
