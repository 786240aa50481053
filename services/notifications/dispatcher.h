#pragma once
// Sends the outbox's deliveries: `senders` threads each lease a few due rows
// (SELECT … FOR UPDATE SKIP LOCKED, so several copies of the service share
// the work), render and send them, and record the outcome:
//   accepted                 → accepted; then, once every copy of a message's
//                              forward was accepted, its "do not keep the
//                              original" action runs (never before, never on
//                              failure)
//   transient failure        → pending again after an exponential backoff
//                              (retry_base · 2^(attempt-1), ≤ retry_max, jittered)
//   permanent, or attempts spent → failed: a dead letter (ListFailed/Requeue)
// A process that dies mid-send leaves its rows leased; they are sent again
// when the lease expires.
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/notifications/clients.h"
#include "services/notifications/mime.h"
#include "services/notifications/pg_store.h"
#include "services/notifications/smtp.h"

namespace sb::notifications {

struct DispatcherConfig {
  int senders = 8;
  int batch = 4;  // rows leased at once per sender
  absl::Duration lease = absl::Minutes(2);
  absl::Duration poll = absl::Milliseconds(250);
  absl::Duration retry_base = absl::Seconds(5);
  absl::Duration retry_max = absl::Minutes(10);
  std::string public_url = "http://127.0.0.1:8080";  // where action links and portal links point
  std::string link_secret;                           // empty: no action links
  absl::Duration link_ttl = absl::Hours(24 * 7);
  absl::Duration webhook_timeout = absl::Seconds(10);
  // Webhooks may reach loopback and private addresses (webhook_target.h).
  bool webhook_allow_private = false;
  // Accepted deliveries are kept this long (ListDeliveries, duplicate
  // detection of late redeliveries), then purged; failed ones stay until
  // replayed.
  absl::Duration retention = absl::Hours(24 * 30);
  absl::Duration purge_interval = absl::Hours(1);
  SmtpConfig smtp;
};

class Dispatcher {
 public:
  Dispatcher(DispatcherConfig config, PgStore* store, VoicemailClient* voicemail);
  ~Dispatcher();

  void Start();
  void Stop();
  // New work was written: senders look now instead of at their next poll.
  void Wake();

  // The e-mail a delivery renders to (attachments fetched); exposed for tests.
  absl::StatusOr<Email> BuildEmail(const DeliveryRow& d);

 private:
  void SenderLoop();
  void AfterAcceptLoop();
  absl::Status Send(const DeliveryRow& d, SmtpClient& smtp);
  void Record(const DeliveryRow& d, const absl::Status& outcome);
  absl::Duration Backoff(int attempts) const;
  absl::Status RunAfterAccept();
  // Sleeps until Wake() (after `seen`), Stop() or the timeout; false once stopping.
  bool WaitForWork(uint64_t& seen, absl::Duration timeout);

  DispatcherConfig config_;
  PgStore* store_;
  VoicemailClient* voicemail_;
  std::string domain_;  // of the From address, for Message-IDs
  std::vector<std::thread> threads_;

  absl::Mutex mu_;
  absl::CondVar cv_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t wakeups_ ABSL_GUARDED_BY(mu_) = 0;
  bool after_accept_due_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time last_purge_ = absl::InfinitePast();  // AfterAcceptLoop's thread only
};

}  // namespace sb::notifications
