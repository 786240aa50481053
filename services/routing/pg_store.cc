#include "services/routing/pg_store.h"

#include <algorithm>
#include <utility>

#include <google/protobuf/util/json_util.h>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "core/status.h"
#include "switchboard/events/v1/events.pb.h"

namespace sb::routing {
namespace {

absl::Status NotFound(absl::string_view what) {
  return absl::NotFoundError(absl::StrCat(what, " not found"));
}

std::string Str(const pqxx::field& f) { return f.is_null() ? std::string() : f.as<std::string>(); }

std::string Micros(absl::string_view column) {
  return absl::StrCat("(extract(epoch from ", column, ")*1000000)::bigint");
}

google::protobuf::Timestamp Ts(const pqxx::field& f) {
  google::protobuf::Timestamp ts;
  if (f.is_null()) return ts;
  int64_t micros = f.as<int64_t>();
  ts.set_seconds(micros / 1000000);
  ts.set_nanos(static_cast<int32_t>((micros % 1000000) * 1000));
  return ts;
}

int64_t ToMicros(const google::protobuf::Timestamp& ts) { return ts.seconds() * 1000000 + ts.nanos() / 1000; }

// The stored JSON of a message: field names as in the .proto, defaults left
// out (they come back as defaults).
std::string ToJson(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions opts;
  opts.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, opts);
  return out;
}

// Unknown fields are ignored so that a row written by a newer binary (a field
// added to routing.proto) still reads during a rolling deploy.
absl::Status FromJson(const std::string& json, google::protobuf::Message* m, absl::string_view what) {
  google::protobuf::util::JsonParseOptions opts;
  opts.ignore_unknown_fields = true;
  auto st = google::protobuf::util::JsonStringToMessage(json, m, opts);
  if (!st.ok()) return absl::InternalError(absl::StrCat("stored ", what, " is unreadable: ", st.ToString()));
  return absl::OkStatus();
}

void WriteEvents(pqxx::work& w, const Events& events) {
  for (const auto& e : events) {
    w.exec_params(
        "INSERT INTO outbox (topic, event_id, type, tenant_id, payload) "
        "VALUES ($1, replace(gen_random_uuid()::text, '-', ''), $2, $3, $4)",
        e.topic, e.type, e.tenant_id, pqxx::binarystring(e.payload));
  }
}

// The same as WriteEvents, in one statement per 1,000 events (a batch of
// call logs publishes one call.missed per missed call).
void WriteEventsBatch(pqxx::work& w, const Events& events) {
  constexpr size_t kPerStatement = 1000;
  for (size_t from = 0; from < events.size(); from += kPerStatement) {
    const size_t to = std::min(events.size(), from + kPerStatement);
    std::string sql = "INSERT INTO outbox (topic, event_id, type, tenant_id, payload) VALUES ";
    std::vector<std::string> params;
    params.reserve((to - from) * 4);
    for (size_t i = from; i < to; ++i) {
      const auto& e = events[i];
      const size_t n = params.size();
      absl::StrAppend(&sql, i == from ? "" : ", ", "($", n + 1, ", replace(gen_random_uuid()::text, '-', ''), $",
                      n + 2, ", $", n + 3, ", decode($", n + 4, ", 'hex'))");
      params.push_back(e.topic);
      params.push_back(e.type);
      params.push_back(e.tenant_id);
      params.push_back(absl::BytesToHexString(e.payload));
    }
    w.exec_params(sql, pqxx::prepare::make_dynamic_params(params));
  }
}

std::optional<std::string> NullIfEmpty(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

// ---- schedules

std::string ScheduleCols() {
  return absl::StrCat("id::text, tenant_id::text, coalesce(user_id::text, ''), name, body::text, ",
                      "coalesce(opposite_of::text, ''), ", Micros("updated_at"));
}

absl::StatusOr<rpb::Schedule> ScheduleFrom(const pqxx::row& r) {
  rpb::Schedule s;
  SB_RETURN_IF_ERROR(FromJson(Str(r[4]), &s, "schedule"));
  s.set_id(Str(r[0]));
  s.set_tenant_id(Str(r[1]));
  s.set_user_id(Str(r[2]));
  s.set_name(Str(r[3]));
  s.set_opposite_of(Str(r[5]));
  *s.mutable_updated_at() = Ts(r[6]);
  return s;
}

// The body keeps what has no column of its own.
std::string ScheduleBody(rpb::Schedule s) {
  s.clear_id();
  s.clear_tenant_id();
  s.clear_user_id();
  s.clear_name();
  s.clear_opposite_of();
  s.clear_updated_at();
  return ToJson(s);
}

absl::StatusOr<rpb::Schedule> LoadSchedule(pqxx::work& w, const std::string& id) {
  auto r = w.exec_params(absl::StrCat("SELECT ", ScheduleCols(), " FROM schedules WHERE id = $1"), id);
  if (r.empty()) return NotFound("schedule");
  return ScheduleFrom(r[0]);
}

// ---- rule lists

std::string RuleListCols() {
  return absl::StrCat("id::text, user_id::text, name, body::text, ", Micros("updated_at"));
}

absl::StatusOr<rpb::RuleList> RuleListFrom(const pqxx::row& r) {
  rpb::RuleList l;
  SB_RETURN_IF_ERROR(FromJson(Str(r[3]), &l, "rule list"));
  l.set_id(Str(r[0]));
  l.set_user_id(Str(r[1]));
  l.set_name(Str(r[2]));
  *l.mutable_updated_at() = Ts(r[4]);
  return l;
}

std::string RuleListBody(rpb::RuleList l) {
  l.clear_id();
  l.clear_user_id();
  l.clear_name();
  l.clear_updated_at();
  return ToJson(l);
}

// ---- call logs

std::string CallLogCols() {
  return absl::StrCat("id::text, user_id::text, kind, other_party, other_party_name, ", Micros("started_at"),
                      ", duration_s, handled_by_rule, call_id");
}

rpb::CallLogEntry CallLogFrom(const pqxx::row& r) {
  rpb::CallLogEntry e;
  e.set_id(Str(r[0]));
  e.set_user_id(Str(r[1]));
  rpb::CallLogEntry::Kind kind = rpb::CallLogEntry::KIND_UNSPECIFIED;
  rpb::CallLogEntry::Kind_Parse(Str(r[2]), &kind);
  e.set_kind(kind);
  e.set_other_party(Str(r[3]));
  e.set_other_party_name(Str(r[4]));
  *e.mutable_started_at() = Ts(r[5]);
  e.set_duration_s(r[6].as<int>());
  e.set_handled_by_rule(Str(r[7]));
  e.set_call_id(Str(r[8]));
  return e;
}

}  // namespace

bool IsUuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (!absl::ascii_isxdigit(static_cast<unsigned char>(s[i]))) {
      return false;
    }
  }
  return true;
}

// ------------------------------------------------------------ call settings

absl::StatusOr<rpb::CallSettings> PgStore::GetCallSettings(const std::string& user_id) {
  if (!IsUuid(user_id)) return NotFound("call settings");
  return pool_->ReadValue([&](pqxx::work& w) -> absl::StatusOr<rpb::CallSettings> {
    rpb::CallSettings out;
    auto r = w.exec_params(absl::StrCat("SELECT settings::text, ", Micros("updated_at"),
                                        " FROM call_settings WHERE user_id = $1"),
                           user_id);
    if (r.empty()) return NotFound("call settings");
    SB_RETURN_IF_ERROR(FromJson(Str(r[0][0]), &out, "call settings"));
    out.set_user_id(user_id);
    *out.mutable_updated_at() = Ts(r[0][1]);
    return out;
  });
}

absl::StatusOr<std::vector<rpb::CallSettings>> PgStore::ListTenantCallSettings(const std::string& tenant_id) {
  if (!IsUuid(tenant_id)) return std::vector<rpb::CallSettings>{};
  return pool_->ReadValue([&](pqxx::work& w) -> absl::StatusOr<std::vector<rpb::CallSettings>> {
    std::vector<rpb::CallSettings> out;
    auto r = w.exec_params(absl::StrCat("SELECT user_id::text, settings::text, ", Micros("updated_at"),
                                        " FROM call_settings WHERE tenant_id = $1 ORDER BY user_id"),
                           tenant_id);
    for (const auto& row : r) {
      rpb::CallSettings s;
      SB_RETURN_IF_ERROR(FromJson(Str(row[1]), &s, "call settings"));
      s.set_user_id(Str(row[0]));
      *s.mutable_updated_at() = Ts(row[2]);
      out.push_back(std::move(s));
    }
    return out;
  });
}

absl::StatusOr<std::vector<rpb::CallSettings>> PgStore::PutCallSettings(
    const std::string& tenant_id, const std::vector<rpb::CallSettings>& settings, const Events& events) {
  if (!IsUuid(tenant_id)) return NotFound("tenant");
  for (const auto& s : settings) {
    if (!IsUuid(s.user_id())) return NotFound("user");
  }
  return pool_->TransactValue([&](pqxx::work& w) -> absl::StatusOr<std::vector<rpb::CallSettings>> {
    std::vector<rpb::CallSettings> out;
    for (rpb::CallSettings s : settings) {
      s.clear_updated_at();
      auto r = w.exec_params(
          absl::StrCat("INSERT INTO call_settings (user_id, tenant_id, settings) VALUES ($1, $2, $3::jsonb) "
                       "ON CONFLICT (user_id) DO UPDATE SET settings = EXCLUDED.settings, "
                       "tenant_id = EXCLUDED.tenant_id, updated_at = now() RETURNING ",
                       Micros("updated_at")),
          s.user_id(), tenant_id, ToJson(s));
      *s.mutable_updated_at() = Ts(r[0][0]);
      out.push_back(std::move(s));
    }
    WriteEvents(w, events);
    return out;
  });
}

// ---------------------------------------------------------------- schedules

absl::StatusOr<std::vector<rpb::Schedule>> PgStore::InsertSchedule(
    const rpb::Schedule& schedule, const std::optional<rpb::Schedule>& opposite, const Events& events) {
  if (!IsUuid(schedule.tenant_id())) return NotFound("tenant");
  if (!schedule.user_id().empty() && !IsUuid(schedule.user_id())) return NotFound("user");
  return pool_->TransactValue([&](pqxx::work& w) -> absl::StatusOr<std::vector<rpb::Schedule>> {
    std::vector<rpb::Schedule> out;
    auto insert = [&](const rpb::Schedule& s, const std::string& opposite_of) -> absl::StatusOr<std::string> {
      auto r = w.exec_params(
          "INSERT INTO schedules (tenant_id, user_id, name, body, opposite_of) "
          "VALUES ($1, $2, $3, $4::jsonb, $5) RETURNING id::text",
          s.tenant_id(), NullIfEmpty(s.user_id()), s.name(), ScheduleBody(s), NullIfEmpty(opposite_of));
      return Str(r[0][0]);
    };
    SB_ASSIGN_OR_RETURN(std::string id, insert(schedule, ""));
    SB_ASSIGN_OR_RETURN(rpb::Schedule saved, LoadSchedule(w, id));
    out.push_back(std::move(saved));
    if (opposite) {
      SB_ASSIGN_OR_RETURN(std::string opposite_id, insert(*opposite, id));
      SB_ASSIGN_OR_RETURN(rpb::Schedule saved_opposite, LoadSchedule(w, opposite_id));
      out.push_back(std::move(saved_opposite));
    }
    WriteEvents(w, events);
    return out;
  });
}

absl::StatusOr<rpb::Schedule> PgStore::GetSchedule(const std::string& id) {
  if (!IsUuid(id)) return NotFound("schedule");
  return pool_->ReadValue(
      [&](pqxx::work& w) -> absl::StatusOr<rpb::Schedule> { return LoadSchedule(w, id); });
}

absl::StatusOr<std::vector<rpb::Schedule>> PgStore::ListSchedules(const std::string& tenant_id,
                                                                  const std::string& user_id) {
  if (!IsUuid(tenant_id) || (!user_id.empty() && !IsUuid(user_id))) return std::vector<rpb::Schedule>{};
  return pool_->ReadValue([&](pqxx::work& w) -> absl::StatusOr<std::vector<rpb::Schedule>> {
    std::vector<rpb::Schedule> out;
    auto r = user_id.empty()
                 ? w.exec_params(absl::StrCat("SELECT ", ScheduleCols(),
                                              " FROM schedules WHERE tenant_id = $1 AND user_id IS NULL "
                                              "ORDER BY lower(name), id"),
                                 tenant_id)
                 : w.exec_params(absl::StrCat("SELECT ", ScheduleCols(),
                                              " FROM schedules WHERE tenant_id = $1 AND user_id = $2 "
                                              "ORDER BY lower(name), id"),
                                 tenant_id, user_id);
    for (const auto& row : r) {
      SB_ASSIGN_OR_RETURN(rpb::Schedule s, ScheduleFrom(row));
      out.push_back(std::move(s));
    }
    return out;
  });
}

absl::StatusOr<rpb::Schedule> PgStore::UpdateSchedule(const rpb::Schedule& schedule, const Events& events) {
  if (!IsUuid(schedule.id())) return NotFound("schedule");
  return pool_->TransactValue([&](pqxx::work& w) -> absl::StatusOr<rpb::Schedule> {
    auto r =
        w.exec_params("UPDATE schedules SET name = $2, body = $3::jsonb, updated_at = now() WHERE id = $1",
                      schedule.id(), schedule.name(), ScheduleBody(schedule));
    if (r.affected_rows() == 0) return NotFound("schedule");
    // The opposite follows its schedule's name: "non-<name>".
    w.exec_params("UPDATE schedules SET name = 'non-' || $2, updated_at = now() WHERE opposite_of = $1",
                  schedule.id(), schedule.name());
    SB_ASSIGN_OR_RETURN(rpb::Schedule saved, LoadSchedule(w, schedule.id()));
    WriteEvents(w, events);
    return saved;
  });
}

namespace {

// The first user (of `tenant_id`, or `user_id` alone when set) whose call
// settings name one of `ids` (schedules in active rule lists or ring
// criteria, rule lists), or nullopt. The settings are JSON and ids are
// UUIDs: a textual match can't meet them by accident.
std::optional<std::string> SettingsNaming(pqxx::work& w, const std::string& tenant_id,
                                          const std::string& user_id, const std::vector<std::string>& ids) {
  for (const auto& id : ids) {
    auto r = w.exec_params(
        "SELECT user_id::text FROM call_settings WHERE tenant_id = $1 AND ($2 = '' OR user_id::text = $2) "
        "AND strpos(settings::text, $3) > 0 LIMIT 1",
        tenant_id, user_id, id);
    if (!r.empty()) return r[0][0].as<std::string>();
  }
  return std::nullopt;
}

}  // namespace

absl::Status PgStore::DeleteSchedule(const std::string& id, const Events& events) {
  if (!IsUuid(id)) return NotFound("schedule");
  return pool_->Transact([&](pqxx::work& w) -> absl::Status {
    // The schedule and its opposite go together: neither may still be in
    // use, or calls would silently stop following the settings that name it.
    auto own = w.exec_params(
        "SELECT id::text, tenant_id::text, coalesce(user_id::text, ''), name FROM schedules "
        "WHERE id = $1 OR opposite_of = $1 FOR UPDATE",
        id);
    if (own.empty()) return NotFound("schedule");
    std::vector<std::string> ids;
    for (const auto& row : own) ids.push_back(row[0].as<std::string>());
    if (auto user = SettingsNaming(w, own[0][1].as<std::string>(), own[0][2].as<std::string>(), ids)) {
      return absl::FailedPreconditionError(
          absl::StrCat("the schedule '", own[0][3].as<std::string>(),
                       "' (or its opposite) is in use by the call settings of user ", *user,
                       " (active rule lists or ring criteria): change them first"));
    }
    auto r = w.exec_params("DELETE FROM schedules WHERE id = $1", id);
    if (r.affected_rows() == 0) return NotFound("schedule");
    WriteEvents(w, events);
    return absl::OkStatus();
  });
}

// --------------------------------------------------------------- rule lists

absl::StatusOr<rpb::RuleList> PgStore::InsertRuleList(const std::string& tenant_id, const rpb::RuleList& list,
                                                      const Events& events) {
  if (!IsUuid(tenant_id)) return NotFound("tenant");
  if (!IsUuid(list.user_id())) return NotFound("user");
  return pool_->TransactValue([&](pqxx::work& w) -> absl::StatusOr<rpb::RuleList> {
    auto r = w.exec_params(
        absl::StrCat("INSERT INTO rule_lists (tenant_id, user_id, name, body) VALUES ($1, $2, $3, $4::jsonb) "
                     "RETURNING ",
                     RuleListCols()),
        tenant_id, list.user_id(), list.name(), RuleListBody(list));
    SB_ASSIGN_OR_RETURN(rpb::RuleList saved, RuleListFrom(r[0]));
    WriteEvents(w, events);
    return saved;
  });
}

absl::StatusOr<rpb::RuleList> PgStore::GetRuleList(const std::string& id) {
  if (!IsUuid(id)) return NotFound("rule list");
  return pool_->ReadValue([&](pqxx::work& w) -> absl::StatusOr<rpb::RuleList> {
    auto r = w.exec_params(absl::StrCat("SELECT ", RuleListCols(), " FROM rule_lists WHERE id = $1"), id);
    if (r.empty()) return NotFound("rule list");
    return RuleListFrom(r[0]);
  });
}

absl::StatusOr<std::vector<rpb::RuleList>> PgStore::ListRuleLists(const std::string& user_id) {
  if (!IsUuid(user_id)) return std::vector<rpb::RuleList>{};
  return pool_->ReadValue([&](pqxx::work& w) -> absl::StatusOr<std::vector<rpb::RuleList>> {
    std::vector<rpb::RuleList> out;
    auto r = w.exec_params(absl::StrCat("SELECT ", RuleListCols(),
                                        " FROM rule_lists WHERE user_id = $1 ORDER BY lower(name), id"),
                           user_id);
    for (const auto& row : r) {
      SB_ASSIGN_OR_RETURN(rpb::RuleList l, RuleListFrom(row));
      out.push_back(std::move(l));
    }
    return out;
  });
}

absl::StatusOr<rpb::RuleList> PgStore::UpdateRuleList(const rpb::RuleList& list, const Events& events) {
  if (!IsUuid(list.id())) return NotFound("rule list");
  return pool_->TransactValue([&](pqxx::work& w) -> absl::StatusOr<rpb::RuleList> {
    auto r = w.exec_params(
        absl::StrCat("UPDATE rule_lists SET name = $2, body = $3::jsonb, updated_at = now() WHERE id = $1 "
                     "RETURNING ",
                     RuleListCols()),
        list.id(), list.name(), RuleListBody(list));
    if (r.empty()) return NotFound("rule list");
    SB_ASSIGN_OR_RETURN(rpb::RuleList saved, RuleListFrom(r[0]));
    WriteEvents(w, events);
    return saved;
  });
}

absl::Status PgStore::DeleteRuleList(const std::string& id, const Events& events) {
  if (!IsUuid(id)) return NotFound("rule list");
  return pool_->Transact([&](pqxx::work& w) -> absl::Status {
    auto own = w.exec_params(
        "SELECT tenant_id::text, user_id::text, name FROM rule_lists WHERE id = $1 FOR UPDATE", id);
    if (own.empty()) return NotFound("rule list");
    if (SettingsNaming(w, own[0][0].as<std::string>(), own[0][1].as<std::string>(), {id})) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the rule list '", own[0][2].as<std::string>(),
          "' is in use by the call settings (active, default or special-days list): change them first"));
    }
    if (w.exec_params("DELETE FROM rule_lists WHERE id = $1", id).affected_rows() == 0) {
      return NotFound("rule list");
    }
    WriteEvents(w, events);
    return absl::OkStatus();
  });
}

// ---------------------------------------------------------------- blacklist

namespace {

absl::StatusOr<rpb::Blacklist> LoadBlacklist(pqxx::work& w, const std::string& tenant_id) {
  rpb::Blacklist out;
  out.set_tenant_id(tenant_id);
  auto mode = w.exec_params("SELECT allow_only_listed FROM blacklists WHERE tenant_id = $1", tenant_id);
  if (!mode.empty()) out.set_allow_only_listed(mode[0][0].as<bool>());
  auto rules = w.exec_params(
      "SELECT id::text, match, digits, effect, note FROM blacklist_rules WHERE tenant_id = $1 "
      "ORDER BY created_at, id",
      tenant_id);
  for (const auto& r : rules) {
    auto* rule = out.add_rules();
    rule->set_id(Str(r[0]));
    rpb::BlacklistRule::Match match = rpb::BlacklistRule::EQUALS;
    rpb::BlacklistRule::Match_Parse(Str(r[1]), &match);
    rule->set_match(match);
    rule->set_digits(Str(r[2]));
    rpb::BlacklistRule::Effect effect = rpb::BlacklistRule::BLOCK;
    rpb::BlacklistRule::Effect_Parse(Str(r[3]), &effect);
    rule->set_effect(effect);
    rule->set_note(Str(r[4]));
  }
  return out;
}

}  // namespace

absl::StatusOr<rpb::Blacklist> PgStore::GetBlacklist(const std::string& tenant_id) {
  if (!IsUuid(tenant_id)) return NotFound("tenant");
  return pool_->ReadValue(
      [&](pqxx::work& w) -> absl::StatusOr<rpb::Blacklist> { return LoadBlacklist(w, tenant_id); });
}

absl::StatusOr<rpb::Blacklist> PgStore::SetBlacklistMode(const std::string& tenant_id, bool allow_only_listed,
                                                         const Events& events) {
  if (!IsUuid(tenant_id)) return NotFound("tenant");
  return pool_->TransactValue([&](pqxx::work& w) -> absl::StatusOr<rpb::Blacklist> {
    w.exec_params(
        "INSERT INTO blacklists (tenant_id, allow_only_listed) VALUES ($1, $2) ON CONFLICT (tenant_id) "
        "DO UPDATE SET allow_only_listed = EXCLUDED.allow_only_listed, updated_at = now()",
        tenant_id, allow_only_listed);
    SB_ASSIGN_OR_RETURN(rpb::Blacklist saved, LoadBlacklist(w, tenant_id));
    WriteEvents(w, events);
    return saved;
  });
}

absl::StatusOr<rpb::BlacklistRule> PgStore::InsertBlacklistRule(const std::string& tenant_id,
                                                                const rpb::BlacklistRule& rule,
                                                                const Events& events) {
  if (!IsUuid(tenant_id)) return NotFound("tenant");
  return pool_->TransactValue([&](pqxx::work& w) -> absl::StatusOr<rpb::BlacklistRule> {
    auto r = w.exec_params(
        "INSERT INTO blacklist_rules (tenant_id, match, digits, effect, note) VALUES ($1, $2, $3, $4, $5) "
        "RETURNING id::text",
        tenant_id, rpb::BlacklistRule::Match_Name(rule.match()), rule.digits(),
        rpb::BlacklistRule::Effect_Name(rule.effect()), rule.note());
    rpb::BlacklistRule out = rule;
    out.set_id(Str(r[0][0]));
    WriteEvents(w, events);
    return out;
  });
}

absl::Status PgStore::DeleteBlacklistRule(const std::string& tenant_id, const std::string& rule_id,
                                          const Events& events) {
  if (!IsUuid(tenant_id) || !IsUuid(rule_id)) return NotFound("blacklist rule");
  return pool_->Transact([&](pqxx::work& w) -> absl::Status {
    auto r =
        w.exec_params("DELETE FROM blacklist_rules WHERE tenant_id = $1 AND id = $2", tenant_id, rule_id);
    if (r.affected_rows() == 0) return NotFound("blacklist rule");
    WriteEvents(w, events);
    return absl::OkStatus();
  });
}

absl::Status PgStore::DeleteAllBlacklistRules(const std::string& tenant_id, const Events& events) {
  if (!IsUuid(tenant_id)) return NotFound("tenant");
  return pool_->Transact([&](pqxx::work& w) -> absl::Status {
    w.exec_params("DELETE FROM blacklist_rules WHERE tenant_id = $1", tenant_id);
    WriteEvents(w, events);
    return absl::OkStatus();
  });
}

// ---------------------------------------------------------------- call logs

// Rows per statement: 9 parameters each, far below PostgreSQL's 65,535.
constexpr size_t kCallLogRowsPerStatement = 500;

absl::StatusOr<std::vector<CallLogRecord>> PgStore::InsertCallLogs(
    const std::vector<CallLogRecord>& records, const std::vector<Events>& events_per_record) {
  for (const auto& rec : records) {
    if (!IsUuid(rec.tenant_id) || !IsUuid(rec.entry.user_id())) {
      return absl::InvalidArgumentError("a call-log entry needs its tenant and user ids");
    }
  }
  return pool_->TransactValue([&](pqxx::work& w) -> absl::StatusOr<std::vector<CallLogRecord>> {
    std::vector<CallLogRecord> out;
    // Many calls in one transaction (CallLogWriter batches them): one
    // multi-row INSERT per chunk, one round trip, one commit for them all.
    // Which rows went in (a call logged before is skipped) comes back by
    // (call_id, user_id).
    absl::flat_hash_map<std::pair<std::string, std::string>, std::string> ids;
    for (size_t from = 0; from < records.size(); from += kCallLogRowsPerStatement) {
      const size_t to = std::min(records.size(), from + kCallLogRowsPerStatement);
      std::string sql =
          "INSERT INTO call_logs (tenant_id, user_id, call_id, kind, other_party, other_party_name, "
          "started_at, duration_s, handled_by_rule) VALUES ";
      std::vector<std::string> params;
      params.reserve((to - from) * 9);
      for (size_t i = from; i < to; ++i) {
        const auto& e = records[i].entry;
        const size_t n = params.size();
        absl::StrAppend(&sql, i == from ? "" : ", ", "($", n + 1, "::uuid, $", n + 2, "::uuid, $", n + 3,
                        ", $", n + 4, ", $", n + 5, ", $", n + 6, ", timestamptz 'epoch' + $", n + 7,
                        "::bigint * interval '1 microsecond', $", n + 8, "::int, $", n + 9, ")");
        params.push_back(records[i].tenant_id);
        params.push_back(e.user_id());
        params.push_back(e.call_id());
        params.push_back(rpb::CallLogEntry::Kind_Name(e.kind()));
        params.push_back(e.other_party());
        params.push_back(e.other_party_name());
        params.push_back(absl::StrCat(ToMicros(e.started_at())));
        params.push_back(absl::StrCat(e.duration_s()));
        params.push_back(e.handled_by_rule());
      }
      sql += " ON CONFLICT (call_id, user_id) DO NOTHING RETURNING id::text, call_id, user_id::text";
      auto r = w.exec_params(sql, pqxx::prepare::make_dynamic_params(params));
      for (const auto& row : r) ids[{Str(row[1]), Str(row[2])}] = Str(row[0]);
    }
    Events events;
    for (size_t i = 0; i < records.size(); ++i) {
      // PostgreSQL spells a uuid in lower case.
      auto id = ids.find(
          std::make_pair(records[i].entry.call_id(), absl::AsciiStrToLower(records[i].entry.user_id())));
      if (id == ids.end()) continue;  // written before: the same call logged again
      CallLogRecord saved = records[i];
      saved.entry.set_id(id->second);
      ids.erase(id);  // the same entry twice in one batch is written once
      if (i < events_per_record.size()) {
        // The events were built before the entry had an id; fill it in.
        for (OutboxEvent ev : events_per_record[i]) {
          ::switchboard::events::v1::CallLogged logged;
          if (ev.topic == "call" && logged.ParseFromString(ev.payload)) {
            logged.set_entry_id(saved.entry.id());
            ev.payload = logged.SerializeAsString();
          }
          events.push_back(std::move(ev));
        }
      }
      out.push_back(std::move(saved));
    }
    WriteEventsBatch(w, events);
    return out;
  });
}

absl::StatusOr<std::vector<rpb::CallLogEntry>> PgStore::ListCallLogs(const std::string& user_id,
                                                                     rpb::CallLogEntry::Kind kind,
                                                                     const CallLogCursor& cursor,
                                                                     absl::Time since, int limit) {
  if (!IsUuid(user_id)) return std::vector<rpb::CallLogEntry>{};
  if (!cursor.id.empty() && !IsUuid(cursor.id)) return absl::InvalidArgumentError("malformed page token");
  std::optional<int64_t> before;
  if (cursor.started_at != absl::InfiniteFuture()) before = absl::ToUnixMicros(cursor.started_at);
  const int64_t from = since == absl::InfinitePast() ? 0 : absl::ToUnixMicros(since);
  const std::string kind_name =
      kind == rpb::CallLogEntry::KIND_UNSPECIFIED ? "" : rpb::CallLogEntry::Kind_Name(kind);
  return pool_->ReadValue([&](pqxx::work& w) -> absl::StatusOr<std::vector<rpb::CallLogEntry>> {
    std::vector<rpb::CallLogEntry> out;
    // Keyset paging on (started_at, id) descending: stable while entries arrive.
    auto r = w.exec_params(
        absl::StrCat("SELECT ", CallLogCols(),
                     " FROM call_logs WHERE user_id = $1 AND ($2 = '' OR kind = $2) "
                     "AND started_at >= timestamptz 'epoch' + $3::bigint * interval '1 microsecond' "
                     "AND ($4::bigint IS NULL OR (started_at, id) < "
                     "(timestamptz 'epoch' + $4::bigint * interval '1 microsecond', $5::uuid)) "
                     "ORDER BY started_at DESC, id DESC LIMIT $6"),
        user_id, kind_name, from, before, NullIfEmpty(cursor.id), limit);
    for (const auto& row : r) out.push_back(CallLogFrom(row));
    return out;
  });
}

absl::StatusOr<int64_t> PgStore::PurgeCallLogs(absl::Time cutoff) {
  return pool_->TransactValue([&](pqxx::work& w) -> absl::StatusOr<int64_t> {
    auto r = w.exec_params(
        "DELETE FROM call_logs WHERE started_at < timestamptz 'epoch' + $1::bigint * interval '1 "
        "microsecond'",
        absl::ToUnixMicros(cutoff));
    return r.affected_rows();
  });
}

}  // namespace sb::routing
