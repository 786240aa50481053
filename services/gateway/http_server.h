#pragma once
// The gateway's HTTP/1.1 listener, on libmicrohttpd (MHD).
//
// Threading: the handler runs on MHD's threads, to completion, and may be
// called on several at once. It may block (a backend gRPC call of a few ms):
//  - kThreadPerConnection (default): each connection has its own thread, so a
//    blocked handler holds up only its own connection, which HTTP/1.1 holds
//    up anyway. Threads = open connections, capped by connection_limit.
//  - kPool: `threads` epoll loops share the connections; each connection is
//    pinned to the loop that accepted it, and a handler that blocks stalls
//    every other connection of its loop. Only for handlers that never block.
// Measured on 2 cores, wrk -t2 -c64 on the same machine: a handler blocking
// 2 ms gives 25.6k req/s, p99 3.6 ms per connection against 6.5k req/s, p99
// 35 ms in a 16-loop pool; a cheap JSON route 54k req/s, p99 5.5 ms against
// 72k req/s, p99 4 ms.
//
// Bodies are buffered whole, up to a limit per route (default 1 MiB): a larger
// one is answered 413 without buffering more than the limit. Exceptions never
// leave the handler boundary: they become a logged 500.
#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

struct MHD_Daemon;

namespace spdlog {
class logger;
}

namespace sb::gateway {

struct HttpRequest {
  std::string method;
  // The path as sent, still percent-encoded, without the query: the router
  // splits it on '/' before decoding so that an encoded "%2F" stays inside its
  // segment.
  std::string path;
  // Decoded ('+' is a space), in the order sent; repeated names repeat.
  std::vector<std::pair<std::string, std::string>> query;
  // Names in lower case; repeated headers are joined with ", ".
  absl::flat_hash_map<std::string, std::string> headers;
  std::string body;
  // The TCP peer. Behind a load balancer that is the balancer: whether to
  // trust X-Forwarded-For is the gateway's decision, not this layer's.
  std::string client_ip;
  // Filled by the Router, decoded.
  absl::flat_hash_map<std::string, std::string> path_params;
  // Filled by the Router: the pattern that matched ("/v1/users/{user_id}"), a
  // label of bounded cardinality for logs and metrics. Points into the Router.
  std::string_view route_pattern;

  // "" when absent; `name` in any case.
  std::string Header(std::string_view name) const;
  // The first value of a query parameter.
  std::optional<std::string> Query(std::string_view name) const;
  // The value of a path parameter, "" when the route has none by that name.
  const std::string& PathParam(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  // Sent only with a non-empty body.
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Decodes %XX escapes, and '+' as a space when `plus_is_space` (query
// strings, not paths). A malformed escape is kept as sent.
std::string PercentDecode(std::string_view s, bool plus_is_space);

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(HttpRequest&)>;

  enum class Threading { kThreadPerConnection, kPool };

  struct Config {
    // "host:port", "[v6]:port" or ":port" (all interfaces); port 0 picks a free
    // port, see port().
    std::string listen = "127.0.0.1:8080";
    Threading threading = Threading::kThreadPerConnection;
    // Event loops in kPool mode; see the threading note above.
    int threads = 16;
    // Body limit when `body_limit` is unset or answers 0.
    size_t max_body_bytes = 1 << 20;
    // Per-route limit (uploads), asked once per request with the raw path.
    std::function<size_t(std::string_view method, std::string_view path)> body_limit;
    // Idle keep-alive connections are closed after this long.
    int connection_timeout_s = 60;
    int connection_limit = 1024;
    // How long Stop() waits for requests in flight before closing them.
    absl::Duration drain_timeout = absl::Seconds(10);
  };

  HttpServer();
  ~HttpServer();  // Stops.
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving. Fails (and serves nothing) when the address is
  // invalid or taken, or when already started.
  absl::Status Start(Config config, Handler handler);
  // The bound port (the real one when Config::listen asked for port 0), or 0
  // when not started.
  int port() const;
  // Stops accepting, lets requests in flight finish (up to drain_timeout),
  // then closes every connection. Idempotent. Not from a handler: it waits
  // for the handlers' threads.
  void Stop();

 private:
  // MHD's C callbacks, in http_server.cc.
  friend struct MhdCallbacks;

  void RequestStarted();
  void RequestFinished();

  Config config_;
  Handler handler_;
  std::shared_ptr<spdlog::logger> log_;

  absl::Mutex lifecycle_mu_;
  MHD_Daemon* daemon_ ABSL_GUARDED_BY(lifecycle_mu_) = nullptr;
  std::atomic<int> port_{0};
  // Set while Stop() drains: answers then carry "Connection: close" so that
  // keep-alive clients move to another instance.
  std::atomic<bool> draining_{false};

  absl::Mutex mu_;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace sb::gateway
