// RoutingManager: the call history (C9) and its CSV export.
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/status.h"
#include "services/routing/call_log.h"
#include "services/routing/routing_manager.h"

namespace sb::routing {
namespace {

// A page token is where the last page ended: "<started_at µs>_<entry id>".
std::string TokenOf(const rpb::CallLogEntry& e) {
  return absl::StrCat(e.started_at().seconds() * 1000000 + e.started_at().nanos() / 1000, "_", e.id());
}

absl::StatusOr<CallLogCursor> CursorOf(const std::string& token) {
  CallLogCursor c;
  if (token.empty()) return c;
  const size_t sep = token.find('_');
  int64_t micros = 0;
  if (sep == std::string::npos || !absl::SimpleAtoi(token.substr(0, sep), &micros)) {
    return core::InvalidField("page_token", "page_token is not one this API returned");
  }
  c.started_at = absl::FromUnixMicros(micros);
  c.id = token.substr(sep + 1);
  return c;
}

}  // namespace

absl::StatusOr<rpb::ListCallsResponse> RoutingManager::ListCalls(const Principal& p,
                                                                 const rpb::ListCallsRequest& req) {
  SB_ASSIGN_OR_RETURN(auto user, VisibleUser(p, req.user_id()));
  if (!rpb::CallLogEntry::Kind_IsValid(req.kind()))
    return core::InvalidField("kind", "kind has an unknown value");
  SB_ASSIGN_OR_RETURN(CallLogCursor cursor, CursorOf(req.page_token()));
  const int size =
      req.page_size() <= 0 ? config_.default_page_size : std::min(req.page_size(), config_.max_page_size);
  // Entries past retention may wait for the next purge: never show them.
  const absl::Time since = CallLogRetentionCutoff(clock_());
  auto items = store_->ListCallLogs(user->id(), req.kind(), cursor, since, size + 1);
  if (!items.ok()) {
    return items.status().code() == absl::StatusCode::kInvalidArgument
               ? core::InvalidField("page_token", "page_token is not one this API returned")
               : items.status();
  }
  rpb::ListCallsResponse out;
  if (static_cast<int>(items->size()) > size) {
    items->resize(size);
    out.set_next_page_token(TokenOf(items->back()));
  }
  for (auto& e : *items) *out.add_items() = std::move(e);
  return out;
}

absl::StatusOr<rpb::ExportCallsResponse> RoutingManager::ExportCalls(const Principal& p,
                                                                     const rpb::ExportCallsRequest& req) {
  SB_ASSIGN_OR_RETURN(auto user, VisibleUser(p, req.user_id()));
  if (!rpb::CallLogEntry::Kind_IsValid(req.kind()))
    return core::InvalidField("kind", "kind has an unknown value");
  SB_ASSIGN_OR_RETURN(auto items,
                      store_->ListCallLogs(user->id(), req.kind(), {}, CallLogRetentionCutoff(clock_()),
                                           config_.max_export_rows));
  // Times in the subscriber's own zone: the export is read by a person.
  absl::TimeZone tz = absl::UTCTimeZone();
  if (!user->timezone().empty() && !absl::LoadTimeZone(user->timezone(), &tz)) tz = absl::UTCTimeZone();
  rpb::ExportCallsResponse out;
  out.set_csv(CallLogCsv(items, tz));
  return out;
}

}  // namespace sb::routing
