#pragma once
// The routing service's portal-facing logic: who may read and change which
// call settings, schedules, rule lists, blacklists and call logs, and what a
// valid change is. It talks to PostgreSQL only through Store, to profiles
// only through Directory; the gRPC server only converts. Split by concern:
// call_settings.cc (with A10 extension settings), schedules.cc,
// rule_lists.cc (with the blacklist), calls.cc.
//
// Visibility is profiles' rule: a user's things are visible to the user, its
// tenant's admins and operators; anything else answers NOT_FOUND, so ids
// can't be probed. The user's tenant comes from the cached profile.
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/principal.h"
#include "numbering/numbering.h"
#include "services/routing/directory.h"
#include "services/routing/routing_cache.h"
#include "services/routing/settings.h"
#include "services/routing/store.h"
#include "switchboard/routing/v1/routing.pb.h"

namespace sb::routing {

using core::Principal;

struct RoutingConfig {
  int default_page_size = 50;
  int max_page_size = 200;
  int max_export_rows = 10000;
};

class RoutingManager {
 public:
  RoutingManager(RoutingConfig config, Store* store, RoutingData* data, Directory* directory,
                 ProfilesSource* profiles, const numbering::Numbering* numbering,
                 std::function<absl::Time()> clock = absl::Now)
      : config_(config),
        store_(store),
        data_(data),
        directory_(directory),
        profiles_(profiles),
        numbering_(numbering),
        clock_(std::move(clock)) {}

  // Call settings (B1–B6, B10–B12). A user who never saved any gets defaults.
  absl::StatusOr<rpb::CallSettings> GetCallSettings(const Principal& p, const std::string& user_id);
  absl::StatusOr<rpb::CallSettings> UpdateCallSettings(const Principal& p,
                                                       const rpb::UpdateCallSettingsRequest& req);
  // The star-code path (B13): `updated` is the user's settings after the
  // code; saved exactly as UpdateCallSettings would save the fields in `mask`.
  absl::StatusOr<rpb::CallSettings> SaveFeatureCode(const std::string& user_id,
                                                    const rpb::CallSettings& updated,
                                                    const google::protobuf::FieldMask& mask);
  // Effective settings of a user (saved or defaults), for the decision path.
  static rpb::CallSettings Effective(const UserRouting& data, const ppb::User& user);

  // A10 quick-edit table: one row per user of the tenant (admins).
  absl::StatusOr<rpb::ListExtensionSettingsResponse> ListExtensionSettings(const Principal& p,
                                                                           const std::string& tenant_id);
  absl::StatusOr<rpb::ListExtensionSettingsResponse> UpdateExtensionSettings(
      const Principal& p, const rpb::UpdateExtensionSettingsRequest& req);

  // Schedules (B7).
  absl::StatusOr<rpb::Schedule> CreateSchedule(const Principal& p, const rpb::CreateScheduleRequest& req);
  absl::StatusOr<rpb::Schedule> GetSchedule(const Principal& p, const std::string& schedule_id);
  absl::StatusOr<rpb::ListSchedulesResponse> ListSchedules(const Principal& p,
                                                           const rpb::ListSchedulesRequest& req);
  absl::StatusOr<rpb::Schedule> UpdateSchedule(const Principal& p, const rpb::UpdateScheduleRequest& req);
  absl::Status DeleteSchedule(const Principal& p, const std::string& schedule_id);
  absl::StatusOr<rpb::ListHolidaysResponse> ListHolidays(const rpb::ListHolidaysRequest& req);

  // Rule lists (B8).
  absl::StatusOr<rpb::RuleList> CreateRuleList(const Principal& p, const rpb::CreateRuleListRequest& req);
  absl::StatusOr<rpb::RuleList> GetRuleList(const Principal& p, const std::string& rule_list_id);
  absl::StatusOr<rpb::ListRuleListsResponse> ListRuleLists(const Principal& p, const std::string& user_id);
  absl::StatusOr<rpb::RuleList> UpdateRuleList(const Principal& p, const rpb::UpdateRuleListRequest& req);
  absl::Status DeleteRuleList(const Principal& p, const std::string& rule_list_id);

  // Blacklist (B9), managed by the tenant's admins.
  absl::StatusOr<rpb::Blacklist> GetBlacklist(const Principal& p, const std::string& tenant_id);
  absl::StatusOr<rpb::Blacklist> UpdateBlacklist(const Principal& p, const rpb::UpdateBlacklistRequest& req);
  absl::StatusOr<rpb::BlacklistRule> AddBlacklistRule(const Principal& p,
                                                      const rpb::AddBlacklistRuleRequest& req);
  absl::Status DeleteBlacklistRule(const Principal& p, const rpb::DeleteBlacklistRuleRequest& req);

  // Call logs (C9).
  absl::StatusOr<rpb::ListCallsResponse> ListCalls(const Principal& p, const rpb::ListCallsRequest& req);
  absl::StatusOr<rpb::ExportCallsResponse> ExportCalls(const Principal& p,
                                                       const rpb::ExportCallsRequest& req);

  // The user `user_id` ("me": the caller) if `p` may see it, else NOT_FOUND.
  absl::StatusOr<std::shared_ptr<const ppb::User>> VisibleUser(const Principal& p,
                                                               const std::string& user_id);

 private:
  // A tenant `p` may administer; NOT_FOUND when it can't even see it.
  absl::Status ManageableTenant(const Principal& p, const std::string& tenant_id);
  absl::StatusOr<SettingsContext> ContextFor(const std::string& tenant_id);
  absl::StatusOr<rpb::CallSettings> CurrentSettings(const ppb::User& user);
  // Merges, validates, checks references, stores and invalidates.
  absl::StatusOr<rpb::CallSettings> SaveSettings(const ppb::User& user, const rpb::CallSettings& update,
                                                 const google::protobuf::FieldMask& mask);
  absl::StatusOr<rpb::CallSettings> PrepareSettings(const ppb::User& user, const rpb::CallSettings& update,
                                                    const google::protobuf::FieldMask& mask,
                                                    const SettingsContext& ctx);
  // Rule lists and schedules the update names (in `changed` fields) must be
  // the user's (or, for schedules, its tenant's).
  absl::Status CheckReferences(const ppb::User& user, const rpb::CallSettings& settings,
                               const std::vector<std::string>& changed);
  // The schedule if `p` may see it (write: change it).
  absl::StatusOr<rpb::Schedule> AccessibleSchedule(const Principal& p, const std::string& id, bool write);
  absl::StatusOr<rpb::RuleList> AccessibleRuleList(const Principal& p, const std::string& id);

  RoutingConfig config_;
  Store* store_;
  RoutingData* data_;
  Directory* directory_;
  ProfilesSource* profiles_;
  const numbering::Numbering* numbering_;
  std::function<absl::Time()> clock_;
};

// The event that tells every routing copy to drop what it cached for a user
// (user_id set) or a tenant: routing.settings_changed and its siblings.
OutboxEvent RoutingChangedEvent(const std::string& type, const std::string& tenant_id,
                                const std::string& user_id);

}  // namespace sb::routing
