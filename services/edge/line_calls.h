#pragma once
// Live calls per line (B3, "busy means all calls in use"), shared by every
// edge copy through Redis.
//
// REDIS KEY LAYOUT
//   calls:{<line id>}   ZSET  member: SIP Call-ID of a call ringing or up on
//                             the line; score: when the entry lapses, Unix ms.
//                             Key TTL: the latest lapse.
// A call takes a slot when the edge starts ringing the line (a ringing call
// uses a channel too) and gives it back on its final failure, CANCEL or BYE.
// The lapse (`ttl`, refreshed when the call is answered) is the safety net
// for an edge that dies with calls up: their slots free themselves.
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "redis/client.h"

namespace sb::edge {

struct LineCallsConfig {
  absl::Duration ringing_ttl = absl::Minutes(10);  // a call that never answers
  absl::Duration answered_ttl = absl::Hours(4);    // the longest call we count
};

// Thread-safe; every call blocks on Redis (worker threads).
class LineCalls {
 public:
  LineCalls(redis::Client& redis, LineCallsConfig config);

  // Takes a slot on `line_id` for `call_id` unless `limit` calls (other than
  // this one) hold the line: true when taken. limit <= 0: no limit.
  absl::StatusOr<bool> Acquire(const std::string& line_id, const std::string& call_id, int limit);
  // The call was answered: keep its slot for answered_ttl.
  absl::Status Answered(const std::string& line_id, const std::string& call_id);
  absl::Status Release(const std::string& line_id, const std::string& call_id);
  // Live calls on the line.
  absl::StatusOr<int64_t> Count(const std::string& line_id);

  static std::string Key(const std::string& line_id) { return "calls:{" + line_id + "}"; }

  // Answered and Release as one Redis command each, for a pipelined
  // batch (RedisBatcher) instead of a round trip of their own.
  std::vector<std::string> AnsweredCommand(const std::string& line_id, const std::string& call_id) const;
  static std::vector<std::string> ReleaseCommand(const std::string& line_id, const std::string& call_id);
  // Acquire as one command (its reply: integer 1 taken, 0 full), to ride in
  // another round trip (Location::LookupLine's).
  std::vector<std::string> AcquireCommand(const std::string& line_id, const std::string& call_id, int limit) const;

 private:
  redis::Client& redis_;
  const LineCallsConfig config_;
};

}  // namespace sb::edge
