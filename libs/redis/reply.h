#pragma once
// A Redis reply as an owned value, detached from hiredis.
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace sb::redis {

struct Reply {
  enum class Kind { kNil, kInteger, kString, kStatus, kError, kArray };

  Kind kind = Kind::kNil;
  std::string str;              // kString (binary-safe), kStatus ("OK"), kError
  int64_t integer = 0;          // kInteger
  std::vector<Reply> elements;  // kArray

  bool is_nil() const { return kind == Kind::kNil; }
  bool is_error() const { return kind == Kind::kError; }
};

// "nil", "integer", "string", "status", "error", "array" — for messages.
const char* KindName(Reply::Kind kind);

// The status a Redis error reply stands for, e.g. for `command` "LPUSH" and
// `message` "WRONGTYPE Operation against a key holding the wrong kind of value":
//   WRONGTYPE, NOSCRIPT, BUSYGROUP, NOGROUP, NOAUTH, …  → FAILED_PRECONDITION
//   LOADING, BUSY, TRYAGAIN, MASTERDOWN, READONLY, …    → UNAVAILABLE (transient)
//   ERR (syntax, unknown command, script errors, …)     → INTERNAL
// The error's first word travels with the status; read it with RedisErrorCode.
absl::Status ErrorReplyStatus(const std::string& command, const std::string& message);

// "WRONGTYPE", "NOSCRIPT", … for a status made from an error reply, else "".
std::string RedisErrorCode(const absl::Status& status);

}  // namespace sb::redis
