#pragma once
// The registrar (RFC 3261 §10.3, RFC 5626 outbound, RFC 3581 NAT): a
// REGISTER is read into a RegisterRequest on the SIP loop thread
// (ReadRegister: syntax only, no I/O), then Registrar::Handle runs on a
// worker thread — authenticate, check, write the bindings to Redis — and
// returns the response to send.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/edge/authenticator.h"
#include "services/edge/location.h"
#include "sip/digest.h"
#include "sip/message.h"
#include "sip/transaction.h"

namespace sb::edge {

struct RegistrarConfig {
  absl::Duration min_expires = absl::Seconds(60);
  absl::Duration max_expires = absl::Seconds(3600);
  absl::Duration default_expires = absl::Seconds(3600);
  int max_bindings = 10;     // per AOR
  int retry_after_s = 5;     // on 503 (Redis unreachable)
  std::string edge_address;  // our SIP address, stored with each binding
};

// A REGISTER as plain values, safe to hand to another thread.
struct RegisterRequest {
  std::string call_id;
  uint32_t cseq = 0;
  std::string aor;     // "sip:alice@demo.example"
  std::string user;    // To user part
  std::string domain;  // To host, lower case: the realm
  sip::ContactList contacts;
  std::optional<int64_t> expires_header;
  std::optional<sip::DigestCredentials> credentials;
  absl::Status credentials_error;
  sip::Source source;
  std::string user_agent;
  bool supports_outbound = false;
};

// Loop thread. A request too broken to process gives the 400 to answer.
absl::StatusOr<RegisterRequest> ReadRegister(nta_agent_t* agent, msg_t* msg, const sip_t& sip);

// What an authenticated REGISTER comes to: an answer now, or a change to
// write (and `outbound`: the 200 must carry Require: outbound).
struct RegisterPlan {
  std::optional<sip::SipResponse> response;
  RegisterChange change;
  bool outbound = false;
  std::string tenant_id;
};

// Thread-safe.
class Registrar {
 public:
  using Clock = std::function<absl::Time()>;

  Registrar(RegistrarConfig config, Authenticator* auth, Location* location, Clock clock = nullptr);

  // The whole REGISTER, blocking (profiles on a credential-cache miss,
  // Redis): worker threads.
  sip::SipResponse Handle(const RegisterRequest& request);

  // The same in steps, for the path that blocks nowhere (see
  // register_handler.cc): authentication input, the plan once
  // authenticated, and the response once the change is written.
  AuthRequest AuthRequestFor(const RegisterRequest& request) const;
  RegisterPlan Plan(const RegisterRequest& request, AuthResult auth) const;
  sip::SipResponse Finish(const RegisterRequest& request, const RegisterPlan& plan,
                          const absl::StatusOr<RegisterResult>& result) const;

  Authenticator& authenticator() const { return *auth_; }

 private:
  sip::SipResponse Ok(const std::vector<Binding>& bindings, bool outbound) const;

  const RegistrarConfig config_;
  Authenticator* const auth_;
  Location* const location_;
  const Clock clock_;
};

}  // namespace sb::edge
