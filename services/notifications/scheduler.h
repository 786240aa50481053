#pragma once
// The durable scheduler of calls: reminders / alarm calls (B18) and new-message
// call-outs (F3), both placed by voicemail's user agent (PlaceCall). Due rows
// live in PostgreSQL and are leased with FOR UPDATE SKIP LOCKED, so any
// number of copies can run and a copy dying mid-call only delays that call
// until its lease expires.
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "services/notifications/clients.h"
#include "services/notifications/pg_store.h"

namespace sb::notifications {

struct SchedulerConfig {
  absl::Duration poll = absl::Milliseconds(500);
  // Calls placed at once by this copy: a call blocks its worker until it is
  // answered or given up on, so alarms due together ring together.
  int workers = 4;
  absl::Duration lease = absl::Minutes(3);  // longer than a call
  absl::Duration call_timeout = absl::Seconds(120);
  int ring_timeout_s = 30;
  std::string default_time_zone = "Europe/Paris";
};

class Scheduler {
 public:
  Scheduler(SchedulerConfig config, PgStore* store, VoicemailClient* voicemail, ProfilesClient* profiles);
  ~Scheduler();
  void Start();
  void Stop();
  // Takes at most one due reminder and one due call-out and places their
  // calls; returns how many it took.
  int RunOnce();

 private:
  void RunReminder(const ReminderRow& r);
  void RunCallOut(const CallOutRow& c);
  absl::TimeZone ZoneOf(const std::string& user_id, const std::string& name);

  SchedulerConfig config_;
  PgStore* store_;
  VoicemailClient* voicemail_;
  ProfilesClient* profiles_;
  absl::Notification stop_;
  std::vector<std::thread> threads_;
};

}  // namespace sb::notifications
