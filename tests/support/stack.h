#pragma once
// The platform as black-box tests see it: a fresh database, a Redis of the
// test's own, and the real service binaries started on free ports with the
// same flags `tools/dev up` uses (profiles, routing, gateway). Add a service
// here when it exists.
#include <memory>
#include <string>

#include "tests/support/backends.h"
#include "tests/support/process.h"

namespace sb::testing {

struct StackOptions {
  bool seed = true;  // run profiles-seed (the demo tenant of tools/dev up)
  std::vector<std::string> gateway_flags;
  std::vector<std::string> routing_flags;
  bool voicemail = false;  // start the voicemail service (gRPC + its SIP user agent)
  std::vector<std::string> voicemail_flags;
};

class Stack {
 public:
  explicit Stack(StackOptions options = {});
  ~Stack();

  std::string http_base() const;  // http://127.0.0.1:<port>
  std::string profiles_addr() const;
  std::string routing_addr() const;
  std::string voicemail_addr() const;
  // host:port of the voicemail user agent (UDP and TCP).
  std::string voicemail_sip() const;
  const std::string& pg_url() const { return pg_url_; }
  OwnRedis& redis() { return *redis_; }
  Process& profiles() { return profiles_; }
  Process& gateway() { return gateway_; }
  Process& routing() { return routing_; }
  Process& voicemail() { return voicemail_; }
  // Restarts a process and waits until it serves again.
  void RestartProfiles(bool crash);
  void RestartGateway(bool crash);
  void RestartRouting(bool crash);
  // Demo SIP credentials written by the seed.
  std::string SeedOutput() const { return seed_output_; }

 private:
  void StartProfiles();
  void StartGateway();
  void StartRouting();
  void StartVoicemail();

  StackOptions options_;
  std::string dir_;
  std::string pg_url_;
  std::unique_ptr<OwnRedis> redis_;
  int profiles_port_ = 0;
  int routing_port_ = 0;
  int http_port_ = 0;
  int voicemail_port_ = 0;
  int voicemail_sip_port_ = 0;
  Process profiles_;
  Process routing_;
  Process gateway_;
  Process voicemail_;
  std::string seed_output_;
};

}  // namespace sb::testing
