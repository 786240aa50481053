// routing: call settings and rules, the edge's decision stream, call logs (gRPC).
#include "absl/flags/flag.h"
#include "absl/synchronization/mutex.h"
#include "core/config.h"
#include "core/logging.h"
#include "core/server.h"
#include "core/shutdown.h"
#include "events/publisher.h"
#include "pg/migrate.h"
#include "pg/outbox_relay.h"
#include "pg/pool.h"
#include "redis/client.h"
#include "services/routing/call_journal.h"
#include "services/routing/call_log_writer.h"
#include "services/routing/call_recovery.h"
#include "services/routing/call_tracker.h"
#include "services/routing/decider.h"
#include "services/routing/invalidation.h"
#include "services/routing/pg_store.h"
#include "services/routing/purger.h"
#include "services/routing/routing_server.h"

ABSL_FLAG(std::string, routing_listen, "127.0.0.1:50052", "gRPC listen address");
ABSL_FLAG(std::string, pg_url, "postgresql://postgres@127.0.0.1:5432/postgres", "PostgreSQL URL");
ABSL_FLAG(int, pg_pool_size, 16, "PostgreSQL connections");
ABSL_FLAG(std::string, redis_url, "redis://127.0.0.1:6379", "Redis URL (event streams)");
ABSL_FLAG(std::string, profiles_addr, "127.0.0.1:50051", "profiles service");
ABSL_FLAG(
    absl::Duration, decision_deadline, absl::Seconds(2),
    "deadline of each profiles lookup a decision makes on a cache miss (the edge's own deadline, with its "
    "fallback, bounds the whole decision)");
ABSL_FLAG(absl::Duration, cache_ttl, absl::Seconds(30),
          "how long cached profiles and settings data may live when no invalidation event arrives");
ABSL_FLAG(int, worker_threads, 8,
          "threads for decisions that miss the cache, star codes and call-log writes");
ABSL_FLAG(int, stream_max_backlog, 10000, "decisions pending per edge stream before its reads pause");
ABSL_FLAG(absl::Duration, call_setup_timeout, absl::Minutes(2),
          "a call with no event from the edge this long after its setup is forgotten, unlogged");
ABSL_FLAG(absl::Duration, call_timeout, absl::Hours(4),
          "a call silent this long after its last event is logged as is");
ABSL_FLAG(int, max_tracked_calls, 200000, "open calls followed for the call log at most");
ABSL_FLAG(absl::Duration, call_sweep_interval, absl::Seconds(10),
          "how often open calls are checked against call_setup_timeout and call_timeout");
ABSL_FLAG(bool, call_journal, true,
          "journal open calls in Redis so another copy (or this one, restarted) finishes their log");
ABSL_FLAG(bool, call_recovery, true,
          "with call_journal: sweep the journal for calls whose copy died after their final event but "
          "before their log was written, and log them");
ABSL_FLAG(absl::Duration, call_recovery_interval, absl::Seconds(30),
          "how often the journal is swept for finished calls left unlogged (also once at start)");
ABSL_FLAG(absl::Duration, call_recovery_grace, absl::Seconds(10),
          "a finished call's journal is taken by the sweep only this long after its final event, leaving "
          "the copy that owns it time to commit its log");
ABSL_FLAG(absl::Duration, testonly_call_log_commit_delay, absl::ZeroDuration(),
          "TESTS ONLY: delay every call-log batch this long before its commit (crash tests); never set in "
          "production");
ABSL_FLAG(absl::Duration, purge_interval, absl::Hours(1),
          "how often call logs older than two months are deleted");
ABSL_FLAG(std::string, log_level, "info", "trace, debug, info, warn, error");

namespace sb::routing {
const std::vector<pg::Migration>& Migrations();

namespace {

int Run() {
  // Debian's Abseil is built with Mutex deadlock detection on, a debug aid
  // that records every lock acquisition in a process-wide graph: measurable
  // on the decision path (a few locks per call at 20,000 calls/s). The unit
  // tests keep it on; the service runs without it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  sb::core::InitLogging("routing", absl::GetFlag(FLAGS_log_level));
  auto log = sb::core::Logger("main");

  auto pool = sb::pg::Pool::Create({.url = absl::GetFlag(FLAGS_pg_url),
                                    .size = absl::GetFlag(FLAGS_pg_pool_size),
                                    .search_path = "routing"});
  if (!pool.ok()) {
    log->critical("PostgreSQL: {}", pool.status().message());
    return 1;
  }
  if (auto st = sb::pg::Migrate(**pool, "routing", Migrations()); !st.ok()) {
    log->critical("migrations: {}", st.message());
    return 1;
  }
  auto redis = sb::redis::Client::Create({.url = absl::GetFlag(FLAGS_redis_url), .pool_size = 6});
  if (!redis.ok()) {
    log->critical("Redis: {}", redis.status().message());
    return 1;
  }
  sb::events::Publisher publisher(**redis);
  pg::OutboxRelay relay(pool->get(), [&](const pg::OutboxRow& row) {
    sb::events::Event e;
    e.id = row.event_id;
    e.type = row.type;
    e.tenant_id = row.tenant_id;
    e.payload = row.payload;
    e.occurred_at = row.created_at;
    return publisher.Publish(row.topic, std::move(e));
  });
  relay.Start();

  const absl::Duration ttl = absl::GetFlag(FLAGS_cache_ttl);
  sb::numbering::Numbering numbering;
  PgStore store(pool->get());
  GrpcProfilesSource profiles(sb::core::MakeChannel(absl::GetFlag(FLAGS_profiles_addr)),
                              absl::GetFlag(FLAGS_decision_deadline));
  Directory directory(&profiles, &numbering, {.ttl = ttl});
  RoutingData data(&store, ttl);
  RoutingManager manager({}, &store, &data, &directory, &profiles, &numbering);
  Decider decider(&directory, &data, &numbering,
                  [&](const std::string& user_id, const rpb::CallSettings& updated,
                      const google::protobuf::FieldMask& mask) {
                    return manager.SaveFeatureCode(user_id, updated, mask);
                  });

  sb::core::WorkerPool workers(absl::GetFlag(FLAGS_worker_threads), "routing-worker");
  CallJournal journal(redis->get(), {.ttl = absl::GetFlag(FLAGS_call_timeout) * 3});
  const bool journaled = absl::GetFlag(FLAGS_call_journal);
  const absl::Duration commit_delay = absl::GetFlag(FLAGS_testonly_call_log_commit_delay);
  if (commit_delay > absl::ZeroDuration()) {
    log->warn("--testonly_call_log_commit_delay={}: call logs are committed late (a test setting)",
              absl::FormatDuration(commit_delay));
  }
  CallLogWriter writer(&store, &directory, journaled ? &journal : nullptr,
                       {.testonly_commit_delay = commit_delay});
  CallTracker tracker({.setup_timeout = absl::GetFlag(FLAGS_call_setup_timeout),
                       .call_timeout = absl::GetFlag(FLAGS_call_timeout),
                       .max_calls = static_cast<size_t>(absl::GetFlag(FLAGS_max_tracked_calls)),
                       .sweep_interval = absl::GetFlag(FLAGS_call_sweep_interval)},
                      &workers, [&](const CallTrace& trace) { writer.Submit(trace); });
  if (journaled) {
    journal.Start();
    tracker.set_journal(&journal);
  }
  writer.Start();
  tracker.Start();
  CallRecovery recovery(redis->get(), [&](const CallTrace& trace) { writer.Submit(trace); },
                        {.interval = absl::GetFlag(FLAGS_call_recovery_interval),
                         .grace = absl::GetFlag(FLAGS_call_recovery_grace)});
  if (journaled && absl::GetFlag(FLAGS_call_recovery)) recovery.Start();
  InvalidationFeed feed(redis->get(), &directory, &data);
  feed.Start();
  CallLogPurger purger(&store, absl::GetFlag(FLAGS_purge_interval));
  purger.Start();

  RoutingServer service(&manager, &decider,
                        {.decider = &decider,
                         .tracker = &tracker,
                         .pool = &workers,
                         .max_backlog = static_cast<size_t>(absl::GetFlag(FLAGS_stream_max_backlog))});
  auto server = sb::core::GrpcServer::Start({.listen = absl::GetFlag(FLAGS_routing_listen)}, {&service});
  if (!server.ok()) {
    log->critical("{}", server.status().message());
    return 1;
  }
  log->info("routing serving on port {}", (*server)->port());
  int sig = sb::core::WaitForTerminationSignal();
  log->info("signal {}: stopping", sig);
  // Streams first (the edges reconnect elsewhere), then the work they queued.
  (*server)->Shutdown(absl::Seconds(10));
  recovery.Stop();
  workers.Stop();
  tracker.Stop();
  writer.Stop();   // the calls that ended reach PostgreSQL, then their journals go
  journal.Stop();  // what is queued reaches Redis before we go
  const auto open = tracker.Stats().open;
  if (open > 0) {
    log->warn("{} calls still open at shutdown{}", open,
              absl::GetFlag(FLAGS_call_journal) ? ": journaled, the copy that gets their events logs them"
                                                : " are not logged");
  }
  feed.Stop();
  purger.Stop();
  relay.Stop();
  return 0;
}

}  // namespace
}  // namespace sb::routing

int main(int argc, char** argv) {
  sb::core::BlockTerminationSignals();
  sb::core::ParseFlags(argc, argv, "routing: call handling rules, decisions for the edge, call logs");
  return sb::routing::Run();
}
