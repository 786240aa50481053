#include "sip/proxy.h"

#include <sofia-sip/msg_mclass.h>
#include <sofia-sip/sip_util.h>

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "sip/message.h"

namespace sb::sip {
namespace {

// FNV-1a: stable across processes and copies of the edge (std::hash isn't).
void Mix(uint64_t& h, absl::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  h ^= 0xff;  // field separator
  h *= 1099511628211ull;
}

std::string FieldValue(const msg_header_t* h) {
  char buf[4096];
  const issize_t n = msg_header_field_e(buf, sizeof buf, h, 0);
  if (n <= 0 || static_cast<size_t>(n) >= sizeof buf) return "";
  return std::string(buf, n);
}

// Every header named `name` (long or compact form, any case). Known headers
// through the message class's table, unknown ones from the unknown list:
// a copied message (msg_dup) has no header chain to walk.
// A name ending in '*' is a prefix of extension headers ("X-Sb-*").
std::vector<msg_header_t*> FindHeaders(msg_t* msg, absl::string_view name) {
  std::vector<msg_header_t*> out;
  msg_pub_t* pub = msg_object(msg);
  sip_t* sip = sip_object(msg);
  if (pub == nullptr || sip == nullptr || name.empty()) return out;
  if (absl::EndsWith(name, "*")) {
    const absl::string_view prefix = name.substr(0, name.size() - 1);
    for (sip_unknown_t* u = sip->sip_unknown; u != nullptr; u = u->un_next) {
      if (u->un_name != nullptr && absl::StartsWithIgnoreCase(u->un_name, prefix)) {
        out.push_back(reinterpret_cast<msg_header_t*>(u));
      }
    }
    return out;
  }
  const std::string n(name);
  msg_href_t const* hr = msg_find_hclass(msg_mclass(msg), n.c_str(), nullptr);
  if (hr != nullptr && hr->hr_class != nullptr && hr->hr_class->hc_hash != msg_unknown_hash) {
    msg_header_t** hh = msg_hclass_offset(msg_mclass(msg), pub, hr->hr_class);
    for (msg_header_t* h = hh != nullptr ? *hh : nullptr; h != nullptr; h = h->sh_next) out.push_back(h);
    return out;
  }
  for (sip_unknown_t* u = sip->sip_unknown; u != nullptr; u = u->un_next) {
    if (u->un_name != nullptr && absl::EqualsIgnoreCase(u->un_name, name)) {
      out.push_back(reinterpret_cast<msg_header_t*>(u));
    }
  }
  return out;
}

}  // namespace

MsgRef DuplicateMessage(msg_t* msg) { return msg != nullptr ? MsgRef(msg_dup(msg)) : MsgRef(); }

absl::StatusOr<MsgRef> PrepareForward(msg_t* request, const ForwardSpec& spec) {
  MsgRef copy = DuplicateMessage(request);
  if (!copy) return absl::ResourceExhaustedError("cannot copy the request");
  msg_t* msg = copy.get();
  sip_t* sip = copy.sip();
  su_home_t* home = msg_home(msg);
  msg_pub_t* pub = reinterpret_cast<msg_pub_t*>(sip);
  if (sip == nullptr || sip->sip_request == nullptr) return absl::InvalidArgumentError("not a request");

  if (!spec.request_uri.empty()) {
    sip_request_t* rq = sip_request_create(home, sip->sip_request->rq_method, sip->sip_request->rq_method_name,
                                           URL_STRING_MAKE(spec.request_uri.c_str()), nullptr);
    if (rq == nullptr || msg_header_replace(msg, pub, reinterpret_cast<msg_header_t*>(sip->sip_request),
                                            reinterpret_cast<msg_header_t*>(rq)) < 0) {
      return absl::InvalidArgumentError(absl::StrCat("bad Request-URI ", spec.request_uri));
    }
  }

  uint32_t hops = 70;
  if (sip->sip_max_forwards != nullptr) {
    hops = static_cast<uint32_t>(std::min<unsigned long>(sip->sip_max_forwards->mf_count, 255));
    msg_header_remove_all(msg, pub, reinterpret_cast<msg_header_t*>(sip->sip_max_forwards));
    hops = hops > 0 ? hops - 1 : 0;
  }
  if (msg_header_add_make(msg, pub, sip_max_forwards_class, absl::StrCat(hops).c_str()) < 0) {
    return absl::InternalError("cannot set Max-Forwards");
  }

  for (const std::string& name : spec.remove_headers) {
    for (msg_header_t* h : FindHeaders(msg, name)) msg_header_remove(msg, pub, h);
  }

  if (!spec.record_route.empty()) {
    msg_header_t* rr = msg_header_make(home, sip_record_route_class, spec.record_route.c_str());
    if (rr == nullptr ||
        msg_header_prepend(msg, pub, reinterpret_cast<msg_header_t**>(&sip->sip_record_route), rr) < 0) {
      return absl::InvalidArgumentError(absl::StrCat("bad Record-Route ", spec.record_route));
    }
  }
  if (!spec.extra_headers.empty() &&
      sip_add_tl(msg, sip, SIPTAG_HEADER_STR(spec.extra_headers.c_str()), TAG_END()) < 0) {
    return absl::InvalidArgumentError("bad extra header");
  }
  return copy;
}

bool IsOwnUri(const url_t* url, absl::string_view host, absl::string_view port) {
  if (url == nullptr || url->url_host == nullptr) return false;
  if (!absl::EqualsIgnoreCase(url->url_host, host)) return false;
  const absl::string_view p = url->url_port != nullptr && url->url_port[0] != '\0' ? url->url_port : "5060";
  return p == port;
}

bool PopOwnRoute(msg_t* msg, absl::string_view host, absl::string_view port) {
  sip_t* sip = sip_object(msg);
  if (sip == nullptr || sip->sip_route == nullptr) return false;
  if (!IsOwnUri(sip->sip_route->r_url, host, port)) return false;
  sip_route_remove(msg, sip);
  return true;
}

std::string LoopKey(const sip_t& r) {
  uint64_t h = 14695981039346656037ull;
  Mix(h, r.sip_request != nullptr ? UriString(r.sip_request->rq_url) : "");
  Mix(h, r.sip_from != nullptr && r.sip_from->a_tag != nullptr ? r.sip_from->a_tag : "");
  Mix(h, CallId(r));
  Mix(h, r.sip_cseq != nullptr ? absl::StrCat(r.sip_cseq->cs_seq) : "");
  for (const sip_route_t* route = r.sip_route; route != nullptr; route = route->r_next) {
    Mix(h, UriString(route->r_url));
  }
  for (const msg_list_t* l = r.sip_proxy_require; l != nullptr; l = l->k_next) {
    for (msg_param_t const* item = l->k_items; item != nullptr && *item != nullptr; ++item) Mix(h, *item);
  }
  return absl::StrFormat("%016x", h);
}

bool HasOwnLoopVia(const sip_t& r, absl::string_view host, absl::string_view port, absl::string_view key) {
  for (const sip_via_t* v = r.sip_via; v != nullptr; v = v->v_next) {
    if (v->v_host == nullptr || !absl::EqualsIgnoreCase(v->v_host, host)) continue;
    const absl::string_view p = v->v_port != nullptr && v->v_port[0] != '\0' ? v->v_port : "5060";
    if (p != port) continue;
    if (v->v_branch != nullptr && absl::StrContains(v->v_branch, key)) return true;
  }
  return false;
}

std::vector<std::string> HeaderValues(msg_t* msg, absl::string_view name) {
  std::vector<std::string> out;
  if (msg == nullptr) return out;
  for (msg_header_t* h : FindHeaders(msg, name)) {
    if (h->sh_class->hc_hash == msg_unknown_hash) {
      if (h->sh_unknown->un_value != nullptr) out.emplace_back(h->sh_unknown->un_value);
    } else {
      out.push_back(FieldValue(h));
    }
  }
  return out;
}

}  // namespace sb::sip
