// Sessions (A1), password reset by link, security e-mail confirmation (A2),
// health and the OpenAPI document.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/logging.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "services/gateway/gateway.h"
#include "switchboard/gateway/v1/gateway.pb.h"

namespace sb::gateway {
namespace gw = ::switchboard::gateway::v1;

namespace {
HttpResponse Json200(std::string body) {
  HttpResponse r;
  r.body = std::move(body);
  return r;
}
}  // namespace

void Gateway::AddSessionRoutes() {
  Public("POST", "/v1/sessions",
         {.summary = "Sign in with a number or e-mail and a password",
          .tag = "sessions",
          .request = gw::SignInRequest::descriptor(),
          .response = gw::Session::descriptor(),
          .extra_statuses = {401, 429},
          .success_status = 201},
         [this](HttpRequest& r) {
           gw::SignInRequest in;
           if (auto st = ParseBody(r, &in); !st.ok()) return ErrorResponse(st);
           if (in.login().empty()) return ErrorResponse(core::InvalidField("login", "login is required"));
           if (in.password().empty()) return ErrorResponse(core::InvalidField("password", "password is required"));
           auto blocked = limiter_.Blocked(in.login(), r.client_ip);
           if (!blocked.ok()) return ErrorResponse(absl::UnavailableError("sign-in is unavailable, try again shortly"));
           if (blocked->has_value()) {
             HttpResponse resp = ErrorResponse(
                 absl::ResourceExhaustedError("too many failed sign-ins; wait before trying again"));
             resp.headers.emplace_back("Retry-After",
                                       absl::StrCat(std::ceil(absl::ToDoubleSeconds(**blocked))));
             return resp;
           }
           pb::AuthenticateRequest req;
           req.set_login(in.login());
           req.set_password(in.password());
           req.set_client_address(r.client_ip);
           auto auth = Profiles(&pb::Profiles::Stub::Authenticate, core::Principal::System(), req);
           if (!auth.ok()) {
             if (auth.status().code() == absl::StatusCode::kUnauthenticated) {
               (void)limiter_.RecordFailure(in.login(), r.client_ip);
               core::Logger("gateway")->info("failed sign-in from {}", r.client_ip);
             }
             return ErrorResponse(auth.status());
           }
           (void)limiter_.RecordSuccess(in.login());
           const pb::User& user = auth->user();
           Session session;
           session.principal.user_id = user.id();
           session.principal.tenant_id = user.tenant_id();
           session.principal.role = user.role() == pb::OPERATOR ? core::PrincipalRole::kOperator
                                    : user.role() == pb::ADMIN  ? core::PrincipalRole::kAdmin
                                                                : core::PrincipalRole::kUser;
           session.security_email_required = user.security_email().empty();
           absl::Duration ttl = in.remember_me() ? config_.remember_me_ttl : config_.session_ttl;
           auto token = sessions_.Create(session, ttl);
           if (!token.ok()) return ErrorResponse(absl::UnavailableError("sessions are unavailable"));
           gw::Session out;
           out.set_token(*token);
           out.mutable_expires_at()->set_seconds(absl::ToUnixSeconds(absl::Now() + ttl));
           *out.mutable_user() = user;
           out.set_security_email_required(session.security_email_required);
           return JsonResponse(201, out);
         });

  Authed("DELETE", "/v1/sessions/current", {.summary = "Sign out", .tag = "sessions"},
         [this](HttpRequest&, const Caller& c) { return NoContent(sessions_.Delete(c.token)); },
         /*before_security_email=*/true);

  Public("POST", "/v1/password-resets",
         {.summary = "Send a password-reset link to the account's security e-mail",
          .tag = "sessions",
          .request = gw::PasswordResetRequest::descriptor(),
          .success_status = 202},
         [this](HttpRequest& r) {
           gw::PasswordResetRequest in;
           if (auto st = ParseBody(r, &in); !st.ok()) return ErrorResponse(st);
           // Reset requests count against the same limits as sign-ins.
           auto blocked = limiter_.Blocked(in.login(), r.client_ip);
           if (blocked.ok() && blocked->has_value()) {
             HttpResponse resp = ErrorResponse(absl::ResourceExhaustedError("too many attempts; wait"));
             resp.headers.emplace_back("Retry-After", absl::StrCat(std::ceil(absl::ToDoubleSeconds(**blocked))));
             return resp;
           }
           (void)limiter_.RecordFailure(in.login(), r.client_ip);
           pb::RequestPasswordResetRequest req;
           req.set_login(in.login());
           req.set_client_address(r.client_ip);
           auto st = Profiles(&pb::Profiles::Stub::RequestPasswordReset, core::Principal::System(), req);
           if (!st.ok()) return ErrorResponse(st.status());
           HttpResponse resp;
           resp.status = 202;
           resp.body = "{}";
           return resp;
         });

  Public("POST", "/v1/password-resets/confirm",
         {.summary = "Set a new password with the link's token",
          .tag = "sessions",
          .request = gw::PasswordResetConfirmation::descriptor()},
         [this](HttpRequest& r) {
           gw::PasswordResetConfirmation in;
           if (auto st = ParseBody(r, &in); !st.ok()) return ErrorResponse(st);
           pb::ResetPasswordRequest req;
           req.set_token(in.token());
           req.set_new_password(in.new_password());
           return NoContent(Profiles(&pb::Profiles::Stub::ResetPassword, core::Principal::System(), req).status());
         });

  Public("POST", "/v1/security-email/confirm",
         {.summary = "Confirm the security e-mail with the link's token",
          .tag = "sessions",
          .request = gw::TokenConfirmation::descriptor()},
         [this](HttpRequest& r) {
           gw::TokenConfirmation in;
           if (auto st = ParseBody(r, &in); !st.ok()) return ErrorResponse(st);
           pb::ConfirmSecurityEmailRequest req;
           req.set_token(in.token());
           return NoContent(
               Profiles(&pb::Profiles::Stub::ConfirmSecurityEmail, core::Principal::System(), req).status());
         });

  // Profiles, routing and Redis carry every request: without one of them the
  // gateway answers 503 so a load balancer takes it out. Voicemail and
  // notifications only carry their own routes: when one of them is down the
  // gateway still serves the rest, so it says DEGRADED with a 200 and names it.
  Public("GET", "/v1/health",
         {.summary = "Health of the gateway and each backend: SERVING, DEGRADED (voicemail or notifications "
                     "down, 200) or NOT_SERVING (profiles, routing or Redis down, 503)",
          .tag = "health",
          .response = gw::Health::descriptor(),
          .extra_statuses = {503}},
         [this](HttpRequest&) {
           gw::Health out;
           bool essential = true;
           bool optional = true;
           auto check = [&](const std::string& name, const std::shared_ptr<grpc::Channel>& channel) {
             auto stub = grpc::health::v1::Health::NewStub(channel);
             grpc::ClientContext ctx;
             ctx.set_deadline(core::DeadlineIn(absl::Seconds(2)));
             grpc::health::v1::HealthCheckResponse resp;
             grpc::Status st = stub->Check(&ctx, {}, &resp);
             std::string state = !st.ok() ? "UNREACHABLE"
                                 : resp.status() == grpc::health::v1::HealthCheckResponse::SERVING ? "SERVING"
                                                                                                   : "NOT_SERVING";
             (*out.mutable_services())[name] = state;
             return state == "SERVING";
           };
           essential &= check("profiles", profiles_channel_);
           essential &= check("routing", routing_channel_);
           if (voicemail_channel_) optional &= check("voicemail", voicemail_channel_);
           if (notifications_channel_) optional &= check("notifications", notifications_channel_);
           auto pong = redis_->Command({"PING"});
           (*out.mutable_services())["redis"] = pong.ok() ? "SERVING" : "UNREACHABLE";
           essential &= pong.ok();
           out.set_status(!essential ? "NOT_SERVING" : optional ? "SERVING" : "DEGRADED");
           return JsonResponse(essential ? 200 : 503, out);
         });

  Public("GET", "/v1/openapi.json", {.summary = "This API's OpenAPI 3 document", .tag = "health"},
         [this](HttpRequest&) { return Json200(openapi_); });
}

}  // namespace sb::gateway
