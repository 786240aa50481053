#include "services/routing/routing_server.h"

#include "core/handler.h"
#include "core/logging.h"
#include "core/status.h"

namespace sb::routing {
namespace {

using core::ToGrpc;

using core::Fill;

// core::PrincipalFrom reads a sync ServerContext; a callback method gets a
// CallbackServerContext (a sibling class), so the stream reads the role the
// same way here: the metadata key is core/principal.cc's.
bool IsSystemCaller(const grpc::CallbackServerContext& ctx) {
  auto it = ctx.client_metadata().find("x-sb-role");
  return it != ctx.client_metadata().end() &&
         std::string_view(it->second.data(), it->second.size()) == "SYSTEM";
}

// Refuses a stream at once.
class RefusedStream final : public grpc::ServerBidiReactor<rpb::EdgeMessage, rpb::RoutingMessage> {
 public:
  explicit RefusedStream(grpc::Status status) { Finish(std::move(status)); }
  void OnDone() override { delete this; }
};

}  // namespace

// The handlers read as functions, the macros as their braces.
// clang-format off
#define SB_HANDLER(Name, Req, Resp)                                                                  \
  grpc::Status RoutingServer::Name(grpc::ServerContext* ctx, const rpb::Req* req, rpb::Resp* resp) { \
    return core::WithPrincipal("routing", #Name, ctx, [&](const Principal& p) -> absl::Status {
#define SB_END \
    });        \
  }

SB_HANDLER(GetCallSettings, GetCallSettingsRequest, CallSettings)
  return Fill(manager_->GetCallSettings(p, req->user_id()), resp);
SB_END
SB_HANDLER(UpdateCallSettings, UpdateCallSettingsRequest, CallSettings)
  return Fill(manager_->UpdateCallSettings(p, *req), resp);
SB_END
SB_HANDLER(CreateSchedule, CreateScheduleRequest, Schedule)
  return Fill(manager_->CreateSchedule(p, *req), resp);
SB_END
SB_HANDLER(GetSchedule, GetScheduleRequest, Schedule)
  return Fill(manager_->GetSchedule(p, req->schedule_id()), resp);
SB_END
SB_HANDLER(ListSchedules, ListSchedulesRequest, ListSchedulesResponse)
  return Fill(manager_->ListSchedules(p, *req), resp);
SB_END
SB_HANDLER(UpdateSchedule, UpdateScheduleRequest, Schedule)
  return Fill(manager_->UpdateSchedule(p, *req), resp);
SB_END
SB_HANDLER(DeleteSchedule, DeleteScheduleRequest, Empty)
  return manager_->DeleteSchedule(p, req->schedule_id());
SB_END
SB_HANDLER(ListHolidays, ListHolidaysRequest, ListHolidaysResponse)
  return Fill(manager_->ListHolidays(*req), resp);
SB_END
SB_HANDLER(CreateRuleList, CreateRuleListRequest, RuleList)
  return Fill(manager_->CreateRuleList(p, *req), resp);
SB_END
SB_HANDLER(GetRuleList, GetRuleListRequest, RuleList)
  return Fill(manager_->GetRuleList(p, req->rule_list_id()), resp);
SB_END
SB_HANDLER(ListRuleLists, ListRuleListsRequest, ListRuleListsResponse)
  return Fill(manager_->ListRuleLists(p, req->user_id()), resp);
SB_END
SB_HANDLER(UpdateRuleList, UpdateRuleListRequest, RuleList)
  return Fill(manager_->UpdateRuleList(p, *req), resp);
SB_END
SB_HANDLER(DeleteRuleList, DeleteRuleListRequest, Empty)
  return manager_->DeleteRuleList(p, req->rule_list_id());
SB_END
SB_HANDLER(GetBlacklist, GetBlacklistRequest, Blacklist)
  return Fill(manager_->GetBlacklist(p, req->tenant_id()), resp);
SB_END
SB_HANDLER(UpdateBlacklist, UpdateBlacklistRequest, Blacklist)
  return Fill(manager_->UpdateBlacklist(p, *req), resp);
SB_END
SB_HANDLER(AddBlacklistRule, AddBlacklistRuleRequest, BlacklistRule)
  return Fill(manager_->AddBlacklistRule(p, *req), resp);
SB_END
SB_HANDLER(DeleteBlacklistRule, DeleteBlacklistRuleRequest, Empty)
  return manager_->DeleteBlacklistRule(p, *req);
SB_END
SB_HANDLER(ListExtensionSettings, ListExtensionSettingsRequest, ListExtensionSettingsResponse)
  return Fill(manager_->ListExtensionSettings(p, req->tenant_id()), resp);
SB_END
SB_HANDLER(UpdateExtensionSettings, UpdateExtensionSettingsRequest, ListExtensionSettingsResponse)
  return Fill(manager_->UpdateExtensionSettings(p, *req), resp);
SB_END
SB_HANDLER(ListCalls, ListCallsRequest, ListCallsResponse)
  return Fill(manager_->ListCalls(p, *req), resp);
SB_END
SB_HANDLER(ExportCalls, ExportCallsRequest, ExportCallsResponse)
  return Fill(manager_->ExportCalls(p, *req), resp);
SB_END

// A dry run for tools and tests: no call log, and a star code is described
// but not saved. Operators may test any setup, admins their tenant's.
SB_HANDLER(Decide, CallSetup, RouteDecision)
  rpb::CallSetup setup = *req;
  if (p.role == core::PrincipalRole::kUser) return absl::PermissionDeniedError("only admins test call decisions");
  if (p.role == core::PrincipalRole::kAdmin) {
    if (setup.tenant_id().empty()) setup.set_tenant_id(p.tenant_id);
    if (setup.tenant_id() != p.tenant_id) return absl::NotFoundError("tenant not found");
  }
  if (setup.call_id().empty()) setup.set_call_id("decide-dry-run");
  rpb::RouteDecision decision = decider_->Decide(setup, {.apply_star_codes = false});
  // Another tenant's subscriber is nobody an admin may look at.
  if (p.role == core::PrincipalRole::kAdmin && !decision.callee_tenant_id().empty() &&
      decision.callee_tenant_id() != p.tenant_id) {
    return absl::NotFoundError("no line answers to this number");
  }
  *resp = std::move(decision);
  return absl::OkStatus();
SB_END

#undef SB_HANDLER
#undef SB_END
// clang-format on

grpc::ServerBidiReactor<rpb::EdgeMessage, rpb::RoutingMessage>* RoutingServer::CallStream(
    grpc::CallbackServerContext* ctx) {
  if (!IsSystemCaller(*ctx)) {
    return new RefusedStream(grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                                          "the call stream is for the platform's edge (SYSTEM)"));
  }
  return new CallStreamReactor(stream_, ctx->peer());
}

}  // namespace sb::routing
