#pragma once
// The call history (FEATURES C9): what a call becomes in the logs of the
// people it concerns, once it is over. Pure: the trace of one call (its
// setup, the decision, the edge's events) in, entries out; the CSV export;
// how long entries are kept.
//
//   callee (a subscriber of ours)            caller (a subscriber of ours)
//   decision rejected it         REJECTED    always                 OUTGOING
//   answered (not diverted first) RECEIVED
//   anything else                MISSED      (cancelled, failed, diverted to
//                                             voicemail or a forward)
//
// Star-code setups (a settings change, not a call) and setups routing could
// not evaluate leave no entry for the callee.
#include <functional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "services/routing/store.h"
#include "switchboard/routing/v1/routing.pb.h"

namespace sb::routing {

// What routing learned about one call, summarized as events arrive so that
// an open call costs little memory.
struct CallTrace {
  // From the setup.
  std::string call_id;
  std::string tenant_id;       // the caller's (or the trunk's)
  std::string caller_user_id;  // set for a subscriber's device
  std::string caller_number;   // as presented: national, else E.164
  std::string caller_extension;
  std::string caller_name;  // as presented (display name)
  bool caller_anonymous = false;
  std::string dialed;
  absl::Time started_at = absl::InfinitePast();

  // From the decision.
  bool decided = false;
  bool loggable = true;  // false for star codes
  bool evaluation_failed = false;
  bool rejected = false;  // the decision itself rejects the call
  std::string callee_user_id;
  std::string callee_tenant_id;
  std::string decided_by;

  // From the edge's events.
  int events = 0;
  absl::Time last_event_at = absl::InfinitePast();
  absl::Time answered_at = absl::InfinitePast();
  absl::Time ended_at = absl::InfinitePast();
  bool answered = false;
  bool diverted_before_answer = false;
  bool cancelled = false;
  bool failed = false;
  int sip_code = 0;
  bool terminal = false;  // ENDED, CANCELLED or FAILED seen

  // When routing last heard of the call, by its own clock (the times above
  // are the edge's): what timeouts are measured from.
  absl::Time touched_at = absl::InfinitePast();
  // Routing's bookkeeping: the call has a journal record to forget once it
  // is logged (call_journal.h). Not journaled itself.
  bool journaled = false;
};

// Updates a trace with the decision / an event. Events after the terminal
// one are ignored; an event's time is its `at`, or `now` when it has none.
void RecordDecision(const rpb::RouteDecision& decision, CallTrace* trace);
void RecordEvent(const rpb::CallEvent& event, absl::Time now, CallTrace* trace);

// The name `user_id` knows `number` by (a contact, a colleague's
// extension), or "" when it knows none.
using NameLookup = std::function<std::string(const std::string& user_id, const std::string& number)>;

// The entries a finished (or timed-out) call leaves in its parties' logs.
std::vector<CallLogRecord> BuildCallLog(const CallTrace& trace, const NameLookup& names);

// The events an entry publishes (call.missed, call.rejected), to write with it.
Events CallLogEvents(const CallLogRecord& record);

// RFC 4180 CSV of the entries (CRLF line ends, quoted where needed), times
// in `tz` as RFC 3339 with their offset. Starts with a header line.
std::string CallLogCsv(const std::vector<rpb::CallLogEntry>& entries, absl::TimeZone tz);
// One CSV field, quoted when it holds a comma, a quote or a line break.
std::string CsvField(absl::string_view value);

// Entries started before this are purged: two calendar months before `now`
// (C9 "two months kept"), in UTC.
absl::Time CallLogRetentionCutoff(absl::Time now);

}  // namespace sb::routing
