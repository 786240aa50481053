#include "services/notifications/planner.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/logging.h"
#include "core/status.h"
#include "services/notifications/options.h"
#include "switchboard/events/v1/events.pb.h"

namespace sb::notifications {
namespace {

namespace epb = ::switchboard::events::v1;

bool ValidAddress(const std::string& a) {
  const size_t at = a.find('@');
  return at != std::string::npos && at > 0 && at + 1 < a.size() &&
         a.find_first_of(" \r\n<>,;") == std::string::npos;
}

std::string Lower(const std::string& s) { return absl::AsciiStrToLower(s); }

}  // namespace

absl::StatusOr<npb::NotificationSettings> LoadSettings(PgStore& store, const std::string& user_id) {
  SB_ASSIGN_OR_RETURN(auto data, store.GetSettings(user_id));
  npb::NotificationSettings s;
  if (data && !s.ParseFromString(*data))
    return absl::DataLossError("stored notification settings do not decode");
  s.set_user_id(user_id);
  return s;
}

Planner::Planner(PlannerConfig config, PgStore* store, VoicemailClient* voicemail, ProfilesClient* profiles,
                 std::function<void()> on_new_work)
    : config_(std::move(config)),
      store_(store),
      voicemail_(voicemail),
      profiles_(profiles),
      on_new_work_(std::move(on_new_work)) {}

NewDelivery Planner::Base(const events::Event& e, const std::string& user_id) const {
  NewDelivery d;
  d.event_id = e.id;
  d.event_type = e.type;
  d.tenant_id = e.tenant_id;
  d.user_id = user_id;
  d.channel = "EMAIL";
  d.payload = e.payload;
  d.max_attempts = config_.max_attempts;
  d.event_at = e.occurred_at;
  return d;
}

std::string Planner::TimeZoneOf(const std::string& user_id) {
  if (user_id.empty() || profiles_ == nullptr) return config_.default_time_zone;
  auto u = profiles_->GetUser(core::Principal::System(), user_id);
  if (!u.ok()) {
    core::Logger("planner")->warn("user {}: time zone unknown ({}), using {}", user_id, u.status().message(),
                                  config_.default_time_zone);
    return config_.default_time_zone;
  }
  return u->timezone().empty() ? config_.default_time_zone : u->timezone();
}

absl::Status Planner::Handle(const events::Event& e) {
  Plan plan;
  if (absl::StartsWith(e.type, "security.")) {
    SB_RETURN_IF_ERROR(PlanSecurity(e, plan));
  } else if (e.type == "mailbox.message_deposited" || e.type == "mailbox.message_composed") {
    SB_RETURN_IF_ERROR(PlanMessage(e, plan));
  } else if (e.type == "mailbox.changed") {
    epb::MailboxChanged c;
    if (!c.ParseFromString(e.payload))
      return absl::InvalidArgumentError("mailbox.changed: payload does not decode");
    // F3: call-outs stop once nothing is new (the mailbox was accessed).
    if (c.voice_new() == 0 && c.fax_new() == 0 && !c.user_id().empty()) {
      SB_RETURN_IF_ERROR(store_->StopCallOuts(c.user_id(), "").status());
    }
  } else if (e.type == "mailbox.accessed") {
    epb::MailboxAccessed a;
    if (!a.ParseFromString(e.payload))
      return absl::InvalidArgumentError("mailbox.accessed: payload does not decode");
    // F3: the owner opened the mailbox (by phone or in the portal): the
    // call-outs announcing its messages stop, read or not.
    if (!a.user_id().empty()) {
      SB_ASSIGN_OR_RETURN(int stopped, store_->StopCallOuts(a.user_id(), ""));
      if (stopped > 0) {
        core::Logger("planner")->info(
            "mailbox of user {} (tenant={}) accessed via {}: {} call-out(s) stopped", a.user_id(),
            e.tenant_id, a.via(), stopped);
      }
    }
  } else if (e.type == "call.missed") {
    SB_RETURN_IF_ERROR(PlanMissedCall(e, plan));
  } else if (e.type == "notify.email_requested") {
    SB_RETURN_IF_ERROR(PlanRequested(e, plan));
  }
  SB_RETURN_IF_ERROR(PlanWebhooks(e, plan));
  if (plan.deliveries.empty() && !plan.callout) return absl::OkStatus();
  SB_ASSIGN_OR_RETURN(int added, store_->InsertPlan(plan.deliveries, plan.callout));
  if (added > 0 && on_new_work_) on_new_work_();
  core::Logger("planner")->debug("event {} ({}) tenant={}: {} deliveries, {} new", e.id, e.type, e.tenant_id,
                                 plan.deliveries.size(), added);
  return absl::OkStatus();
}

absl::Status Planner::PlanSecurity(const events::Event& e, Plan& plan) {
  epb::SecurityNotice n;
  if (!n.ParseFromString(e.payload))
    return absl::InvalidArgumentError(absl::StrCat(e.type, ": payload does not decode"));
  const std::string tz = TimeZoneOf(n.user_id());
  for (const auto& to : n.to()) {
    if (!ValidAddress(to)) continue;
    NewDelivery d = Base(e, n.user_id());
    d.recipient = Lower(to);
    d.purpose = "SECURITY";
    d.options = EncodeOptions({{"lang", n.language()}, {"tz", tz}});
    plan.deliveries.push_back(std::move(d));
  }
  return absl::OkStatus();
}

absl::Status Planner::PlanMessage(const events::Event& e, Plan& plan) {
  epb::MessageDeposited m;
  if (!m.ParseFromString(e.payload))
    return absl::InvalidArgumentError(absl::StrCat(e.type, ": payload does not decode"));
  const bool fax = m.type() == "FAX";
  const std::string tz = TimeZoneOf(m.user_id());

  // C5: auto-forward with the content attached.
  if (!m.user_id().empty()) {
    auto vs = voicemail_->GetMessageSettings(m.user_id());
    // Unreachable voicemail: the event is retried, the forward must not be
    // skipped. A mailbox that is gone has nothing to forward.
    if (!vs.ok() && vs.status().code() != absl::StatusCode::kNotFound) return vs.status();
    if (!vs.ok()) vs = vpb::MessageSettings();
    const auto& f = vs->forward_to_email();
    const std::string lang = vs->language().empty() ? m.language() : vs->language();
    if (f.enabled()) {
      for (const auto& a : f.addresses()) {
        if (!ValidAddress(a.email()) || !(fax ? a.fax() : a.voice())) continue;
        NewDelivery d = Base(e, m.user_id());
        d.recipient = Lower(a.email());
        d.purpose = "FORWARD";
        d.message_id = m.message_id();
        d.options = EncodeOptions(
            {{"lang", lang}, {"tz", tz}, {"attach", "1"}, {"links", f.include_action_links() ? "1" : "0"}});
        // do_not_store (C1) removes it for good; !keep_original moves it to
        // the Deleted tab. Both only once the SMTP server accepted every copy.
        if (vs->do_not_store())
          d.after_accept = "PURGE";
        else if (!f.keep_original())
          d.after_accept = "TRASH";
        plan.deliveries.push_back(std::move(d));
      }
    }

    // F2: notices (and e-mail-to-SMS) per address and kind of message.
    SB_ASSIGN_OR_RETURN(npb::NotificationSettings ns, LoadSettings(*store_, m.user_id()));
    for (const auto& n : ns.email_notifications()) {
      const bool wanted = fax ? n.all_faxes() : (n.all_voicemail() || (n.urgent_voicemail() && m.urgent()));
      if (!wanted || !ValidAddress(n.address())) continue;
      NewDelivery d = Base(e, m.user_id());
      d.recipient = Lower(n.address());
      d.purpose = n.sms() ? "SMS" : "NEW_MESSAGE";
      d.message_id = m.message_id();
      d.options = EncodeOptions({{"lang", lang}, {"tz", tz}});
      plan.deliveries.push_back(std::move(d));
    }

    // F3: a call-out, after the delay for this kind of message.
    const auto& co = ns.call_out();
    if (co.enabled() && !fax && (!co.urgent_only() || m.urgent())) {
      NewCallOut c;
      c.event_id = e.id;
      c.tenant_id = e.tenant_id;
      c.user_id = m.user_id();
      c.message_id = m.message_id();
      c.urgent = m.urgent();
      c.calls = 1 + co.retry_count();
      c.first_at = absl::Now() + absl::Minutes(m.urgent() ? co.urgent_delay_min() : co.normal_delay_min());
      plan.callout = c;
    }
  }
  return absl::OkStatus();
}

absl::Status Planner::PlanMissedCall(const events::Event& e, Plan& plan) {
  epb::CallLogged c;
  if (!c.ParseFromString(e.payload))
    return absl::InvalidArgumentError("call.missed: payload does not decode");
  if (c.user_id().empty()) return absl::OkStatus();
  SB_ASSIGN_OR_RETURN(npb::NotificationSettings ns, LoadSettings(*store_, c.user_id()));
  if (!ns.missed_call_email()) return absl::OkStatus();
  std::string to = ns.missed_call_address();
  std::string lang = "fr", tz = config_.default_time_zone;
  if (profiles_ != nullptr) {
    auto u = profiles_->GetUser(core::Principal::System(), c.user_id());
    if (!u.ok() && u.status().code() != absl::StatusCode::kNotFound) return u.status();
    if (u.ok()) {
      if (to.empty()) to = u->email();
      if (!u->language().empty()) lang = u->language();
      if (!u->timezone().empty()) tz = u->timezone();
    }
  }
  if (!ValidAddress(to)) return absl::OkStatus();
  NewDelivery d = Base(e, c.user_id());
  d.recipient = Lower(to);
  d.purpose = "MISSED_CALL";
  d.options = EncodeOptions({{"lang", lang}, {"tz", tz}});
  plan.deliveries.push_back(std::move(d));
  return absl::OkStatus();
}

absl::Status Planner::PlanRequested(const events::Event& e, Plan& plan) {
  epb::EmailRequested r;
  if (!r.ParseFromString(e.payload))
    return absl::InvalidArgumentError("notify.email_requested: payload does not decode");
  for (const auto& to : r.to()) {
    if (!ValidAddress(to)) continue;
    NewDelivery d = Base(e, r.user_id());
    d.recipient = Lower(to);
    d.purpose = "REQUESTED";
    plan.deliveries.push_back(std::move(d));
  }
  return absl::OkStatus();
}

absl::Status Planner::PlanWebhooks(const events::Event& e, Plan& plan) {
  SB_ASSIGN_OR_RETURN(auto hooks, store_->WebhooksFor(e.tenant_id));
  for (const auto& h : hooks) {
    bool match = false;
    for (const auto& t : h.event_types) {
      match |= t == "*" || t == e.type ||
               (absl::EndsWith(t, ".*") && absl::StartsWith(e.type, t.substr(0, t.size() - 1)));
    }
    if (!match) continue;
    NewDelivery d = Base(e, "");
    d.channel = "WEBHOOK";
    d.recipient = h.id;
    d.purpose = "WEBHOOK";
    plan.deliveries.push_back(std::move(d));
  }
  return absl::OkStatus();
}

}  // namespace sb::notifications
