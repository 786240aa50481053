#include "services/notifications/scheduler.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "core/logging.h"
#include "core/status.h"
#include "services/notifications/planner.h"
#include "services/notifications/schedule.h"

namespace sb::notifications {
namespace {

google::protobuf::Timestamp ToProto(absl::Time t) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(absl::ToUnixSeconds(t));
  return ts;
}
absl::Time FromProto(const google::protobuf::Timestamp& ts) { return absl::FromUnixSeconds(ts.seconds()); }

std::string Outcome(const absl::StatusOr<vpb::PlaceCallResponse>& r) {
  if (!r.ok()) return absl::StrCat("FAILED: ", r.status().message());
  if (r->answered()) return "ANSWERED";
  return absl::StrCat("NO_ANSWER (", r->sip_code(), r->sip_reason().empty() ? "" : " ", r->sip_reason(), ")");
}

}  // namespace

Scheduler::Scheduler(SchedulerConfig config, PgStore* store, VoicemailClient* voicemail,
                     ProfilesClient* profiles)
    : config_(std::move(config)), store_(store), voicemail_(voicemail), profiles_(profiles) {}

Scheduler::~Scheduler() { Stop(); }

void Scheduler::Start() {
  for (int i = 0; i < std::max(1, config_.workers); ++i) {
    threads_.emplace_back([this] {
      while (!stop_.HasBeenNotified()) {
        // Busy: look again at once; idle: wait for the next poll.
        if (RunOnce() == 0 && stop_.WaitForNotificationWithTimeout(config_.poll)) return;
      }
    });
  }
}

void Scheduler::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

absl::TimeZone Scheduler::ZoneOf(const std::string& user_id, const std::string& name) {
  absl::TimeZone tz;
  if (!name.empty() && absl::LoadTimeZone(name, &tz)) return tz;
  if (profiles_ != nullptr) {
    auto u = profiles_->GetUser(core::Principal::System(), user_id);
    if (u.ok() && absl::LoadTimeZone(u->timezone(), &tz)) return tz;
  }
  if (absl::LoadTimeZone(config_.default_time_zone, &tz)) return tz;
  return absl::UTCTimeZone();
}

int Scheduler::RunOnce() {
  int n = 0;
  auto log = core::Logger("scheduler");
  if (auto due = store_->ClaimDueReminders(1, config_.lease); due.ok()) {
    for (const auto& r : *due) {
      RunReminder(r);
      ++n;
    }
  } else {
    log->warn("reminders: {}", due.status().message());
  }
  if (auto due = store_->ClaimDueCallOuts(1, config_.lease); due.ok()) {
    for (const auto& c : *due) {
      RunCallOut(c);
      ++n;
    }
  } else {
    log->warn("call-outs: {}", due.status().message());
  }
  return n;
}

void Scheduler::RunReminder(const ReminderRow& row) {
  auto log = core::Logger("scheduler");
  npb::Reminder r;
  if (!r.ParseFromString(row.data)) {
    log->error("reminder {}: stored data does not decode; removed", row.id);
    (void)store_->FinishReminder(row.id, std::nullopt, row.data, true);
    return;
  }
  vpb::PlaceCallRequest req;
  req.set_tenant_id(row.tenant_id);
  req.set_user_id(row.user_id);
  req.set_to(r.number());
  // Without a recording, voicemail says "this is your reminder" in the
  // user's language.
  req.set_kind(vpb::PlaceCallRequest::REMINDER);
  if (!row.announcement.empty()) req.set_announcement_wav(row.announcement);
  req.set_ring_timeout_s(config_.ring_timeout_s);
  req.set_repeat(2);
  auto res = voicemail_->PlaceCall(req, config_.call_timeout);
  const absl::Time now = absl::Now();
  const std::string outcome = Outcome(res);
  log->info("reminder {} (tenant={}) to {}: {}{}", row.id, row.tenant_id, r.number(), outcome,
            res.ok() ? absl::StrCat(" call=", res->call_id()) : "");
  const absl::Time scheduled = row.next_run_at.value_or(now);
  // Voicemail unreachable: try again shortly while the alarm still makes sense.
  if (!res.ok() && now - scheduled < absl::Minutes(10)) {
    (void)store_->FinishReminder(row.id, now + absl::Seconds(30), row.data, false);
    return;
  }
  *r.mutable_last_run_at() = ToProto(now);
  r.set_last_result(outcome);
  const absl::TimeZone tz = ZoneOf(row.user_id, r.time_zone());
  std::optional<absl::Time> next = NextReminderRun(r, tz, std::max(now, scheduled));
  const bool once =
      r.recurrence() == npb::Reminder::ONCE || r.recurrence() == npb::Reminder::RECURRENCE_UNSPECIFIED;
  if (next)
    *r.mutable_next_run_at() = ToProto(*next);
  else
    r.clear_next_run_at();
  if (auto st = store_->FinishReminder(row.id, next, r.SerializeAsString(), once); !st.ok()) {
    log->error("reminder {}: recording the outcome: {}", row.id, st.message());
  }
}

void Scheduler::RunCallOut(const CallOutRow& c) {
  auto log = core::Logger("scheduler");
  const absl::Time now = absl::Now();
  auto done = [&](const std::string& why) {
    (void)store_->FinishCallOut(c.id, std::nullopt, c.calls_left, why);
  };
  // Stop when the message was read or removed (the mailbox was accessed).
  auto msg = voicemail_->GetMessage(core::Principal::System(), c.message_id);
  if (!msg.ok() && msg.status().code() == absl::StatusCode::kNotFound) return done("MESSAGE_GONE");
  if (!msg.ok()) {
    (void)store_->FinishCallOut(c.id, now + absl::Minutes(1), c.calls_left,
                                absl::StrCat("FAILED: ", msg.status().message()));
    return;
  }
  if (!msg->new_() || msg->folder() == vpb::DELETED) return done("READ");
  auto settings = LoadSettings(*store_, c.user_id);
  if (!settings.ok()) {
    (void)store_->FinishCallOut(c.id, now + absl::Minutes(1), c.calls_left, "FAILED: settings");
    return;
  }
  const npb::CallOut& co = settings->call_out();
  if (!co.enabled()) return done("DISABLED");
  std::string number = co.number();
  if (co.has_override_until() && now < FromProto(co.override_until())) {
    if (co.override_number().empty()) {
      (void)store_->FinishCallOut(c.id, FromProto(co.override_until()), c.calls_left, "SUSPENDED");
      return;
    }
    number = co.override_number();
  }
  const absl::TimeZone tz = ZoneOf(c.user_id, "");
  const absl::Time allowed = NextAllowed(co.schedule(), tz, now);
  if (allowed > now) {
    (void)store_->FinishCallOut(c.id, allowed, c.calls_left, "OUTSIDE_SCHEDULE");
    return;
  }
  vpb::PlaceCallRequest req;
  req.set_tenant_id(c.tenant_id);
  req.set_user_id(c.user_id);
  req.set_to(number);
  req.set_kind(vpb::PlaceCallRequest::NEW_MESSAGES_CALLOUT);
  req.set_ring_timeout_s(config_.ring_timeout_s);
  auto res = voicemail_->PlaceCall(req, config_.call_timeout);
  const std::string outcome = Outcome(res);
  log->info("call-out for message {} (tenant={}) to {}: {}", c.message_id, c.tenant_id, number, outcome);
  if (res.ok() && res->answered()) return done("ANSWERED");
  const int left = c.calls_left - 1;
  if (left <= 0) {
    (void)store_->FinishCallOut(c.id, std::nullopt, 0, outcome);
    return;
  }
  (void)store_->FinishCallOut(c.id, now + absl::Minutes(std::max(1, co.retry_interval_min())), left, outcome);
}

}  // namespace sb::notifications
