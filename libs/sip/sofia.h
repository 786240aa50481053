#pragma once
// The one way into sofia-sip's headers. Sofia's callbacks carry a "magic"
// context pointer whose type each program chooses by defining *_MAGIC_T
// before the first sofia include; defining them here, once, gives every
// callback in the code base a typed context instead of void*. Include this
// header instead of any <sofia-sip/...> header.
//
// The types named below are the C++ objects the trampolines in sip_stack.cc
// and transaction.cc route callbacks to.

namespace sb::sip {
class SipStack;
class ClientTransaction;
class Timer;
class IncomingListener;
namespace internal {
struct PostedWork;
}  // namespace internal
}  // namespace sb::sip

#if defined(SU_WAIT_H) || defined(NTA_H)
#error "sip/sofia.h must be included before any sofia-sip header"
#endif

#define SU_ROOT_MAGIC_T sb::sip::SipStack
#define SU_MSG_ARG_T sb::sip::internal::PostedWork
#define SU_TIMER_ARG_T sb::sip::Timer
#define NTA_AGENT_MAGIC_T sb::sip::SipStack
#define NTA_LEG_MAGIC_T sb::sip::SipStack
#define NTA_OUTGOING_MAGIC_T sb::sip::ClientTransaction
#define NTA_INCOMING_MAGIC_T sb::sip::IncomingListener

#include <sofia-sip/msg_addr.h>
#include <sofia-sip/nta.h>
#include <sofia-sip/nta_stateless.h>
#include <sofia-sip/nta_tport.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/su.h>
#include <sofia-sip/su_log.h>
#include <sofia-sip/su_tag.h>
#include <sofia-sip/su_wait.h>
#include <sofia-sip/tport.h>
#include <sofia-sip/tport_tag.h>
#include <sofia-sip/url.h>

// Sofia's header accessor macros sip_<header>(sip) are function-like, so
// they also rewrite any method of that name, such as protobuf's accessor
// of a field `sip_reason`. Nothing here uses them (we read sip->sip_reason).
#undef sip_reason
#undef sip_call_id
