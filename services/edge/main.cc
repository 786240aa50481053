// edge: the SIP registrar and stateful proxy of the platform.
#include <malloc.h>
#include <unistd.h>

#include "absl/flags/flag.h"
#include "absl/synchronization/mutex.h"
#include "absl/strings/str_cat.h"
#include "core/config.h"
#include "core/logging.h"
#include "core/server.h"
#include "core/shutdown.h"
#include "redis/client.h"
#include "services/edge/auth_throttle.h"
#include "services/edge/authenticator.h"
#include "services/edge/credentials.h"
#include "services/edge/directory.h"
#include "services/edge/line_calls.h"
#include "services/edge/location.h"
#include "services/edge/location_writer.h"
#include "services/edge/mwi.h"
#include "services/edge/nonce_counts.h"
#include "services/edge/profile_events.h"
#include "services/edge/proxy.h"
#include "services/edge/redis_batcher.h"
#include "services/edge/register_handler.h"
#include "services/edge/registrar.h"
#include "services/edge/routing_link.h"
#include "services/edge/sip_front.h"
#include "services/edge/trunks.h"
#include "core/worker_pool.h"
#include "sip/digest.h"
#include "sip/sip_stack.h"

ABSL_FLAG(std::string, sip_listen, "127.0.0.1:5060", "SIP address, UDP and TCP");
ABSL_FLAG(std::string, edge_listen, "127.0.0.1:50053", "gRPC address (health checking)");
ABSL_FLAG(int, sip_t1x64_ms, 32000,
          "SIP timer 64*T1: how long a UDP transaction absorbs retransmissions after its answer");
ABSL_FLAG(std::string, redis_url, "redis://127.0.0.1:6379", "Redis URL (bindings, events)");
ABSL_FLAG(std::string, profiles_addr, "127.0.0.1:50051", "profiles service address");
ABSL_FLAG(std::string, log_level, "info", "trace, debug, info, warn, error");
ABSL_FLAG(int, min_expires, 60, "shortest registration accepted, seconds (shorter: 423)");
ABSL_FLAG(int, max_expires, 3600, "longest registration granted, seconds (longer is cut)");
ABSL_FLAG(int, default_expires, 3600, "registration time when the REGISTER names none, seconds");
ABSL_FLAG(int, max_bindings, 10, "registered contacts per address-of-record");
ABSL_FLAG(int, nonce_ttl, 300, "lifetime of a digest nonce, seconds (older: 401 stale=true)");
ABSL_FLAG(std::string, nonce_secret, "",
          "key signing digest nonces; every edge copy needs the same one (random when empty)");
ABSL_FLAG(std::string, digest_algorithms, "MD5", "challenges offered, in order: MD5, SHA-256 or both");
ABSL_FLAG(int, auth_max_failures, 10,
          "failed authentications from one address before it is blocked (0: never)");
ABSL_FLAG(int, auth_failure_window, 60, "window counting failed authentications, seconds");
ABSL_FLAG(int, auth_block, 300, "how long a blocked address gets 403 without a check, seconds");
ABSL_FLAG(int, credentials_ttl, 60, "how long a device's HA1 is cached, seconds");
ABSL_FLAG(int, credentials_negative_ttl, 10, "how long an unknown SIP username is remembered, seconds");
ABSL_FLAG(int, profiles_timeout_ms, 2000, "deadline of a credentials request to profiles");
ABSL_FLAG(int, workers, 8, "threads for SIP requests that wait for profiles (credential-cache misses)");
ABSL_FLAG(int, max_queued, 4096, "SIP requests waiting for a worker or a Redis writer before 503");
ABSL_FLAG(int, redis_writers, 1, "threads writing registrations to Redis in pipelined batches");
ABSL_FLAG(std::string, routing_addr, "127.0.0.1:50052", "routing service address (the call stream)");
ABSL_FLAG(int, routing_timeout_ms, 1500,
          "how long a call waits for routing's decision before the fallback applies");
ABSL_FLAG(std::string, routing_fallback, "ring",
          "when routing is unreachable or too slow: ring (the dialed line's devices, else 503) or reject (503)");
ABSL_FLAG(int, fallback_ring_s, 60, "how long the fallback rings the line before 480");
ABSL_FLAG(int, retry_after_s, 30, "Retry-After of the 503 when a call can't be routed at all");
ABSL_FLAG(std::string, voicemail_sip_uri, "",
          "the voicemail service's SIP address, e.g. sip:voicemail@127.0.0.1:5070 (empty: voicemail → 480)");
ABSL_FLAG(std::string, sip_advertised, "",
          "host:port put in Record-Route (default: sip_listen)");
ABSL_FLAG(int, max_pending_setups, 300,
          "overload control: new INVITEs get 503 while this many calls are in setup (or this much work waits "
          "for the SIP loop)");
ABSL_FLAG(int, overload_retry_after_s, 2, "Retry-After of the 503 of overload control");
ABSL_FLAG(int, max_udp_backlog_kb, 1536,
          "overload control: new INVITEs get 503 while this much unread SIP waits in the UDP socket (about "
          "100 ms of traffic at 1,500 calls/s: well under the 500 ms after which callers retransmit)");
ABSL_FLAG(int, default_max_calls, 5, "simultaneous calls per line when routing gives no limit (B3)");
ABSL_FLAG(std::string, static_trunks, "",
          "trunks known without the API: id|tenant_id|ip[:port][+ip[:port]]|outbound_uri,… (benchmarks)");
ABSL_FLAG(int, trunks_refresh_s, 10, "how often trunks are reloaded from profiles, seconds");
ABSL_FLAG(std::string, mwi_group, "edge",
          "consumer group reading mailbox.changed: one per platform, so one edge copy notifies each device");
ABSL_FLAG(std::string, events_group, "",
          "consumer group of this copy on events.profile (default edge-<hostname>-<sip port>)");

namespace {

std::string DefaultEventsGroup(const std::string& sip_listen) {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  const size_t colon = sip_listen.rfind(':');
  return absl::StrCat("edge-", host, "-", colon == std::string::npos ? "5060" : sip_listen.substr(colon + 1));
}

absl::Status CheckExpires(int min_s, int default_s, int max_s) {
  if (min_s < 1 || max_s < min_s) {
    return absl::InvalidArgumentError("need 1 <= min_expires <= max_expires");
  }
  if (default_s < min_s || default_s > max_s) {
    return absl::InvalidArgumentError("default_expires must be between min_expires and max_expires");
  }
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  // Sofia allocates and frees a few KiB per message on the loop thread; with
  // glibc's defaults, that thread's heap is trimmed and grown again (mprotect,
  // page faults) thousands of times a second under load. Keep what it has.
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_TOP_PAD, 16 << 20);
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  // absl::Mutex's deadlock detection (on in this build of Abseil) takes a
  // global lock and walks a graph on every contended lock: a debugging aid
  // the SIP loop and its workers pay for thousands of times a second.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  sb::core::BlockTerminationSignals();
  sb::core::ParseFlags(argc, argv, "edge: SIP registrar and proxy");
  const std::string log_level = absl::GetFlag(FLAGS_log_level);
  sb::core::InitLogging("edge", log_level);
  auto log = sb::core::Logger("main");
  // core::Logger creates a logger on first use without a lock: two threads
  // logging under a new name at once (Redis failing under both event
  // consumers) would race and abort. Every component logger of the edge is
  // made here, before any thread starts.
  for (const char* name : {"redis", "events", "sip", "sofia", "proxy", "mwi", "routing-link", "trunks", "auth",
                           "registrar", "edge"}) {
    sb::core::Logger(name);
  }

  const int min_expires = absl::GetFlag(FLAGS_min_expires);
  const int max_expires = absl::GetFlag(FLAGS_max_expires);
  const int default_expires = absl::GetFlag(FLAGS_default_expires);
  if (absl::Status st = CheckExpires(min_expires, default_expires, max_expires); !st.ok()) {
    log->critical("{}", st.message());
    return 2;
  }
  auto algorithms = sb::sip::ParseDigestAlgorithmList(absl::GetFlag(FLAGS_digest_algorithms));
  if (!algorithms.ok()) {
    log->critical("digest_algorithms: {}", algorithms.status().message());
    return 2;
  }
  const int workers = std::max(1, absl::GetFlag(FLAGS_workers));

  auto redis = sb::redis::Client::Create(
      {.url = absl::GetFlag(FLAGS_redis_url), .pool_size = workers + absl::GetFlag(FLAGS_redis_writers) + 3});
  auto events_redis = sb::redis::Client::Create(
      {.url = absl::GetFlag(FLAGS_redis_url), .pool_size = 2, .command_timeout = absl::Seconds(5)});
  if (!redis.ok() || !events_redis.ok()) {
    log->critical("Redis: {}", (redis.ok() ? events_redis.status() : redis.status()).message());
    return 1;
  }

  sb::edge::ProfilesCredentialSource profiles(sb::core::MakeChannel(absl::GetFlag(FLAGS_profiles_addr)),
                                              absl::Milliseconds(absl::GetFlag(FLAGS_profiles_timeout_ms)));
  sb::edge::CredentialCache credentials(
      &profiles, {.ttl = absl::Seconds(absl::GetFlag(FLAGS_credentials_ttl)),
                  .negative_ttl = absl::Seconds(absl::GetFlag(FLAGS_credentials_negative_ttl))});
  std::string events_group = absl::GetFlag(FLAGS_events_group);
  if (events_group.empty()) events_group = DefaultEventsGroup(absl::GetFlag(FLAGS_sip_listen));
  sb::edge::ProfileEvents profile_events(**events_redis, &credentials, events_group);
  (void)profile_events.Start();

  std::string nonce_secret = absl::GetFlag(FLAGS_nonce_secret);
  if (nonce_secret.empty()) {
    log->warn("no nonce_secret: nonces are valid on this copy only, and not across its restarts");
    nonce_secret = sb::sip::RandomBytes(32);
  }
  const absl::Duration nonce_ttl = absl::Seconds(absl::GetFlag(FLAGS_nonce_ttl));
  sb::sip::NonceCodec nonces(nonce_secret, nonce_ttl);
  sb::edge::AuthThrottle throttle({.max_failures = absl::GetFlag(FLAGS_auth_max_failures),
                                   .window = absl::Seconds(absl::GetFlag(FLAGS_auth_failure_window)),
                                   .block = absl::Seconds(absl::GetFlag(FLAGS_auth_block))});
  sb::edge::Authenticator authenticator({.algorithms = *algorithms}, &nonces, &credentials, &throttle);
  sb::edge::Location location(**redis, {.nonce_ttl = nonce_ttl, .max_expires = absl::Seconds(max_expires)});
  sb::edge::Registrar registrar({.min_expires = absl::Seconds(min_expires),
                                 .max_expires = absl::Seconds(max_expires),
                                 .default_expires = absl::Seconds(default_expires),
                                 .max_bindings = absl::GetFlag(FLAGS_max_bindings),
                                 .edge_address = absl::StrCat("sip:", absl::GetFlag(FLAGS_sip_listen))},
                                &authenticator, &location);
  sb::core::WorkerPool pool(workers, "edge-worker", absl::GetFlag(FLAGS_max_queued));
  sb::edge::LocationWriter writer(&location, {.threads = absl::GetFlag(FLAGS_redis_writers),
                                              .max_queued = absl::GetFlag(FLAGS_max_queued)});

  sb::edge::LineCalls line_calls(**redis, {});
  sb::edge::NonceCounts nonce_counts(**redis, nonce_ttl);
  sb::edge::RedisBatcher line_slot_writes(**redis, {});
  sb::edge::EdgeDirectory directory(sb::core::MakeChannel(absl::GetFlag(FLAGS_profiles_addr)),
                                    absl::Milliseconds(absl::GetFlag(FLAGS_profiles_timeout_ms)), absl::Seconds(30));
  sb::edge::TrunkTable trunks;
  auto static_trunks = sb::edge::ParseStaticTrunks(absl::GetFlag(FLAGS_static_trunks));
  if (!static_trunks.ok()) {
    log->critical("{}", static_trunks.status().message());
    return 2;
  }
  trunks.Replace(*static_trunks);
  // The API's trunks (POST /v1/trunks), reloaded periodically, plus the
  // static ones.
  trunks.StartRefresh(
      [&directory, fixed = *static_trunks]() -> absl::StatusOr<std::vector<sb::edge::Trunk>> {
        auto api = directory.Trunks();
        if (!api.ok()) return api.status();
        api->insert(api->end(), fixed.begin(), fixed.end());
        return api;
      },
      absl::Seconds(std::max(1, absl::GetFlag(FLAGS_trunks_refresh_s))));
  sb::edge::RoutingLink routing(sb::core::MakeChannel(absl::GetFlag(FLAGS_routing_addr)), {});
  routing.Start();
  std::string advertised = absl::GetFlag(FLAGS_sip_advertised);
  if (advertised.empty()) advertised = absl::GetFlag(FLAGS_sip_listen);
  const size_t colon = advertised.rfind(':');
  const std::string fallback = absl::GetFlag(FLAGS_routing_fallback);
  if (fallback != "ring" && fallback != "reject") {
    log->critical("routing_fallback must be ring or reject");
    return 2;
  }
  sb::edge::Proxy proxy(
      {.host = advertised.substr(0, colon),
       .port = colon == std::string::npos ? "5060" : advertised.substr(colon + 1),
       .routing_timeout = absl::Milliseconds(absl::GetFlag(FLAGS_routing_timeout_ms)),
       .fallback = fallback == "ring" ? sb::edge::RoutingFallback::kRing : sb::edge::RoutingFallback::kReject,
       .fallback_ring = absl::Seconds(absl::GetFlag(FLAGS_fallback_ring_s)),
       .retry_after_s = absl::GetFlag(FLAGS_retry_after_s),
       .voicemail_uri = absl::GetFlag(FLAGS_voicemail_sip_uri),
       .default_max_calls = absl::GetFlag(FLAGS_default_max_calls),
       .max_pending_setups = std::max(1, absl::GetFlag(FLAGS_max_pending_setups)),
       .overload_retry_after_s = absl::GetFlag(FLAGS_overload_retry_after_s),
       .max_udp_backlog_bytes = int64_t{std::max(1, absl::GetFlag(FLAGS_max_udp_backlog_kb))} << 10},
      {.auth = &authenticator,
       .location = &location,
       .line_calls = &line_calls,
       .routing = &routing,
       .trunks = &trunks,
       .directory = &directory,
       .workers = &pool,
       .nonce_counts = &nonce_counts,
       .redis_batch = &line_slot_writes});

  sb::edge::SipFront front;
  sb::edge::HandleRegister(front, registrar, writer, pool, {});
  proxy.Install(front);
  sb::edge::Mwi mwi({.group = absl::GetFlag(FLAGS_mwi_group), .nonce_counts = &nonce_counts}, **redis, &location,
                    &authenticator, &pool);
  mwi.Install(front);
  auto stack = sb::sip::SipStack::Start({.listen = absl::GetFlag(FLAGS_sip_listen),
                                         .udp_mtu = 65000,
                                         .t1x64 = absl::Milliseconds(absl::GetFlag(FLAGS_sip_t1x64_ms)),
                                         .server_header = "Switchboard edge",
                                         .relay_stray_2xx = true,
                                         .log_level = log_level},
                                        &front);
  if (!stack.ok()) {
    log->critical("SIP: {}", stack.status().message());
    return 1;
  }
  mwi.Start(stack->get());
  auto server = sb::core::GrpcServer::Start({.listen = absl::GetFlag(FLAGS_edge_listen)}, {});
  if (!server.ok()) {
    log->critical("{}", server.status().message());
    return 1;
  }
  log->info("edge serving SIP on {} (UDP, TCP), gRPC health on port {}; digest {}; expires {}..{}s",
            absl::GetFlag(FLAGS_sip_listen), (*server)->port(), absl::GetFlag(FLAGS_digest_algorithms),
            min_expires, max_expires);

  const int sig = sb::core::WaitForTerminationSignal();
  log->info("signal {}: stopping", sig);
  (*server)->Shutdown(absl::Seconds(2));
  // Requests in the workers are answered (the loop still sends); new ones
  // get 503 until the stack stops listening.
  pool.Stop();
  writer.Stop();
  (*stack)->RunInLoop([&proxy] { proxy.Shutdown(); }).IgnoreError();
  line_slot_writes.Stop();  // after the calls' last releases
  (*stack)->Stop();
  mwi.Stop();
  routing.Stop();
  trunks.Stop();
  profile_events.Stop();
  return 0;
}
