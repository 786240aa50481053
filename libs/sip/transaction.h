#pragma once
// RAII handles for sofia's messages and transactions, and the response
// description workers build off the loop thread. See sip_stack.h for the
// threading model: unless a method says "any thread", it is for the loop
// thread only.
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "sip/sofia.h"

namespace sb::sip {

class SipStack;

// One reference to a msg_t; msg_destroy() drops it.
class MsgRef {
 public:
  MsgRef() = default;
  // Adopts a reference the caller owns (nta_incoming_getrequest, msg_copy…).
  explicit MsgRef(msg_t* msg) : msg_(msg) {}
  MsgRef(MsgRef&& other) noexcept : msg_(std::exchange(other.msg_, nullptr)) {}
  MsgRef& operator=(MsgRef&& other) noexcept;
  MsgRef(const MsgRef&) = delete;
  MsgRef& operator=(const MsgRef&) = delete;
  ~MsgRef();

  msg_t* get() const { return msg_; }
  sip_t* sip() const { return msg_ ? sip_object(msg_) : nullptr; }
  msg_t* release() { return std::exchange(msg_, nullptr); }
  explicit operator bool() const { return msg_ != nullptr; }

 private:
  msg_t* msg_ = nullptr;
};

// A response as plain data: built on any thread, sent on the loop thread.
struct SipResponse {
  int status = 500;
  std::string reason;  // empty: the standard phrase
  // Extra header fields in order, e.g. {"Contact", "<sip:a@b>;expires=60"}.
  // CR and LF are removed from values: they can't inject header lines.
  std::vector<std::pair<std::string, std::string>> headers;

  SipResponse() = default;
  explicit SipResponse(int status_code, std::string reason_phrase = "")
      : status(status_code), reason(std::move(reason_phrase)) {}
  SipResponse& Header(std::string name, std::string value);
  // "Name: value\r\n" lines for SIPTAG_HEADER_STR.
  std::string HeaderBlock() const;
};

// Told of the ACK or CANCEL that matches a server transaction (an INVITE the
// proxy forwards). Bound with ServerTransaction::Listen.
class IncomingListener {
 public:
  virtual ~IncomingListener() = default;
  virtual void OnAckOrCancel(nta_incoming_t* irq, const sip_t* request) = 0;
};

// A server transaction (nta_incoming_t) that must be answered exactly once
// with a final response. Move-only; may be moved to and answered from any
// thread. Destroying it unanswered answers 500 — a request is never left
// hanging.
class ServerTransaction {
 public:
  ServerTransaction() = default;
  ServerTransaction(SipStack* stack, nta_incoming_t* irq) : stack_(stack), irq_(irq) {}
  ServerTransaction(ServerTransaction&& other) noexcept
      : stack_(other.stack_), irq_(std::exchange(other.irq_, nullptr)) {}
  ServerTransaction& operator=(ServerTransaction&& other) noexcept;
  ServerTransaction(const ServerTransaction&) = delete;
  ServerTransaction& operator=(const ServerTransaction&) = delete;
  ~ServerTransaction();

  // Any thread. A final response (>= 200) ends the transaction (this object
  // becomes empty); a provisional one keeps it.
  void Respond(SipResponse response);

  explicit operator bool() const { return irq_ != nullptr; }
  SipStack* stack() const { return stack_; }
  // Loop thread only.
  nta_incoming_t* irq() const { return irq_; }
  // Loop thread only: a new reference to the request (for forwarding).
  MsgRef Request() const;
  // Loop thread only: routes the matching ACK/CANCEL to `listener`, which
  // must outlive the transaction.
  void Listen(IncomingListener* listener);
  // Loop thread only: the To tag of our responses (a UAS creating a
  // dialog, e.g. a SUBSCRIBE we accept).
  void SetTag(const std::string& tag);
  // Loop thread only. Relays a response received on a forwarded branch
  // (RFC 3261 §16.7): our own topmost Via is removed, the rest goes as is.
  // A final response ends the transaction (this object becomes empty).
  void Relay(MsgRef response);

 private:
  SipStack* stack_ = nullptr;
  nta_incoming_t* irq_ = nullptr;
};

// A request that has just arrived and is not (yet) in a transaction. Loop
// thread only; owns the message. Either answer it statelessly (cheap: no
// state kept, a retransmission is simply answered again — right for
// challenges and errors) or turn it into a ServerTransaction (nta then
// absorbs retransmissions and the answer may come later, from any thread).
// Dropped untouched, the request is discarded (garbage, a stray ACK).
class IncomingRequest {
 public:
  IncomingRequest(SipStack* stack, msg_t* msg) : stack_(stack), msg_(msg) {}
  IncomingRequest(IncomingRequest&&) = default;
  IncomingRequest& operator=(IncomingRequest&&) = default;
  ~IncomingRequest();

  const sip_t& sip() const { return *msg_.sip(); }
  msg_t* msg() const { return msg_.get(); }
  SipStack* stack() const { return stack_; }

  // Answers without keeping a transaction; the request is consumed.
  void ReplyStateless(const SipResponse& response);
  // The request as a server transaction; this object is consumed. An empty
  // ServerTransaction if nta refuses (out of memory): the request is then
  // answered 500 statelessly.
  ServerTransaction Transaction();

 private:
  SipStack* stack_;
  MsgRef msg_;
};

// A client transaction (nta_outgoing_t). Loop thread only.
class ClientTransaction {
 public:
  // Called for every response, provisional and final, and for the 408/503
  // nta makes up on timeout or transport error.
  using ResponseFn = std::function<void(const sip_t& response)>;

  // Sends `request` (a complete request message; nta adds its Via) to
  // `route` when not empty ("sip:10.0.0.7:5062;transport=tcp"), else by its
  // Route / Request-URI. `branch`, when set, is the Via branch to use (a
  // proxy puts its loop-detection key there, RFC 3261 §16.6 step 8).
  static absl::StatusOr<std::unique_ptr<ClientTransaction>> Send(SipStack& stack, MsgRef request,
                                                                 absl::string_view route,
                                                                 ResponseFn on_response,
                                                                 absl::string_view branch = "");
  ~ClientTransaction();
  ClientTransaction(const ClientTransaction&) = delete;
  ClientTransaction& operator=(const ClientTransaction&) = delete;

  // Sends CANCEL (INVITE only, after a provisional response). `reason`,
  // when set, is the CANCEL's Reason header (RFC 3326), e.g.
  // `SIP;cause=200;text="Call completed elsewhere"`.
  void Cancel(absl::string_view reason = "");
  // The last response received (a new reference), for relaying it.
  MsgRef Response() const;
  int status() const;
  nta_outgoing_t* orq() const { return orq_; }

 private:
  explicit ClientTransaction(ResponseFn fn) : on_response_(std::move(fn)) {}
  static int OnResponse(ClientTransaction* self, nta_outgoing_t* orq, const sip_t* sip);

  ResponseFn on_response_;
  nta_outgoing_t* orq_ = nullptr;
};

// Builds a request: "OPTIONS sip:x SIP/2.0" with From (a random tag added
// when it has none), To, Call-ID (random when empty), CSeq `cseq`,
// Max-Forwards 70, `extra_headers` ("Name: value\r\n" lines) and `body`.
// In a dialog, pass its Call-ID, tags and next CSeq. Loop thread only.
absl::StatusOr<MsgRef> MakeRequest(SipStack& stack, absl::string_view method, absl::string_view request_uri,
                                   absl::string_view from, absl::string_view to,
                                   absl::string_view call_id = "", absl::string_view extra_headers = "",
                                   uint32_t cseq = 1, absl::string_view body = "");

}  // namespace sb::sip
