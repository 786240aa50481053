#pragma once
// The stateful proxy's black-box world: the real profiles, routing and
// gateway (testing::Stack, seeded with the demo tenant), a real edge in
// front of them, SIPp user agents made from the templates in
// tests/sip/scenarios/proxy, and the routing API to change call settings
// and read call logs.
//
// Phones: Alice (4001) calls with a soft phone created for the test; Bruno
// (4002) and Claire (4000, the admin) answer with SIPp UASes whose
// contacts are registered through edge::Location (the registrar itself is
// tested in registrar_sip_test.cc). A static trunk of the demo tenant
// stands for the carrier: calls from its source address need no digest, and
// external numbers leave through its outbound URI (another SIPp UAS).
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "redis/client.h"
#include "switchboard/routing/v1/routing.grpc.pb.h"
#include "tests/support/process.h"
#include "tests/support/sipp.h"
#include "tests/support/stack.h"

namespace sb::siptest {

namespace rpb = ::switchboard::routing::v1;

struct Phone {
  std::string user_id;
  std::string line_id;
  std::string number_e164;
  std::string extension;
  std::string sip_user;
  std::string password;
  std::string domain;
  std::string device_id;
  std::string CsvLine() const;
};

using Sipp = testing::Sipp;  // a SIPp run made from a template

struct UacOptions {
  std::string dialed;
  std::string expect = "answer";  // "answer", "cancel", or a status code ("486")
  int hold_ms = 300;              // answer: before BYE; cancel: before CANCEL (after ringing)
  std::string from_name = "Alice Martin";
  std::string extra_headers;      // "Name: value" lines for the INVITEs
  int calls = 1;
  int limit = 1;                  // -l: simultaneous calls
  bool trunk = false;             // from the trunk's source address, no digest
  std::string from_user;          // trunk: the caller number ("anonymous" withheld)
  int trunk_port = 0;             // trunk: the source port (0: the static trunk's)
};

struct UasOptions {
  // "answer", "busy", "ring" (until CANCEL), "decline"; "forwarded" (181
  // Call Is Being Forwarded, then rings until CANCEL), "forwarded-answer"
  // (181, then 200 after ring_ms), "redirect" (302 to redirect_to),
  // "early-media" (183 with SDP, until CANCEL: the voicemail's music),
  // "early-reject" (183 with SDP, then `status` after ring_ms: the
  // voicemail telling a reject).
  std::string behaviour = "answer";
  int ring_ms = 100;                 // answer: 180 then 200 after this
  std::string status;                // early-reject: e.g. "433 Anonymity Disallowed"
  std::string redirect_to;           // redirect: the 302's Contact URI
  int calls = 1;
  int port = 0;                      // 0: a free one
};

class ProxyEnv {
 public:
  static ProxyEnv& Get();
  // Stops everything it started (at exit, or before a fatal error aborts).
  void Shutdown();

  testing::Stack& stack() { return *stack_; }
  redis::Client& redis() { return *redis_; }
  int edge_port() const { return edge_port_; }
  const std::string& tenant_id() const { return tenant_id_; }
  const Phone& alice() const { return alice_; }
  const Phone& bruno() const { return bruno_; }
  const Phone& claire() const { return claire_; }
  int trunk_port() const { return trunk_port_; }      // the trunk's inbound source port
  int carrier_port() const { return carrier_port_; }  // where external numbers go
  int voicemail_port() const { return voicemail_port_; }
  std::string EdgeLog() const;
  std::string RoutingLog() const;

  void StopRouting();   // SIGKILL: a crash
  void StartRouting();  // again, same port

  // Contacts of `phone`'s line: SIPp UASes on these ports (replaces all).
  void RegisterPhone(const Phone& phone, const std::vector<int>& ports);
  void UnregisterPhone(const Phone& phone);

  // Routing settings of a user: the defaults of the test (voicemail on,
  // no forwarding) with `change` applied.
  void ResetSettings(const Phone& phone);
  void UpdateSettings(const Phone& phone, const rpb::CallSettings& settings, const std::vector<std::string>& paths);
  std::vector<rpb::CallLogEntry> CallLog(const Phone& phone, rpb::CallLogEntry::Kind kind);

  Sipp StartUas(const UasOptions& options);
  // A scenario file of tests/sip/scenarios/proxy as is: a UAS, or (uac)
  // Alice's phone talking to the edge.
  Sipp StartScenario(const std::string& file, bool uac);
  Sipp StartUac(const UacOptions& options);

 private:
  ProxyEnv();
  Phone LoadPhone(const std::string& extension, bool with_device);
  void StartEdge();

  std::unique_ptr<testing::Stack> stack_;
  std::unique_ptr<redis::Client> redis_;
  std::string dir_;
  std::string tenant_id_;
  Phone alice_, bruno_, claire_;
  int edge_port_ = 0;
  int trunk_port_ = 0;
  int carrier_port_ = 0;
  int voicemail_port_ = 0;
  testing::Process edge_;
};

// The INVITEs a UAS received, each as text (headers and body).
std::vector<std::string> ReceivedInvites(const std::string& messages);
// The value of header `name` in a message, "" when absent.
std::string HeaderOf(const std::string& message, const std::string& name);
// When the first message starting with `start_line` was received/sent, as
// logged by SIPp (absl::InfinitePast() when absent).
absl::Time FirstMessageTime(const std::string& messages, const std::string& start_line, bool received);

}  // namespace sb::siptest
