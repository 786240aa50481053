#include "services/edge/nonce_counts.h"

#include "absl/strings/str_cat.h"
#include "services/edge/location.h"

namespace sb::edge {
namespace {

// KEYS[1] the counter; ARGV: nc, lifetime in ms. 1 accepted, 0 replayed.
constexpr char kAccept[] = R"lua(
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) <= last then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
)lua";

}  // namespace

NonceCounts::NonceCounts(redis::Client& redis, absl::Duration nonce_ttl)
    : redis_(redis), ttl_(nonce_ttl + absl::Minutes(1)) {}

std::string NonceCounts::Key(const std::string& aor, const std::string& nonce) {
  return absl::StrCat(Location::AorKey(aor), ":nc:", nonce);
}

absl::StatusOr<bool> NonceCounts::Accept(const std::string& aor, const std::string& nonce, uint32_t nc) {
  auto reply = redis_.Eval(kAccept, {Key(aor, nonce)}, {absl::StrCat(nc), absl::StrCat(absl::ToInt64Milliseconds(ttl_))});
  if (!reply.ok()) return reply.status();
  return reply->integer == 1;
}

}  // namespace sb::edge
