#include "services/gateway/gateway.h"

#include <google/protobuf/field_mask.pb.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "core/logging.h"
#include "services/gateway/openapi.h"

namespace sb::gateway {

Gateway::Gateway(GatewayConfig config, redis::Client* redis, std::shared_ptr<grpc::Channel> profiles,
                 std::shared_ptr<grpc::Channel> routing, std::shared_ptr<grpc::Channel> notifications,
                 std::shared_ptr<grpc::Channel> voicemail)
    : config_(config),
      redis_(redis),
      profiles_channel_(profiles),
      profiles_(pb::Profiles::NewStub(profiles)),
      routing_channel_(routing),
      routing_(rpb::Routing::NewStub(routing)),
      notifications_channel_(notifications),
      notifications_(notifications ? npb::Notifications::NewStub(notifications) : nullptr),
      voicemail_channel_(voicemail),
      voicemail_(voicemail ? vpb::Voicemail::NewStub(voicemail) : nullptr),
      sessions_(redis),
      limiter_(redis, config.signin),
      user_cache_(config.user_cache_ttl) {
  AddSessionRoutes();
  AddProfileRoutes();
  AddTrunkRoutes();
  AddRoutingRoutes();
  if (notifications_) AddNotificationRoutes();
  if (voicemail_) AddVoicemailRoutes();
  OpenApiInfo info;
  info.description =
      "Switchboard's portal API: subscribers manage their lines, admins their tenant, operators the platform. "
      "Errors are {\"error\":{\"code\",\"message\",\"field\"}}.";
  openapi_ = BuildOpenApi(router_, info);
}

absl::StatusOr<Caller> Gateway::Authenticate(HttpRequest& request) const {
  std::string auth = request.Header("authorization");
  if (!absl::StartsWithIgnoreCase(auth, "bearer ")) {
    return absl::UnauthenticatedError("sign in first: send Authorization: Bearer <token> from POST /v1/sessions");
  }
  Caller caller;
  caller.token = std::string(absl::StripAsciiWhitespace(auth.substr(7)));
  auto session = sessions_.Find(caller.token);
  if (!session.ok()) {
    core::Logger("gateway")->warn("sessions unavailable: {}", session.status().message());
    return absl::UnavailableError("sessions are unavailable, try again shortly");
  }
  if (!session->has_value()) return absl::UnauthenticatedError("the session has expired or was signed out");
  caller.principal = (*session)->principal;
  caller.security_email_required = (*session)->security_email_required;
  caller.session_expires_at = (*session)->expires_at;
  if (caller.security_email_required) {
    // The user may have set it from another session: ask once, then remember.
    pb::GetUserRequest req;
    req.set_user_id(caller.principal.user_id);
    auto user = Profiles(&pb::Profiles::Stub::GetUser, caller.principal, req);
    if (user.ok() && !user->security_email().empty()) {
      caller.security_email_required = false;
      Session updated = **session;
      updated.security_email_required = false;
      (void)sessions_.Update(caller.token, updated);
    }
  }
  // `me` stands for the caller in any /v1/users/{user_id}/… path.
  auto it = request.path_params.find("user_id");
  if (it != request.path_params.end() && it->second == "me") it->second = caller.principal.user_id;
  return caller;
}

void Gateway::Authed(std::string method, std::string pattern, RouteDoc doc, AuthedHandler handler,
                     bool before_security_email) {
  doc.auth = true;
  router_.Add(
      std::move(method), std::move(pattern),
      [this, handler = std::move(handler), before_security_email](HttpRequest& request) {
        auto caller = Authenticate(request);
        if (!caller.ok()) return ErrorResponse(caller.status());
        if (caller->security_email_required && !before_security_email) {
          return ErrorResponse(absl::FailedPreconditionError(
                                   "set your security e-mail first: PATCH /v1/users/me with {\"security_email\":…}"),
                               403);
        }
        HttpResponse response = handler(request, *caller);
        if (request.method != "GET" && request.method != "HEAD" && response.status < 400) {
          // Read-your-writes in this copy: a change to a user's resources drops
          // that user's cached profile now (other copies learn it from the
          // profile events); a change elsewhere (a tenant, a line by id) may
          // touch anyone's, so everything cached goes.
          auto user = request.path_params.find("user_id");
          if (user != request.path_params.end()) {
            user_cache_.Invalidate(user->second);
          } else {
            user_cache_.Clear();
          }
        }
        return response;
      },
      std::move(doc));
}

void Gateway::Public(std::string method, std::string pattern, RouteDoc doc, Handler handler) {
  doc.auth = false;
  router_.Add(std::move(method), std::move(pattern), std::move(handler), std::move(doc));
}

absl::Status ParseBody(const HttpRequest& request, google::protobuf::Message* out, bool allow_empty) {
  return ParseJsonBody(request.body, out, JsonBodyOptions{.allow_empty = allow_empty});
}

absl::Status ParsePatch(const HttpRequest& request, google::protobuf::Message* out,
                        google::protobuf::FieldMask* mask) {
  SB_RETURN_IF_ERROR(ParseBody(request, out));
  google::protobuf::Struct keys;
  if (!google::protobuf::util::JsonStringToMessage(request.body, &keys).ok()) {
    return core::InvalidField("", "the body must be a JSON object");
  }
  const auto* desc = out->GetDescriptor();
  for (const auto& [name, value] : keys.fields()) {
    const auto* field = desc->FindFieldByName(name);
    if (field == nullptr) field = desc->FindFieldByCamelcaseName(name);
    if (field != nullptr) mask->add_paths(field->name());
  }
  if (mask->paths_size() == 0) return core::InvalidField("", "the body names no field to change");
  return absl::OkStatus();
}

HttpResponse NoContent(const absl::Status& status) {
  if (!status.ok()) return ErrorResponse(status);
  HttpResponse r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

int PageSize(const HttpRequest& request) {
  int size = 0;
  if (auto v = request.Query("page_size")) (void)absl::SimpleAtoi(*v, &size);
  return size;
}

}  // namespace sb::gateway
