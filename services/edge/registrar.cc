#include "services/edge/registrar.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/logging.h"

namespace sb::edge {

absl::StatusOr<RegisterRequest> ReadRegister(nta_agent_t* agent, msg_t* msg, const sip_t& sip) {
  RegisterRequest r;
  r.call_id = sip::CallId(sip);
  r.cseq = sip.sip_cseq != nullptr ? sip.sip_cseq->cs_seq : 0;
  if (sip.sip_to == nullptr) return absl::InvalidArgumentError("Missing To header");
  absl::StatusOr<std::string> aor = sip::AddressOfRecord(sip.sip_to->a_url);
  if (!aor.ok()) return absl::InvalidArgumentError(absl::StrCat("Invalid To: ", aor.status().message()));
  r.aor = *std::move(aor);
  r.user = sip.sip_to->a_url->url_user;
  r.domain = absl::AsciiStrToLower(sip.sip_to->a_url->url_host);
  if (sip::MalformedHeader(sip, {"Expires"})) return absl::InvalidArgumentError("Bad Expires header");
  if (sip::MalformedHeader(sip, {"Authorization"})) {
    r.credentials_error = absl::InvalidArgumentError("Bad Authorization header");
  } else if (auto credentials = sip::DigestCredentialsFor(sip.sip_authorization, r.domain);
             credentials.ok()) {
    r.credentials = *std::move(credentials);
  } else {
    r.credentials_error = credentials.status();
  }
  absl::StatusOr<sip::ContactList> contacts = sip::ReadContacts(sip);
  if (!contacts.ok()) return contacts.status();
  r.contacts = *std::move(contacts);
  r.expires_header = sip::ExpiresHeader(sip);
  r.source = sip::RequestSource(agent, msg);
  if (sip.sip_user_agent != nullptr && sip.sip_user_agent->g_string != nullptr) {
    r.user_agent = std::string(sip.sip_user_agent->g_string).substr(0, 128);
  }
  r.supports_outbound = sip::HasOptionTag(sip.sip_supported, "outbound");
  return r;
}

Registrar::Registrar(RegistrarConfig config, Authenticator* auth, Location* location, Clock clock)
    : config_(std::move(config)),
      auth_(auth),
      location_(location),
      clock_(clock ? std::move(clock) : Clock([] { return absl::Now(); })) {}

AuthRequest Registrar::AuthRequestFor(const RegisterRequest& r) const {
  return {.method = "REGISTER",
          .realm = r.domain,
          .call_id = r.call_id,
          .source_ip = r.source.ip,
          .credentials = r.credentials,
          .credentials_error = r.credentials_error};
}

sip::SipResponse Registrar::Handle(const RegisterRequest& request) {
  RegisterPlan plan = Plan(request, auth_->Authenticate(AuthRequestFor(request)));
  if (plan.response) return *std::move(plan.response);
  return Finish(request, plan, location_->Apply(plan.change));
}

RegisterPlan Registrar::Plan(const RegisterRequest& r, AuthResult auth) const {
  RegisterPlan plan;
  if (!auth.authenticated) {
    plan.response = std::move(auth.response);
    return plan;
  }
  plan.tenant_id = auth.device.tenant_id;
  if (auth.device.sip_username != r.user) {
    // RFC 3261 §10.3 step 3: a device registers its own AOR only.
    core::Logger("registrar")
        ->info("{} {} may not register {}", core::CallCtx{r.call_id, plan.tenant_id},
               auth.device.sip_username, r.aor);
    auth_->RecordFailure(r.source.ip, r.call_id);
    plan.response = sip::SipResponse(403, "Not allowed to register this address");
    return plan;
  }

  const int64_t min_s = absl::ToInt64Seconds(config_.min_expires);
  const int64_t max_s = absl::ToInt64Seconds(config_.max_expires);
  RegisterChange& change = plan.change;
  change.aor = r.aor;
  change.call_id = r.call_id;
  change.cseq = r.cseq;
  change.line_ids = auth.device.line_ids;
  change.max_bindings = config_.max_bindings;
  change.nonce = auth.nonce;
  change.nc = auth.nc;
  if (r.contacts.wildcard) {
    if (r.expires_header != 0) plan.response = sip::SipResponse(400, "Contact * needs Expires: 0");
    change.remove_all = true;
    return plan;
  }
  int flows = 0;
  for (const sip::ContactInfo& c : r.contacts.contacts) {
    int64_t expires = c.expires          ? *c.expires
                      : r.expires_header ? *r.expires_header
                                         : absl::ToInt64Seconds(config_.default_expires);
    if (expires > 0 && expires < min_s) {
      plan.response = sip::SipResponse(423, "Interval Too Brief").Header("Min-Expires", absl::StrCat(min_s));
      return plan;
    }
    expires = std::min(expires, max_s);
    // RFC 5626: reg-id counts only with an instance; the pair names a flow.
    const bool flow = !c.instance.empty() && c.reg_id.has_value();
    flows += flow ? 1 : 0;
    ContactChange cc;
    cc.expires_s = expires;
    Binding& b = cc.binding;
    b.reg_id = flow ? *c.reg_id : 0;
    b.id = Location::BindingId(c.instance, b.reg_id, c.uri);
    b.contact = c.uri;
    b.contact_value = c.value;
    b.q = c.q.value_or("");
    b.instance = c.instance;
    b.received = r.source.HostPort();
    b.transport = r.source.transport;
    b.edge = config_.edge_address;
    b.user_agent = r.user_agent;
    b.tenant_id = auth.device.tenant_id;
    b.user_id = auth.device.user_id;
    b.device_id = auth.device.device_id;
    // The same binding twice in one request: the last one wins.
    auto same = std::find_if(change.contacts.begin(), change.contacts.end(),
                             [&](const ContactChange& other) { return other.binding.id == b.id; });
    if (same != change.contacts.end())
      *same = std::move(cc);
    else
      change.contacts.push_back(std::move(cc));
  }
  if (flows > 1) plan.response = sip::SipResponse(400, "Only one Contact may carry reg-id");
  plan.outbound = flows == 1 && r.supports_outbound;
  return plan;
}

sip::SipResponse Registrar::Finish(const RegisterRequest& r, const RegisterPlan& plan,
                                   const absl::StatusOr<RegisterResult>& result) const {
  auto log = core::Logger("registrar");
  const core::CallCtx ctx{r.call_id, plan.tenant_id};
  if (!result.ok()) {
    log->warn("{} bindings of {} not stored ({}): answering 503", ctx, r.aor, result.status().message());
    return sip::SipResponse(503, "Location service unavailable")
        .Header("Retry-After", absl::StrCat(config_.retry_after_s));
  }
  switch (result->outcome) {
    case RegisterOutcome::kOutOfOrder:
      log->debug("{} {}: CSeq {} out of order", ctx, r.aor, r.cseq);
      // Not naming CSeq or Call-ID in the phrase: SIPp 3.6 misreads such a
      // status line.
      return sip::SipResponse(400, "Out of order: older sequence number");
    case RegisterOutcome::kTooMany:
      log->info("{} {}: more than {} bindings refused", ctx, r.aor, config_.max_bindings);
      return sip::SipResponse(403, "Too many registered contacts");
    case RegisterOutcome::kReplay:
      log->info("{} {}: nonce-count replayed from {}", ctx, r.aor, r.source.HostPort());
      return auth_->Challenge(r.domain, /*stale=*/true, /*proxy=*/false);
    case RegisterOutcome::kOk:
      break;
  }
  if (log->should_log(spdlog::level::debug)) {
    const RegisterChange& change = plan.change;
    std::vector<std::string> contacts;
    for (const ContactChange& c : change.contacts) {
      contacts.push_back(absl::StrCat(c.binding.contact, " ", c.expires_s, "s"));
    }
    log->debug("{} {} from {}/{}: {} → {} binding(s)", ctx, r.aor, r.source.HostPort(), r.source.transport,
               change.remove_all         ? "remove all"
               : change.contacts.empty() ? "query"
                                         : absl::StrJoin(contacts, ", "),
               result->bindings.size());
  }
  return Ok(result->bindings, plan.outbound);
}

sip::SipResponse Registrar::Ok(const std::vector<Binding>& bindings, bool outbound) const {
  const absl::Time now = clock_();
  sip::SipResponse response(200);
  for (const Binding& b : bindings) {
    const int64_t remaining =
        std::max<int64_t>(0, absl::ToInt64Seconds(absl::Ceil(b.expires_at - now, absl::Seconds(1))));
    response.Header("Contact", absl::StrCat(b.contact_value, ";expires=", remaining));
  }
  response.Header("Date", absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", now, absl::UTCTimeZone()));
  if (outbound) response.Header("Require", "outbound");
  response.Header("Supported", "outbound");
  return response;
}

}  // namespace sb::edge
