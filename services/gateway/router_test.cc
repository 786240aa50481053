#include "services/gateway/router.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <map>
#include <string>

namespace sb::gateway {
namespace {

// Each handler answers with its own pattern, so a test sees which route ran.
Router TestRouter() {
  Router router;
  auto add = [&](const char* method, const char* pattern, RouteDoc doc = {}) {
    router.Add(
        method, pattern,
        [pattern](HttpRequest&) {
          HttpResponse r;
          r.body = pattern;
          return r;
        },
        std::move(doc));
  };
  add("GET", "/");
  add("GET", "/v1/health");
  add("GET", "/v1/users/{user_id}");
  add("PATCH", "/v1/users/{user_id}");
  add("GET", "/v1/users/search");
  add("GET", "/v1/users/{user_id}/devices");
  add("POST", "/v1/users/{user_id}/devices");
  add("GET", "/v1/users/{user_id}/devices/{device_id}");
  add("DELETE", "/v1/users/{user_id}/devices/{device_id}");
  add("GET", "/v1/messages/search");
  add("GET", "/v1/messages/{message_id}/content");
  add("HEAD", "/v1/messages/{message_id}");
  RouteDoc upload;
  upload.max_body_bytes = 8 << 20;
  add("PUT", "/v1/users/{user_id}/greetings/{greeting_id}", upload);
  return router;
}

struct Case {
  const char* method;
  const char* path;
  int status;
  const char* route;  // the pattern that must run, when status is 200
  std::map<std::string, std::string> params;
};

TEST_CASE("routes match by segment, literals before parameters") {
  Router router = TestRouter();
  const Case cases[] = {
      {"GET", "/", 200, "/", {}},
      {"GET", "/v1/health", 200, "/v1/health", {}},
      {"GET", "/v1/users/42", 200, "/v1/users/{user_id}", {{"user_id", "42"}}},
      {"GET", "/v1/users/me", 200, "/v1/users/{user_id}", {{"user_id", "me"}}},
      {"PATCH", "/v1/users/42", 200, "/v1/users/{user_id}", {{"user_id", "42"}}},
      {"GET", "/v1/users/search", 200, "/v1/users/search", {}},
      // "search" is a literal at this depth, but only the parameter route
      // goes on to "/devices".
      {"GET",
       "/v1/users/search/devices",
       200,
       "/v1/users/{user_id}/devices",
       {{"user_id", "search"}}},
      {"GET",
       "/v1/messages/search/content",
       200,
       "/v1/messages/{message_id}/content",
       {{"message_id", "search"}}},
      {"POST", "/v1/users/7/devices", 200, "/v1/users/{user_id}/devices", {{"user_id", "7"}}},
      {"GET",
       "/v1/users/7/devices/d-1",
       200,
       "/v1/users/{user_id}/devices/{device_id}",
       {{"user_id", "7"}, {"device_id", "d-1"}}},
      {"DELETE",
       "/v1/users/7/devices/d-1",
       200,
       "/v1/users/{user_id}/devices/{device_id}",
       {{"user_id", "7"}, {"device_id", "d-1"}}},
      // Parameters are decoded after the split: an encoded slash stays inside.
      {"GET", "/v1/users/a%2Fb", 200, "/v1/users/{user_id}", {{"user_id", "a/b"}}},
      {"GET", "/v1/users/%E2%82%AC%20x+y", 200, "/v1/users/{user_id}", {{"user_id", "€ x+y"}}},
      {"GET", "/v1/users/100%", 200, "/v1/users/{user_id}", {{"user_id", "100%"}}},
      {"GET", "/v1/%75sers/search", 200, "/v1/users/search", {}},
      // HEAD falls back to GET, unless it has a route of its own.
      {"HEAD", "/v1/health", 200, "/v1/health", {}},
      {"HEAD", "/v1/messages/m1", 200, "/v1/messages/{message_id}", {{"message_id", "m1"}}},
      {"GET", "/v1/nope", 404, nullptr, {}},
      {"GET", "/v1/users", 404, nullptr, {}},
      {"GET", "/v1/users/", 404, nullptr, {}},
      {"GET", "/v1/users//devices", 404, nullptr, {}},
      {"GET", "/v1/users/7/devices/d-1/extra", 404, nullptr, {}},
      {"GET", "/v1/health/", 404, nullptr, {}},
      {"GET", "v1/health", 404, nullptr, {}},
      {"GET", "", 404, nullptr, {}},
      {"get", "/v1/health", 405, nullptr, {}},  // methods are case-sensitive
      {"POST", "/v1/health", 405, nullptr, {}},
      {"DELETE", "/v1/users/7", 405, nullptr, {}},
      {"PUT", "/v1/users/7/devices", 405, nullptr, {}},
      {"GET", "/v1/messages/m1", 405, nullptr, {}},
  };
  for (const Case& c : cases) {
    INFO(c.method << " " << c.path);
    HttpRequest req;
    req.method = c.method;
    req.path = c.path;
    req.path_params["stale"] = "from a previous request";
    HttpResponse r = router.Dispatch(req);
    CHECK(r.status == c.status);
    if (c.status == 200) {
      CHECK(r.body == c.route);
      CHECK(req.route_pattern == c.route);
      std::map<std::string, std::string> got(req.path_params.begin(), req.path_params.end());
      CHECK(got == c.params);
    }
  }
}

TEST_CASE("404 names the method and path in the standard error body") {
  Router router = TestRouter();
  HttpRequest req;
  req.method = "GET";
  req.path = "/v1/x";
  HttpResponse r = router.Dispatch(req);
  CHECK(r.status == 404);
  CHECK(r.content_type == "application/json");
  CHECK(r.body == R"({"error":{"code":"NOT_FOUND","message":"no route for GET /v1/x"}})");
}

TEST_CASE("405 lists the methods the path has in Allow") {
  Router router = TestRouter();
  HttpRequest req;
  req.method = "POST";
  req.path = "/v1/users/42";
  HttpResponse r = router.Dispatch(req);
  CHECK(r.status == 405);
  REQUIRE(r.headers.size() == 1);
  CHECK(r.headers[0].first == "Allow");
  CHECK(r.headers[0].second == "GET, HEAD, PATCH");
  CHECK(
      r.body ==
      R"j({"error":{"code":"UNIMPLEMENTED","message":"method POST is not allowed on /v1/users/42 (allowed: GET, HEAD, PATCH)"}})j");

  req.method = "GET";
  req.path = "/v1/users/7/devices/d-1";
  req.method = "PATCH";
  r = router.Dispatch(req);
  CHECK(r.status == 405);
  CHECK(r.headers[0].second == "DELETE, GET, HEAD");
}

TEST_CASE("an echoed path is cut short") {
  Router router = TestRouter();
  HttpRequest req;
  req.method = "GET";
  req.path = "/" + std::string(5000, 'a');
  HttpResponse r = router.Dispatch(req);
  CHECK(r.status == 404);
  CHECK(r.body.size() < 400);
}

TEST_CASE("lookups without dispatch: Find and BodyLimit") {
  Router router = TestRouter();
  const Route* route = router.Find("PUT", "/v1/users/7/greetings/g1");
  REQUIRE(route != nullptr);
  CHECK(route->pattern == "/v1/users/{user_id}/greetings/{greeting_id}");
  CHECK(route->params == std::vector<std::string>{"user_id", "greeting_id"});
  CHECK(router.BodyLimit("PUT", "/v1/users/7/greetings/g1") == (8u << 20));
  CHECK(router.BodyLimit("GET", "/v1/users/7") == 0);
  CHECK(router.BodyLimit("GET", "/v1/nope") == 0);
  CHECK(router.Find("GET", "/v1/nope") == nullptr);
  CHECK(router.routes().size() == 13);
}

TEST_CASE("a hundred routes still match the right one") {
  Router router;
  for (int i = 0; i < 100; ++i) {
    std::string pattern = "/v1/r" + std::to_string(i) + "/{id}/sub" + std::to_string(i % 7);
    router.Add("GET", pattern, [i](HttpRequest& req) {
      HttpResponse r;
      r.body = std::to_string(i) + ":" + req.PathParam("id");
      return r;
    });
  }
  for (int i = 0; i < 100; ++i) {
    HttpRequest req;
    req.method = "GET";
    req.path =
        "/v1/r" + std::to_string(i) + "/x" + std::to_string(i) + "/sub" + std::to_string(i % 7);
    HttpResponse r = router.Dispatch(req);
    CHECK(r.body == std::to_string(i) + ":x" + std::to_string(i));
  }
}

// A wiring mistake must stop the gateway at start-up, not shadow a route.
void ExpectAbort(const std::function<void()>& add) {
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // Die of the abort itself, quietly: not through Catch's signal reporting.
    signal(SIGABRT, SIG_DFL);
    int null_fd = open("/dev/null", O_WRONLY);
    dup2(null_fd, STDOUT_FILENO);
    dup2(null_fd, STDERR_FILENO);
    add();
    _exit(0);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CHECK(WIFSIGNALED(status));
  if (WIFSIGNALED(status)) CHECK(WTERMSIG(status) == SIGABRT);
}

TEST_CASE("malformed or duplicate routes abort") {
  auto ok = [](HttpRequest&) { return HttpResponse{}; };
  ExpectAbort([&] {
    Router r;
    r.Add("GET", "/v1/users/{user_id}", ok);
    r.Add("GET", "/v1/users/{id}", ok);  // same shape, same method
  });
  ExpectAbort([&] { Router().Add("GET", "v1/users", ok); });
  ExpectAbort([&] { Router().Add("GET", "/v1/users/{user id}", ok); });
  ExpectAbort([&] { Router().Add("GET", "/v1/{a}/{a}", ok); });
  ExpectAbort([&] { Router().Add("GET", "/v1//users", ok); });
  ExpectAbort([&] { Router().Add("GET", "/v1/users/", ok); });
}

}  // namespace
}  // namespace sb::gateway
