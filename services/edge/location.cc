#include "services/edge/location.h"

#include <openssl/evp.h>

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/status.h"
#include "redis/reply.h"

namespace sb::edge {
namespace {

// Applies one REGISTER to an AOR. See location.h for the layout.
// KEYS: reg:{aor}, reg:{aor}:nc:<nonce>
// ARGV: now_ms, call_id, cseq, mode ("update" | "remove_all"), max_bindings,
//       nc (0: no replay guard), nc_ttl_ms, n, then n × 14 contact fields:
//       id, expires_s, contact, contact_value, q, instance, reg_id, received,
//       transport, edge, user_agent, tenant_id, user_id, device_id.
// Returns {"ok", id, contact_value, expires_at, …} for the live bindings
// (what the 200 OK lists), or
// {"out_of_order"} / {"too_many"} / {"replay"} having changed nothing.
constexpr char kRegisterScript[] = R"lua(
local reg = KEYS[1]
local now = tonumber(ARGV[1])
local call_id = ARGV[2]
local cseq = tonumber(ARGV[3])
local nc = tonumber(ARGV[6])
if nc > 0 then
  local last = tonumber(redis.call('GET', KEYS[2]) or '0')
  if nc <= last then return {'replay'} end
  redis.call('SET', KEYS[2], ARGV[6], 'PX', ARGV[7])
end
redis.call('ZREMRANGEBYSCORE', reg, '-inf', ARGV[1])
-- live[id] = {call_id, cseq, contact_value, expires_at}
local live, count = {}, 0
for _, id in ipairs(redis.call('ZRANGE', reg, 0, -1)) do
  local f = redis.call('HMGET', reg .. ':' .. id, 'call_id', 'cseq', 'contact_value', 'expires_at')
  if f[1] then
    live[id] = f
    count = count + 1
  else
    redis.call('ZREM', reg, id)
  end
end
local function out_of_order(id)
  local b = live[id]
  return b ~= nil and b[1] == call_id and tonumber(b[2]) >= cseq
end
if ARGV[4] == 'remove_all' then
  for id, _ in pairs(live) do
    if out_of_order(id) then return {'out_of_order'} end
  end
  for id, _ in pairs(live) do redis.call('DEL', reg .. ':' .. id) end
  redis.call('DEL', reg)
  return {'ok'}
end
local F, n = 14, tonumber(ARGV[8])
local after = count
for i = 0, n - 1 do
  local o = 9 + i * F
  local id = ARGV[o]
  if out_of_order(id) then return {'out_of_order'} end
  local expires = tonumber(ARGV[o + 1])
  if live[id] then
    if expires == 0 then after = after - 1 end
  elseif expires > 0 then
    after = after + 1
  end
end
if after > tonumber(ARGV[5]) and after > count then return {'too_many'} end
for i = 0, n - 1 do
  local o = 9 + i * F
  local id = ARGV[o]
  local key = reg .. ':' .. id
  local expires = tonumber(ARGV[o + 1])
  if expires == 0 then
    redis.call('DEL', key)
    redis.call('ZREM', reg, id)
    live[id] = nil
  else
    local at = string.format('%.0f', now + expires * 1000)
    redis.call('HSET', key, 'contact', ARGV[o + 2], 'contact_value', ARGV[o + 3], 'expires_at', at,
      'q', ARGV[o + 4], 'instance', ARGV[o + 5], 'reg_id', ARGV[o + 6], 'received', ARGV[o + 7],
      'transport', ARGV[o + 8], 'edge', ARGV[o + 9], 'user_agent', ARGV[o + 10],
      'tenant_id', ARGV[o + 11], 'user_id', ARGV[o + 12], 'device_id', ARGV[o + 13],
      'call_id', call_id, 'cseq', ARGV[3], 'registered_at', ARGV[1])
    redis.call('PEXPIRE', key, expires * 1000)
    redis.call('ZADD', reg, at, id)
    live[id] = {call_id, ARGV[3], ARGV[o + 3], at}
  end
end
local out, latest = {'ok'}, 0
for id, b in pairs(live) do
  out[#out + 1] = id
  out[#out + 1] = b[3]
  out[#out + 1] = b[4]
  local at = tonumber(b[4])
  if at > latest then latest = at end
end
if latest == 0 then
  redis.call('DEL', reg)
else
  redis.call('PEXPIRE', reg, string.format('%.0f', math.max(1, latest - now)))
end
return out
)lua";

// KEYS: reg:{aor}; ARGV: now_ms. Returns {id, {field, value, …}, …}.
constexpr char kLookupScript[] = R"lua(
local out = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf')) do
  local h = redis.call('HGETALL', KEYS[1] .. ':' .. id)
  if #h > 0 then
    out[#out + 1] = id
    out[#out + 1] = h
  end
end
return out
)lua";

std::string Sha1Hex(absl::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), digest, &n, EVP_sha1(), nullptr);
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < n; ++i) {
    out.push_back(kDigits[digest[i] >> 4]);
    out.push_back(kDigits[digest[i] & 0xf]);
  }
  return out;
}

// The script's result as bindings: [id, [field, value, …], …] from `first`.
absl::StatusOr<std::vector<Binding>> ParseBindings(const std::string& aor, const redis::Reply& reply,
                                                   size_t first) {
  std::vector<Binding> out;
  if (reply.kind != redis::Reply::Kind::kArray) return absl::InternalError("unexpected reply from Redis");
  for (size_t i = first; i + 1 < reply.elements.size(); i += 2) {
    const redis::Reply& fields = reply.elements[i + 1];
    if (fields.kind != redis::Reply::Kind::kArray)
      return absl::InternalError("unexpected binding from Redis");
    Binding b;
    b.aor = aor;
    b.id = reply.elements[i].str;
    for (size_t f = 0; f + 1 < fields.elements.size(); f += 2) {
      const std::string& name = fields.elements[f].str;
      const std::string& value = fields.elements[f + 1].str;
      int64_t number = 0;
      if (name == "contact")
        b.contact = value;
      else if (name == "contact_value")
        b.contact_value = value;
      else if (name == "expires_at" && absl::SimpleAtoi(value, &number))
        b.expires_at = absl::FromUnixMillis(number);
      else if (name == "registered_at" && absl::SimpleAtoi(value, &number))
        b.registered_at = absl::FromUnixMillis(number);
      else if (name == "q")
        b.q = value;
      else if (name == "instance")
        b.instance = value;
      else if (name == "reg_id")
        absl::SimpleAtoi(value, &b.reg_id);
      else if (name == "call_id")
        b.call_id = value;
      else if (name == "cseq")
        absl::SimpleAtoi(value, &b.cseq);
      else if (name == "received")
        b.received = value;
      else if (name == "transport")
        b.transport = value;
      else if (name == "edge")
        b.edge = value;
      else if (name == "user_agent")
        b.user_agent = value;
      else if (name == "tenant_id")
        b.tenant_id = value;
      else if (name == "user_id")
        b.user_id = value;
      else if (name == "device_id")
        b.device_id = value;
    }
    out.push_back(std::move(b));
  }
  return out;
}

double QValue(const std::string& q) {
  double v = 1.0;
  return q.empty() || !absl::SimpleAtod(q, &v) ? 1.0 : v;
}

}  // namespace

Location::Location(redis::Client& redis, LocationConfig config, Clock clock)
    : redis_(redis), config_(config), clock_(clock ? std::move(clock) : Clock([] { return absl::Now(); })) {}

std::string Location::AorKey(const std::string& aor) { return absl::StrCat("reg:{", aor, "}"); }
std::string Location::LineKey(const std::string& line_id) { return absl::StrCat("line:{", line_id, "}"); }

std::string Location::BindingId(const std::string& instance, uint32_t reg_id,
                                const std::string& contact_uri) {
  const std::string key =
      instance.empty() ? absl::StrCat("c:", contact_uri) : absl::StrCat("i:", instance, ":", reg_id);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(key.data(), key.size(), digest, &n, EVP_sha256(), nullptr);
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 8; ++i) {
    out.push_back(kDigits[digest[i] >> 4]);
    out.push_back(kDigits[digest[i] & 0xf]);
  }
  return out;
}

namespace {

// The script's arguments and the line-index commands for one change.
struct Prepared {
  std::vector<std::string> keys;
  std::vector<std::string> args;
  std::vector<std::vector<std::string>> index;
};

Prepared Prepare(const RegisterChange& change, int64_t now_ms, const LocationConfig& config) {
  Prepared p;
  const std::string aor_key = Location::AorKey(change.aor);
  p.keys = {aor_key, absl::StrCat(aor_key, ":nc:", change.nonce.empty() ? "-" : change.nonce)};
  p.args = {absl::StrCat(now_ms),
            change.call_id,
            absl::StrCat(change.cseq),
            change.remove_all ? "remove_all" : "update",
            absl::StrCat(change.max_bindings),
            absl::StrCat(change.nonce.empty() ? 0 : change.nc),
            absl::StrCat(absl::ToInt64Milliseconds(config.nonce_ttl) + 60000),
            absl::StrCat(change.contacts.size())};
  p.args.reserve(p.args.size() + 14 * change.contacts.size());
  int64_t longest_s = 0;
  for (const ContactChange& c : change.contacts) {
    const Binding& b = c.binding;
    longest_s = std::max(longest_s, c.expires_s);
    for (std::string v : {b.id, absl::StrCat(c.expires_s), b.contact, b.contact_value, b.q, b.instance,
                          absl::StrCat(b.reg_id), b.received, b.transport, b.edge, b.user_agent, b.tenant_id,
                          b.user_id, b.device_id}) {
      p.args.push_back(std::move(v));
    }
  }
  // The line index rides in the same round trip. It may then index an AOR
  // whose change the script refused: harmless, readers check the AOR.
  if (!change.remove_all && longest_s > 0) {
    const std::string score = absl::StrCat(now_ms + longest_s * 1000);
    const std::string ttl = absl::StrCat(absl::ToInt64Milliseconds(config.max_expires) + 60000);
    for (const std::string& line : change.line_ids) {
      const std::string key = Location::LineKey(line);
      p.index.push_back({"ZADD", key, "GT", score, change.aor});
      p.index.push_back({"ZREMRANGEBYSCORE", key, "-inf", absl::StrCat(now_ms)});
      p.index.push_back({"PEXPIRE", key, ttl});
    }
  }
  return p;
}

absl::StatusOr<RegisterResult> ParseRegisterReply(const RegisterChange& change, const redis::Reply& reply) {
  if (reply.kind != redis::Reply::Kind::kArray || reply.elements.empty()) {
    return absl::InternalError("unexpected reply from the registration script");
  }
  const std::string& verdict = reply.elements[0].str;
  RegisterResult result;
  if (verdict == "out_of_order") {
    result.outcome = RegisterOutcome::kOutOfOrder;
  } else if (verdict == "too_many") {
    result.outcome = RegisterOutcome::kTooMany;
  } else if (verdict == "replay") {
    result.outcome = RegisterOutcome::kReplay;
  } else if (verdict == "ok") {
    for (size_t i = 1; i + 2 < reply.elements.size(); i += 3) {
      Binding b;
      b.aor = change.aor;
      b.id = reply.elements[i].str;
      b.contact_value = reply.elements[i + 1].str;
      int64_t at = 0;
      if (absl::SimpleAtoi(reply.elements[i + 2].str, &at)) b.expires_at = absl::FromUnixMillis(at);
      result.bindings.push_back(std::move(b));
    }
  } else {
    return absl::InternalError(absl::StrCat("registration script answered \"", verdict, "\""));
  }
  return result;
}

const std::string& RegisterScriptSha() {
  static const std::string sha = Sha1Hex(kRegisterScript);
  return sha;
}

}  // namespace

absl::StatusOr<RegisterResult> Location::Apply(const RegisterChange& change) {
  return std::move(ApplyBatch({&change})[0]);
}

std::vector<absl::StatusOr<RegisterResult>> Location::ApplyBatch(
    const std::vector<const RegisterChange*>& changes) {
  const int64_t now_ms = absl::ToUnixMillis(clock_());
  std::vector<Prepared> prepared;
  prepared.reserve(changes.size());
  std::vector<std::vector<std::string>> commands;
  std::vector<size_t> script_at;  // index of each change's EVALSHA in `commands`
  for (const RegisterChange* change : changes) {
    Prepared p = Prepare(*change, now_ms, config_);
    std::vector<std::string> evalsha = {"EVALSHA", RegisterScriptSha(), "2", p.keys[0], p.keys[1]};
    evalsha.insert(evalsha.end(), p.args.begin(), p.args.end());
    script_at.push_back(commands.size());
    commands.push_back(std::move(evalsha));
    commands.insert(commands.end(), p.index.begin(), p.index.end());
    prepared.push_back(std::move(p));
  }

  std::vector<absl::StatusOr<RegisterResult>> results;
  results.reserve(changes.size());
  absl::StatusOr<std::vector<redis::Reply>> replies = redis_.Pipeline(commands);
  if (replies.ok()) {
    for (size_t i = 0; i < changes.size(); ++i) {
      results.push_back(ParseRegisterReply(*changes[i], (*replies)[script_at[i]]));
    }
    return results;
  }
  if (redis::RedisErrorCode(replies.status()) != "NOSCRIPT") {
    for (size_t i = 0; i < changes.size(); ++i) results.push_back(replies.status());
    return results;
  }
  // First use on this Redis (or it restarted and lost its scripts): EVAL
  // loads the script; the index commands already ran.
  for (size_t i = 0; i < changes.size(); ++i) {
    absl::StatusOr<redis::Reply> reply = redis_.Eval(kRegisterScript, prepared[i].keys, prepared[i].args);
    if (!reply.ok()) {
      results.push_back(reply.status());
    } else {
      results.push_back(ParseRegisterReply(*changes[i], *reply));
    }
  }
  return results;
}

absl::StatusOr<std::vector<Binding>> Location::Lookup(const std::string& aor) {
  const absl::Time now = clock_();
  SB_ASSIGN_OR_RETURN(redis::Reply reply,
                      redis_.Eval(kLookupScript, {AorKey(aor)}, {absl::StrCat(absl::ToUnixMillis(now))}));
  SB_ASSIGN_OR_RETURN(std::vector<Binding> bindings, ParseBindings(aor, reply, 0));
  // The script filters by score; this also drops a binding that expired in
  // the instant between the two clocks.
  bindings.erase(
      std::remove_if(bindings.begin(), bindings.end(), [&](const Binding& b) { return b.expires_at <= now; }),
      bindings.end());
  std::stable_sort(bindings.begin(), bindings.end(),
                   [](const Binding& a, const Binding& b) { return QValue(a.q) > QValue(b.q); });
  return bindings;
}

absl::StatusOr<std::vector<Binding>> Location::LookupLine(const std::string& line_id,
                                                          const std::vector<std::string>& also,
                                                          std::optional<absl::StatusOr<redis::Reply>>* also_reply) {
  const absl::Time now = clock_();
  SB_ASSIGN_OR_RETURN(redis::Reply aors, redis_.Command({"ZRANGEBYSCORE", LineKey(line_id),
                                                         absl::StrCat("(", absl::ToUnixMillis(now)), "+inf"}));
  if (aors.elements.empty()) return std::vector<Binding>();
  // One round trip: every AOR's bindings (EVAL: a pipeline has no NOSCRIPT
  // fallback), then `also`.
  std::vector<std::vector<std::string>> commands;
  for (const redis::Reply& aor : aors.elements) {
    commands.push_back({"EVAL", kLookupScript, "1", AorKey(aor.str), absl::StrCat(absl::ToUnixMillis(now))});
  }
  commands.push_back(also);
  absl::StatusOr<std::vector<redis::Reply>> replies = redis_.Pipeline(commands);
  if (!replies.ok()) {
    // An error reply somewhere (or Redis gone): one at a time, each with
    // its own status.
    std::vector<Binding> out;
    for (const redis::Reply& aor : aors.elements) {
      SB_ASSIGN_OR_RETURN(std::vector<Binding> bindings, Lookup(aor.str));
      for (Binding& b : bindings) out.push_back(std::move(b));
    }
    *also_reply = redis_.Command(also);
    return out;
  }
  std::vector<Binding> out;
  for (size_t i = 0; i < aors.elements.size(); ++i) {
    SB_ASSIGN_OR_RETURN(std::vector<Binding> bindings, ParseBindings(aors.elements[i].str, (*replies)[i], 0));
    std::vector<Binding> live;
    for (Binding& b : bindings) {
      if (b.expires_at > now) live.push_back(std::move(b));
    }
    std::stable_sort(live.begin(), live.end(),
                     [](const Binding& a, const Binding& b) { return QValue(a.q) > QValue(b.q); });
    for (Binding& b : live) out.push_back(std::move(b));
  }
  *also_reply = std::move(replies->back());
  return out;
}

absl::StatusOr<std::vector<Binding>> Location::LookupLine(const std::string& line_id) {
  SB_ASSIGN_OR_RETURN(redis::Reply aors,
                      redis_.Command({"ZRANGEBYSCORE", LineKey(line_id),
                                      absl::StrCat("(", absl::ToUnixMillis(clock_())), "+inf"}));
  std::vector<Binding> out;
  for (const redis::Reply& aor : aors.elements) {
    SB_ASSIGN_OR_RETURN(std::vector<Binding> bindings, Lookup(aor.str));
    for (Binding& b : bindings) out.push_back(std::move(b));
  }
  return out;
}

}  // namespace sb::edge
