// profiles: tenants, users, lines, devices, credentials, contacts (gRPC).
#include "absl/flags/flag.h"
#include "core/config.h"
#include "core/logging.h"
#include "core/server.h"
#include "core/shutdown.h"
#include "events/publisher.h"
#include "pg/migrate.h"
#include "pg/pool.h"
#include "redis/client.h"
#include "pg/outbox_relay.h"
#include "services/profiles/pg_store.h"
#include "services/profiles/profiles_server.h"

ABSL_FLAG(std::string, profiles_listen, "127.0.0.1:50051", "gRPC listen address");
ABSL_FLAG(std::string, pg_url, "postgresql://postgres@127.0.0.1:5432/postgres", "PostgreSQL URL");
ABSL_FLAG(int, pg_pool_size, 16, "PostgreSQL connections");
ABSL_FLAG(std::string, redis_url, "redis://127.0.0.1:6379", "Redis URL (event streams)");
ABSL_FLAG(std::string, sip_proxy, "127.0.0.1:5060", "SIP proxy shown with device credentials");
ABSL_FLAG(std::string, default_country, "FR", "country for sign-in numbers without a country code");
ABSL_FLAG(std::string, log_level, "info", "trace, debug, info, warn, error");

namespace sb::profiles {
const std::vector<pg::Migration>& Migrations();
}

int main(int argc, char** argv) {
  sb::core::BlockTerminationSignals();
  sb::core::ParseFlags(argc, argv, "profiles: subscribers, credentials and contacts");
  sb::core::InitLogging("profiles", absl::GetFlag(FLAGS_log_level));
  auto log = sb::core::Logger("main");

  auto pool = sb::pg::Pool::Create({.url = absl::GetFlag(FLAGS_pg_url),
                                    .size = absl::GetFlag(FLAGS_pg_pool_size),
                                    .search_path = "profiles"});
  if (!pool.ok()) {
    log->critical("PostgreSQL: {}", pool.status().message());
    return 1;
  }
  if (auto st = sb::pg::Migrate(**pool, "profiles", sb::profiles::Migrations()); !st.ok()) {
    log->critical("migrations: {}", st.message());
    return 1;
  }
  auto redis = sb::redis::Client::Create({.url = absl::GetFlag(FLAGS_redis_url)});
  if (!redis.ok()) {
    log->critical("Redis: {}", redis.status().message());
    return 1;
  }
  sb::events::Publisher publisher(**redis);
  sb::pg::OutboxRelay relay(pool->get(), [&](const sb::pg::OutboxRow& row) {
    sb::events::Event e;
    e.id = row.event_id;
    e.type = row.type;
    e.tenant_id = row.tenant_id;
    e.payload = row.payload;
    e.occurred_at = row.created_at;
    return publisher.Publish(row.topic, std::move(e));
  });
  relay.Start();

  sb::numbering::Numbering numbering;
  sb::profiles::PgStore store(pool->get());
  sb::profiles::ProfilesConfig config;
  config.sip_proxy = absl::GetFlag(FLAGS_sip_proxy);
  config.default_country = absl::GetFlag(FLAGS_default_country);
  sb::profiles::ProfileManager manager(config, &store, &numbering);
  sb::profiles::TrunkService trunks(pool->get());
  sb::profiles::ProfilesServer service(&manager, &trunks);

  auto server = sb::core::GrpcServer::Start({.listen = absl::GetFlag(FLAGS_profiles_listen)}, {&service});
  if (!server.ok()) {
    log->critical("{}", server.status().message());
    return 1;
  }
  log->info("profiles serving on port {}", (*server)->port());
  int sig = sb::core::WaitForTerminationSignal();
  log->info("signal {}: stopping", sig);
  (*server)->Shutdown(absl::Seconds(10));
  relay.Stop();
  return 0;
}
