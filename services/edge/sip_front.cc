#include "services/edge/sip_front.h"

#include "absl/strings/str_join.h"
#include "core/logging.h"
#include "sip/message.h"

namespace sb::edge {

void SipFront::Handle(const std::string& method, MethodHandler handler) {
  handlers_[method] = std::move(handler);
}

const std::vector<absl::string_view>& SipFront::SupportedOptionTags() {
  static const std::vector<absl::string_view> tags = {"outbound"};
  return tags;
}

std::string SipFront::AllowHeader() const {
  std::vector<std::string> methods = {"OPTIONS"};
  for (const auto& [method, handler] : handlers_) {
    if (method != "OPTIONS") methods.push_back(method);
  }
  return absl::StrJoin(methods, ", ");
}

void SipFront::OnRequest(sip::IncomingRequest incoming) {
  const sip_t& request = incoming.sip();
  const sip_method_t method = request.sip_request->rq_method;
  const std::string name = request.sip_request->rq_method_name;
  if (method == sip_method_ack && !handlers_.contains("ACK")) return;  // discarded: nothing to answer

  if (method != sip_method_cancel && method != sip_method_ack) {
    if (auto unsupported = sip::UnsupportedOptionTags(request.sip_require, SupportedOptionTags());
        !unsupported.empty()) {
      incoming.ReplyStateless(
          sip::SipResponse(420, "Bad Extension").Header("Unsupported", absl::StrJoin(unsupported, ", ")));
      return;
    }
  }
  if (method != sip_method_options && sip::MaxForwards(request) == 0u) {
    incoming.ReplyStateless(sip::SipResponse(483, "Too Many Hops"));
    return;
  }
  if (method == sip_method_options && !handlers_.contains("OPTIONS")) {
    incoming.ReplyStateless(sip::SipResponse(200)
                                .Header("Allow", AllowHeader())
                                .Header("Accept", "application/sdp")
                                .Header("Accept-Language", "en")
                                .Header("Supported", absl::StrJoin(SupportedOptionTags(), ", ")));
    return;
  }
  if (auto handler = handlers_.find(name); handler != handlers_.end()) {
    handler->second(std::move(incoming));
    return;
  }
  core::Logger("sip")->debug("{} {} not handled here", core::CallCtx{sip::CallId(request), ""}, name);
  incoming.ReplyStateless(
      sip::SipResponse(method == sip_method_unknown ? 501 : 405).Header("Allow", AllowHeader()));
}

}  // namespace sb::edge
