#pragma once
// A thread-safe Redis client over hiredis' synchronous API.
//
//   SB_ASSIGN_OR_RETURN(auto redis, sb::redis::Client::Create({.url = redis_url}));
//   SB_ASSIGN_OR_RETURN(int64_t n, redis->IncrWithExpiry("rl:login:" + ip, absl::Minutes(1)));
//
// Threading: every method may be called from any thread. Calls are spread
// over a small pool of connections, one call per connection at a time;
// `pool_size` bounds how many commands are in flight at once.
//
// Failures never throw and never take the process down (SIGPIPE from a closed
// socket is blocked for the calling thread during I/O):
//   - an error reply becomes a status (see ErrorReplyStatus in reply.h);
//   - no reply within the timeout → DEADLINE_EXCEEDED;
//   - connection refused/closed, I/O errors → UNAVAILABLE.
// After a timeout or an I/O error the connection is dropped (a late reply
// would otherwise be read as the answer to the next command) and a fresh one
// is opened on next use. Idle connections the server closed (restart,
// CLIENT KILL, idle timeout) are noticed before use and replaced, so the
// command is not lost. A command whose connection fails mid-flight is NOT
// retried: Redis may have executed it.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "redis/reply.h"
#include "redis/url.h"

namespace sb::redis {

struct ClientConfig {
  std::string url = "redis://127.0.0.1:6379";  // redis://[[user]:password@]host[:port][/db]
  int pool_size = 4;
  absl::Duration connect_timeout = absl::Seconds(2);
  // Default time to wait for a reply; blocking commands pass their own.
  absl::Duration command_timeout = absl::Seconds(2);
  // How long a caller waits for a free connection before UNAVAILABLE.
  absl::Duration acquire_timeout = absl::Seconds(2);
};

struct SetOptions {
  absl::Duration ttl = absl::ZeroDuration();  // zero: no expiry; else ≥ 1 ms
  bool only_if_absent = false;                // NX
};

struct ClientStats {
  int open = 0;
  int idle = 0;
  int64_t connections_opened = 0;
  int64_t connections_dropped = 0;  // broken, timed out, or closed by the server
};

class Client {
 public:
  // Validates the config; connects lazily on first use.
  static absl::StatusOr<std::unique_ptr<Client>> Create(ClientConfig config);

  // Every call must have returned before the client is destroyed.
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // One command, binary-safe arguments. An error reply is returned as a
  // status; error replies nested in arrays (EXEC, EVAL) stay in the Reply.
  absl::StatusOr<Reply> Command(const std::vector<std::string>& argv);
  // Same with its own reply timeout, for blocking commands (BLPOP, XREADGROUP
  // BLOCK): make it longer than the server-side block time.
  absl::StatusOr<Reply> Command(const std::vector<std::string>& argv, absl::Duration timeout);

  // Sends all commands in one write and reads the replies in order: one round
  // trip. Not atomic (wrap in MULTI/EXEC for that). If any reply is an error,
  // the status of the first error is returned (all replies are still read,
  // so the connection stays usable).
  absl::StatusOr<std::vector<Reply>> Pipeline(
      const std::vector<std::vector<std::string>>& commands);

  // GET: the value, or nullopt if the key does not exist.
  absl::StatusOr<std::optional<std::string>> Get(std::string_view key);
  // SET [PX ttl] [NX]: true if the value was written (false only with NX when
  // the key exists).
  absl::StatusOr<bool> Set(std::string_view key, std::string_view value, SetOptions options = {});
  // DEL: how many keys were removed (0 or 1).
  absl::StatusOr<int64_t> Del(std::string_view key);
  // PEXPIRE: false if the key does not exist.
  absl::StatusOr<bool> Expire(std::string_view key, absl::Duration ttl);
  // INCR, and the TTL set only when the key gets its first increment, in one
  // atomic round trip (MULTI/INCR/PEXPIRE NX/EXEC; Redis ≥ 7). A fixed-window
  // counter: the window does not slide with later increments.
  absl::StatusOr<int64_t> IncrWithExpiry(std::string_view key, absl::Duration ttl);
  // HSET: how many fields were added (not updated).
  absl::StatusOr<int64_t> HSet(std::string_view key,
                               const std::vector<std::pair<std::string, std::string>>& fields);
  // HGETALL: empty if the key does not exist.
  absl::StatusOr<absl::flat_hash_map<std::string, std::string>> HGetAll(std::string_view key);
  // Runs a Lua script by its SHA1 (EVALSHA), loading it once per client;
  // falls back to EVAL if the server lost it (restart, SCRIPT FLUSH).
  absl::StatusOr<Reply> Eval(std::string_view script, const std::vector<std::string>& keys,
                             const std::vector<std::string>& args);

  ClientStats Stats() const;

 private:
  struct Conn;

  Client(ClientConfig config, RedisUrl url);

  absl::StatusOr<std::unique_ptr<Conn>> Acquire();
  absl::StatusOr<std::unique_ptr<Conn>> Connect();
  void Release(std::unique_ptr<Conn> conn, bool broken, std::string_view why);
  // Runs the commands on one connection; error replies are returned as
  // Reply values, only I/O failures as statuses.
  absl::StatusOr<std::vector<Reply>> Execute(const std::vector<std::vector<std::string>>& commands,
                                             absl::Duration timeout);
  absl::StatusOr<std::string> ScriptSha(const std::string& script);

  const ClientConfig config_;
  const RedisUrl url_;
  const std::string target_;  // host:port/db, for messages

  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<Conn>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t opened_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
  // Lua source → SHA1 returned by SCRIPT LOAD.
  absl::flat_hash_map<std::string, std::string> script_shas_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sb::redis
