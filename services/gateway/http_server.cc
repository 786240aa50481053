#include "services/gateway/http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <exception>
#include <limits>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/logging.h"
#include "services/gateway/json.h"

namespace sb::gateway {
namespace {

// Debian's Abseil is built with its own string_view (ABSL_OPTION_USE_STD_STRING_VIEW
// is 0): the public API speaks std::string_view, Abseil calls get this.
absl::string_view Sv(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace

// ---------------------------------------------------------------------------
// HttpRequest

std::string HttpRequest::Header(std::string_view name) const {
  auto it = headers.find(Sv(name));
  if (it == headers.end()) {
    bool has_upper = false;
    for (char c : name) has_upper |= absl::ascii_isupper(static_cast<unsigned char>(c));
    if (!has_upper) return "";
    it = headers.find(absl::AsciiStrToLower(Sv(name)));
    if (it == headers.end()) return "";
  }
  return it->second;
}

std::optional<std::string> HttpRequest::Query(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return value;
  }
  return std::nullopt;
}

const std::string& HttpRequest::PathParam(std::string_view name) const {
  static const std::string* const kNone = new std::string();
  auto it = path_params.find(Sv(name));
  return it == path_params.end() ? *kNone : it->second;
}

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      int hi = HexValue(s[i + 1]);
      int lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Glue between MHD's C callbacks and the server.

namespace {

// One per connection, reused by every request on it (keep-alive), so that a
// request costs no allocation of its own context and keeps the capacity of
// the previous request's strings and maps.
struct Exchange {
  HttpRequest req;
  std::string client_ip;
  size_t body_limit = 0;
  size_t received = 0;   // body bytes read, kept or not
  bool started = false;  // the access handler has seen this request
  bool too_large = false;
};

// Past this, a finished request's body buffer is released rather than kept
// for the next request on the connection.
constexpr size_t kKeptBodyCapacity = 64 << 10;

// How much of an oversized chunked body is read (and dropped) to be able to
// answer 413, when 4× the limit is less.
constexpr size_t kMaxDiscardedBody = 16 << 20;

size_t DiscardBound(size_t limit) {
  if (limit > std::numeric_limits<size_t>::max() / 4) return std::numeric_limits<size_t>::max();
  return std::max(4 * limit, kMaxDiscardedBody);
}

std::string ClientIp(MHD_Connection* connection) {
  const MHD_ConnectionInfo* info =
      MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (info == nullptr || info->client_addr == nullptr) return "";
  char buf[INET6_ADDRSTRLEN] = {};
  const sockaddr* addr = info->client_addr;
  if (addr->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(addr)->sin_addr, buf, sizeof buf);
  } else if (addr->sa_family == AF_INET6) {
    const in6_addr& a6 = reinterpret_cast<const sockaddr_in6*>(addr)->sin6_addr;
    // A dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d; rate limits
    // and logs want the plain IPv4 form.
    if (IN6_IS_ADDR_V4MAPPED(&a6)) {
      inet_ntop(AF_INET, &a6.s6_addr[12], buf, sizeof buf);
    } else {
      inet_ntop(AF_INET6, &a6, buf, sizeof buf);
    }
  }
  return buf;
}

void ParseQuery(std::string_view q, std::vector<std::pair<std::string, std::string>>* out) {
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view part = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      out->emplace_back(PercentDecode(part, true), std::string());
    } else {
      out->emplace_back(PercentDecode(part.substr(0, eq), true),
                        PercentDecode(part.substr(eq + 1), true));
    }
  }
}

// Splits the request target into the raw path and the decoded query.
void ParseTarget(std::string_view uri, HttpRequest* req) {
  // absolute-form ("http://host/path"), which HTTP/1.1 servers must accept.
  if (absl::StartsWithIgnoreCase(Sv(uri), "http://") ||
      absl::StartsWithIgnoreCase(Sv(uri), "https://")) {
    size_t slash = uri.find('/', uri.find("//") + 2);
    uri = slash == std::string_view::npos ? std::string_view("/") : uri.substr(slash);
  }
  size_t hash = uri.find('#');
  if (hash != std::string_view::npos) uri = uri.substr(0, hash);
  size_t qmark = uri.find('?');
  req->path.assign(uri.substr(0, qmark));
  if (qmark != std::string_view::npos) ParseQuery(uri.substr(qmark + 1), &req->query);
}

MHD_Result CollectHeader(void* cls, MHD_ValueKind /*kind*/, const char* key, size_t key_size,
                         const char* value, size_t value_size) {
  auto* headers = static_cast<absl::flat_hash_map<std::string, std::string>*>(cls);
  std::string name(key, key_size);
  absl::AsciiStrToLower(&name);
  auto [it, inserted] = headers->try_emplace(std::move(name));
  if (inserted) {
    it->second.assign(value == nullptr ? "" : value, value == nullptr ? 0 : value_size);
  } else {
    // RFC 9110 §5.3: repeated fields combine into one comma-separated list.
    absl::StrAppend(
        &it->second, ", ",
        absl::string_view(value == nullptr ? "" : value, value == nullptr ? 0 : value_size));
  }
  return MHD_YES;
}

void FreeOwnedBody(void* cls) { delete static_cast<std::string*>(cls); }

}  // namespace

struct MhdCallbacks {
  static MHD_Result Queue(HttpServer* server, MHD_Connection* connection, HttpResponse&& r) {
    if (r.status < 100 || r.status > 599) {
      server->log_->error("handler answered invalid HTTP status {}", r.status);
      r = ErrorResponse(absl::InternalError("internal error"));
    }
    MHD_Response* response;
    const bool has_body = !r.body.empty();
    if (!has_body) {
      response = MHD_create_response_from_buffer(0, const_cast<char*>(""), MHD_RESPMEM_PERSISTENT);
    } else {
      // MHD takes the buffer as it is: no copy of the body.
      auto* owned = new std::string(std::move(r.body));
      response = MHD_create_response_from_buffer_with_free_callback_cls(
          owned->size(), owned->data(), &FreeOwnedBody, owned);
      if (response == nullptr) delete owned;
    }
    if (response == nullptr) return MHD_NO;
    for (const auto& [name, value] : r.headers) {
      if (MHD_add_response_header(response, name.c_str(), value.c_str()) != MHD_YES) {
        server->log_->warn("response header '{}' refused by libmicrohttpd", name);
      }
    }
    // A bodiless answer has no type; a handler's own Content-Type header wins.
    if (!r.content_type.empty() && has_body &&
        MHD_get_response_header(response, "Content-Type") == nullptr) {
      MHD_add_response_header(response, "Content-Type", r.content_type.c_str());
    }
    if (server->draining_.load(std::memory_order_relaxed)) {
      MHD_add_response_header(response, "Connection", "close");
    }
    MHD_Result ret = MHD_queue_response(connection, static_cast<unsigned>(r.status), response);
    MHD_destroy_response(response);
    return ret;
  }

  static MHD_Result TooLarge(HttpServer* server, MHD_Connection* connection, size_t limit) {
    return Queue(server, connection,
                 ErrorResponse(absl::ResourceExhaustedError(absl::StrCat(
                                   "request body is larger than the limit of ", limit, " bytes")),
                               413));
  }

  static MHD_Result OnRequest(void* cls, MHD_Connection* connection, const char* /*url*/,
                              const char* method, const char* /*version*/, const char* upload_data,
                              size_t* upload_data_size, void** con_cls) noexcept {
    auto* server = static_cast<HttpServer*>(cls);
    auto* ex = static_cast<Exchange*>(*con_cls);
    if (ex == nullptr) return MHD_NO;  // no URI callback ran: cannot happen
    try {
      HttpRequest& req = ex->req;
      if (!ex->started) {
        ex->started = true;
        server->RequestStarted();
        req.method.assign(method);
        MHD_get_connection_values_n(connection, MHD_HEADER_KIND, &CollectHeader, &req.headers);
        const HttpServer::Config& cfg = server->config_;
        ex->body_limit = cfg.body_limit ? cfg.body_limit(req.method, req.path) : 0;
        if (ex->body_limit == 0) ex->body_limit = cfg.max_body_bytes;
        // Refuse before reading the body: with "Expect: 100-continue" the
        // client never sends it.
        if (auto it = req.headers.find("content-length"); it != req.headers.end()) {
          uint64_t length = 0;
          if (absl::SimpleAtoi(it->second, &length)) {
            if (length > ex->body_limit) return TooLarge(server, connection, ex->body_limit);
            req.body.reserve(static_cast<size_t>(length));
          }
        }
        return MHD_YES;
      }
      if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        // Chunked bodies have no length up front: count as they come, and
        // drop (never buffer) what goes past the limit. MHD can answer only
        // once the body is in (it refuses a response queued mid-upload), so
        // the rest is read and discarded up to a bound; past the bound the
        // connection is cut without an answer.
        ex->received += n;
        if (!ex->too_large) {
          if (ex->received > ex->body_limit) {
            ex->too_large = true;
            std::string().swap(req.body);
          } else {
            req.body.append(upload_data, n);
          }
        }
        if (ex->too_large && ex->received > DiscardBound(ex->body_limit)) {
          server->log_->info("{} {} from {}: cut after {} bytes of an oversized chunked body",
                             req.method, req.path, req.client_ip, ex->received);
          return MHD_NO;
        }
        return MHD_YES;
      }
      if (ex->too_large) return TooLarge(server, connection, ex->body_limit);

      HttpResponse response;
      try {
        response = server->handler_(req);
      } catch (const std::exception& e) {
        server->log_->error("handler for {} {} threw: {}", req.method, req.path, e.what());
        response = ErrorResponse(absl::InternalError("internal error"));
      } catch (...) {
        server->log_->error("handler for {} {} threw a non-standard exception", req.method,
                            req.path);
        response = ErrorResponse(absl::InternalError("internal error"));
      }
      return Queue(server, connection, std::move(response));
    } catch (const std::exception& e) {
      // Only allocation failure gets here; closing the connection is all
      // that is left to do.
      server->log_->error("request failed outside the handler: {}", e.what());
      return MHD_NO;
    } catch (...) {
      return MHD_NO;
    }
  }

  // Called with the request line, before the headers: the start of a request.
  static void* OnUri(void* /*cls*/, const char* uri, MHD_Connection* connection) noexcept {
    const MHD_ConnectionInfo* info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    if (info == nullptr || info->socket_context == nullptr) return nullptr;
    auto* ex = static_cast<Exchange*>(info->socket_context);
    try {
      HttpRequest& req = ex->req;
      req.method.clear();
      req.path.clear();
      req.query.clear();
      req.headers.clear();
      if (req.body.capacity() > kKeptBodyCapacity) {
        std::string().swap(req.body);
      } else {
        req.body.clear();
      }
      req.path_params.clear();
      req.route_pattern = {};
      req.client_ip = ex->client_ip;
      ex->received = 0;
      ex->started = false;
      ex->too_large = false;
      ParseTarget(uri == nullptr ? "" : uri, &req);
    } catch (...) {
      return nullptr;
    }
    return ex;
  }

  static void OnCompleted(void* cls, MHD_Connection* /*connection*/, void** con_cls,
                          MHD_RequestTerminationCode /*toe*/) noexcept {
    auto* ex = static_cast<Exchange*>(*con_cls);
    if (ex != nullptr && ex->started) {
      ex->started = false;
      static_cast<HttpServer*>(cls)->RequestFinished();
    }
  }

  static void OnConnection(void* /*cls*/, MHD_Connection* connection, void** socket_context,
                           MHD_ConnectionNotificationCode code) noexcept {
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
      try {
        auto* ex = new Exchange;
        ex->client_ip = ClientIp(connection);
        *socket_context = ex;
      } catch (...) {
        *socket_context = nullptr;
      }
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
      delete static_cast<Exchange*>(*socket_context);
      *socket_context = nullptr;
    }
  }

  static void OnLog(void* cls, const char* fmt, va_list ap) noexcept {
    char buf[512];
    int n = std::vsnprintf(buf, sizeof buf, fmt, ap);
    if (n <= 0) return;
    absl::string_view msg(buf, std::min<size_t>(static_cast<size_t>(n), sizeof buf - 1));
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == '\r')) msg.remove_suffix(1);
    auto& log = static_cast<HttpServer*>(cls)->log_;
    // Most of what MHD reports is a client misbehaving or leaving; running
    // out of connections or threads is ours to know about.
    if (absl::StrContains(msg, "limit") || absl::StrContains(msg, "Failed to create")) {
      log->warn("libmicrohttpd: {}", std::string_view(msg.data(), msg.size()));
    } else {
      log->debug("libmicrohttpd: {}", std::string_view(msg.data(), msg.size()));
    }
  }
};

// ---------------------------------------------------------------------------
// HttpServer

namespace {

// Handlers run on these threads; 256 KiB leaves room for protobuf's JSON
// conversion and a gRPC call while keeping 1024 connections cheap.
constexpr size_t kConnectionThreadStack = 256 << 10;

struct BoundSocket {
  int fd = -1;
  int family = AF_UNSPEC;
  int port = 0;
};

absl::StatusOr<BoundSocket> Listen(absl::string_view address) {
  std::string host;
  absl::string_view port;
  if (!address.empty() && address.front() == '[') {
    size_t end = address.find(']');
    if (end == absl::string_view::npos || end + 1 >= address.size() || address[end + 1] != ':') {
      return absl::InvalidArgumentError(
          absl::StrCat("listen address '", address, "' is not [host]:port"));
    }
    host = std::string(address.substr(1, end - 1));
    port = address.substr(end + 2);
  } else {
    size_t colon = address.rfind(':');
    if (colon == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("listen address '", address, "' is not host:port"));
    }
    host = std::string(address.substr(0, colon));
    port = address.substr(colon + 1);
  }
  int port_number = 0;
  if (!absl::SimpleAtoi(port, &port_number) || port_number < 0 || port_number > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("listen address '", address, "' has no valid port"));
  }
  if (host == "*") host.clear();

  addrinfo hints = {};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* results = nullptr;
  std::string port_str(port);
  if (int rc =
          getaddrinfo(host.empty() ? nullptr : host.c_str(), port_str.c_str(), &hints, &results);
      rc != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot resolve listen address '", address, "': ", gai_strerror(rc)));
  }
  std::string last_error = "no address";
  BoundSocket bound;
  for (addrinfo* ai = results; ai != nullptr; ai = ai->ai_next) {
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0) {
      last_error = std::strerror(errno);
      continue;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd, SOMAXCONN) != 0) {
      last_error = std::strerror(errno);
      close(fd);
      continue;
    }
    sockaddr_storage addr = {};
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    bound.fd = fd;
    bound.family = ai->ai_family;
    bound.port =
        ntohs(addr.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port
                                         : reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
    break;
  }
  freeaddrinfo(results);
  if (bound.fd < 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", address, ": ", last_error));
  }
  return bound;
}

}  // namespace

HttpServer::HttpServer() : log_(sb::core::Logger("http")) {}

HttpServer::~HttpServer() { Stop(); }

int HttpServer::port() const { return port_.load(); }

void HttpServer::RequestStarted() {
  absl::MutexLock lock(&mu_);
  ++in_flight_;
}

void HttpServer::RequestFinished() {
  absl::MutexLock lock(&mu_);
  --in_flight_;
}

absl::Status HttpServer::Start(Config config, Handler handler) {
  absl::MutexLock lock(&lifecycle_mu_);
  if (daemon_ != nullptr) return absl::FailedPreconditionError("HTTP server already started");
  if (!handler) return absl::InvalidArgumentError("HTTP server needs a handler");
  if (config.threads < 1) return absl::InvalidArgumentError("threads must be at least 1");
  if (config.max_body_bytes == 0) return absl::InvalidArgumentError("max_body_bytes must be > 0");
  if (config.connection_limit < 1) {
    return absl::InvalidArgumentError("connection_limit must be at least 1");
  }
  if (config.connection_timeout_s < 0) {
    return absl::InvalidArgumentError("connection_timeout_s must be >= 0");
  }
  absl::StatusOr<BoundSocket> bound = Listen(config.listen);
  if (!bound.ok()) return bound.status();

  config_ = std::move(config);
  handler_ = std::move(handler);
  draining_ = false;
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
  // Pool mode: `threads` epoll loops. Per-connection mode: poll() in each
  // connection's own thread (MHD allows no epoll there), plus the listener.
  const bool pool = config_.threading == Threading::kPool;
  if (pool) {
#ifdef __linux__
    flags |= MHD_USE_EPOLL;
#else
    flags |= MHD_USE_AUTO;
#endif
  } else {
    flags |= MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL;
  }
  if (bound->family == AF_INET6) flags |= MHD_USE_IPv6;
  auto fn = [](auto* f) { return reinterpret_cast<intptr_t>(f); };
  std::vector<MHD_OptionItem> options = {
      // First, so that MHD's complaints about the other options reach the log.
      {MHD_OPTION_EXTERNAL_LOGGER, fn(&MhdCallbacks::OnLog), this},
      {MHD_OPTION_LISTEN_SOCKET, bound->fd, nullptr},
      {MHD_OPTION_CONNECTION_LIMIT, config_.connection_limit, nullptr},
      {MHD_OPTION_CONNECTION_TIMEOUT, config_.connection_timeout_s, nullptr},
      {MHD_OPTION_URI_LOG_CALLBACK, fn(&MhdCallbacks::OnUri), this},
      {MHD_OPTION_NOTIFY_COMPLETED, fn(&MhdCallbacks::OnCompleted), this},
      {MHD_OPTION_NOTIFY_CONNECTION, fn(&MhdCallbacks::OnConnection), this},
  };
  if (pool) {
    options.push_back({MHD_OPTION_THREAD_POOL_SIZE, config_.threads, nullptr});
  } else {
    options.push_back(
        {MHD_OPTION_THREAD_STACK_SIZE, static_cast<intptr_t>(kConnectionThreadStack), nullptr});
  }
  options.push_back({MHD_OPTION_END, 0, nullptr});
  daemon_ = MHD_start_daemon(flags, 0, nullptr, nullptr, &MhdCallbacks::OnRequest, this,
                             MHD_OPTION_ARRAY, options.data(), MHD_OPTION_END);
  if (daemon_ == nullptr) {
    close(bound->fd);
    return absl::InternalError(
        absl::StrCat("libmicrohttpd failed to start on ", config_.listen, " (see the log)"));
  }
  port_ = bound->port;
  log_->info("listening on {} (port {}, {})", config_.listen, bound->port,
             pool ? absl::StrCat(config_.threads, " threads") : "a thread per connection");
  return absl::OkStatus();
}

void HttpServer::Stop() {
  absl::MutexLock lock(&lifecycle_mu_);
  if (daemon_ == nullptr) return;
  draining_ = true;
  MHD_socket listen_fd = MHD_quiesce_daemon(daemon_);
  {
    absl::MutexLock flight(&mu_);
    auto idle = [](int* n) { return *n == 0; };
    if (!mu_.AwaitWithTimeout(absl::Condition(+idle, &in_flight_), config_.drain_timeout)) {
      log_->warn("stopping with {} requests still in flight", in_flight_);
    }
  }
  MHD_stop_daemon(daemon_);
  daemon_ = nullptr;
  if (listen_fd != MHD_INVALID_SOCKET) close(listen_fd);
  port_ = 0;
  log_->info("stopped");
}

}  // namespace sb::gateway
