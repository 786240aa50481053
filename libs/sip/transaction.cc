#include "sip/transaction.h"

#include <algorithm>
#include <exception>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/logging.h"
#include "sip/sip_stack.h"

#include <sofia-sip/sip_util.h>

namespace sb::sip {
namespace {

std::string RandomToken() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return absl::StrFormat("%016x", gen());
}

// Loop thread. Sends `response` on `irq` and, when it is final, hands the
// transaction back to nta (which keeps it for retransmissions, then frees it).
void SendResponse(SipStack* stack, nta_incoming_t* irq, const SipResponse& response) {
  if (nta_incoming_method(irq) != sip_method_ack) {
    const std::string block = response.HeaderBlock();
    const char* phrase =
        response.reason.empty() ? sip_status_phrase(response.status) : response.reason.c_str();
    if (phrase == nullptr) phrase = "";
    const std::string& server = stack->config().server_header;
    if (nta_incoming_treply(irq, response.status, phrase,
                            TAG_IF(!server.empty(), SIPTAG_SERVER_STR(server.c_str())),
                            TAG_IF(!block.empty(), SIPTAG_HEADER_STR(block.c_str())), TAG_END()) < 0) {
      core::Logger("sip")->warn("could not send {} response", response.status);
    }
  }
  if (response.status >= 200) nta_incoming_destroy(irq);
}

}  // namespace

// ---------------------------------------------------------------- MsgRef

MsgRef& MsgRef::operator=(MsgRef&& other) noexcept {
  if (this != &other) {
    if (msg_ != nullptr) msg_destroy(msg_);
    msg_ = std::exchange(other.msg_, nullptr);
  }
  return *this;
}

MsgRef::~MsgRef() {
  if (msg_ != nullptr) msg_destroy(msg_);
}

// ---------------------------------------------------------------- SipResponse

SipResponse& SipResponse::Header(std::string name, std::string value) {
  for (std::string* s : {&name, &value}) {
    s->erase(std::remove_if(s->begin(), s->end(), [](char c) { return c == '\r' || c == '\n'; }), s->end());
  }
  headers.emplace_back(std::move(name), std::move(value));
  return *this;
}

std::string SipResponse::HeaderBlock() const {
  std::string out;
  for (const auto& [name, value] : headers) absl::StrAppend(&out, name, ": ", value, "\r\n");
  return out;
}

// ---------------------------------------------------------------- ServerTransaction

ServerTransaction& ServerTransaction::operator=(ServerTransaction&& other) noexcept {
  if (this != &other) {
    if (irq_ != nullptr) Respond(SipResponse(500, "Request dropped"));
    stack_ = other.stack_;
    irq_ = std::exchange(other.irq_, nullptr);
  }
  return *this;
}

ServerTransaction::~ServerTransaction() {
  if (irq_ != nullptr) Respond(SipResponse(500, "Request dropped"));
}

void ServerTransaction::Respond(SipResponse response) {
  if (irq_ == nullptr) return;
  nta_incoming_t* irq = irq_;
  if (response.status >= 200) irq_ = nullptr;
  SipStack* stack = stack_;
  if (stack->InLoopThread()) {
    SendResponse(stack, irq, response);
    return;
  }
  // If the stack has stopped, the agent freed the transaction already.
  stack->Post([stack, irq, r = std::move(response)] { SendResponse(stack, irq, r); });
}

MsgRef ServerTransaction::Request() const {
  return irq_ != nullptr ? MsgRef(nta_incoming_getrequest(irq_)) : MsgRef();
}

namespace {
int OnAckOrCancel(IncomingListener* listener, nta_incoming_t* irq, const sip_t* sip) {
  try {
    listener->OnAckOrCancel(irq, sip);
  } catch (const std::exception& e) {
    core::Logger("sip")->error("ACK/CANCEL listener failed: {}", e.what());
  } catch (...) {
    core::Logger("sip")->error("ACK/CANCEL listener failed with an unknown exception");
  }
  return 0;
}
}  // namespace

void ServerTransaction::Listen(IncomingListener* listener) {
  if (irq_ != nullptr) nta_incoming_bind(irq_, &OnAckOrCancel, listener);
}

void ServerTransaction::SetTag(const std::string& tag) {
  if (irq_ != nullptr) nta_incoming_tag(irq_, tag.c_str());
}

void ServerTransaction::Relay(MsgRef response) {
  if (irq_ == nullptr || !response) return;
  sip_t* sip = response.sip();
  if (sip == nullptr || sip->sip_status == nullptr) return;
  const int status = sip->sip_status->st_status;
  sip_via_remove(response.get(), sip);
  nta_incoming_t* irq = irq_;
  if (status >= 200) irq_ = nullptr;
  // nta takes the message in every case.
  if (nta_incoming_mreply(irq, response.release()) < 0) {
    core::Logger("sip")->warn("could not relay a {} response", status);
  }
  if (status >= 200) nta_incoming_destroy(irq);
}

// ---------------------------------------------------------------- IncomingRequest

IncomingRequest::~IncomingRequest() {
  if (msg_) nta_msg_discard(stack_->agent(), msg_.release());
}

void IncomingRequest::ReplyStateless(const SipResponse& response) {
  if (!msg_) return;
  if (msg_.sip()->sip_request->rq_method == sip_method_ack) {
    nta_msg_discard(stack_->agent(), msg_.release());  // ACK is never answered
    return;
  }
  const std::string block = response.HeaderBlock();
  const char* phrase = response.reason.empty() ? sip_status_phrase(response.status) : response.reason.c_str();
  const std::string& server = stack_->config().server_header;
  // nta_msg_treply consumes the message, even on failure.
  if (nta_msg_treply(stack_->agent(), msg_.release(), response.status, phrase != nullptr ? phrase : "",
                     TAG_IF(!server.empty(), SIPTAG_SERVER_STR(server.c_str())),
                     TAG_IF(!block.empty(), SIPTAG_HEADER_STR(block.c_str())), TAG_END()) < 0) {
    core::Logger("sip")->warn("could not send {} response", response.status);
  }
}

ServerTransaction IncomingRequest::Transaction() {
  if (!msg_) return ServerTransaction();
  nta_incoming_t* irq = nta_incoming_create(stack_->agent(), nullptr, msg_.get(), msg_.sip(), TAG_END());
  if (irq == nullptr) {
    ReplyStateless(SipResponse(500, "Cannot create transaction"));
    return ServerTransaction();
  }
  // nta frees the message with the transaction: ownership moves to it.
  msg_.release();
  return ServerTransaction(stack_, irq);
}

// ---------------------------------------------------------------- ClientTransaction

absl::StatusOr<std::unique_ptr<ClientTransaction>> ClientTransaction::Send(SipStack& stack, MsgRef request,
                                                                           absl::string_view route,
                                                                           ResponseFn on_response,
                                                                           absl::string_view branch) {
  if (!request) return absl::InvalidArgumentError("no request to send");
  auto txn = std::unique_ptr<ClientTransaction>(new ClientTransaction(std::move(on_response)));
  const std::string route_str(route);
  const std::string branch_str(branch);
  txn->orq_ = nta_outgoing_mcreate(stack.agent(), &ClientTransaction::OnResponse, txn.get(),
                                   route_str.empty() ? nullptr : URL_STRING_MAKE(route_str.c_str()),
                                   request.get(),
                                   TAG_IF(!branch_str.empty(), NTATAG_BRANCH_KEY(branch_str.c_str())),
                                   TAG_END());
  if (txn->orq_ == nullptr) {
    // nta leaves the message to us on failure; MsgRef frees it.
    return absl::UnavailableError(
        absl::StrCat("cannot send the request", route_str.empty() ? "" : " to ", route_str));
  }
  request.release();  // the transaction owns it now
  return txn;
}

ClientTransaction::~ClientTransaction() {
  if (orq_ != nullptr) nta_outgoing_destroy(orq_);
}

void ClientTransaction::Cancel(absl::string_view reason) {
  if (orq_ == nullptr) return;
  if (reason.empty()) {
    nta_outgoing_cancel(orq_);
    return;
  }
  const std::string reason_str(reason);
  // No callback: nta finishes the CANCEL transaction on its own.
  nta_outgoing_tcancel(orq_, nullptr, nullptr, SIPTAG_REASON_STR(reason_str.c_str()), TAG_END());
}

MsgRef ClientTransaction::Response() const {
  return orq_ != nullptr ? MsgRef(nta_outgoing_getresponse(orq_)) : MsgRef();
}

int ClientTransaction::status() const { return orq_ != nullptr ? nta_outgoing_status(orq_) : 0; }

int ClientTransaction::OnResponse(ClientTransaction* self, nta_outgoing_t* /*orq*/, const sip_t* sip) {
  if (sip == nullptr || !self->on_response_) return 0;
  try {
    // The callback may destroy `self`: nothing touches it afterwards.
    self->on_response_(*sip);
  } catch (const std::exception& e) {
    core::Logger("sip")->error("response handler failed: {}", e.what());
  } catch (...) {
    core::Logger("sip")->error("response handler failed with an unknown exception");
  }
  return 0;
}

// ---------------------------------------------------------------- MakeRequest

absl::StatusOr<MsgRef> MakeRequest(SipStack& stack, absl::string_view method, absl::string_view request_uri,
                                   absl::string_view from, absl::string_view to, absl::string_view call_id,
                                   absl::string_view extra_headers, uint32_t cseq_number,
                                   absl::string_view body) {
  MsgRef msg(nta_msg_create(stack.agent(), 0));
  if (!msg) return absl::ResourceExhaustedError("cannot allocate a SIP message");
  const std::string request_line = absl::StrCat(method, " ", request_uri, " SIP/2.0");
  std::string from_str(from);
  if (from_str.find(";tag=") == std::string::npos) absl::StrAppend(&from_str, ";tag=", RandomToken());
  const std::string to_str(to);
  const std::string call_id_str =
      call_id.empty() ? absl::StrCat(RandomToken(), RandomToken()) : std::string(call_id);
  const std::string cseq = absl::StrCat(cseq_number, " ", method);
  const std::string extra(extra_headers);
  const std::string payload(body);
  if (sip_add_tl(msg.get(), msg.sip(), SIPTAG_REQUEST_STR(request_line.c_str()),
                 SIPTAG_FROM_STR(from_str.c_str()), SIPTAG_TO_STR(to_str.c_str()),
                 SIPTAG_CALL_ID_STR(call_id_str.c_str()), SIPTAG_CSEQ_STR(cseq.c_str()),
                 SIPTAG_MAX_FORWARDS_STR("70"), TAG_IF(!extra.empty(), SIPTAG_HEADER_STR(extra.c_str())),
                 TAG_IF(!payload.empty(), SIPTAG_PAYLOAD_STR(payload.c_str())), TAG_END()) < 0 ||
      msg.sip()->sip_request == nullptr || msg.sip()->sip_from == nullptr || msg.sip()->sip_to == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("cannot build a ", method, " request for ", request_uri));
  }
  return msg;
}

}  // namespace sb::sip
