#pragma once
// Wires REGISTER into the SipFront without blocking the SIP loop thread:
//
//   loop thread:  ReadRegister (syntax, 400s) → Authenticator::AuthenticateCached
//                 (challenges, throttle, digest check with a cached HA1)
//                 → Registrar::Plan (423, 403, …): all these answered
//                 statelessly, no transaction kept; otherwise a server
//                 transaction → LocationWriter (batched Redis)
//   writer:       Registrar::Finish → response, posted back to the loop
//   credential-cache miss: the whole REGISTER goes to a WorkerPool thread
//                 (Registrar::Handle), which may wait for profiles.
//
// A full queue (writer or workers) answers 503 with Retry-After at once.
#include "services/edge/location_writer.h"
#include "services/edge/registrar.h"
#include "services/edge/sip_front.h"
#include "core/worker_pool.h"

namespace sb::edge {

struct RegisterHandlerConfig {
  int retry_after_s = 5;  // in the 503 sent when saturated
};

// Registers the REGISTER handler on `front`; everything must outlive the
// SIP stack.
void HandleRegister(SipFront& front, Registrar& registrar, LocationWriter& writer, core::WorkerPool& workers,
                    RegisterHandlerConfig config);

}  // namespace sb::edge
