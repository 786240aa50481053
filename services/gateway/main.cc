// gateway: the portal's HTTP/JSON API in front of every service.
#include "absl/flags/flag.h"
#include "core/config.h"
#include "core/logging.h"
#include "core/server.h"
#include "core/shutdown.h"
#include "events/tail.h"
#include "redis/client.h"
#include "services/gateway/gateway.h"
#include "services/gateway/http_server.h"
#include "switchboard/events/v1/events.pb.h"

#include <thread>

ABSL_FLAG(std::string, http_listen, "127.0.0.1:8080", "HTTP listen address");
ABSL_FLAG(int, http_threads, 16, "HTTP worker threads (handlers block on gRPC calls)");
ABSL_FLAG(std::string, redis_url, "redis://127.0.0.1:6379", "Redis URL (sessions, rate limits)");
ABSL_FLAG(int, redis_pool_size, 16, "Redis connections");
ABSL_FLAG(std::string, profiles_addr, "127.0.0.1:50051", "profiles service");
ABSL_FLAG(std::string, routing_addr, "127.0.0.1:50052", "routing service");
ABSL_FLAG(std::string, notifications_addr, "127.0.0.1:50056", "notifications service");
ABSL_FLAG(std::string, voicemail_addr, "127.0.0.1:50054", "voicemail service");
ABSL_FLAG(int, signin_max_failures, 5, "failed sign-ins per login before a wait");
ABSL_FLAG(int, signin_max_failures_per_address, 30, "failed sign-ins per client address before a wait");
ABSL_FLAG(absl::Duration, signin_window, absl::Minutes(15), "window of the sign-in failure counts");
ABSL_FLAG(std::string, log_level, "info", "trace, debug, info, warn, error");

int main(int argc, char** argv) {
  sb::core::BlockTerminationSignals();
  sb::core::ParseFlags(argc, argv, "gateway: the portal API");
  sb::core::InitLogging("gateway", absl::GetFlag(FLAGS_log_level));
  auto log = sb::core::Logger("main");

  auto redis = sb::redis::Client::Create(
      {.url = absl::GetFlag(FLAGS_redis_url), .pool_size = absl::GetFlag(FLAGS_redis_pool_size)});
  if (!redis.ok()) {
    log->critical("Redis: {}", redis.status().message());
    return 1;
  }
  sb::gateway::GatewayConfig config;
  config.signin.per_login = absl::GetFlag(FLAGS_signin_max_failures);
  config.signin.per_address = absl::GetFlag(FLAGS_signin_max_failures_per_address);
  config.signin.window = absl::GetFlag(FLAGS_signin_window);
  sb::gateway::Gateway gateway(config, redis->get(), sb::core::MakeChannel(absl::GetFlag(FLAGS_profiles_addr)),
                               sb::core::MakeChannel(absl::GetFlag(FLAGS_routing_addr)),
                               sb::core::MakeChannel(absl::GetFlag(FLAGS_notifications_addr)),
                               sb::core::MakeChannel(absl::GetFlag(FLAGS_voicemail_addr)));

  // Every copy drops the cached profiles another copy (or a service) changed.
  // A user's profile carries the user's lines, so a line or device event for
  // that user counts too; an unreadable event or a gap clears everything.
  sb::events::Tail profile_events(**redis, {"profile"});
  std::thread profile_tail([&] {
    profile_events.Run(
        [&](const sb::events::Event& e) {
          ::switchboard::events::v1::ProfileChanged change;
          if (change.ParseFromString(e.payload) && !change.user_id().empty()) {
            gateway.user_cache().Invalidate(change.user_id());
          } else {
            gateway.user_cache().Clear();
          }
        },
        [&] { gateway.user_cache().Clear(); });
  });

  sb::gateway::HttpServer server;
  sb::gateway::HttpServer::Config http;
  http.listen = absl::GetFlag(FLAGS_http_listen);
  http.threads = absl::GetFlag(FLAGS_http_threads);
  http.body_limit = [&](std::string_view method, std::string_view path) {
    return gateway.router().BodyLimit(method, path);
  };
  if (auto st = server.Start(http, [&](sb::gateway::HttpRequest& r) { return gateway.Handle(r); }); !st.ok()) {
    log->critical("{}", st.message());
    profile_events.Stop();
    profile_tail.join();
    return 1;
  }
  log->info("portal API on http://{} (port {})", http.listen, server.port());
  int sig = sb::core::WaitForTerminationSignal();
  log->info("signal {}: stopping", sig);
  server.Stop();
  profile_events.Stop();
  profile_tail.join();
  return 0;
}
