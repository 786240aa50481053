// RoutingManager: schedules (B7), user-level and tenant-level, and the
// public-holiday calendar.
#include <google/protobuf/util/field_mask_util.h>

#include "absl/strings/str_cat.h"
#include "core/status.h"
#include "services/routing/calendar.h"
#include "services/routing/routing_manager.h"

namespace sb::routing {
namespace {

using core::InvalidField;

// A duplicate name is the person's to fix: say which field.
absl::Status NameConflict(absl::Status st) {
  if (st.code() != absl::StatusCode::kAlreadyExists) return st;
  return core::WithField(absl::AlreadyExistsError("name: a schedule with this name exists"), "name");
}

}  // namespace

absl::StatusOr<rpb::Schedule> RoutingManager::AccessibleSchedule(const Principal& p, const std::string& id,
                                                                 bool write) {
  SB_ASSIGN_OR_RETURN(rpb::Schedule s, store_->GetSchedule(id));
  if (!s.user_id().empty()) {
    auto user = VisibleUser(p, s.user_id());
    if (!user.ok()) return absl::NotFoundError("schedule not found");
    return s;
  }
  // A group schedule: its tenant's members read it (their settings refer to
  // it), its admins change it.
  if (!p.CanSeeTenant(s.tenant_id())) return absl::NotFoundError("schedule not found");
  if (write) SB_RETURN_IF_ERROR(ManageableTenant(p, s.tenant_id()));
  return s;
}

absl::StatusOr<rpb::Schedule> RoutingManager::CreateSchedule(const Principal& p,
                                                             const rpb::CreateScheduleRequest& req) {
  rpb::Schedule s = req.schedule();
  s.clear_id();
  s.clear_opposite_of();
  s.clear_updated_at();
  if (!s.user_id().empty()) {
    SB_ASSIGN_OR_RETURN(auto user, VisibleUser(p, s.user_id()));
    s.set_user_id(user->id());
    s.set_tenant_id(user->tenant_id());
  } else {
    if (s.tenant_id().empty()) s.set_tenant_id(p.tenant_id);
    SB_RETURN_IF_ERROR(ManageableTenant(p, s.tenant_id()));
  }
  SB_RETURN_IF_ERROR(ValidateSchedule(&s));
  std::optional<rpb::Schedule> opposite;
  if (req.with_opposite()) opposite = OppositeOf(s);
  auto saved = store_->InsertSchedule(
      s, opposite, {RoutingChangedEvent("routing.schedules_changed", s.tenant_id(), s.user_id())});
  if (!saved.ok()) return NameConflict(saved.status());
  if (s.user_id().empty()) {
    data_->InvalidateTenant(s.tenant_id());
  } else {
    data_->InvalidateUser(s.user_id());
  }
  return saved->front();
}

absl::StatusOr<rpb::Schedule> RoutingManager::GetSchedule(const Principal& p, const std::string& id) {
  return AccessibleSchedule(p, id, /*write=*/false);
}

absl::StatusOr<rpb::ListSchedulesResponse> RoutingManager::ListSchedules(
    const Principal& p, const rpb::ListSchedulesRequest& req) {
  rpb::ListSchedulesResponse out;
  std::string tenant_id = req.tenant_id();
  if (!req.user_id().empty()) {
    SB_ASSIGN_OR_RETURN(auto user, VisibleUser(p, req.user_id()));
    SB_ASSIGN_OR_RETURN(auto own, store_->ListSchedules(user->tenant_id(), user->id()));
    for (auto& s : own) *out.add_items() = std::move(s);
    tenant_id = user->tenant_id();
  } else {
    if (tenant_id.empty()) tenant_id = p.tenant_id;
    if (tenant_id.empty() || !p.CanSeeTenant(tenant_id)) return absl::NotFoundError("tenant not found");
  }
  SB_ASSIGN_OR_RETURN(auto group, store_->ListSchedules(tenant_id, ""));
  for (auto& s : group) *out.add_items() = std::move(s);
  return out;
}

absl::StatusOr<rpb::Schedule> RoutingManager::UpdateSchedule(const Principal& p,
                                                             const rpb::UpdateScheduleRequest& req) {
  SB_ASSIGN_OR_RETURN(rpb::Schedule current, AccessibleSchedule(p, req.schedule().id(), /*write=*/true));
  if (!current.opposite_of().empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("'", current.name(), "' is the opposite of another schedule: change that one"));
  }
  if (req.update_mask().paths_size() == 0)
    return InvalidField("update_mask", "update_mask names no field to change");
  google::protobuf::FieldMask mask;
  for (const auto& path : req.update_mask().paths()) {
    const std::string top = path.substr(0, path.find('.'));
    if (top == "id" || top == "tenant_id" || top == "user_id" || top == "opposite_of" ||
        top == "updated_at") {
      continue;  // fixed at creation, or the server's
    }
    if (top != "name" && top != "days" && top != "special_days" && top != "holiday_country") {
      return InvalidField("update_mask", absl::StrCat("update_mask: '", path, "' is not a schedule field"));
    }
    mask.add_paths(top);
  }
  if (mask.paths_size() == 0) return InvalidField("update_mask", "update_mask names no field to change");
  rpb::Schedule merged = current;
  google::protobuf::util::FieldMaskUtil::MergeOptions options;
  options.set_replace_message_fields(true);
  options.set_replace_repeated_fields(true);
  google::protobuf::util::FieldMaskUtil::MergeMessageTo(req.schedule(), mask, options, &merged);
  SB_RETURN_IF_ERROR(ValidateSchedule(&merged));
  auto saved = store_->UpdateSchedule(
      merged, {RoutingChangedEvent("routing.schedules_changed", merged.tenant_id(), merged.user_id())});
  if (!saved.ok()) return NameConflict(saved.status());
  if (merged.user_id().empty()) {
    data_->InvalidateTenant(merged.tenant_id());
  } else {
    data_->InvalidateUser(merged.user_id());
  }
  return saved;
}

absl::Status RoutingManager::DeleteSchedule(const Principal& p, const std::string& id) {
  SB_ASSIGN_OR_RETURN(rpb::Schedule current, AccessibleSchedule(p, id, /*write=*/true));
  SB_RETURN_IF_ERROR(store_->DeleteSchedule(
      id, {RoutingChangedEvent("routing.schedules_changed", current.tenant_id(), current.user_id())}));
  if (current.user_id().empty()) {
    data_->InvalidateTenant(current.tenant_id());
  } else {
    data_->InvalidateUser(current.user_id());
  }
  return absl::OkStatus();
}

absl::StatusOr<rpb::ListHolidaysResponse> RoutingManager::ListHolidays(const rpb::ListHolidaysRequest& req) {
  int year = req.year();
  if (year == 0) year = absl::ToCivilYear(clock_(), absl::UTCTimeZone()).year();
  SB_ASSIGN_OR_RETURN(auto days, ListPublicHolidays(req.country(), year));
  rpb::ListHolidaysResponse out;
  for (auto& d : days) *out.add_items() = std::move(d);
  return out;
}

}  // namespace sb::routing
