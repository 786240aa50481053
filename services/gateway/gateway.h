#pragma once
// The portal API: HTTP routes mapped to the services' RPCs. Each request is
// authenticated from its bearer token (a Redis session), checked against the
// first-sign-in gate (A2), turned into the RPC's request with protobuf's JSON
// mapping, and sent with the caller's principal; the service decides what the
// principal may see. Routes are registered by concern: session_routes.cc,
// profile_routes.cc, routing_routes.cc.
#include <memory>
#include <string>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/principal.h"
#include "core/server.h"
#include "core/status.h"
#include "redis/client.h"
#include "services/gateway/json.h"
#include "services/gateway/router.h"
#include "services/gateway/sessions.h"
#include "services/gateway/signin_limiter.h"
#include "services/gateway/user_cache.h"
#include "switchboard/profiles/v1/profiles.grpc.pb.h"
#include "switchboard/routing/v1/routing.grpc.pb.h"
#include "switchboard/notifications/v1/notifications.grpc.pb.h"
#include "switchboard/voicemail/v1/voicemail.grpc.pb.h"

namespace google::protobuf {
class FieldMask;
}

namespace sb::gateway {

namespace pb = ::switchboard::profiles::v1;
namespace rpb = ::switchboard::routing::v1;
namespace npb = ::switchboard::notifications::v1;
namespace vpb = ::switchboard::voicemail::v1;

struct GatewayConfig {
  absl::Duration rpc_timeout = absl::Seconds(10);
  absl::Duration session_ttl = absl::Hours(12);
  absl::Duration remember_me_ttl = absl::Hours(24 * 30);
  SignInLimits signin;
  size_t max_photo_bytes = 2 << 20;
  absl::Duration user_cache_ttl = absl::Seconds(30);
};

// What a handler knows of its caller.
struct Caller {
  core::Principal principal;
  std::string token;
  bool security_email_required = false;
  absl::Time session_expires_at;
};

class Gateway {
 public:
  Gateway(GatewayConfig config, redis::Client* redis, std::shared_ptr<grpc::Channel> profiles,
          std::shared_ptr<grpc::Channel> routing, std::shared_ptr<grpc::Channel> notifications = nullptr,
          std::shared_ptr<grpc::Channel> voicemail = nullptr);

  const Router& router() const { return router_; }
  // Signed-in users' own profiles (GET /v1/users/me). main.cc feeds it the
  // `profile.*` events so every copy drops what another copy changed.
  UserCache& user_cache() const { return user_cache_; }
  HttpResponse Handle(HttpRequest& request) const { return router_.Dispatch(request); }

  // Calls a unary RPC of `stub` with the caller's principal and a deadline.
  template <typename Stub, typename Req, typename Resp>
  absl::StatusOr<Resp> Call(Stub* stub,
                            grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                            const core::Principal& principal, const Req& req) const {
    grpc::ClientContext ctx;
    ctx.set_deadline(core::DeadlineIn(config_.rpc_timeout));
    core::AttachPrincipal(&ctx, principal);
    Resp resp;
    grpc::Status st = (stub->*method)(&ctx, req, &resp);
    if (!st.ok()) return core::FromGrpc(st);
    return resp;
  }
  template <typename Req, typename Resp>
  absl::StatusOr<Resp> Profiles(grpc::Status (pb::Profiles::Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                                const core::Principal& principal, const Req& req) const {
    return Call(profiles_.get(), method, principal, req);
  }
  template <typename Req, typename Resp>
  absl::StatusOr<Resp> Routing(grpc::Status (rpb::Routing::Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                               const core::Principal& principal, const Req& req) const {
    return Call(routing_.get(), method, principal, req);
  }
  template <typename Req, typename Resp>
  absl::StatusOr<Resp> Notifications(
      grpc::Status (npb::Notifications::Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
      const core::Principal& principal, const Req& req) const {
    return Call(notifications_.get(), method, principal, req);
  }
  template <typename Req, typename Resp>
  absl::StatusOr<Resp> Voicemail(grpc::Status (vpb::Voicemail::Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                                 const core::Principal& principal, const Req& req) const {
    return Call(voicemail_.get(), method, principal, req);
  }

 private:
  using AuthedHandler = std::function<HttpResponse(HttpRequest&, const Caller&)>;

  // Registers a route that needs a signed-in caller. `before_security_email`
  // lets it through the first-sign-in gate.
  void Authed(std::string method, std::string pattern, RouteDoc doc, AuthedHandler handler,
              bool before_security_email = false);
  void Public(std::string method, std::string pattern, RouteDoc doc, Handler handler);

  absl::StatusOr<Caller> Authenticate(HttpRequest& request) const;

  void AddSessionRoutes();
  void AddProfileRoutes();
  void AddRoutingRoutes();
  void AddNotificationRoutes();
  void AddVoicemailRoutes();
  void AddTrunkRoutes();  // trunk_routes.cc

  GatewayConfig config_;
  redis::Client* redis_;
  std::shared_ptr<grpc::Channel> profiles_channel_;
  std::unique_ptr<pb::Profiles::Stub> profiles_;
  std::shared_ptr<grpc::Channel> routing_channel_;
  std::unique_ptr<rpb::Routing::Stub> routing_;
  std::shared_ptr<grpc::Channel> notifications_channel_;  // null when not configured
  std::unique_ptr<npb::Notifications::Stub> notifications_;
  std::shared_ptr<grpc::Channel> voicemail_channel_;  // null when not configured
  std::unique_ptr<vpb::Voicemail::Stub> voicemail_;
  mutable SessionStore sessions_;  // thread-safe; Authenticate refreshes state
  SignInLimiter limiter_;
  mutable UserCache user_cache_;
  Router router_;
  std::string openapi_;  // built once every route is registered
};

// Body helpers shared by the route files.
// Parses a JSON body into `out` (INVALID_ARGUMENT naming the field otherwise).
absl::Status ParseBody(const HttpRequest& request, google::protobuf::Message* out, bool allow_empty = false);
// Same, and fills `mask` with the fields the body names (PATCH semantics).
absl::Status ParsePatch(const HttpRequest& request, google::protobuf::Message* out,
                        google::protobuf::FieldMask* mask);
// The answer for a finished call: the message as JSON with `status`, or the error.
template <typename T>
HttpResponse Answer(const absl::StatusOr<T>& result, int status = 200) {
  if (!result.ok()) return ErrorResponse(result.status());
  return JsonResponse(status, *result);
}
HttpResponse NoContent(const absl::Status& status);
int PageSize(const HttpRequest& request);

}  // namespace sb::gateway
