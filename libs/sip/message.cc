#include "sip/message.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "core/status.h"

namespace sb::sip {
namespace {

constexpr int64_t kMaxDelta = 4294967295;  // RFC 3261: delta-seconds fit 32 bits

// RFC 3261 qvalue: "0" / "1" with up to three decimals.
std::optional<std::string> NormalizeQ(absl::string_view q) {
  q = absl::StripAsciiWhitespace(q);
  double value = 0;
  if (q.empty() || q.size() > 5 || !absl::SimpleAtod(q, &value) || value < 0 || value > 1 ||
      !absl::ascii_isdigit(static_cast<unsigned char>(q[0]))) {
    return std::nullopt;
  }
  std::string out = absl::StrFormat("%.3f", value);
  while (out.back() == '0') out.pop_back();
  if (out.back() == '.') out.pop_back();
  return out;
}

std::string Unquote(absl::string_view v) {
  v = absl::StripAsciiWhitespace(v);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  return std::string(v);
}

std::optional<int64_t> ParseDelta(absl::string_view s) {
  s = absl::StripAsciiWhitespace(s);
  if (s.empty() || s.size() > 20) return std::nullopt;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  uint64_t v = 0;
  if (!absl::SimpleAtoi(s, &v)) return kMaxDelta;  // all digits but huge
  return static_cast<int64_t>(std::min<uint64_t>(v, kMaxDelta));
}

}  // namespace

std::string UriString(const url_t* url) {
  if (url == nullptr) return "";
  std::string out(url_len(url) + 1, '\0');
  const issize_t n = url_e(out.data(), out.size(), url);
  out.resize(n > 0 ? std::min<size_t>(n, out.size() - 1) : 0);
  return out;
}

absl::StatusOr<std::string> AddressOfRecord(const url_t* url) {
  if (url == nullptr || (url->url_type != url_sip && url->url_type != url_sips)) {
    return absl::InvalidArgumentError("the address-of-record must be a sip: or sips: URI");
  }
  if (url->url_user == nullptr || url->url_user[0] == '\0') {
    return absl::InvalidArgumentError("the address-of-record has no user part");
  }
  if (url->url_host == nullptr || url->url_host[0] == '\0') {
    return absl::InvalidArgumentError("the address-of-record has no host");
  }
  // sips AORs are stored under sip: (RFC 3261 §10.3 step 5 compares them
  // as the same AOR); the user part is case-sensitive, the host is not.
  return absl::StrCat("sip:", url->url_user, "@", absl::AsciiStrToLower(url->url_host));
}

std::string Source::HostPort() const {
  if (ip.find(':') != std::string::npos) return absl::StrCat("[", ip, "]:", port);
  return absl::StrCat(ip, ":", port);
}

std::string Source::Uri() const { return absl::StrCat("sip:", HostPort(), ";transport=", transport); }

Source RequestSource(nta_agent_t* agent, msg_t* msg) {
  Source out;
  if (msg == nullptr) return out;
  if (su_sockaddr_t const* addr = msg_addr(msg); addr != nullptr) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (addr->su_family == AF_INET) {
      inet_ntop(AF_INET, &addr->su_sin.sin_addr, buf, sizeof buf);
      out.port = ntohs(addr->su_sin.sin_port);
    } else if (addr->su_family == AF_INET6) {
      inet_ntop(AF_INET6, &addr->su_sin6.sin6_addr, buf, sizeof buf);
      out.port = ntohs(addr->su_sin6.sin6_port);
    }
    out.ip = buf;
  }
  // The transport that delivered it (a borrowed pointer, no reference).
  if (tport_t* tp = tport_delivered_by(nta_agent_tports(agent), msg); tp != nullptr) {
    if (tp_name_t const* name = tport_name(tp); name != nullptr && name->tpn_proto != nullptr) {
      out.transport = absl::AsciiStrToLower(name->tpn_proto);
    }
  }
  if (out.transport.empty()) out.transport = "udp";
  return out;
}

std::optional<ViaInfo> TopVia(const sip_t& sip) {
  const sip_via_t* v = sip.sip_via;
  if (v == nullptr) return std::nullopt;
  auto str = [](const char* s) { return s != nullptr ? std::string(s) : std::string(); };
  return ViaInfo{str(v->v_protocol), str(v->v_host),  str(v->v_port),
                 str(v->v_received), str(v->v_rport), str(v->v_branch)};
}

absl::StatusOr<ContactList> ReadContacts(const sip_t& sip) {
  if (auto bad = MalformedHeader(sip, {"Contact", "m"}); bad) {
    return absl::InvalidArgumentError("Bad Contact header");
  }
  ContactList out;
  for (const sip_contact_t* m = sip.sip_contact; m != nullptr; m = m->m_next) {
    if (m->m_url->url_type == url_any) {
      out.wildcard = true;
      continue;
    }
    if (m->m_url->url_type != url_sip && m->m_url->url_type != url_sips) {
      return absl::InvalidArgumentError("Contact must be a sip: or sips: URI");
    }
    if (m->m_url->url_host == nullptr || m->m_url->url_host[0] == '\0') {
      return absl::InvalidArgumentError("Contact URI has no host");
    }
    ContactInfo c;
    c.uri = UriString(m->m_url);
    c.value = absl::StrCat("<", c.uri, ">");
    for (msg_param_t const* p = m->m_params; p != nullptr && *p != nullptr; ++p) {
      absl::string_view param(*p);
      const size_t eq = param.find('=');
      const std::string name = absl::AsciiStrToLower(param.substr(0, eq));
      const absl::string_view value = eq == absl::string_view::npos ? "" : param.substr(eq + 1);
      if (name == "expires") {
        c.expires = ParseDelta(value);
        if (!c.expires) return absl::InvalidArgumentError("Contact expires must be delta-seconds");
        continue;  // the response carries the expires we granted instead
      }
      if (name == "q") {
        c.q = NormalizeQ(value);
        if (!c.q) return absl::InvalidArgumentError("Contact q must be between 0 and 1");
      } else if (name == "+sip.instance") {
        c.instance = Unquote(value);
        if (c.instance.empty() || c.instance.size() > 256) {
          return absl::InvalidArgumentError("Contact +sip.instance is empty or too long");
        }
      } else if (name == "reg-id") {
        uint32_t id = 0;
        if (!absl::SimpleAtoi(value, &id) || id == 0) {
          return absl::InvalidArgumentError("Contact reg-id must be a positive integer");
        }
        c.reg_id = id;
      }
      absl::StrAppend(&c.value, ";", param);
    }
    out.contacts.push_back(std::move(c));
  }
  if (out.wildcard && !out.contacts.empty()) {
    return absl::InvalidArgumentError("Contact * must be the only Contact");
  }
  return out;
}

std::optional<int64_t> ExpiresHeader(const sip_t& sip) {
  if (sip.sip_expires == nullptr) return std::nullopt;
  return std::min<int64_t>(static_cast<int64_t>(sip.sip_expires->ex_delta), kMaxDelta);
}

std::optional<uint32_t> MaxForwards(const sip_t& sip) {
  if (sip.sip_max_forwards == nullptr) return std::nullopt;
  return static_cast<uint32_t>(std::min<unsigned long>(sip.sip_max_forwards->mf_count, 255));
}

std::string CallId(const sip_t& sip) {
  return sip.sip_call_id != nullptr && sip.sip_call_id->i_id != nullptr ? sip.sip_call_id->i_id : "";
}

std::optional<std::string> MalformedHeader(const sip_t& sip, const std::vector<absl::string_view>& names) {
  for (sip_header_t const* h = reinterpret_cast<sip_header_t const*>(sip.sip_error); h != nullptr;
       h = reinterpret_cast<sip_header_t const*>(h->sh_next)) {
    const char* name = h->sh_class == sip_error_class ? h->sh_error->er_name : h->sh_class->hc_name;
    const char* short_name = h->sh_class == sip_error_class ? nullptr : h->sh_class->hc_short;
    for (absl::string_view wanted : names) {
      if ((name != nullptr && absl::EqualsIgnoreCase(name, wanted)) ||
          (short_name != nullptr && short_name[0] != '\0' && absl::EqualsIgnoreCase(short_name, wanted))) {
        return std::string(wanted);
      }
    }
  }
  return std::nullopt;
}

bool HasOptionTag(const msg_list_t* list, absl::string_view tag) {
  for (; list != nullptr; list = list->k_next) {
    for (msg_param_t const* item = list->k_items; item != nullptr && *item != nullptr; ++item) {
      if (absl::EqualsIgnoreCase(*item, tag)) return true;
    }
  }
  return false;
}

std::vector<std::string> UnsupportedOptionTags(const msg_list_t* require,
                                               const std::vector<absl::string_view>& supported) {
  std::vector<std::string> out;
  for (; require != nullptr; require = require->k_next) {
    for (msg_param_t const* item = require->k_items; item != nullptr && *item != nullptr; ++item) {
      const bool known = std::any_of(supported.begin(), supported.end(),
                                     [&](absl::string_view s) { return absl::EqualsIgnoreCase(*item, s); });
      if (!known) out.emplace_back(*item);
    }
  }
  return out;
}

absl::StatusOr<std::optional<DigestCredentials>> DigestCredentialsFor(const msg_auth_t* auth,
                                                                      absl::string_view realm) {
  for (; auth != nullptr; auth = auth->au_next) {
    if (auth->au_scheme == nullptr || !absl::EqualsIgnoreCase(auth->au_scheme, "Digest")) continue;
    const std::optional<std::string> value = ParamValue(auth->au_params, "realm");
    if (!value || !absl::EqualsIgnoreCase(Unquote(*value), realm)) continue;
    SB_ASSIGN_OR_RETURN(DigestCredentials credentials,
                        ParseDigestCredentials(auth->au_scheme, ParamList(auth->au_params)));
    return std::optional<DigestCredentials>(std::move(credentials));
  }
  return std::optional<DigestCredentials>();
}

std::vector<std::string> ParamList(msg_param_t const* params) {
  std::vector<std::string> out;
  for (; params != nullptr && *params != nullptr; ++params) out.emplace_back(*params);
  return out;
}

std::optional<std::string> ParamValue(msg_param_t const* params, absl::string_view name) {
  for (; params != nullptr && *params != nullptr; ++params) {
    absl::string_view p(*params);
    const size_t eq = p.find('=');
    if (absl::EqualsIgnoreCase(p.substr(0, eq), name)) {
      return eq == absl::string_view::npos ? std::string() : std::string(p.substr(eq + 1));
    }
  }
  return std::nullopt;
}

}  // namespace sb::sip
