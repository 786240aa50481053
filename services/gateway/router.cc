#include "services/gateway/router.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/logging.h"
#include "services/gateway/json.h"

namespace sb::gateway {

// A trie over path segments: the literal children are a hash lookup, so a
// request costs one lookup per segment whatever the number of routes.
struct Router::Node {
  absl::flat_hash_map<std::string, std::unique_ptr<Node>> literals;
  std::unique_ptr<Node> param;
  absl::InlinedVector<std::pair<std::string, int>, 2> methods;  // method → index in routes_
  std::string allow;  // the Allow header for a 405 here, kept up to date by Add

  int RouteFor(std::string_view method) const {
    for (const auto& [m, index] : methods) {
      if (m == method) return index;
    }
    return -1;
  }
};

struct Router::Match {
  // The path's segments, decoded; views into the path or into `decoded`.
  absl::InlinedVector<std::string_view, 12> segments;
  std::vector<std::string> decoded;
  int route = -1;
  absl::InlinedVector<int, 6> params;  // segment index of each {param}, in order
  const Node* path_node = nullptr;     // a node the path reaches, without the method
};

namespace {

constexpr size_t kMaxEchoedPath = 200;

// Debian's Abseil has its own string_view (ABSL_OPTION_USE_STD_STRING_VIEW 0).
absl::string_view Sv(std::string_view s) { return absl::string_view(s.data(), s.size()); }

[[noreturn]] void BadRoute(std::string_view method, std::string_view pattern,
                           std::string_view why) {
  sb::core::Logger("http")->critical("route {} {}: {}", method, pattern, why);
  std::abort();
}

bool ValidParamName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

absl::string_view Echo(std::string_view path) {
  return Sv(path.size() <= kMaxEchoedPath ? path : path.substr(0, kMaxEchoedPath));
}

}  // namespace

Router::Router() : root_(std::make_unique<Node>()) {}
Router::~Router() = default;
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;

void Router::Add(std::string method, std::string pattern, Handler handler, RouteDoc doc) {
  absl::AsciiStrToUpper(&method);
  if (!handler) BadRoute(method, pattern, "no handler");
  if (pattern.empty() || pattern.front() != '/') BadRoute(method, pattern, "must start with '/'");
  Route route;
  Node* node = root_.get();
  std::string_view rest = std::string_view(pattern).substr(1);
  while (!rest.empty()) {
    size_t slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (seg.empty() || (slash != std::string_view::npos && rest.empty())) {
      BadRoute(method, pattern, "empty segment");
    }
    if (seg.front() == '{') {
      if (seg.back() != '}' || !ValidParamName(seg.substr(1, seg.size() - 2))) {
        BadRoute(method, pattern, absl::StrCat("bad parameter segment '", Sv(seg), "'"));
      }
      std::string name(seg.substr(1, seg.size() - 2));
      if (std::find(route.params.begin(), route.params.end(), name) != route.params.end()) {
        BadRoute(method, pattern, absl::StrCat("parameter '", name, "' appears twice"));
      }
      route.params.push_back(std::move(name));
      if (!node->param) node->param = std::make_unique<Node>();
      node = node->param.get();
    } else {
      if (seg.find_first_of("{}?#%") != std::string_view::npos) {
        BadRoute(method, pattern, absl::StrCat("bad literal segment '", Sv(seg), "'"));
      }
      auto& child = node->literals[Sv(seg)];
      if (!child) child = std::make_unique<Node>();
      node = child.get();
    }
  }
  if (node->RouteFor(method) >= 0) {
    BadRoute(method, pattern,
             absl::StrCat("same method and shape as ", routes_[node->RouteFor(method)].pattern));
  }
  node->methods.emplace_back(method, static_cast<int>(routes_.size()));

  std::vector<std::string> allow;
  for (const auto& [m, index] : node->methods) allow.push_back(m);
  if (node->RouteFor("GET") >= 0 && node->RouteFor("HEAD") < 0) allow.push_back("HEAD");
  std::sort(allow.begin(), allow.end());
  node->allow = absl::StrJoin(allow, ", ");

  route.method = std::move(method);
  route.pattern = std::move(pattern);
  route.handler = std::move(handler);
  route.doc = std::move(doc);
  routes_.push_back(std::move(route));
}

Router::Match Router::MatchPath(std::string_view method, std::string_view path) const {
  Match m;
  if (path.empty() || path.front() != '/') return m;
  std::string_view rest = path.substr(1);
  if (!rest.empty()) {
    bool escaped = rest.find('%') != std::string_view::npos;
    if (escaped) m.decoded.reserve(std::count(rest.begin(), rest.end(), '/') + 1);
    while (true) {
      size_t slash = rest.find('/');
      std::string_view seg = rest.substr(0, slash);
      // Decode per segment, after splitting: "a%2Fb" is one segment "a/b".
      if (escaped && seg.find('%') != std::string_view::npos) {
        m.decoded.push_back(PercentDecode(seg, false));
        seg = m.decoded.back();
      }
      m.segments.push_back(seg);
      if (slash == std::string_view::npos) break;
      rest = rest.substr(slash + 1);
    }
  }

  // Depth-first, literal before parameter; the stack is as deep as the path.
  absl::InlinedVector<int, 6> params;
  auto walk = [&](auto& self, const Node* node, size_t i) -> bool {
    if (i == m.segments.size()) {
      if (node->methods.empty()) return false;
      int r = node->RouteFor(method);
      if (r < 0 && method == "HEAD") r = node->RouteFor("GET");
      if (r >= 0) {
        m.route = r;
        m.params = params;
        return true;
      }
      if (m.path_node == nullptr) m.path_node = node;
      return false;
    }
    std::string_view seg = m.segments[i];
    if (seg.empty()) return false;  // "//" or a trailing '/' never matches
    if (auto it = node->literals.find(Sv(seg)); it != node->literals.end()) {
      if (self(self, it->second.get(), i + 1)) return true;
    }
    if (node->param) {
      params.push_back(static_cast<int>(i));
      if (self(self, node->param.get(), i + 1)) return true;
      params.pop_back();
    }
    return false;
  };
  walk(walk, root_.get(), 0);
  return m;
}

HttpResponse Router::Dispatch(HttpRequest& req) const {
  Match m = MatchPath(req.method, req.path);
  if (m.route >= 0) {
    const Route& route = routes_[m.route];
    req.path_params.clear();
    for (size_t k = 0; k < route.params.size(); ++k) {
      req.path_params.emplace(route.params[k], m.segments[m.params[k]]);
    }
    req.route_pattern = route.pattern;
    return route.handler(req);
  }
  if (m.path_node != nullptr) {
    HttpResponse response =
        ErrorResponse(absl::UnimplementedError(
                          absl::StrCat("method ", req.method, " is not allowed on ", Echo(req.path),
                                       " (allowed: ", m.path_node->allow, ")")),
                      405);
    response.headers.emplace_back("Allow", m.path_node->allow);
    return response;
  }
  return ErrorResponse(
      absl::NotFoundError(absl::StrCat("no route for ", req.method, " ", Echo(req.path))));
}

const Route* Router::Find(std::string_view method, std::string_view path) const {
  Match m = MatchPath(method, path);
  return m.route >= 0 ? &routes_[m.route] : nullptr;
}

size_t Router::BodyLimit(std::string_view method, std::string_view path) const {
  const Route* route = Find(method, path);
  return route == nullptr ? 0 : route->doc.max_body_bytes;
}

}  // namespace sb::gateway
