// Routes of the routing service: call settings (B1–B6, B10–B13), schedules
// (B7), rule lists (B8), the tenant's blacklist (B9), the A10 extension
// table, the call history with its CSV export (C9), and a decision tester.
#include <google/protobuf/field_mask.pb.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/gateway/gateway.h"

namespace sb::gateway {
namespace {

using Stub = rpb::Routing::Stub;

std::string Param(const HttpRequest& r, std::string_view name) { return std::string(r.PathParam(name)); }
std::string QueryOr(const HttpRequest& r, std::string_view name) { return r.Query(name).value_or(""); }

bool QueryFlag(const HttpRequest& r, std::string_view name) {
  std::string v = absl::AsciiStrToLower(QueryOr(r, name));
  return v == "true" || v == "1" || v == "yes";
}

// ?kind=MISSED|OUTGOING|RECEIVED|REJECTED (empty: every kind).
absl::StatusOr<rpb::CallLogEntry::Kind> KindOf(const HttpRequest& r) {
  std::string name = absl::AsciiStrToUpper(QueryOr(r, "kind"));
  rpb::CallLogEntry::Kind kind = rpb::CallLogEntry::KIND_UNSPECIFIED;
  if (!name.empty() &&
      (!rpb::CallLogEntry::Kind_Parse(name, &kind) || kind == rpb::CallLogEntry::KIND_UNSPECIFIED)) {
    return core::InvalidField("kind", "kind must be MISSED, OUTGOING, RECEIVED or REJECTED");
  }
  return kind;
}

// PATCH of the A10 table: {"items":[{"user_id":…, "ring_time_s":30}, …]}.
// The fields changed are the ones the items name; every item names the same
// ones, since one mask applies to all of them.
absl::Status ParseExtensionPatch(const HttpRequest& r, rpb::UpdateExtensionSettingsRequest* req) {
  rpb::ListExtensionSettingsResponse body;
  SB_RETURN_IF_ERROR(ParseBody(r, &body));
  google::protobuf::Struct raw;
  if (!google::protobuf::util::JsonStringToMessage(r.body, &raw).ok()) {
    return core::InvalidField("", "the body must be a JSON object");
  }
  const auto items = raw.fields().find("items");
  if (items == raw.fields().end() || items->second.list_value().values_size() == 0) {
    return core::InvalidField("items", "items lists the extensions to change");
  }
  std::vector<std::string> first;
  const auto* desc = rpb::ExtensionSettings::descriptor();
  for (int i = 0; i < items->second.list_value().values_size(); ++i) {
    std::vector<std::string> names;
    for (const auto& [key, value] : items->second.list_value().values(i).struct_value().fields()) {
      const auto* field = desc->FindFieldByName(key);
      if (field == nullptr) field = desc->FindFieldByCamelcaseName(key);
      if (field != nullptr && field->name() != "user_id") names.push_back(field->name());
    }
    std::sort(names.begin(), names.end());
    if (i == 0) {
      first = names;
    } else if (names != first) {
      return core::InvalidField(absl::StrCat("items[", i, "]"),
                                absl::StrCat("items[", i, "] must name the same fields as items[0]"));
    }
  }
  if (first.empty()) return core::InvalidField("items", "the items name no field to change");
  for (const auto& name : first) req->mutable_update_mask()->add_paths(name);
  *req->mutable_items() = std::move(*body.mutable_items());
  return absl::OkStatus();
}

// API.md writes a caller list as a plain array of numbers
// ("dnd_priority_callers":["0612345678"]) and a selective list's numbers
// beside its switch ({"enabled":true,"numbers":[…],"to":…}); routing.proto
// has a CallerMatch (numbers, contacts, groups, extensions…) in both places.
// The short forms are rewritten into the proto's shape before protobuf's JSON
// mapping reads the body, so both are accepted; answers use the proto's.
std::string CallSettingsBody(const std::string& body) {
  google::protobuf::Struct root;
  if (!google::protobuf::util::JsonStringToMessage(body, &root).ok()) return body;  // ParsePatch reports it
  auto* fields = root.mutable_fields();
  bool changed = false;
  if (auto it = fields->find("dnd_priority_callers"); it != fields->end() && it->second.has_list_value()) {
    google::protobuf::Value match;
    (*match.mutable_struct_value()->mutable_fields())["numbers"] = it->second;
    it->second = match;
    changed = true;
  }
  for (const char* list : {"selective_forward", "selective_reject", "distinctive_ring"}) {
    auto it = fields->find(list);
    if (it == fields->end() || !it->second.has_struct_value()) continue;
    auto* inner = it->second.mutable_struct_value()->mutable_fields();
    auto numbers = inner->find("numbers");
    if (numbers == inner->end() || !numbers->second.has_list_value()) continue;
    auto* callers = (*inner)["callers"].mutable_struct_value()->mutable_fields();
    auto* into = (*callers)["numbers"].mutable_list_value();
    for (const auto& n : numbers->second.list_value().values()) *into->add_values() = n;
    inner->erase(numbers);
    changed = true;
  }
  if (!changed) return body;
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(root, &out).ok()) return body;
  return out;
}

HttpResponse Csv(std::string body) {
  HttpResponse r;
  r.content_type = "text/csv; charset=utf-8";
  r.body = std::move(body);
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"calls.csv\"");
  return r;
}

}  // namespace

void Gateway::AddRoutingRoutes() {
  const auto* kSettings = rpb::CallSettings::descriptor();
  const auto* kSchedule = rpb::Schedule::descriptor();
  const auto* kRuleList = rpb::RuleList::descriptor();
  const std::vector<std::string> kAdmin = {"ADMIN", "OPERATOR"};

  // ---- call settings
  Authed("GET", "/v1/users/{user_id}/call-settings",
         {.summary = "A user's call settings (defaults until changed)",
          .tag = "call handling",
          .response = kSettings},
         [this](HttpRequest& r, const Caller& c) {
           rpb::GetCallSettingsRequest req;
           req.set_user_id(Param(r, "user_id"));
           return Answer(Routing(&Stub::GetCallSettings, c.principal, req));
         });
  Authed("PATCH", "/v1/users/{user_id}/call-settings",
         {.summary =
              "Change call settings: only the top-level fields sent change, and an object sent replaces "
              "that whole setting (send forward_no_answer with all of enabled, number and after_s). Caller "
              "lists also take API.md's short forms: \"dnd_priority_callers\":[numbers] and "
              "{\"enabled\":…,\"numbers\":[…]} in selective_forward/selective_reject/distinctive_ring",
          .tag = "call handling",
          .request = kSettings,
          .response = kSettings},
         [this](HttpRequest& r, const Caller& c) {
           r.body = CallSettingsBody(r.body);
           rpb::UpdateCallSettingsRequest req;
           if (auto st = ParsePatch(r, req.mutable_settings(), req.mutable_update_mask()); !st.ok()) {
             return ErrorResponse(st);
           }
           req.mutable_settings()->set_user_id(Param(r, "user_id"));
           return Answer(Routing(&Stub::UpdateCallSettings, c.principal, req));
         });

  // ---- schedules
  auto create_schedule = [this](HttpRequest& r, const Caller& c, bool tenant_level) {
    rpb::CreateScheduleRequest req;
    if (auto st = ParseBody(r, req.mutable_schedule()); !st.ok()) return ErrorResponse(st);
    if (tenant_level) {
      req.mutable_schedule()->clear_user_id();
      req.mutable_schedule()->set_tenant_id(Param(r, "tenant_id"));
    } else {
      req.mutable_schedule()->set_user_id(Param(r, "user_id"));
    }
    req.set_with_opposite(QueryFlag(r, "with_opposite"));
    return Answer(Routing(&Stub::CreateSchedule, c.principal, req), 201);
  };
  const QueryParam kOpposite = {.name = "with_opposite",
                                .type = "boolean",
                                .description = "also create the opposite schedule `non-<name>`"};
  Authed("POST", "/v1/users/{user_id}/schedules",
         {.summary = "Create a personal weekly schedule",
          .tag = "schedules",
          .request = kSchedule,
          .response = kSchedule,
          .query = {kOpposite},
          .success_status = 201},
         [create_schedule](HttpRequest& r, const Caller& c) { return create_schedule(r, c, false); });
  Authed("GET", "/v1/users/{user_id}/schedules",
         {.summary = "A user's schedules and its tenant's",
          .tag = "schedules",
          .response = rpb::ListSchedulesResponse::descriptor()},
         [this](HttpRequest& r, const Caller& c) {
           rpb::ListSchedulesRequest req;
           req.set_user_id(Param(r, "user_id"));
           return Answer(Routing(&Stub::ListSchedules, c.principal, req));
         });
  Authed("POST", "/v1/tenants/{tenant_id}/schedules",
         {.summary = "Create a group schedule of the tenant",
          .tag = "schedules",
          .request = kSchedule,
          .response = kSchedule,
          .roles = kAdmin,
          .query = {kOpposite},
          .success_status = 201},
         [create_schedule](HttpRequest& r, const Caller& c) { return create_schedule(r, c, true); });
  Authed("GET", "/v1/tenants/{tenant_id}/schedules",
         {.summary = "The tenant's group schedules",
          .tag = "schedules",
          .response = rpb::ListSchedulesResponse::descriptor()},
         [this](HttpRequest& r, const Caller& c) {
           rpb::ListSchedulesRequest req;
           req.set_tenant_id(Param(r, "tenant_id"));
           return Answer(Routing(&Stub::ListSchedules, c.principal, req));
         });
  Authed("GET", "/v1/schedules/{schedule_id}",
         {.summary = "Get a schedule", .tag = "schedules", .response = kSchedule},
         [this](HttpRequest& r, const Caller& c) {
           rpb::GetScheduleRequest req;
           req.set_schedule_id(Param(r, "schedule_id"));
           return Answer(Routing(&Stub::GetSchedule, c.principal, req));
         });
  Authed("PATCH", "/v1/schedules/{schedule_id}",
         {.summary = "Change a schedule (name, days, special_days, holiday_country; each replaced whole)",
          .tag = "schedules",
          .request = kSchedule,
          .response = kSchedule},
         [this](HttpRequest& r, const Caller& c) {
           rpb::UpdateScheduleRequest req;
           if (auto st = ParsePatch(r, req.mutable_schedule(), req.mutable_update_mask()); !st.ok()) {
             return ErrorResponse(st);
           }
           req.mutable_schedule()->set_id(Param(r, "schedule_id"));
           return Answer(Routing(&Stub::UpdateSchedule, c.principal, req));
         });
  Authed("DELETE", "/v1/schedules/{schedule_id}",
         {.summary = "Delete a schedule (and its opposite)", .tag = "schedules"},
         [this](HttpRequest& r, const Caller& c) {
           rpb::DeleteScheduleRequest req;
           req.set_schedule_id(Param(r, "schedule_id"));
           return NoContent(Routing(&Stub::DeleteSchedule, c.principal, req).status());
         });
  Authed("GET", "/v1/holidays",
         {.summary = "Public holidays of a country for a year, to copy into special days",
          .tag = "schedules",
          .response = rpb::ListHolidaysResponse::descriptor(),
          .query = {{.name = "country", .required = true, .enum_values = {"FR", "BE"}},
                    {.name = "year", .type = "integer", .description = "this year when absent"}}},
         [this](HttpRequest& r, const Caller& c) {
           rpb::ListHolidaysRequest req;
           req.set_country(QueryOr(r, "country"));
           if (auto y = r.Query("year")) {
             int year = 0;
             if (!absl::SimpleAtoi(*y, &year))
               return ErrorResponse(core::InvalidField("year", "year must be a number"));
             req.set_year(year);
           }
           return Answer(Routing(&Stub::ListHolidays, c.principal, req));
         });

  // ---- rule lists
  Authed("POST", "/v1/users/{user_id}/rule-lists",
         {.summary = "Create a rule list (ordered if/then rules and a default action)",
          .tag = "rule lists",
          .request = kRuleList,
          .response = kRuleList,
          .success_status = 201},
         [this](HttpRequest& r, const Caller& c) {
           rpb::CreateRuleListRequest req;
           if (auto st = ParseBody(r, req.mutable_rule_list()); !st.ok()) return ErrorResponse(st);
           req.mutable_rule_list()->set_user_id(Param(r, "user_id"));
           return Answer(Routing(&Stub::CreateRuleList, c.principal, req), 201);
         });
  Authed("GET", "/v1/users/{user_id}/rule-lists",
         {.summary = "A user's rule lists",
          .tag = "rule lists",
          .response = rpb::ListRuleListsResponse::descriptor()},
         [this](HttpRequest& r, const Caller& c) {
           rpb::ListRuleListsRequest req;
           req.set_user_id(Param(r, "user_id"));
           return Answer(Routing(&Stub::ListRuleLists, c.principal, req));
         });
  Authed("GET", "/v1/rule-lists/{rule_list_id}",
         {.summary = "Get a rule list", .tag = "rule lists", .response = kRuleList},
         [this](HttpRequest& r, const Caller& c) {
           rpb::GetRuleListRequest req;
           req.set_rule_list_id(Param(r, "rule_list_id"));
           return Answer(Routing(&Stub::GetRuleList, c.principal, req));
         });
  Authed("PATCH", "/v1/rule-lists/{rule_list_id}",
         {.summary = "Change a rule list (name, rules, default_action; rules are replaced whole, in order)",
          .tag = "rule lists",
          .request = kRuleList,
          .response = kRuleList},
         [this](HttpRequest& r, const Caller& c) {
           rpb::UpdateRuleListRequest req;
           if (auto st = ParsePatch(r, req.mutable_rule_list(), req.mutable_update_mask()); !st.ok()) {
             return ErrorResponse(st);
           }
           req.mutable_rule_list()->set_id(Param(r, "rule_list_id"));
           return Answer(Routing(&Stub::UpdateRuleList, c.principal, req));
         });
  Authed("DELETE", "/v1/rule-lists/{rule_list_id}", {.summary = "Delete a rule list", .tag = "rule lists"},
         [this](HttpRequest& r, const Caller& c) {
           rpb::DeleteRuleListRequest req;
           req.set_rule_list_id(Param(r, "rule_list_id"));
           return NoContent(Routing(&Stub::DeleteRuleList, c.principal, req).status());
         });

  // ---- blacklist (admins)
  Authed("GET", "/v1/tenants/{tenant_id}/blacklist",
         {.summary = "The tenant's blacklist",
          .tag = "blacklist",
          .response = rpb::Blacklist::descriptor(),
          .roles = kAdmin},
         [this](HttpRequest& r, const Caller& c) {
           rpb::GetBlacklistRequest req;
           req.set_tenant_id(Param(r, "tenant_id"));
           return Answer(Routing(&Stub::GetBlacklist, c.principal, req));
         });
  Authed("PATCH", "/v1/tenants/{tenant_id}/blacklist",
         {.summary = "Set the blacklist's mode (allow_only_listed); rules have their own routes",
          .tag = "blacklist",
          .request = rpb::Blacklist::descriptor(),
          .response = rpb::Blacklist::descriptor(),
          .roles = kAdmin},
         [this](HttpRequest& r, const Caller& c) {
           rpb::UpdateBlacklistRequest req;
           if (auto st = ParsePatch(r, req.mutable_blacklist(), req.mutable_update_mask()); !st.ok()) {
             return ErrorResponse(st);
           }
           req.mutable_blacklist()->set_tenant_id(Param(r, "tenant_id"));
           return Answer(Routing(&Stub::UpdateBlacklist, c.principal, req));
         });
  Authed("POST", "/v1/tenants/{tenant_id}/blacklist/rules",
         {.summary = "Add an allow or block rule on callers' digits",
          .tag = "blacklist",
          .request = rpb::BlacklistRule::descriptor(),
          .response = rpb::BlacklistRule::descriptor(),
          .roles = kAdmin,
          .success_status = 201},
         [this](HttpRequest& r, const Caller& c) {
           rpb::AddBlacklistRuleRequest req;
           if (auto st = ParseBody(r, req.mutable_rule()); !st.ok()) return ErrorResponse(st);
           req.set_tenant_id(Param(r, "tenant_id"));
           return Answer(Routing(&Stub::AddBlacklistRule, c.principal, req), 201);
         });
  Authed("DELETE", "/v1/tenants/{tenant_id}/blacklist/rules/{rule_id}",
         {.summary = "Delete a blacklist rule", .tag = "blacklist", .roles = kAdmin},
         [this](HttpRequest& r, const Caller& c) {
           rpb::DeleteBlacklistRuleRequest req;
           req.set_tenant_id(Param(r, "tenant_id"));
           req.set_rule_id(Param(r, "rule_id"));
           if (req.rule_id() == "*") return ErrorResponse(absl::NotFoundError("blacklist rule not found"));
           return NoContent(Routing(&Stub::DeleteBlacklistRule, c.principal, req).status());
         });
  Authed("DELETE", "/v1/tenants/{tenant_id}/blacklist/rules",
         {.summary = "Delete every blacklist rule", .tag = "blacklist", .roles = kAdmin},
         [this](HttpRequest& r, const Caller& c) {
           rpb::DeleteBlacklistRuleRequest req;
           req.set_tenant_id(Param(r, "tenant_id"));
           req.set_rule_id("*");
           return NoContent(Routing(&Stub::DeleteBlacklistRule, c.principal, req).status());
         });

  // ---- A10 extension quick-edit table (admins)
  Authed("GET", "/v1/tenants/{tenant_id}/extension-settings",
         {.summary = "Every extension's caller ID, ring time, DND, voicemail, forwarding, permissions (A10)",
          .tag = "call handling",
          .response = rpb::ListExtensionSettingsResponse::descriptor(),
          .roles = kAdmin},
         [this](HttpRequest& r, const Caller& c) {
           rpb::ListExtensionSettingsRequest req;
           req.set_tenant_id(Param(r, "tenant_id"));
           return Answer(Routing(&Stub::ListExtensionSettings, c.principal, req));
         });
  Authed("PATCH", "/v1/tenants/{tenant_id}/extension-settings",
         {.summary =
              "Change several extensions at once: {\"items\":[{\"user_id\",…}]}; every item names the same "
              "fields, saved for all or none",
          .tag = "call handling",
          .request = rpb::ListExtensionSettingsResponse::descriptor(),
          .response = rpb::ListExtensionSettingsResponse::descriptor(),
          .roles = kAdmin},
         [this](HttpRequest& r, const Caller& c) {
           rpb::UpdateExtensionSettingsRequest req;
           if (auto st = ParseExtensionPatch(r, &req); !st.ok()) return ErrorResponse(st);
           req.set_tenant_id(Param(r, "tenant_id"));
           return Answer(Routing(&Stub::UpdateExtensionSettings, c.principal, req));
         });

  // ---- call history
  Authed("GET", "/v1/users/{user_id}/calls",
         {.summary = "Call history, newest first, two months kept; send Accept: text/csv to export it as CSV",
          .tag = "call history",
          .response = rpb::ListCallsResponse::descriptor(),
          .query = {{.name = "kind", .enum_values = {"MISSED", "OUTGOING", "RECEIVED", "REJECTED"}},
                    {.name = "page_size", .type = "integer"},
                    {.name = "page_token"}}},
         [this](HttpRequest& r, const Caller& c) {
           auto kind = KindOf(r);
           if (!kind.ok()) return ErrorResponse(kind.status());
           if (absl::StrContains(absl::AsciiStrToLower(r.Header("accept")), "text/csv")) {
             rpb::ExportCallsRequest req;
             req.set_user_id(Param(r, "user_id"));
             req.set_kind(*kind);
             auto out = Routing(&Stub::ExportCalls, c.principal, req);
             if (!out.ok()) return ErrorResponse(out.status());
             return Csv(std::move(*out->mutable_csv()));
           }
           rpb::ListCallsRequest req;
           req.set_user_id(Param(r, "user_id"));
           req.set_kind(*kind);
           req.set_page_size(PageSize(r));
           req.set_page_token(QueryOr(r, "page_token"));
           return Answer(Routing(&Stub::ListCalls, c.principal, req));
         });

  // ---- decision tester (admins, operators): a dry run, nothing is saved
  Authed(
      "POST", "/v1/decisions",
      {.summary = "What routing would do with a call: a CallSetup in, its RouteDecision out (a dry run: star "
                  "codes are described, not saved; no call log)",
       .tag = "call handling",
       .request = rpb::CallSetup::descriptor(),
       .response = rpb::RouteDecision::descriptor(),
       .roles = kAdmin},
      [this](HttpRequest& r, const Caller& c) {
        rpb::CallSetup setup;
        if (auto st = ParseBody(r, &setup); !st.ok()) return ErrorResponse(st);
        return Answer(Routing(&Stub::Decide, c.principal, setup));
      });
}

}  // namespace sb::gateway
