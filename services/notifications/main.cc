// notifications: durable delivery of events to people — e-mail (SMTP), e-mail
// to SMS, webhooks, call-outs and reminders (gRPC API for the gateway).
#include <unistd.h>

#include <thread>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "core/config.h"
#include "core/logging.h"
#include "core/server.h"
#include "core/shutdown.h"
#include "events/consumer.h"
#include "pg/migrate.h"
#include "pg/pool.h"
#include "redis/client.h"
#include "services/notifications/clients.h"
#include "services/notifications/dispatcher.h"
#include "services/notifications/notifications_server.h"
#include "services/notifications/pg_store.h"
#include "services/notifications/planner.h"
#include "services/notifications/scheduler.h"

ABSL_FLAG(std::string, notifications_listen, "127.0.0.1:50056", "gRPC listen address");
ABSL_FLAG(std::string, pg_url, "postgresql://postgres@127.0.0.1:5432/postgres", "PostgreSQL URL");
ABSL_FLAG(int, pg_pool_size, 16, "PostgreSQL connections");
ABSL_FLAG(std::string, redis_url, "redis://127.0.0.1:6379", "Redis URL (event streams)");
ABSL_FLAG(std::string, profiles_addr, "127.0.0.1:50051", "profiles service");
ABSL_FLAG(std::string, voicemail_addr, "127.0.0.1:50054", "voicemail service");
ABSL_FLAG(std::string, smtp_url, "smtp://127.0.0.1:2525",
          "SMTP server: smtp://host:port or smtps://user:pass@host:port");
ABSL_FLAG(std::string, smtp_from, "Switchboard <noreply@switchboard.local>", "From of every e-mail");
ABSL_FLAG(std::string, smtp_starttls, "try", "STARTTLS on smtp:// URLs: off, try, required");
ABSL_FLAG(bool, smtp_verify_tls, true, "verify the SMTP server's certificate");
ABSL_FLAG(absl::Duration, smtp_timeout, absl::Seconds(60), "longest time one SMTP transaction may take");
ABSL_FLAG(std::string, link_secret, "",
          "HMAC key of the action links in voicemail e-mails (C5); empty: e-mails carry no action links");
ABSL_FLAG(std::string, public_url, "http://127.0.0.1:8080",
          "the portal API's public URL, for links in e-mails");
ABSL_FLAG(absl::Duration, link_ttl, absl::Hours(24 * 7), "how long an action link works");
ABSL_FLAG(int, senders, 8, "threads sending deliveries (each keeps its SMTP connection)");
ABSL_FLAG(int, consumers, 2, "threads consuming events (consumers of the group)");
ABSL_FLAG(int, max_attempts, 12, "sending attempts of one delivery before it is a dead letter");
ABSL_FLAG(absl::Duration, retry_base, absl::Seconds(5),
          "first retry delay of a delivery; doubles per attempt");
ABSL_FLAG(absl::Duration, retry_max, absl::Minutes(10), "longest retry delay of a delivery");
ABSL_FLAG(absl::Duration, lease, absl::Minutes(2),
          "a delivery being sent is retried if not recorded after this");
ABSL_FLAG(absl::Duration, retention, absl::Hours(24 * 30), "accepted deliveries are purged after this");
ABSL_FLAG(int, event_max_deliveries, 8,
          "deliveries of an event whose handling fails before it is dead-lettered");
ABSL_FLAG(absl::Duration, event_retry_backoff, absl::Seconds(5), "first redelivery delay of a failed event");
ABSL_FLAG(absl::Duration, rpc_timeout, absl::Seconds(10), "deadline of calls to profiles and voicemail");
ABSL_FLAG(absl::Duration, scheduler_poll, absl::Milliseconds(500),
          "how often due reminders and call-outs are looked for");
ABSL_FLAG(bool, webhook_allow_private, false,
          "let webhooks reach loopback and private (RFC 1918, ULA) addresses: on-premise receivers on "
          "the LAN; link-local, multicast and unspecified addresses stay refused");
ABSL_FLAG(absl::Duration, purge_interval, absl::Hours(1),
          "how often deliveries past the retention and expired used action links are purged");
ABSL_FLAG(std::string, default_time_zone, "Europe/Paris", "time zone of users who have none");
ABSL_FLAG(std::string, log_level, "info", "trace, debug, info, warn, error");

namespace sb::notifications {
const std::vector<pg::Migration>& Migrations();

namespace {

StartTls ParseStartTls(const std::string& v) {
  if (v == "off") return StartTls::kOff;
  if (v == "required") return StartTls::kRequired;
  return StartTls::kTry;
}

int Run() {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  core::InitLogging("notifications", absl::GetFlag(FLAGS_log_level));
  auto log = core::Logger("main");
  // core::Logger creates a logger on first use and two threads doing that at
  // once make spdlog throw: create every component's logger before threads run.
  for (const char* component :
       {"notifications", "planner", "dispatcher", "scheduler", "server", "pg", "redis", "events", "outbox"}) {
    core::Logger(component);
  }

  auto pool = pg::Pool::Create({.url = absl::GetFlag(FLAGS_pg_url),
                                .size = absl::GetFlag(FLAGS_pg_pool_size),
                                .search_path = "notifications"});
  if (!pool.ok()) {
    log->critical("PostgreSQL: {}", pool.status().message());
    return 1;
  }
  if (auto st = pg::Migrate(**pool, "notifications", Migrations()); !st.ok()) {
    log->critical("migrations: {}", st.message());
    return 1;
  }
  const int consumers = std::max(1, absl::GetFlag(FLAGS_consumers));
  auto redis = redis::Client::Create({.url = absl::GetFlag(FLAGS_redis_url), .pool_size = consumers + 4});
  if (!redis.ok()) {
    log->critical("Redis: {}", redis.status().message());
    return 1;
  }
  const std::string smtp_url = absl::GetFlag(FLAGS_smtp_url);
  const std::string link_secret = absl::GetFlag(FLAGS_link_secret);
  if (link_secret.empty())
    log->warn("no link secret (SB_LINK_SECRET): voicemail e-mails carry no action links");

  const absl::Duration rpc_timeout = absl::GetFlag(FLAGS_rpc_timeout);
  VoicemailClient voicemail(core::MakeChannel(absl::GetFlag(FLAGS_voicemail_addr)), rpc_timeout);
  ProfilesClient profiles(core::MakeChannel(absl::GetFlag(FLAGS_profiles_addr)), rpc_timeout);
  PgStore store(pool->get());

  DispatcherConfig dc;
  dc.senders = std::max(1, absl::GetFlag(FLAGS_senders));
  dc.lease = absl::GetFlag(FLAGS_lease);
  dc.retry_base = absl::GetFlag(FLAGS_retry_base);
  dc.retry_max = absl::GetFlag(FLAGS_retry_max);
  dc.public_url = absl::GetFlag(FLAGS_public_url);
  dc.link_secret = link_secret;
  dc.link_ttl = absl::GetFlag(FLAGS_link_ttl);
  dc.retention = absl::GetFlag(FLAGS_retention);
  dc.purge_interval = absl::GetFlag(FLAGS_purge_interval);
  dc.webhook_allow_private = absl::GetFlag(FLAGS_webhook_allow_private);
  dc.smtp = {.url = smtp_url,
             .from = absl::GetFlag(FLAGS_smtp_from),
             .starttls = ParseStartTls(absl::GetFlag(FLAGS_smtp_starttls)),
             .verify_tls = absl::GetFlag(FLAGS_smtp_verify_tls),
             .timeout = absl::GetFlag(FLAGS_smtp_timeout)};
  Dispatcher dispatcher(dc, &store, &voicemail);
  Planner planner({.max_attempts = absl::GetFlag(FLAGS_max_attempts),
                   .default_time_zone = absl::GetFlag(FLAGS_default_time_zone)},
                  &store, &voicemail, &profiles, [&] { dispatcher.Wake(); });
  Scheduler scheduler({.poll = absl::GetFlag(FLAGS_scheduler_poll),
                       .default_time_zone = absl::GetFlag(FLAGS_default_time_zone)},
                      &store, &voicemail, &profiles);

  const std::vector<std::string> topics = {"security", "mailbox", "call", "notify"};
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  std::vector<std::unique_ptr<events::Consumer>> group;
  for (int i = 0; i < consumers; ++i) {
    events::ConsumerConfig cc;
    cc.group = "notifications";
    // Stable across restarts of this process slot, so a restarted consumer
    // takes its own pending entries back at once.
    cc.consumer = absl::StrCat(host, "-", absl::GetFlag(FLAGS_notifications_listen), "-", i);
    cc.topics = topics;
    cc.max_deliveries = absl::GetFlag(FLAGS_event_max_deliveries);
    cc.retry_backoff = absl::GetFlag(FLAGS_event_retry_backoff);
    cc.block_timeout = absl::Seconds(1);
    // A mailbox event may wait on voicemail and profiles: small batches keep
    // a batch well under retry_backoff, past which its entries would be
    // handed to another consumer (harmless, the outbox dedupes, but wasted).
    cc.batch_size = 16;
    group.push_back(std::make_unique<events::Consumer>(**redis, cc));
  }
  // Events published right after start-up must reach the group; Redis may
  // not be up yet, in which case the consumers create it when it is.
  if (auto st = group[0]->EnsureGroups(); !st.ok()) log->warn("consumer groups: {}", st.message());

  NotificationsServer service({.link_secret = link_secret,
                               .public_url = absl::GetFlag(FLAGS_public_url),
                               .default_time_zone = absl::GetFlag(FLAGS_default_time_zone),
                               .topics = topics,
                               .webhook_allow_private = absl::GetFlag(FLAGS_webhook_allow_private)},
                              &store, redis->get(), &voicemail, &profiles, [&] { dispatcher.Wake(); });
  auto server = core::GrpcServer::Start({.listen = absl::GetFlag(FLAGS_notifications_listen)}, {&service});
  if (!server.ok()) {
    log->critical("{}", server.status().message());
    return 1;
  }
  dispatcher.Start();
  scheduler.Start();
  std::vector<std::thread> threads;
  for (auto& c : group) {
    threads.emplace_back([&planner, consumer = c.get()] {
      auto st = consumer->Run([&](const events::Event& e) { return planner.Handle(e); });
      if (!st.ok()) core::Logger("main")->critical("consumer: {}", st.message());
    });
  }
  log->info("notifications serving on port {}, SMTP {}", (*server)->port(), RedactedUrl(smtp_url));
  int sig = core::WaitForTerminationSignal();
  log->info("signal {}: stopping", sig);
  for (auto& c : group) c->Stop();
  for (auto& t : threads) t.join();
  (*server)->Shutdown(absl::Seconds(5));
  scheduler.Stop();
  dispatcher.Stop();
  return 0;
}

}  // namespace
}  // namespace sb::notifications

int main(int argc, char** argv) {
  sb::core::BlockTerminationSignals();
  sb::core::ParseFlags(argc, argv, "notifications: e-mail, webhooks, call-outs and reminders");
  return sb::notifications::Run();
}
