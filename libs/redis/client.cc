#include "redis/client.h"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/logging.h"
#include "core/status.h"

namespace sb::redis {
namespace {

std::shared_ptr<spdlog::logger> Log() { return core::Logger("redis"); }

std::string CommandName(const std::vector<std::string>& argv) {
  return argv.empty() ? std::string("(empty)") : absl::AsciiStrToUpper(argv[0]);
}

Reply FromHiredis(const redisReply* r) {
  Reply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.kind = Reply::Kind::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.kind = Reply::Kind::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.kind = Reply::Kind::kError;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.kind = Reply::Kind::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.kind = Reply::Kind::kArray;
      out.elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(FromHiredis(r->element[i]));
      break;
    default:
      out.kind = Reply::Kind::kNil;
      break;
  }
  return out;
}

// Writing to a socket the server closed raises SIGPIPE, which kills a
// process that has not ignored it. Changing the process-wide disposition is
// not a library's call, so — like libpq — block it for this thread during
// the I/O and swallow a SIGPIPE we caused.
class ScopedSigpipeBlock {
 public:
  ScopedSigpipeBlock() {
    sigemptyset(&sigpipe_);
    sigaddset(&sigpipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &sigpipe_, &old_);
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  }
  ~ScopedSigpipeBlock() {
    const int saved_errno = errno;
    if (!was_pending_) {
      sigset_t pending;
      sigemptyset(&pending);
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE) == 1) {
        const timespec zero = {0, 0};
        sigtimedwait(&sigpipe_, nullptr, &zero);
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
    errno = saved_errno;
  }
  ScopedSigpipeBlock(const ScopedSigpipeBlock&) = delete;
  ScopedSigpipeBlock& operator=(const ScopedSigpipeBlock&) = delete;

 private:
  sigset_t sigpipe_;
  sigset_t old_;
  bool was_pending_ = false;
};

// A readable idle connection has either been closed by the server or holds
// bytes nobody asked for; either way it cannot be trusted.
bool IdleConnectionLooksDead(int fd) {
  pollfd p = {fd, POLLIN, 0};
  const int n = poll(&p, 1, 0);
  return n != 0;
}

}  // namespace

struct Client::Conn {
  explicit Conn(redisContext* c) : ctx(c) {}
  ~Conn() { redisFree(ctx); }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  redisContext* ctx;
  absl::Duration timeout;  // reply timeout currently set on the socket
};

absl::StatusOr<std::unique_ptr<Client>> Client::Create(ClientConfig config) {
  if (config.pool_size < 1) return core::InvalidField("redis.pool_size", "must be at least 1");
  if (config.connect_timeout <= absl::ZeroDuration() ||
      config.command_timeout <= absl::ZeroDuration() ||
      config.acquire_timeout <= absl::ZeroDuration()) {
    return core::InvalidField("redis.timeouts",
                              "connect, command and acquire timeouts must be positive");
  }
  absl::StatusOr<RedisUrl> url = ParseRedisUrl(config.url);
  if (!url.ok()) return core::WithField(url.status(), "redis.url");
  return std::unique_ptr<Client>(new Client(std::move(config), *std::move(url)));
}

Client::Client(ClientConfig config, RedisUrl url)
    : config_(std::move(config)),
      url_(std::move(url)),
      target_(absl::StrCat(url_.host, ":", url_.port, "/", url_.db)) {}

Client::~Client() = default;

absl::StatusOr<std::unique_ptr<Client::Conn>> Client::Connect() {
  redisContext* ctx = redisConnectWithTimeout(url_.host.c_str(), url_.port,
                                              absl::ToTimeval(config_.connect_timeout));
  if (ctx == nullptr) return absl::ResourceExhaustedError("cannot allocate a redis context");
  auto conn = std::make_unique<Conn>(ctx);
  if (ctx->err != 0) {
    std::string why = ctx->errstr;
    Log()->warn("cannot connect to redis at {}: {}", target_, why);
    return absl::UnavailableError(absl::StrCat("cannot connect to redis at ", target_, ": ", why));
  }
  if (redisSetTimeout(ctx, absl::ToTimeval(config_.command_timeout)) != REDIS_OK) {
    return absl::UnavailableError(absl::StrCat("redis at ", target_, ": cannot set timeout"));
  }
  conn->timeout = config_.command_timeout;
  redisEnableKeepAlive(ctx);

  // Session setup. Messages name the command, never the password.
  auto setup = [&](const std::vector<std::string>& argv) -> absl::Status {
    std::vector<const char*> args;
    std::vector<size_t> lens;
    for (const auto& a : argv) {
      args.push_back(a.data());
      lens.push_back(a.size());
    }
    ScopedSigpipeBlock no_sigpipe;
    auto* r = static_cast<redisReply*>(
        redisCommandArgv(ctx, static_cast<int>(args.size()), args.data(), lens.data()));
    if (r == nullptr) {
      return absl::UnavailableError(
          absl::StrCat("redis at ", target_, ": ", argv[0], " failed: ", ctx->errstr));
    }
    Reply reply = FromHiredis(r);
    freeReplyObject(r);
    if (reply.is_error()) {
      return absl::FailedPreconditionError(
          absl::StrCat("redis at ", target_, ": ", argv[0], " rejected: ", reply.str));
    }
    return absl::OkStatus();
  };
  if (!url_.password.empty()) {
    std::vector<std::string> auth = {"AUTH"};
    if (!url_.user.empty()) auth.push_back(url_.user);
    auth.push_back(url_.password);
    SB_RETURN_IF_ERROR(setup(auth));
  }
  if (url_.db != 0) SB_RETURN_IF_ERROR(setup({"SELECT", absl::StrCat(url_.db)}));

  absl::MutexLock lock(&mu_);
  ++opened_;
  return conn;
}

absl::StatusOr<std::unique_ptr<Client::Conn>> Client::Acquire() {
  for (;;) {
    std::unique_ptr<Conn> conn;
    {
      absl::MutexLock lock(&mu_);
      auto available = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return !idle_.empty() || open_ < config_.pool_size;
      };
      if (!mu_.AwaitWithTimeout(absl::Condition(&available), config_.acquire_timeout)) {
        return absl::UnavailableError(absl::StrFormat(
            "no redis connection to %s became free within %s (pool size %d)", target_,
            absl::FormatDuration(config_.acquire_timeout), config_.pool_size));
      }
      if (!idle_.empty()) {
        conn = std::move(idle_.back());
        idle_.pop_back();
      } else {
        ++open_;  // reserve the slot, connect outside the lock
      }
    }
    if (conn == nullptr) {
      absl::StatusOr<std::unique_ptr<Conn>> made = Connect();
      if (!made.ok()) {
        absl::MutexLock lock(&mu_);
        --open_;
      }
      return made;
    }
    if (!IdleConnectionLooksDead(conn->ctx->fd)) return conn;
    Release(std::move(conn), /*broken=*/true, "closed by the server while idle");
  }
}

void Client::Release(std::unique_ptr<Conn> conn, bool broken, std::string_view why) {
  {
    absl::MutexLock lock(&mu_);
    if (!broken) {
      idle_.push_back(std::move(conn));
      return;
    }
    --open_;
    ++dropped_;
  }
  Log()->warn("redis connection to {} dropped ({}); reconnecting on next use", target_, why);
  // The socket closes here, outside the lock.
}

absl::StatusOr<std::vector<Reply>> Client::Execute(
    const std::vector<std::vector<std::string>>& commands, absl::Duration timeout) {
  if (commands.empty()) return std::vector<Reply>();
  for (const auto& argv : commands) {
    if (argv.empty()) return absl::InvalidArgumentError("redis: empty command");
  }
  if (timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("redis: the reply timeout must be positive");
  }
  SB_ASSIGN_OR_RETURN(std::unique_ptr<Conn> conn, Acquire());
  redisContext* ctx = conn->ctx;
  const std::string name = commands.size() == 1
                               ? CommandName(commands[0])
                               : absl::StrCat("pipeline of ", commands.size(), " starting with ",
                                              CommandName(commands[0]));

  if (timeout != conn->timeout) {
    if (redisSetTimeout(ctx, absl::ToTimeval(timeout)) != REDIS_OK) {
      Release(std::move(conn), /*broken=*/true, "cannot set the socket timeout");
      return absl::UnavailableError(absl::StrCat("redis ", name, ": cannot set the timeout"));
    }
    conn->timeout = timeout;
  }

  std::vector<Reply> replies;
  replies.reserve(commands.size());
  absl::Status failure;
  {
    ScopedSigpipeBlock no_sigpipe;
    std::vector<const char*> args;
    std::vector<size_t> lens;
    for (const auto& argv : commands) {
      args.clear();
      lens.clear();
      for (const auto& a : argv) {
        args.push_back(a.data());
        lens.push_back(a.size());
      }
      if (redisAppendCommandArgv(ctx, static_cast<int>(args.size()), args.data(), lens.data()) !=
          REDIS_OK) {
        failure = absl::ResourceExhaustedError(absl::StrCat("redis ", name, ": ", ctx->errstr));
        break;
      }
    }
    for (size_t i = 0; failure.ok() && i < commands.size(); ++i) {
      void* raw = nullptr;
      // The first call flushes the whole pipeline, then each reads one reply.
      if (redisGetReply(ctx, &raw) != REDIS_OK || raw == nullptr) {
        const int saved_errno = errno;
        if (ctx->err == REDIS_ERR_IO && (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK)) {
          failure =
              absl::DeadlineExceededError(absl::StrCat("redis ", name, ": no reply from ", target_,
                                                       " within ", absl::FormatDuration(timeout)));
        } else if (ctx->err == REDIS_ERR_EOF) {
          failure = absl::UnavailableError(
              absl::StrCat("redis ", name, ": ", target_, " closed the connection"));
        } else {
          failure = absl::UnavailableError(
              absl::StrCat("redis ", name, ": I/O error with ", target_, ": ", ctx->errstr));
        }
        break;
      }
      replies.push_back(FromHiredis(static_cast<redisReply*>(raw)));
      freeReplyObject(raw);
    }
  }
  if (!failure.ok()) {
    Release(std::move(conn), /*broken=*/true, std::string(failure.message()));
    return failure;
  }
  Release(std::move(conn), /*broken=*/false, "");
  return replies;
}

absl::StatusOr<Reply> Client::Command(const std::vector<std::string>& argv) {
  return Command(argv, config_.command_timeout);
}

absl::StatusOr<Reply> Client::Command(const std::vector<std::string>& argv,
                                      absl::Duration timeout) {
  SB_ASSIGN_OR_RETURN(std::vector<Reply> replies, Execute({argv}, timeout));
  Reply& reply = replies.front();
  if (reply.is_error()) return ErrorReplyStatus(CommandName(argv), reply.str);
  return std::move(reply);
}

absl::StatusOr<std::vector<Reply>> Client::Pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  SB_ASSIGN_OR_RETURN(std::vector<Reply> replies, Execute(commands, config_.command_timeout));
  for (size_t i = 0; i < replies.size(); ++i) {
    if (replies[i].is_error()) return ErrorReplyStatus(CommandName(commands[i]), replies[i].str);
  }
  return replies;
}

namespace {

absl::Status Unexpected(std::string_view command, const Reply& reply) {
  return absl::InternalError(absl::StrCat("redis ", std::string(command), ": unexpected ",
                                          KindName(reply.kind), " reply"));
}

absl::StatusOr<int64_t> AsInteger(std::string_view command, const Reply& reply) {
  if (reply.kind != Reply::Kind::kInteger) return Unexpected(command, reply);
  return reply.integer;
}

absl::StatusOr<std::string> MillisArg(std::string_view what, absl::Duration ttl) {
  if (ttl < absl::Milliseconds(1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("redis ", std::string(what), ": ttl must be at least 1ms"));
  }
  return absl::StrCat(absl::ToInt64Milliseconds(ttl));
}

}  // namespace

absl::StatusOr<std::optional<std::string>> Client::Get(std::string_view key) {
  SB_ASSIGN_OR_RETURN(Reply reply, Command({"GET", std::string(key)}));
  if (reply.is_nil()) return std::optional<std::string>();
  if (reply.kind != Reply::Kind::kString) return Unexpected("GET", reply);
  return std::optional<std::string>(std::move(reply.str));
}

absl::StatusOr<bool> Client::Set(std::string_view key, std::string_view value, SetOptions options) {
  std::vector<std::string> argv = {"SET", std::string(key), std::string(value)};
  if (options.ttl != absl::ZeroDuration()) {
    SB_ASSIGN_OR_RETURN(std::string ms, MillisArg("SET", options.ttl));
    argv.push_back("PX");
    argv.push_back(std::move(ms));
  }
  if (options.only_if_absent) argv.push_back("NX");
  SB_ASSIGN_OR_RETURN(Reply reply, Command(argv));
  if (reply.is_nil()) return false;  // NX and the key exists
  if (reply.kind != Reply::Kind::kStatus) return Unexpected("SET", reply);
  return true;
}

absl::StatusOr<int64_t> Client::Del(std::string_view key) {
  SB_ASSIGN_OR_RETURN(Reply reply, Command({"DEL", std::string(key)}));
  return AsInteger("DEL", reply);
}

absl::StatusOr<bool> Client::Expire(std::string_view key, absl::Duration ttl) {
  SB_ASSIGN_OR_RETURN(std::string ms, MillisArg("PEXPIRE", ttl));
  SB_ASSIGN_OR_RETURN(Reply reply, Command({"PEXPIRE", std::string(key), ms}));
  SB_ASSIGN_OR_RETURN(int64_t set, AsInteger("PEXPIRE", reply));
  return set == 1;
}

absl::StatusOr<int64_t> Client::IncrWithExpiry(std::string_view key, absl::Duration ttl) {
  SB_ASSIGN_OR_RETURN(std::string ms, MillisArg("INCR", ttl));
  const std::string k(key);
  SB_ASSIGN_OR_RETURN(std::vector<Reply> replies,
                      Pipeline({{"MULTI"}, {"INCR", k}, {"PEXPIRE", k, ms, "NX"}, {"EXEC"}}));
  const Reply& exec = replies.back();
  if (exec.kind != Reply::Kind::kArray || exec.elements.size() != 2) {
    return Unexpected("EXEC", exec);
  }
  // Errors inside a transaction come back as elements of EXEC's reply.
  const Reply& incr = exec.elements[0];
  const Reply& pexpire = exec.elements[1];
  if (incr.is_error()) return ErrorReplyStatus("INCR", incr.str);
  if (pexpire.is_error()) return ErrorReplyStatus("PEXPIRE", pexpire.str);
  return AsInteger("INCR", incr);
}

absl::StatusOr<int64_t> Client::HSet(
    std::string_view key, const std::vector<std::pair<std::string, std::string>>& fields) {
  if (fields.empty()) return absl::InvalidArgumentError("redis HSET: no fields");
  std::vector<std::string> argv = {"HSET", std::string(key)};
  argv.reserve(2 + 2 * fields.size());
  for (const auto& [field, value] : fields) {
    argv.push_back(field);
    argv.push_back(value);
  }
  SB_ASSIGN_OR_RETURN(Reply reply, Command(argv));
  return AsInteger("HSET", reply);
}

absl::StatusOr<absl::flat_hash_map<std::string, std::string>> Client::HGetAll(
    std::string_view key) {
  SB_ASSIGN_OR_RETURN(Reply reply, Command({"HGETALL", std::string(key)}));
  if (reply.kind != Reply::Kind::kArray || reply.elements.size() % 2 != 0) {
    return Unexpected("HGETALL", reply);
  }
  absl::flat_hash_map<std::string, std::string> out;
  out.reserve(reply.elements.size() / 2);
  for (size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    out[std::move(reply.elements[i].str)] = std::move(reply.elements[i + 1].str);
  }
  return out;
}

absl::StatusOr<std::string> Client::ScriptSha(const std::string& script) {
  {
    absl::MutexLock lock(&mu_);
    auto it = script_shas_.find(script);
    if (it != script_shas_.end()) return it->second;
  }
  SB_ASSIGN_OR_RETURN(Reply reply, Command({"SCRIPT", "LOAD", script}));
  if (reply.kind != Reply::Kind::kString) return Unexpected("SCRIPT LOAD", reply);
  absl::MutexLock lock(&mu_);
  script_shas_[script] = reply.str;
  return reply.str;
}

absl::StatusOr<Reply> Client::Eval(std::string_view script_view,
                                   const std::vector<std::string>& keys,
                                   const std::vector<std::string>& args) {
  const std::string script(script_view);
  SB_ASSIGN_OR_RETURN(std::string sha, ScriptSha(script));
  std::vector<std::string> argv = {"EVALSHA", sha, absl::StrCat(keys.size())};
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  absl::StatusOr<Reply> reply = Command(argv);
  if (reply.ok() || RedisErrorCode(reply.status()) != "NOSCRIPT") return reply;
  // The server forgot the script (restart, failover, SCRIPT FLUSH). EVAL runs
  // it and caches it again under the same SHA1.
  argv[0] = "EVAL";
  argv[1] = script;
  return Command(argv);
}

ClientStats Client::Stats() const {
  absl::MutexLock lock(&mu_);
  ClientStats stats;
  stats.open = open_;
  stats.idle = static_cast<int>(idle_.size());
  stats.connections_opened = opened_;
  stats.connections_dropped = dropped_;
  return stats;
}

}  // namespace sb::redis
