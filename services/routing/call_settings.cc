// RoutingManager: call settings and the A10 extension quick-edit table.
#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "core/status.h"
#include "services/routing/routing_manager.h"
#include "switchboard/events/v1/events.pb.h"

namespace sb::routing {

using core::InvalidField;

OutboxEvent RoutingChangedEvent(const std::string& type, const std::string& tenant_id,
                                const std::string& user_id) {
  ::switchboard::events::v1::RoutingChanged c;
  c.set_tenant_id(tenant_id);
  c.set_user_id(user_id);
  return OutboxEvent{"routing", type, tenant_id, c.SerializeAsString()};
}

absl::StatusOr<std::shared_ptr<const ppb::User>> RoutingManager::VisibleUser(const Principal& p,
                                                                             const std::string& user_id) {
  const std::string& id = user_id == "me" || user_id.empty() ? p.user_id : user_id;
  if (id.empty()) return absl::NotFoundError("user not found");
  auto user = directory_->User(id);
  if (!user.ok()) {
    if (user.status().code() == absl::StatusCode::kNotFound ||
        user.status().code() == absl::StatusCode::kInvalidArgument) {
      return absl::NotFoundError("user not found");
    }
    return user.status();
  }
  const ppb::User& u = **user;
  if (p.IsPlatformWide() || u.id() == p.user_id) return user;
  if (p.role == core::PrincipalRole::kAdmin && u.tenant_id() == p.tenant_id) return user;
  return absl::NotFoundError("user not found");
}

absl::Status RoutingManager::ManageableTenant(const Principal& p, const std::string& tenant_id) {
  if (tenant_id.empty() || !p.CanSeeTenant(tenant_id)) return absl::NotFoundError("tenant not found");
  if (!p.CanManageTenant(tenant_id))
    return absl::PermissionDeniedError("only the tenant's admins manage this");
  return absl::OkStatus();
}

absl::StatusOr<SettingsContext> RoutingManager::ContextFor(const std::string& tenant_id) {
  SB_ASSIGN_OR_RETURN(auto tenant, directory_->Tenant(tenant_id));
  SettingsContext ctx;
  ctx.country = tenant->country();
  ctx.tenant_max_concurrent_calls = tenant->max_concurrent_calls();
  ctx.numbering = numbering_;
  return ctx;
}

rpb::CallSettings RoutingManager::Effective(const UserRouting& data, const ppb::User& user) {
  if (data.saved) return *data.saved;
  const bool voicemail =
      std::find(user.licences().begin(), user.licences().end(), "VOICEMAIL") != user.licences().end();
  return DefaultCallSettings(user.id(), voicemail);
}

absl::StatusOr<rpb::CallSettings> RoutingManager::CurrentSettings(const ppb::User& user) {
  SB_ASSIGN_OR_RETURN(auto data, data_->User(user.tenant_id(), user.id()));
  return Effective(*data, user);
}

absl::StatusOr<rpb::CallSettings> RoutingManager::GetCallSettings(const Principal& p,
                                                                  const std::string& user_id) {
  SB_ASSIGN_OR_RETURN(auto user, VisibleUser(p, user_id));
  return CurrentSettings(*user);
}

absl::Status RoutingManager::CheckReferences(const ppb::User& user, const rpb::CallSettings& s,
                                             const std::vector<std::string>& changed) {
  // Only what this update sets: a list or schedule deleted since it was
  // chosen is skipped by the engine, and must not block unrelated changes.
  auto changes = [&](const char* field) {
    return std::find(changed.begin(), changed.end(), field) != changed.end();
  };
  SB_ASSIGN_OR_RETURN(auto mine, data_->User(user.tenant_id(), user.id()));
  SB_ASSIGN_OR_RETURN(auto tenant, data_->Tenant(user.tenant_id()));
  absl::flat_hash_set<std::string> lists, schedules;
  for (const auto& l : mine->rule_lists) lists.insert(l.id());
  for (const auto& sc : mine->schedules) schedules.insert(sc.id());
  for (const auto& sc : tenant->schedules) schedules.insert(sc.id());
  auto list = [&](const std::string& id, const std::string& field) -> absl::Status {
    if (id.empty() || lists.contains(id)) return absl::OkStatus();
    return InvalidField(field, absl::StrCat(field, ": no rule list of this user has the id '", id, "'"));
  };
  auto schedule = [&](const std::string& id, const std::string& field) -> absl::Status {
    if (id.empty() || schedules.contains(id)) return absl::OkStatus();
    return InvalidField(
        field, absl::StrCat(field, ": no schedule of this user or its tenant has the id '", id, "'"));
  };
  for (int i = 0; changes("active_rule_lists") && i < s.active_rule_lists_size(); ++i) {
    const std::string item = absl::StrCat("active_rule_lists[", i, "]");
    SB_RETURN_IF_ERROR(schedule(s.active_rule_lists(i).schedule_id(), item + ".schedule_id"));
    SB_RETURN_IF_ERROR(list(s.active_rule_lists(i).rule_list_id(), item + ".rule_list_id"));
  }
  if (changes("special_days_rule_list_id")) {
    SB_RETURN_IF_ERROR(list(s.special_days_rule_list_id(), "special_days_rule_list_id"));
  }
  if (changes("default_rule_list_id"))
    SB_RETURN_IF_ERROR(list(s.default_rule_list_id(), "default_rule_list_id"));
  if (changes("simultaneous_ring")) {
    SB_RETURN_IF_ERROR(
        schedule(s.simultaneous_ring().criteria().schedule_id(), "simultaneous_ring.criteria.schedule_id"));
  }
  if (changes("sequential_ring")) {
    SB_RETURN_IF_ERROR(
        schedule(s.sequential_ring().criteria().schedule_id(), "sequential_ring.criteria.schedule_id"));
  }
  return absl::OkStatus();
}

absl::StatusOr<rpb::CallSettings> RoutingManager::PrepareSettings(const ppb::User& user,
                                                                  const rpb::CallSettings& update,
                                                                  const google::protobuf::FieldMask& mask,
                                                                  const SettingsContext& ctx) {
  SB_ASSIGN_OR_RETURN(rpb::CallSettings current, CurrentSettings(user));
  SB_ASSIGN_OR_RETURN(rpb::CallSettings merged, MergeCallSettings(current, update, mask));
  merged.set_user_id(user.id());
  const std::vector<std::string> changed = TopLevelFields(mask);
  SB_RETURN_IF_ERROR(ValidateCallSettings(&merged, ctx, changed));
  SB_RETURN_IF_ERROR(CheckReferences(user, merged, changed));
  return merged;
}

absl::StatusOr<rpb::CallSettings> RoutingManager::SaveSettings(const ppb::User& user,
                                                               const rpb::CallSettings& update,
                                                               const google::protobuf::FieldMask& mask) {
  SB_ASSIGN_OR_RETURN(SettingsContext ctx, ContextFor(user.tenant_id()));
  SB_ASSIGN_OR_RETURN(rpb::CallSettings merged, PrepareSettings(user, update, mask, ctx));
  SB_ASSIGN_OR_RETURN(auto saved,
                      store_->PutCallSettings(
                          user.tenant_id(), {merged},
                          {RoutingChangedEvent("routing.settings_changed", user.tenant_id(), user.id())}));
  data_->InvalidateUser(user.id());
  return saved.front();
}

absl::StatusOr<rpb::CallSettings> RoutingManager::UpdateCallSettings(
    const Principal& p, const rpb::UpdateCallSettingsRequest& req) {
  SB_ASSIGN_OR_RETURN(auto user, VisibleUser(p, req.settings().user_id()));
  if (req.update_mask().paths_size() == 0)
    return InvalidField("update_mask", "update_mask names no field to change");
  return SaveSettings(*user, req.settings(), req.update_mask());
}

absl::StatusOr<rpb::CallSettings> RoutingManager::SaveFeatureCode(const std::string& user_id,
                                                                  const rpb::CallSettings& updated,
                                                                  const google::protobuf::FieldMask& mask) {
  SB_ASSIGN_OR_RETURN(auto user, directory_->User(user_id));
  return SaveSettings(*user, updated, mask);
}

// ------------------------------------------------------------------- A10

namespace {

rpb::ExtensionSettings RowOf(const ppb::User& u, const rpb::CallSettings& s) {
  rpb::ExtensionSettings row;
  row.set_user_id(u.id());
  row.set_extension(u.extension());
  row.set_display_name(DisplayName(u));
  *row.mutable_caller_id() = s.caller_id();
  row.set_ring_time_s(s.ring_time_s());
  row.set_availability(s.availability());
  row.set_voicemail_enabled(s.voicemail_enabled());
  row.set_find_me_follow_me(s.find_me_follow_me().enabled());
  *row.mutable_forward_unconditional() = s.forward_unconditional();
  row.set_long_distance(s.outgoing_barring().long_distance());
  row.set_international(s.outgoing_barring().international());
  row.set_music_on_hold(s.music_on_hold());
  row.set_recording(s.recording());
  return row;
}

// An ExtensionSettings path and the CallSettings field it edits.
const absl::flat_hash_map<std::string, std::string>& ExtensionPaths() {
  static const auto* paths = new absl::flat_hash_map<std::string, std::string>{
      {"caller_id", "caller_id"},
      {"ring_time_s", "ring_time_s"},
      {"availability", "availability"},
      {"voicemail_enabled", "voicemail_enabled"},
      {"find_me_follow_me", "find_me_follow_me.enabled"},
      {"forward_unconditional", "forward_unconditional"},
      {"long_distance", "outgoing_barring.long_distance"},
      {"international", "outgoing_barring.international"},
      {"music_on_hold", "music_on_hold"},
      {"recording", "recording"},
  };
  return *paths;
}

rpb::CallSettings SettingsOf(const rpb::ExtensionSettings& row) {
  rpb::CallSettings s;
  *s.mutable_caller_id() = row.caller_id();
  s.set_ring_time_s(row.ring_time_s());
  s.set_availability(row.availability());
  s.set_voicemail_enabled(row.voicemail_enabled());
  s.mutable_find_me_follow_me()->set_enabled(row.find_me_follow_me());
  *s.mutable_forward_unconditional() = row.forward_unconditional();
  s.mutable_outgoing_barring()->set_long_distance(row.long_distance());
  s.mutable_outgoing_barring()->set_international(row.international());
  s.set_music_on_hold(row.music_on_hold());
  s.set_recording(row.recording());
  return s;
}

}  // namespace

absl::StatusOr<rpb::ListExtensionSettingsResponse> RoutingManager::ListExtensionSettings(
    const Principal& p, const std::string& tenant_id) {
  SB_RETURN_IF_ERROR(ManageableTenant(p, tenant_id));
  // Listed with the caller's own principal: profiles decides who it shows.
  SB_ASSIGN_OR_RETURN(auto users, profiles_->ListUsers(p, tenant_id));
  SB_ASSIGN_OR_RETURN(auto saved, store_->ListTenantCallSettings(tenant_id));
  absl::flat_hash_map<std::string, const rpb::CallSettings*> by_user;
  for (const auto& s : saved) by_user[s.user_id()] = &s;
  rpb::ListExtensionSettingsResponse out;
  for (const auto& u : users) {
    if (u.role() == ppb::OPERATOR) continue;
    auto it = by_user.find(u.id());
    UserRouting data;
    if (it != by_user.end()) data.saved = *it->second;
    *out.add_items() = RowOf(u, Effective(data, u));
  }
  return out;
}

absl::StatusOr<rpb::ListExtensionSettingsResponse> RoutingManager::UpdateExtensionSettings(
    const Principal& p, const rpb::UpdateExtensionSettingsRequest& req) {
  SB_RETURN_IF_ERROR(ManageableTenant(p, req.tenant_id()));
  google::protobuf::FieldMask mask;
  for (const auto& path : req.update_mask().paths()) {
    if (path == "user_id") continue;
    auto it = ExtensionPaths().find(path);
    if (it == ExtensionPaths().end()) {
      if (path == "extension" || path == "display_name") {
        return InvalidField(path, absl::StrCat(path, " belongs to the user's profile: change it there"));
      }
      return InvalidField("update_mask",
                          absl::StrCat("update_mask: '", path, "' is not an extension setting"));
    }
    mask.add_paths(it->second);
  }
  if (mask.paths_size() == 0) return InvalidField("update_mask", "update_mask names no field to change");
  SB_ASSIGN_OR_RETURN(SettingsContext ctx, ContextFor(req.tenant_id()));
  // All rows are validated before any is written, and written together: the
  // table is saved whole or not at all.
  std::vector<rpb::CallSettings> merged;
  std::vector<std::shared_ptr<const ppb::User>> users;
  Events events;
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < req.items_size(); ++i) {
    const auto& row = req.items(i);
    const std::string item = absl::StrCat("items[", i, "]");
    auto user = directory_->User(row.user_id());
    if (!user.ok() || (*user)->tenant_id() != req.tenant_id()) {
      return core::WithField(absl::NotFoundError(absl::StrCat(item, ": user not found")), item + ".user_id");
    }
    if (!seen.insert(row.user_id()).second) {
      return InvalidField(item + ".user_id", absl::StrCat(item, ".user_id appears twice"));
    }
    auto settings = PrepareSettings(**user, SettingsOf(row), mask, ctx);
    if (!settings.ok() && settings.status().code() != absl::StatusCode::kInvalidArgument)
      return settings.status();
    if (!settings.ok()) {
      // "items[2].caller_id.outgoing_name: …": the row and the field.
      std::string field = core::FieldOf(settings.status());
      return InvalidField(field.empty() ? item : absl::StrCat(item, ".", field),
                          absl::StrCat(item, ": ", settings.status().message()));
    }
    merged.push_back(std::move(*settings));
    users.push_back(*user);
    events.push_back(RoutingChangedEvent("routing.settings_changed", req.tenant_id(), row.user_id()));
  }
  SB_ASSIGN_OR_RETURN(auto saved, store_->PutCallSettings(req.tenant_id(), merged, events));
  rpb::ListExtensionSettingsResponse out;
  for (size_t i = 0; i < saved.size(); ++i) {
    data_->InvalidateUser(saved[i].user_id());
    *out.add_items() = RowOf(*users[i], saved[i]);
  }
  return out;
}

}  // namespace sb::routing
