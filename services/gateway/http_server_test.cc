#include "services/gateway/http_server.h"

#include <curl/curl.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "services/gateway/json.h"
#include "services/gateway/router.h"

namespace sb::gateway {
namespace {

// ---------------------------------------------------------------------------
// A small libcurl client.

struct Reply {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  long connects = 0;                           // new connections this request opened
};

struct Request {
  std::string method = "GET";
  std::string target;  // "/v1/x?y=z"
  std::string body;
  std::vector<std::string> headers;
  bool chunked = false;  // send `body` with Transfer-Encoding: chunked
};

size_t WriteBody(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t WriteHeader(char* data, size_t size, size_t n, void* user) {
  std::string line(data, size * n);
  size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
    (*static_cast<std::map<std::string, std::string>*>(user))[name] = value;
  }
  return size * n;
}

struct Upload {
  const std::string* data;
  size_t offset = 0;
};

size_t ReadBody(char* buf, size_t size, size_t n, void* user) {
  auto* up = static_cast<Upload*>(user);
  size_t len = std::min(size * n, up->data->size() - up->offset);
  memcpy(buf, up->data->data() + up->offset, len);
  up->offset += len;
  return len;
}

class Client {
 public:
  explicit Client(int port) : port_(port), curl_(curl_easy_init()) {}
  ~Client() { curl_easy_cleanup(curl_); }

  Reply Do(const Request& r) {
    Reply reply;
    // Reset keeps the connection cache: keep-alive carries over.
    curl_easy_reset(curl_);
    std::string url = absl::StrCat("http://127.0.0.1:", port_, r.target);
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &WriteBody);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &reply.body);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, &WriteHeader);
    curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &reply.headers);
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_slist* headers = nullptr;
    for (const std::string& h : r.headers) headers = curl_slist_append(headers, h.c_str());
    Upload upload{&r.body};
    if (r.method == "HEAD") {
      curl_easy_setopt(curl_, CURLOPT_NOBODY, 1L);
    } else if (r.chunked) {
      curl_easy_setopt(curl_, CURLOPT_POST, 1L);
      curl_easy_setopt(curl_, CURLOPT_READFUNCTION, &ReadBody);
      curl_easy_setopt(curl_, CURLOPT_READDATA, &upload);
      headers = curl_slist_append(headers, "Transfer-Encoding: chunked");
      curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, r.method.c_str());
    } else if (!r.body.empty()) {
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, r.body.data());
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
      curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, r.method.c_str());
    } else {
      curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, r.method.c_str());
    }
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);
    reply.code = curl_easy_perform(curl_);
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &reply.status);
    curl_easy_getinfo(curl_, CURLINFO_NUM_CONNECTS, &reply.connects);
    curl_slist_free_all(headers);
    return reply;
  }

  Reply Get(const std::string& target) { return Do({.target = target}); }

 private:
  int port_;
  CURL* curl_;
};

void InitCurl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// ---------------------------------------------------------------------------
// The server under test, wired as the gateway wires it: a Router behind it.

std::string Describe(const HttpRequest& req) {
  std::vector<std::string> query;
  for (const auto& [k, v] : req.query) query.push_back(k + "=" + v);
  return absl::StrCat(req.method, " ", req.path, " q[", absl::StrJoin(query, "|"),
                      "] body=", req.body.size(), " ip=", req.client_ip,
                      " x-test=", req.Header("X-Test"), " x-dup=", req.Header("x-dup"));
}

// Holds requests until `n` are inside the handler at once: proof that the
// workers serve in parallel, without timing.
class Rendezvous {
 public:
  explicit Rendezvous(int n) : n_(n) {}
  bool Arrive() {
    absl::MutexLock lock(&mu_);
    ++arrived_;
    return mu_.AwaitWithTimeout(absl::Condition(this, &Rendezvous::AllHere), absl::Seconds(10));
  }

 private:
  bool AllHere() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return arrived_ >= n_; }

  absl::Mutex mu_;
  const int n_;
  int arrived_ ABSL_GUARDED_BY(mu_) = 0;
};

struct TestServer {
  explicit TestServer(HttpServer::Config config = {}) {
    InitCurl();
    auto describe = [](HttpRequest& req) {
      HttpResponse r;
      r.content_type = "text/plain";
      r.body = Describe(req);
      return r;
    };
    router.Add("GET", "/v1/echo", describe);
    router.Add("POST", "/v1/echo", describe);
    router.Add("GET", "/v1/users/{user_id}", [](HttpRequest& req) {
      HttpResponse r;
      r.content_type = "text/plain";
      r.body = absl::StrCat(req.path, " -> ", req.PathParam("user_id"));
      return r;
    });
    RouteDoc upload;
    upload.max_body_bytes = 3 << 20;
    router.Add("PUT", "/v1/greeting", describe, upload);
    router.Add("GET", "/v1/throw",
               [](HttpRequest&) -> HttpResponse { throw std::runtime_error("bug in a handler"); });
    router.Add("GET", "/v1/csv", [](HttpRequest&) {
      HttpResponse r;
      r.content_type = "text/csv";
      r.body = "a,b\n1,2\n";
      r.headers = {{"Content-Disposition", "attachment; filename=calls.csv"}, {"Retry-After", "5"}};
      return r;
    });
    router.Add("DELETE", "/v1/thing", [](HttpRequest&) { return HttpResponse{.status = 204}; });
    router.Add("GET", "/v1/big", [](HttpRequest&) {
      HttpResponse r;
      r.content_type = "application/octet-stream";
      r.body.assign(3 << 20, 'z');
      return r;
    });
    router.Add("GET", "/v1/rendezvous", [this](HttpRequest&) {
      HttpResponse r;
      r.status = rendezvous.Arrive() ? 200 : 504;
      return r;
    });
    router.Add("GET", "/v1/slow", [this](HttpRequest&) {
      slow_entered.Notify();
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      HttpResponse r;
      r.body = R"({"slow":true})";
      return r;
    });

    config.listen = "127.0.0.1:0";
    config.body_limit = [this](std::string_view method, std::string_view path) {
      return router.BodyLimit(method, path);
    };
    absl::Status st =
        server.Start(config, [this](HttpRequest& req) { return router.Dispatch(req); });
    REQUIRE(st.ok());
  }

  Router router;
  Rendezvous rendezvous{4};
  absl::Notification slow_entered;
  HttpServer server;  // last: stopped before what its handler uses goes away
};

TEST_CASE("GET with a decoded query, headers and the client address") {
  TestServer t({.threading = GENERATE(HttpServer::Threading::kThreadPerConnection,
                                      HttpServer::Threading::kPool)});
  REQUIRE(t.server.port() > 0);
  Client c(t.server.port());
  Reply r = c.Do({.target = "/v1/echo?a=1&b=hello+world&c=%E2%82%AC%26&a=2&flag&&=v",
                  .headers = {"X-Test: yes", "X-Dup: one", "X-Dup: two"}});
  REQUIRE(r.code == CURLE_OK);
  CHECK(r.status == 200);
  CHECK(r.headers["content-type"] == "text/plain");
  CHECK(r.body ==
        "GET /v1/echo q[a=1|b=hello world|c=€&|a=2|flag=|=v] body=0 ip=127.0.0.1 x-test=yes "
        "x-dup=one, two");
  CHECK(r.headers.count("server") == 0);
  CHECK(r.headers.count("date") == 1);
}

TEST_CASE("POST with a body, path parameters decoded by the router") {
  TestServer t({.threading = GENERATE(HttpServer::Threading::kThreadPerConnection,
                                      HttpServer::Threading::kPool)});
  Client c(t.server.port());
  Reply r = c.Do({.method = "POST",
                  .target = "/v1/echo",
                  .body = R"({"login":"x"})",
                  .headers = {"Content-Type: application/json"}});
  CHECK(r.status == 200);
  CHECK(r.body == "POST /v1/echo q[] body=13 ip=127.0.0.1 x-test= x-dup=");

  r = c.Get("/v1/users/a%2Fb%20c");
  CHECK(r.status == 200);
  CHECK(r.body == "/v1/users/a%2Fb%20c -> a/b c");
}

TEST_CASE("errors come as the JSON error body") {
  TestServer t({.threading = GENERATE(HttpServer::Threading::kThreadPerConnection,
                                      HttpServer::Threading::kPool)});
  Client c(t.server.port());
  Reply r = c.Get("/v1/nope");
  CHECK(r.status == 404);
  CHECK(r.headers["content-type"] == "application/json");
  CHECK(r.body == R"({"error":{"code":"NOT_FOUND","message":"no route for GET /v1/nope"}})");

  r = c.Do({.method = "DELETE", .target = "/v1/echo"});
  CHECK(r.status == 405);
  CHECK(r.headers["allow"] == "GET, HEAD, POST");

  // An exception in a handler is our bug: 500, logged, and the server lives on.
  r = c.Get("/v1/throw");
  CHECK(r.status == 500);
  CHECK(r.body == R"({"error":{"code":"INTERNAL","message":"internal error"}})");
  CHECK(c.Get("/v1/echo").status == 200);
}

TEST_CASE("response content type, custom headers, empty and large bodies") {
  TestServer t({.threading = GENERATE(HttpServer::Threading::kThreadPerConnection,
                                      HttpServer::Threading::kPool)});
  Client c(t.server.port());
  Reply r = c.Get("/v1/csv");
  CHECK(r.status == 200);
  CHECK(r.headers["content-type"] == "text/csv");
  CHECK(r.headers["content-disposition"] == "attachment; filename=calls.csv");
  CHECK(r.headers["retry-after"] == "5");
  CHECK(r.body == "a,b\n1,2\n");

  r = c.Do({.method = "DELETE", .target = "/v1/thing"});
  CHECK(r.status == 204);
  CHECK(r.body.empty());
  CHECK(r.headers.count("content-type") == 0);

  r = c.Get("/v1/big");
  CHECK(r.status == 200);
  CHECK(r.body.size() == (3u << 20));

  r = c.Do({.method = "HEAD", .target = "/v1/csv"});
  CHECK(r.status == 200);
  CHECK(r.body.empty());
}

TEST_CASE("keep-alive: one connection serves many requests") {
  TestServer t({.threading = GENERATE(HttpServer::Threading::kThreadPerConnection,
                                      HttpServer::Threading::kPool)});
  Client c(t.server.port());
  long connects = 0;
  for (int i = 0; i < 50; ++i) {
    Reply r = i % 2 ? c.Get("/v1/echo?i=" + std::to_string(i))
                    : c.Do({.method = "POST", .target = "/v1/echo", .body = "{}"});
    REQUIRE(r.status == 200);
    connects += r.connects;
  }
  CHECK(connects == 1);
  // An error answer keeps the connection too.
  CHECK(c.Get("/v1/nope").status == 404);
  Reply r = c.Get("/v1/echo");
  CHECK(r.connects == 0);
}

TEST_CASE("a body over the limit is refused with 413") {
  TestServer t({.threading = GENERATE(HttpServer::Threading::kThreadPerConnection,
                                      HttpServer::Threading::kPool)});
  Client c(t.server.port());
  const std::string big((1 << 20) + 1, 'x');
  const std::string at_limit(1 << 20, 'x');
  const std::string json_413 =
      R"({"error":{"code":"RESOURCE_EXHAUSTED","message":"request body is larger than the limit of 1048576 bytes"}})";

  SECTION("with Content-Length and Expect: 100-continue (refused before the body is sent)") {
    Reply r = c.Do(
        {.method = "POST", .target = "/v1/echo", .body = big, .headers = {"Expect: 100-continue"}});
    CHECK(r.status == 413);
    CHECK(r.body == json_413);
  }
  SECTION("with Content-Length, no Expect") {
    Reply r = c.Do({.method = "POST", .target = "/v1/echo", .body = big, .headers = {"Expect:"}});
    CHECK(r.status == 413);
    CHECK(r.body == json_413);
  }
  SECTION("chunked") {
    Reply r = c.Do({.method = "POST",
                    .target = "/v1/echo",
                    .body = big,
                    .headers = {"Expect:"},
                    .chunked = true});
    CHECK(r.status == 413);
    CHECK(r.body == json_413);
  }
  SECTION("at the limit it passes, in either framing") {
    Reply r = c.Do({.method = "POST", .target = "/v1/echo", .body = at_limit});
    CHECK(r.status == 200);
    CHECK(r.body.find("body=1048576 ") != std::string::npos);
    r = c.Do({.method = "POST", .target = "/v1/echo", .body = at_limit, .chunked = true});
    CHECK(r.status == 200);
    CHECK(r.body.find("body=1048576 ") != std::string::npos);
  }
  SECTION("a route with its own limit takes more") {
    const std::string upload(3 << 20, 'u');
    Reply r = c.Do({.method = "PUT", .target = "/v1/greeting", .body = upload});
    CHECK(r.status == 200);
    CHECK(r.body.find("body=3145728 ") != std::string::npos);
    r = c.Do({.method = "PUT", .target = "/v1/greeting", .body = upload + "!", .chunked = true});
    CHECK(r.status == 413);
  }
  SECTION("an endless chunked body is cut off rather than drained for ever") {
    const std::string huge(20 << 20, 'h');
    Reply r = c.Do({.method = "POST", .target = "/v1/echo", .body = huge, .chunked = true});
    CHECK(r.code != CURLE_OK);
    CHECK(r.status != 200);
  }
  // Whatever happened, the server still answers.
  Client fresh(t.server.port());
  CHECK(fresh.Get("/v1/echo").status == 200);
}

TEST_CASE("requests from several threads at once") {
  TestServer t({.threading = GENERATE(HttpServer::Threading::kThreadPerConnection,
                                      HttpServer::Threading::kPool)});
  constexpr int kThreads = 8;
  constexpr int kRequests = 40;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      Client c(t.server.port());
      for (int j = 0; j < kRequests; ++j) {
        std::string body = std::string(i * 100 + j, 'b');
        Reply r = c.Do(
            {.method = "POST", .target = absl::StrCat("/v1/echo?t=", i, "&r=", j), .body = body});
        if (r.status == 200 &&
            r.body == absl::StrCat("POST /v1/echo q[t=", i, "|r=", j, "] body=", body.size(),
                                   " ip=127.0.0.1 x-test= x-dup=")) {
          ok.fetch_add(1);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(ok.load() == kThreads * kRequests);
}

// Only per connection: a pool pins connections to loops, and two of these
// requests on one loop would wait for each other (see http_server.h).
TEST_CASE("handlers run in parallel, one thread per connection") {
  TestServer t({.threading = HttpServer::Threading::kThreadPerConnection});
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      Client c(t.server.port());
      if (c.Get("/v1/rendezvous").status == 200) ok.fetch_add(1);
    });
  }
  for (auto& th : threads) th.join();
  CHECK(ok.load() == 4);
}

TEST_CASE("Stop lets a request in flight finish, then refuses connections") {
  TestServer t({.threading = GENERATE(HttpServer::Threading::kThreadPerConnection,
                                      HttpServer::Threading::kPool)});
  int port = t.server.port();
  // An idle keep-alive connection must not hold Stop() up to its timeout.
  Client idle(port);
  REQUIRE(idle.Get("/v1/echo").status == 200);
  Reply slow;
  std::thread client([&] { slow = Client(port).Get("/v1/slow"); });
  REQUIRE(t.slow_entered.WaitForNotificationWithTimeout(absl::Seconds(10)));
  auto before = std::chrono::steady_clock::now();
  t.server.Stop();
  CHECK(std::chrono::steady_clock::now() - before < std::chrono::seconds(5));
  client.join();
  CHECK(slow.code == CURLE_OK);
  CHECK(slow.status == 200);
  CHECK(slow.body == R"({"slow":true})");
  CHECK(slow.headers["connection"] == "close");
  CHECK(t.server.port() == 0);
  Reply after = Client(port).Get("/v1/echo");
  CHECK(after.code == CURLE_COULDNT_CONNECT);
  t.server.Stop();  // idempotent
}

TEST_CASE("Start refuses bad addresses, a taken port, and a second start") {
  InitCurl();
  auto handler = [](HttpRequest&) { return HttpResponse{}; };
  HttpServer a;
  REQUIRE(a.Start({.listen = "127.0.0.1:0"}, handler).ok());
  CHECK(a.Start({.listen = "127.0.0.1:0"}, handler).code() ==
        absl::StatusCode::kFailedPrecondition);

  HttpServer b;
  absl::Status taken = b.Start({.listen = absl::StrCat("127.0.0.1:", a.port())}, handler);
  CHECK(taken.code() == absl::StatusCode::kUnavailable);
  CHECK(taken.message().find("Address already in use") != absl::string_view::npos);
  CHECK(b.Start({.listen = "127.0.0.1"}, handler).code() == absl::StatusCode::kInvalidArgument);
  CHECK(b.Start({.listen = "127.0.0.1:99999"}, handler).code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(b.Start({.listen = "[::1"}, handler).code() == absl::StatusCode::kInvalidArgument);
  CHECK(b.Start({.listen = "127.0.0.1:0", .threads = 0}, handler).code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(b.port() == 0);

  // IPv6 loopback, where the machine has it.
  HttpServer v6;
  if (v6.Start({.listen = "[::1]:0", .threads = 2}, handler).ok()) {
    CHECK(v6.port() > 0);
  }
}

}  // namespace
}  // namespace sb::gateway
