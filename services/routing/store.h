#pragma once
// The storage the routing logic needs. Records are the API's protobuf
// messages. Users and tenants are profiles' ids: the store only keeps them.
//
// Every mutating method takes the events that describe the change and writes
// them to the outbox in the same transaction (see libs/pg/outbox_relay.h), so an
// acknowledged change always reaches the other routing copies' caches and an
// acknowledged call-log entry always gets its call.missed / call.rejected.
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "switchboard/routing/v1/routing.pb.h"

namespace sb::routing {

namespace rpb = ::switchboard::routing::v1;

struct OutboxEvent {
  std::string topic;  // "routing", "call"
  std::string type;   // "routing.settings_changed", "call.missed"
  std::string tenant_id;
  std::string payload;  // serialized events.v1 message
};
using Events = std::vector<OutboxEvent>;

// A call-log entry with the tenant it belongs to (the API message has none).
struct CallLogRecord {
  std::string tenant_id;
  rpb::CallLogEntry entry;  // id is assigned by the store when empty
};

// Where a page of call logs starts: after this (started_at, id), newest first.
struct CallLogCursor {
  absl::Time started_at = absl::InfiniteFuture();
  std::string id;
};

class Store {
 public:
  virtual ~Store() = default;

  // ---- call settings (one row per user who saved any)
  // NOT_FOUND when the user never saved settings (the caller applies defaults).
  virtual absl::StatusOr<rpb::CallSettings> GetCallSettings(const std::string& user_id) = 0;
  virtual absl::StatusOr<std::vector<rpb::CallSettings>> ListTenantCallSettings(
      const std::string& tenant_id) = 0;
  // Inserts or replaces the settings of users of `tenant_id`, all in one
  // transaction; returns them with updated_at set.
  virtual absl::StatusOr<std::vector<rpb::CallSettings>> PutCallSettings(
      const std::string& tenant_id, const std::vector<rpb::CallSettings>& settings, const Events& events) = 0;

  // ---- schedules
  // Inserts `schedule` (its id assigned) and, when given, its opposite
  // (`opposite_of` set to the new id). ALREADY_EXISTS on a duplicate name.
  virtual absl::StatusOr<std::vector<rpb::Schedule>> InsertSchedule(
      const rpb::Schedule& schedule, const std::optional<rpb::Schedule>& opposite, const Events& events) = 0;
  virtual absl::StatusOr<rpb::Schedule> GetSchedule(const std::string& id) = 0;
  // A user's schedules (user_id set) or a tenant's group schedules (user_id empty).
  virtual absl::StatusOr<std::vector<rpb::Schedule>> ListSchedules(const std::string& tenant_id,
                                                                   const std::string& user_id) = 0;
  virtual absl::StatusOr<rpb::Schedule> UpdateSchedule(const rpb::Schedule& schedule,
                                                       const Events& events) = 0;
  // Deletes the schedule and its opposite.
  virtual absl::Status DeleteSchedule(const std::string& id, const Events& events) = 0;

  // ---- rule lists
  virtual absl::StatusOr<rpb::RuleList> InsertRuleList(const std::string& tenant_id,
                                                       const rpb::RuleList& list, const Events& events) = 0;
  virtual absl::StatusOr<rpb::RuleList> GetRuleList(const std::string& id) = 0;
  virtual absl::StatusOr<std::vector<rpb::RuleList>> ListRuleLists(const std::string& user_id) = 0;
  virtual absl::StatusOr<rpb::RuleList> UpdateRuleList(const rpb::RuleList& list, const Events& events) = 0;
  virtual absl::Status DeleteRuleList(const std::string& id, const Events& events) = 0;

  // ---- blacklist (an empty one when the tenant has none)
  virtual absl::StatusOr<rpb::Blacklist> GetBlacklist(const std::string& tenant_id) = 0;
  virtual absl::StatusOr<rpb::Blacklist> SetBlacklistMode(const std::string& tenant_id,
                                                          bool allow_only_listed, const Events& events) = 0;
  virtual absl::StatusOr<rpb::BlacklistRule> InsertBlacklistRule(const std::string& tenant_id,
                                                                 const rpb::BlacklistRule& rule,
                                                                 const Events& events) = 0;
  // NOT_FOUND when the tenant has no such rule.
  virtual absl::Status DeleteBlacklistRule(const std::string& tenant_id, const std::string& rule_id,
                                           const Events& events) = 0;
  virtual absl::Status DeleteAllBlacklistRules(const std::string& tenant_id, const Events& events) = 0;

  // ---- call logs
  // Writes the entries of one call (idempotent per call id and user: an
  // entry already written is left as it is, and its events are not written
  // again). Returns the entries as stored, ids set.
  virtual absl::StatusOr<std::vector<CallLogRecord>> InsertCallLogs(
      const std::vector<CallLogRecord>& records, const std::vector<Events>& events_per_record) = 0;
  // Newest first, after `cursor`; KIND_UNSPECIFIED lists every kind; only
  // entries started at or after `since`.
  virtual absl::StatusOr<std::vector<rpb::CallLogEntry>> ListCallLogs(const std::string& user_id,
                                                                      rpb::CallLogEntry::Kind kind,
                                                                      const CallLogCursor& cursor,
                                                                      absl::Time since, int limit) = 0;
  // Deletes entries started before `cutoff`; returns how many.
  virtual absl::StatusOr<int64_t> PurgeCallLogs(absl::Time cutoff) = 0;
};

}  // namespace sb::routing
