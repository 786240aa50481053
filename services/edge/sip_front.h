#pragma once
// The edge's front door: every request outside a dialog arrives here (on the
// SIP loop thread) and goes through the checks every method shares, then to
// the handler registered for its method.
//
//   ACK without a transaction          → dropped (nothing to answer)
//   Require with an unknown option tag → 420 Bad Extension + Unsupported
//   Max-Forwards: 0                    → 483 Too Many Hops (OPTIONS excepted:
//                                        RFC 3261 §16.3 lets us answer it)
//   OPTIONS                            → 200 with Allow, Accept, Supported
//   a method with a handler            → the handler
//   a known SIP method without one     → 405 Method Not Allowed + Allow
//   an extension method                → 501 Not Implemented + Allow
//
// EXTENSION POINT: the stateful proxy registers INVITE, ACK, BYE, CANCEL,
// … with Handle(); its handler runs the processor chain (authenticate with
// Authenticator in proxy mode → identify caller and callee → ask routing →
// fork with sip::ClientTransaction to Location::Lookup's bindings →
// collect), posting back to the loop from its worker steps. Until then
// INVITE answers 405 with the Allow list.
//
// Everything answered here is answered statelessly (no transaction state):
// a retransmission just gets the same answer again. Handlers choose.
//
// Overload: handlers that queue work to a WorkerPool answer 503 with
// Retry-After when its queue is full (see register_handler.h).
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "sip/sip_stack.h"

namespace sb::edge {

class SipFront : public sip::RequestHandler {
 public:
  using MethodHandler = std::function<void(sip::IncomingRequest request)>;

  // Before the stack starts. `method` upper case ("REGISTER").
  void Handle(const std::string& method, MethodHandler handler);

  void OnRequest(sip::IncomingRequest request) override;

  // "OPTIONS, REGISTER": the methods we accept.
  std::string AllowHeader() const;

  // Option tags we understand in Require.
  static const std::vector<absl::string_view>& SupportedOptionTags();

 private:
  std::map<std::string, MethodHandler> handlers_;
};

}  // namespace sb::edge
