#pragma once
// gRPC handlers of switchboard.routing.v1.Routing. One service mixing the
// two APIs gRPC offers, per method:
//  - the unary methods are sync handlers: they block on PostgreSQL and
//    profiles, so they run on gRPC's sync thread pool;
//  - CallStream is a callback-API bidi stream (WithCallbackMethod_CallStream),
//    one CallStreamReactor per edge stream, so thousands of calls share one
//    stream without a thread each.
// Decide and CallStream are for the platform (the SYSTEM principal: the
// edge); Decide also lets operators and a tenant's admins test a setup.
#include "services/routing/call_stream.h"
#include "services/routing/decider.h"
#include "services/routing/routing_manager.h"
#include "switchboard/routing/v1/routing.grpc.pb.h"

namespace sb::routing {

class RoutingServer final : public rpb::Routing::WithCallbackMethod_CallStream<rpb::Routing::Service> {
 public:
  RoutingServer(RoutingManager* manager, Decider* decider, StreamDeps stream)
      : manager_(manager), decider_(decider), stream_(stream) {}

#define SB_RPC(Name, Req, Resp) \
  grpc::Status Name(grpc::ServerContext* ctx, const rpb::Req* req, rpb::Resp* resp) override;
  SB_RPC(GetCallSettings, GetCallSettingsRequest, CallSettings)
  SB_RPC(UpdateCallSettings, UpdateCallSettingsRequest, CallSettings)
  SB_RPC(CreateSchedule, CreateScheduleRequest, Schedule)
  SB_RPC(GetSchedule, GetScheduleRequest, Schedule)
  SB_RPC(ListSchedules, ListSchedulesRequest, ListSchedulesResponse)
  SB_RPC(UpdateSchedule, UpdateScheduleRequest, Schedule)
  SB_RPC(DeleteSchedule, DeleteScheduleRequest, Empty)
  SB_RPC(ListHolidays, ListHolidaysRequest, ListHolidaysResponse)
  SB_RPC(CreateRuleList, CreateRuleListRequest, RuleList)
  SB_RPC(GetRuleList, GetRuleListRequest, RuleList)
  SB_RPC(ListRuleLists, ListRuleListsRequest, ListRuleListsResponse)
  SB_RPC(UpdateRuleList, UpdateRuleListRequest, RuleList)
  SB_RPC(DeleteRuleList, DeleteRuleListRequest, Empty)
  SB_RPC(GetBlacklist, GetBlacklistRequest, Blacklist)
  SB_RPC(UpdateBlacklist, UpdateBlacklistRequest, Blacklist)
  SB_RPC(AddBlacklistRule, AddBlacklistRuleRequest, BlacklistRule)
  SB_RPC(DeleteBlacklistRule, DeleteBlacklistRuleRequest, Empty)
  SB_RPC(ListExtensionSettings, ListExtensionSettingsRequest, ListExtensionSettingsResponse)
  SB_RPC(UpdateExtensionSettings, UpdateExtensionSettingsRequest, ListExtensionSettingsResponse)
  SB_RPC(ListCalls, ListCallsRequest, ListCallsResponse)
  SB_RPC(ExportCalls, ExportCallsRequest, ExportCallsResponse)
  SB_RPC(Decide, CallSetup, RouteDecision)
#undef SB_RPC

  grpc::ServerBidiReactor<rpb::EdgeMessage, rpb::RoutingMessage>* CallStream(
      grpc::CallbackServerContext* context) override;

 private:
  RoutingManager* manager_;
  Decider* decider_;
  const StreamDeps stream_;
};

}  // namespace sb::routing
