#include "services/routing/call_log.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "switchboard/events/v1/events.pb.h"

namespace sb::routing {
namespace {

absl::Time TimeOf(const google::protobuf::Timestamp& ts, absl::Time fallback) {
  if (ts.seconds() == 0 && ts.nanos() == 0) return fallback;
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

google::protobuf::Timestamp Proto(absl::Time t) {
  google::protobuf::Timestamp ts;
  const int64_t micros = absl::ToUnixMicros(t);
  ts.set_seconds(micros / 1000000);
  ts.set_nanos(static_cast<int32_t>(micros % 1000000) * 1000);
  return ts;
}

int Seconds(absl::Duration d) {
  if (d <= absl::ZeroDuration()) return 0;
  return static_cast<int>(std::lround(absl::ToDoubleSeconds(d)));
}

// How the callee sees the caller.
std::string CallerParty(const CallTrace& t) {
  if (t.caller_anonymous) return "anonymous";
  if (!t.caller_extension.empty() && !t.caller_user_id.empty() && t.tenant_id == t.callee_tenant_id) {
    return t.caller_extension;
  }
  return t.caller_number;
}

// Spreadsheets run a cell starting with = + - @ as a formula: text fields
// from people (names, rule names) get a leading quote. Numbers are left
// alone: "+33…" is what the person needs to read.
std::string Defused(absl::string_view text) {
  if (!text.empty() && (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@')) {
    return absl::StrCat("'", text);
  }
  return std::string(text);
}

}  // namespace

void RecordDecision(const rpb::RouteDecision& d, CallTrace* t) {
  t->decided = true;
  t->callee_user_id = d.callee_user_id();
  t->callee_tenant_id = d.callee_tenant_id();
  t->decided_by = d.decided_by();
  t->evaluation_failed = !d.error().empty();
  if (!d.feature_applied().empty()) t->loggable = false;
  t->rejected = d.steps_size() == 0 && d.final().kind() == rpb::Terminal::REJECT;
}

void RecordEvent(const rpb::CallEvent& e, absl::Time now, CallTrace* t) {
  if (t->terminal) return;
  t->touched_at = now;
  const absl::Time at = TimeOf(e.at(), now);
  ++t->events;
  t->last_event_at = at;
  switch (e.kind()) {
    case rpb::CallEvent::ANSWERED:
      if (!t->answered) {
        t->answered = true;
        t->answered_at = at;
      }
      break;
    case rpb::CallEvent::DIVERTED:
      if (!t->answered) t->diverted_before_answer = true;
      break;
    case rpb::CallEvent::ENDED:
      t->terminal = true;
      t->ended_at = at;
      break;
    case rpb::CallEvent::CANCELLED:
      t->terminal = true;
      t->cancelled = true;
      t->ended_at = at;
      break;
    case rpb::CallEvent::FAILED:
      t->terminal = true;
      t->failed = true;
      t->sip_code = e.sip_code();
      t->ended_at = at;
      break;
    default:
      break;
  }
}

std::vector<CallLogRecord> BuildCallLog(const CallTrace& t, const NameLookup& names) {
  std::vector<CallLogRecord> out;
  if (!t.loggable) return out;
  const absl::Time started = t.started_at;
  int duration = 0;
  if (t.answered) {
    absl::Time end = t.ended_at != absl::InfinitePast() ? t.ended_at : t.last_event_at;
    duration = Seconds(end - t.answered_at);
  }

  if (!t.callee_user_id.empty() && !t.evaluation_failed && t.callee_user_id != t.caller_user_id) {
    CallLogRecord r;
    r.tenant_id = t.callee_tenant_id;
    auto& e = r.entry;
    e.set_user_id(t.callee_user_id);
    e.set_call_id(t.call_id);
    if (t.rejected) {
      e.set_kind(rpb::CallLogEntry::REJECTED);
    } else if (t.answered && !t.diverted_before_answer) {
      e.set_kind(rpb::CallLogEntry::RECEIVED);
      e.set_duration_s(duration);
    } else {
      e.set_kind(rpb::CallLogEntry::MISSED);
    }
    e.set_other_party(CallerParty(t));
    std::string name;
    if (!t.caller_anonymous) {
      name = names ? names(t.callee_user_id, e.other_party()) : "";
      if (name.empty() && names && !t.caller_number.empty() && t.caller_number != e.other_party()) {
        name = names(t.callee_user_id, t.caller_number);
      }
      if (name.empty()) name = t.caller_name;
    }
    e.set_other_party_name(name);
    *e.mutable_started_at() = Proto(started);
    e.set_handled_by_rule(t.decided_by);
    out.push_back(std::move(r));
  }

  if (!t.caller_user_id.empty()) {
    CallLogRecord r;
    r.tenant_id = t.tenant_id;
    auto& e = r.entry;
    e.set_user_id(t.caller_user_id);
    e.set_call_id(t.call_id);
    e.set_kind(rpb::CallLogEntry::OUTGOING);
    e.set_other_party(t.dialed);
    e.set_other_party_name(names ? names(t.caller_user_id, t.dialed) : "");
    *e.mutable_started_at() = Proto(started);
    e.set_duration_s(duration);
    out.push_back(std::move(r));
  }
  return out;
}

Events CallLogEvents(const CallLogRecord& record) {
  const auto kind = record.entry.kind();
  if (kind != rpb::CallLogEntry::MISSED && kind != rpb::CallLogEntry::REJECTED) return {};
  ::switchboard::events::v1::CallLogged p;
  const auto& e = record.entry;
  p.set_tenant_id(record.tenant_id);
  p.set_user_id(e.user_id());
  p.set_entry_id(e.id());
  p.set_call_id(e.call_id());
  p.set_kind(rpb::CallLogEntry::Kind_Name(kind));
  p.set_other_party(e.other_party());
  p.set_other_party_name(e.other_party_name());
  *p.mutable_started_at() = e.started_at();
  p.set_duration_s(e.duration_s());
  p.set_handled_by_rule(e.handled_by_rule());
  const char* type = kind == rpb::CallLogEntry::MISSED ? "call.missed" : "call.rejected";
  return {OutboxEvent{"call", type, record.tenant_id, p.SerializeAsString()}};
}

std::string CsvField(absl::string_view v) {
  if (v.find_first_of(",\"\r\n") == absl::string_view::npos) return std::string(v);
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string CallLogCsv(const std::vector<rpb::CallLogEntry>& entries, absl::TimeZone tz) {
  std::string out = "started_at,kind,other_party,other_party_name,duration_s,handled_by_rule,call_id\r\n";
  for (const auto& e : entries) {
    const absl::Time at = absl::FromUnixSeconds(e.started_at().seconds());
    absl::StrAppend(&out, CsvField(absl::FormatTime("%Y-%m-%dT%H:%M:%S%Ez", at, tz)), ",",
                    CsvField(rpb::CallLogEntry::Kind_Name(e.kind())), ",", CsvField(e.other_party()), ",",
                    CsvField(Defused(e.other_party_name())), ",", e.duration_s(), ",",
                    CsvField(Defused(e.handled_by_rule())), ",", CsvField(e.call_id()), "\r\n");
  }
  return out;
}

absl::Time CallLogRetentionCutoff(absl::Time now) {
  const absl::CivilSecond c = absl::ToCivilSecond(now, absl::UTCTimeZone());
  const absl::CivilMonth month = absl::CivilMonth(c) - 2;
  // 31 December minus two months is 31 October; 30 April minus two is 28 or
  // 29 February: clamp to the month's last day.
  const absl::CivilDay last_day = absl::CivilDay(month + 1) - 1;
  const int day = std::min(c.day(), last_day.day());
  const absl::CivilSecond cutoff(month.year(), month.month(), day, c.hour(), c.minute(), c.second());
  return absl::FromCivil(cutoff, absl::UTCTimeZone());
}

}  // namespace sb::routing
