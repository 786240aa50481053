// RoutingManager: rule lists (B8) and the tenant's blacklist (B9).
#include <google/protobuf/util/field_mask_util.h>

#include "absl/strings/str_cat.h"
#include "core/status.h"
#include "services/routing/routing_manager.h"
#include "services/routing/rules.h"

namespace sb::routing {
namespace {

using core::InvalidField;

absl::Status NameConflict(absl::Status st) {
  if (st.code() != absl::StatusCode::kAlreadyExists) return st;
  return core::WithField(absl::AlreadyExistsError("name: a rule list with this name exists"), "name");
}

}  // namespace

absl::StatusOr<rpb::RuleList> RoutingManager::AccessibleRuleList(const Principal& p, const std::string& id) {
  SB_ASSIGN_OR_RETURN(rpb::RuleList list, store_->GetRuleList(id));
  if (!VisibleUser(p, list.user_id()).ok()) return absl::NotFoundError("rule list not found");
  return list;
}

absl::StatusOr<rpb::RuleList> RoutingManager::CreateRuleList(const Principal& p,
                                                             const rpb::CreateRuleListRequest& req) {
  rpb::RuleList list = req.rule_list();
  SB_ASSIGN_OR_RETURN(auto user, VisibleUser(p, list.user_id()));
  list.clear_id();
  list.clear_updated_at();
  list.set_user_id(user->id());
  SB_ASSIGN_OR_RETURN(SettingsContext ctx, ContextFor(user->tenant_id()));
  SB_RETURN_IF_ERROR(ValidateRuleList(&list, ctx));
  auto saved = store_->InsertRuleList(
      user->tenant_id(), list,
      {RoutingChangedEvent("routing.rule_lists_changed", user->tenant_id(), user->id())});
  if (!saved.ok()) return NameConflict(saved.status());
  data_->InvalidateUser(user->id());
  return saved;
}

absl::StatusOr<rpb::RuleList> RoutingManager::GetRuleList(const Principal& p, const std::string& id) {
  return AccessibleRuleList(p, id);
}

absl::StatusOr<rpb::ListRuleListsResponse> RoutingManager::ListRuleLists(const Principal& p,
                                                                         const std::string& user_id) {
  SB_ASSIGN_OR_RETURN(auto user, VisibleUser(p, user_id));
  SB_ASSIGN_OR_RETURN(auto lists, store_->ListRuleLists(user->id()));
  rpb::ListRuleListsResponse out;
  for (auto& l : lists) *out.add_items() = std::move(l);
  return out;
}

absl::StatusOr<rpb::RuleList> RoutingManager::UpdateRuleList(const Principal& p,
                                                             const rpb::UpdateRuleListRequest& req) {
  SB_ASSIGN_OR_RETURN(rpb::RuleList current, AccessibleRuleList(p, req.rule_list().id()));
  google::protobuf::FieldMask mask;
  for (const auto& path : req.update_mask().paths()) {
    const std::string top = path.substr(0, path.find('.'));
    if (top == "id" || top == "user_id" || top == "updated_at") continue;
    if (top != "name" && top != "rules" && top != "default_action") {
      return InvalidField("update_mask", absl::StrCat("update_mask: '", path, "' is not a rule-list field"));
    }
    mask.add_paths(top);
  }
  if (mask.paths_size() == 0) return InvalidField("update_mask", "update_mask names no field to change");
  rpb::RuleList merged = current;
  google::protobuf::util::FieldMaskUtil::MergeOptions options;
  options.set_replace_message_fields(true);
  options.set_replace_repeated_fields(true);
  google::protobuf::util::FieldMaskUtil::MergeMessageTo(req.rule_list(), mask, options, &merged);
  SB_ASSIGN_OR_RETURN(auto user, directory_->User(current.user_id()));
  SB_ASSIGN_OR_RETURN(SettingsContext ctx, ContextFor(user->tenant_id()));
  SB_RETURN_IF_ERROR(ValidateRuleList(&merged, ctx));
  auto saved = store_->UpdateRuleList(
      merged, {RoutingChangedEvent("routing.rule_lists_changed", user->tenant_id(), user->id())});
  if (!saved.ok()) return NameConflict(saved.status());
  data_->InvalidateUser(user->id());
  return saved;
}

absl::Status RoutingManager::DeleteRuleList(const Principal& p, const std::string& id) {
  SB_ASSIGN_OR_RETURN(rpb::RuleList current, AccessibleRuleList(p, id));
  SB_ASSIGN_OR_RETURN(auto user, directory_->User(current.user_id()));
  SB_RETURN_IF_ERROR(store_->DeleteRuleList(
      id, {RoutingChangedEvent("routing.rule_lists_changed", user->tenant_id(), user->id())}));
  data_->InvalidateUser(user->id());
  return absl::OkStatus();
}

// ---------------------------------------------------------------- blacklist

absl::StatusOr<rpb::Blacklist> RoutingManager::GetBlacklist(const Principal& p,
                                                            const std::string& tenant_id) {
  const std::string& id = tenant_id.empty() ? p.tenant_id : tenant_id;
  SB_RETURN_IF_ERROR(ManageableTenant(p, id));
  return store_->GetBlacklist(id);
}

absl::StatusOr<rpb::Blacklist> RoutingManager::UpdateBlacklist(const Principal& p,
                                                               const rpb::UpdateBlacklistRequest& req) {
  const std::string& id = req.blacklist().tenant_id().empty() ? p.tenant_id : req.blacklist().tenant_id();
  SB_RETURN_IF_ERROR(ManageableTenant(p, id));
  bool mode = false;
  for (const auto& path : req.update_mask().paths()) {
    if (path == "allow_only_listed") {
      mode = true;
    } else if (path == "rules") {
      return InvalidField("rules",
                          "rules are added and deleted one by one: POST or DELETE …/blacklist/rules");
    } else if (path != "tenant_id") {
      return InvalidField("update_mask", absl::StrCat("update_mask: '", path, "' is not a blacklist field"));
    }
  }
  if (!mode) return InvalidField("update_mask", "update_mask names no field to change");
  auto out = store_->SetBlacklistMode(id, req.blacklist().allow_only_listed(),
                                      {RoutingChangedEvent("routing.blacklist_changed", id, "")});
  if (out.ok()) data_->InvalidateTenant(id);
  return out;
}

absl::StatusOr<rpb::BlacklistRule> RoutingManager::AddBlacklistRule(const Principal& p,
                                                                    const rpb::AddBlacklistRuleRequest& req) {
  const std::string& id = req.tenant_id().empty() ? p.tenant_id : req.tenant_id();
  SB_RETURN_IF_ERROR(ManageableTenant(p, id));
  rpb::BlacklistRule rule = req.rule();
  rule.clear_id();
  SB_RETURN_IF_ERROR(ValidateBlacklistRule(&rule));
  SB_ASSIGN_OR_RETURN(auto current, data_->Tenant(id));
  if (current->blacklist.rules_size() >= kMaxBlacklistRules) {
    return absl::FailedPreconditionError(
        absl::StrCat("the blacklist holds at most ", kMaxBlacklistRules, " rules"));
  }
  auto out =
      store_->InsertBlacklistRule(id, rule, {RoutingChangedEvent("routing.blacklist_changed", id, "")});
  if (out.ok()) data_->InvalidateTenant(id);
  return out;
}

absl::Status RoutingManager::DeleteBlacklistRule(const Principal& p,
                                                 const rpb::DeleteBlacklistRuleRequest& req) {
  const std::string& id = req.tenant_id().empty() ? p.tenant_id : req.tenant_id();
  SB_RETURN_IF_ERROR(ManageableTenant(p, id));
  Events events = {RoutingChangedEvent("routing.blacklist_changed", id, "")};
  absl::Status st = req.rule_id() == "*" ? store_->DeleteAllBlacklistRules(id, events)
                                         : store_->DeleteBlacklistRule(id, req.rule_id(), events);
  if (st.ok()) data_->InvalidateTenant(id);
  return st;
}

}  // namespace sb::routing
