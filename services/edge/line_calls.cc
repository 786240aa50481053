#include "services/edge/line_calls.h"

#include "absl/strings/str_cat.h"

namespace sb::edge {
namespace {

// KEYS[1] the line's set; ARGV: call id, now ms, lapse ms, limit.
// Expired members go first, so a dead edge's calls don't count.
constexpr char kAcquire[] = R"lua(
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
local limit = tonumber(ARGV[4])
if limit > 0 and not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  if redis.call('ZCARD', KEYS[1]) >= limit then return 0 end
end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
local latest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], latest[2])
return 1
)lua";

constexpr char kRefresh[] = R"lua(
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
  local latest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  redis.call('PEXPIREAT', KEYS[1], latest[2])
end
return 1
)lua";

int64_t Ms(absl::Time t) { return absl::ToUnixMillis(t); }

}  // namespace

LineCalls::LineCalls(redis::Client& redis, LineCallsConfig config) : redis_(redis), config_(config) {}

absl::StatusOr<bool> LineCalls::Acquire(const std::string& line_id, const std::string& call_id, int limit) {
  const absl::Time now = absl::Now();
  auto reply = redis_.Eval(kAcquire, {Key(line_id)},
                           {call_id, absl::StrCat(Ms(now)), absl::StrCat(Ms(now + config_.ringing_ttl)),
                            absl::StrCat(limit)});
  if (!reply.ok()) return reply.status();
  return reply->integer == 1;
}

absl::Status LineCalls::Answered(const std::string& line_id, const std::string& call_id) {
  auto reply = redis_.Eval(kRefresh, {Key(line_id)}, {call_id, absl::StrCat(Ms(absl::Now() + config_.answered_ttl))});
  return reply.status();
}

std::vector<std::string> LineCalls::AnsweredCommand(const std::string& line_id, const std::string& call_id) const {
  // EVAL with the script's text: a batch has no NOSCRIPT fallback.
  return {"EVAL", kRefresh, "1", Key(line_id), call_id, absl::StrCat(Ms(absl::Now() + config_.answered_ttl))};
}

std::vector<std::string> LineCalls::AcquireCommand(const std::string& line_id, const std::string& call_id,
                                                   int limit) const {
  const absl::Time now = absl::Now();
  return {"EVAL", kAcquire, "1", Key(line_id), call_id, absl::StrCat(Ms(now)),
          absl::StrCat(Ms(now + config_.ringing_ttl)), absl::StrCat(limit)};
}

std::vector<std::string> LineCalls::ReleaseCommand(const std::string& line_id, const std::string& call_id) {
  return {"ZREM", Key(line_id), call_id};
}

absl::Status LineCalls::Release(const std::string& line_id, const std::string& call_id) {
  return redis_.Command({"ZREM", Key(line_id), call_id}).status();
}

absl::StatusOr<int64_t> LineCalls::Count(const std::string& line_id) {
  auto reply = redis_.Pipeline({{"ZREMRANGEBYSCORE", Key(line_id), "-inf", absl::StrCat(Ms(absl::Now()))},
                                {"ZCARD", Key(line_id)}});
  if (!reply.ok()) return reply.status();
  return (*reply)[1].integer;
}

}  // namespace sb::edge
