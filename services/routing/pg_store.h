#pragma once
// The routing store on PostgreSQL (schema `routing`). libpqxx lives only here.
// Settings, schedules and rule lists are kept as protobuf JSON in jsonb
// columns: the API message is the record, and SQL can still read it.
#include "pg/pool.h"
#include "services/routing/store.h"

namespace sb::routing {

class PgStore final : public Store {
 public:
  explicit PgStore(pg::Pool* pool) : pool_(pool) {}

  absl::StatusOr<rpb::CallSettings> GetCallSettings(const std::string& user_id) override;
  absl::StatusOr<std::vector<rpb::CallSettings>> ListTenantCallSettings(
      const std::string& tenant_id) override;
  absl::StatusOr<std::vector<rpb::CallSettings>> PutCallSettings(
      const std::string& tenant_id, const std::vector<rpb::CallSettings>& settings,
      const Events& events) override;

  absl::StatusOr<std::vector<rpb::Schedule>> InsertSchedule(const rpb::Schedule& schedule,
                                                            const std::optional<rpb::Schedule>& opposite,
                                                            const Events& events) override;
  absl::StatusOr<rpb::Schedule> GetSchedule(const std::string& id) override;
  absl::StatusOr<std::vector<rpb::Schedule>> ListSchedules(const std::string& tenant_id,
                                                           const std::string& user_id) override;
  absl::StatusOr<rpb::Schedule> UpdateSchedule(const rpb::Schedule& schedule, const Events& events) override;
  absl::Status DeleteSchedule(const std::string& id, const Events& events) override;

  absl::StatusOr<rpb::RuleList> InsertRuleList(const std::string& tenant_id, const rpb::RuleList& list,
                                               const Events& events) override;
  absl::StatusOr<rpb::RuleList> GetRuleList(const std::string& id) override;
  absl::StatusOr<std::vector<rpb::RuleList>> ListRuleLists(const std::string& user_id) override;
  absl::StatusOr<rpb::RuleList> UpdateRuleList(const rpb::RuleList& list, const Events& events) override;
  absl::Status DeleteRuleList(const std::string& id, const Events& events) override;

  absl::StatusOr<rpb::Blacklist> GetBlacklist(const std::string& tenant_id) override;
  absl::StatusOr<rpb::Blacklist> SetBlacklistMode(const std::string& tenant_id, bool allow_only_listed,
                                                  const Events& events) override;
  absl::StatusOr<rpb::BlacklistRule> InsertBlacklistRule(const std::string& tenant_id,
                                                         const rpb::BlacklistRule& rule,
                                                         const Events& events) override;
  absl::Status DeleteBlacklistRule(const std::string& tenant_id, const std::string& rule_id,
                                   const Events& events) override;
  absl::Status DeleteAllBlacklistRules(const std::string& tenant_id, const Events& events) override;

  absl::StatusOr<std::vector<CallLogRecord>> InsertCallLogs(
      const std::vector<CallLogRecord>& records, const std::vector<Events>& events_per_record) override;
  absl::StatusOr<std::vector<rpb::CallLogEntry>> ListCallLogs(const std::string& user_id,
                                                              rpb::CallLogEntry::Kind kind,
                                                              const CallLogCursor& cursor, absl::Time since,
                                                              int limit) override;
  absl::StatusOr<int64_t> PurgeCallLogs(absl::Time cutoff) override;

 private:
  pg::Pool* pool_;
};

// Ids are profiles' (and our) UUIDs; anything else can't exist.
bool IsUuid(const std::string& s);

}  // namespace sb::routing
