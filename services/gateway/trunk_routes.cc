// Routes of carrier trunks (operators): the edge recognises inbound calls by
// a trunk's source addresses and sends external numbers to its outbound URI.
// Stored by profiles (services/profiles/trunks.h).
#include "services/gateway/gateway.h"

namespace sb::gateway {

void Gateway::AddTrunkRoutes() {
  using Stub = pb::Profiles::Stub;
  const std::vector<std::string> kOperator = {"OPERATOR"};
  Authed("POST", "/v1/trunks",
         {.summary = "Create a carrier trunk", .tag = "trunks", .request = pb::Trunk::descriptor(),
          .response = pb::Trunk::descriptor(), .roles = kOperator, .success_status = 201},
         [this](HttpRequest& r, const Caller& c) {
           pb::CreateTrunkRequest req;
           if (auto st = ParseBody(r, req.mutable_trunk()); !st.ok()) return ErrorResponse(st);
           return Answer(Profiles(&Stub::CreateTrunk, c.principal, req), 201);
         });
  Authed("GET", "/v1/trunks",
         {.summary = "List carrier trunks", .tag = "trunks", .response = pb::ListTrunksResponse::descriptor(),
          .roles = kOperator, .query = {{.name = "tenant_id"}}},
         [this](HttpRequest& r, const Caller& c) {
           pb::ListTrunksRequest req;
           req.set_tenant_id(r.Query("tenant_id").value_or(""));
           return Answer(Profiles(&Stub::ListTrunks, c.principal, req));
         });
  Authed("GET", "/v1/trunks/{trunk_id}",
         {.summary = "Get a carrier trunk", .tag = "trunks", .response = pb::Trunk::descriptor(), .roles = kOperator},
         [this](HttpRequest& r, const Caller& c) {
           pb::GetTrunkRequest req;
           req.set_trunk_id(std::string(r.PathParam("trunk_id")));
           return Answer(Profiles(&Stub::GetTrunk, c.principal, req));
         });
  Authed("DELETE", "/v1/trunks/{trunk_id}", {.summary = "Delete a carrier trunk", .tag = "trunks", .roles = kOperator},
         [this](HttpRequest& r, const Caller& c) {
           pb::DeleteTrunkRequest req;
           req.set_trunk_id(std::string(r.PathParam("trunk_id")));
           return NoContent(Profiles(&Stub::DeleteTrunk, c.principal, req).status());
         });
}

}  // namespace sb::gateway
