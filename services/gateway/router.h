#pragma once
// Maps METHOD + path to a handler, and carries what the OpenAPI document says
// about each route. Patterns are whole segments, literal or "{param}":
//   router.Add("GET", "/v1/users/{user_id}/devices/{device_id}", handler, doc);
// A literal segment wins over a parameter ("/v1/users/search" before
// "/v1/users/{user_id}"), falling back to the parameter when the rest of the
// path only matches that way. HEAD is served by the GET route unless HEAD has
// its own.
//
// Threading: Add() routes before serving; Dispatch() and the lookups are const
// and may run on any number of threads at once.
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "services/gateway/http_server.h"

namespace google::protobuf {
class Descriptor;
}  // namespace google::protobuf

namespace sb::gateway {

using Handler = std::function<HttpResponse(HttpRequest&)>;

struct QueryParam {
  std::string name;
  std::string type = "string";  // OpenAPI type: string, integer, number, boolean
  std::string description;
  bool required = false;
  std::vector<std::string> enum_values;  // e.g. {"MISSED", "OUTGOING"}
};

struct RouteDoc {
  std::string summary;
  std::string tag;
  // The JSON body's message, or null when the request has none (or is not
  // JSON: see request_content_type).
  const google::protobuf::Descriptor* request = nullptr;
  // The JSON answer's message; null answers 204 with no content, or a binary
  // body when response_content_type is not JSON.
  const google::protobuf::Descriptor* response = nullptr;
  bool auth = true;
  // Roles allowed ("ADMIN", "OPERATOR"); empty: any signed-in user. The
  // gateway enforces them; the router only documents them.
  std::vector<std::string> roles;
  std::vector<QueryParam> query;
  std::string response_content_type = "application/json";  // e.g. "audio/wav"
  std::string request_content_type = "application/json";   // e.g. "application/pdf"
  // Error statuses worth listing beyond the ones every route gets.
  std::vector<int> extra_statuses;
  // Success status when not the default (200 with a body, 204 without), e.g. 201.
  int success_status = 0;
  // Body limit for this route (uploads); 0: the server's default. Enforced by
  // HttpServer through Config::body_limit = router.BodyLimitFn(...).
  size_t max_body_bytes = 0;
  std::string description;
  // OpenAPI operationId; derived from method and pattern when empty.
  std::string operation_id;
};

struct Route {
  std::string method;
  std::string pattern;
  Handler handler;
  RouteDoc doc;
  std::vector<std::string> params;  // names of the pattern's {params}, in order
};

class Router {
 public:
  Router();
  ~Router();
  Router(Router&&) noexcept;
  Router& operator=(Router&&) noexcept;

  // A malformed pattern or a second route for the same method and shape is a
  // bug in the gateway's wiring, found at start-up: it aborts with a message.
  void Add(std::string method, std::string pattern, Handler handler, RouteDoc doc = {});

  // Runs the matching route's handler with req.path_params and
  // req.route_pattern filled, or answers 404 (no such path) or 405 with
  // Allow (the path exists under other methods).
  HttpResponse Dispatch(HttpRequest& req) const;

  // The route `method` `path` (raw, as in HttpRequest::path) would run, or null.
  const Route* Find(std::string_view method, std::string_view path) const;

  // The body limit of the route a request goes to; 0 when the route has none
  // of its own or there is no such route. Fits HttpServer::Config::body_limit.
  size_t BodyLimit(std::string_view method, std::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  struct Node;
  struct Match;

  Match MatchPath(std::string_view method, std::string_view path) const;

  std::vector<Route> routes_;
  std::unique_ptr<Node> root_;
};

}  // namespace sb::gateway
