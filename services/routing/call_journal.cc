#include "services/routing/call_journal.h"

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "core/logging.h"

namespace sb::routing {
namespace {

// Record layout (version 1), little-endian:
//   u8 version, u16 flags, then the strings (varint length + bytes) in the
//   order of kStrings, then varint events, varint sip_code, then the four
//   times as i64 Unix microseconds (INT64_MIN: never).
// Version 2 appends touched_at (routing's clock when it wrote the record):
// the recovery sweep (call_recovery.h) measures its grace period from it.
// Only finished (terminal) records are written as version 2, so a copy
// still on version 1 during a rolling upgrade goes on adopting the open
// calls; a finished record it can't read only concerns a call being logged.
// Hand-written rather than a protobuf message: it is built under the
// tracker's shard lock for every decided call, and this costs one
// allocation (the record) and no intermediate copies of the strings.
constexpr uint8_t kVersion = 1;
constexpr uint8_t kVersionFinished = 2;

enum Flag : uint16_t {
  kAnonymous = 1 << 0,
  kDecided = 1 << 1,
  kLoggable = 1 << 2,
  kEvaluationFailed = 1 << 3,
  kRejected = 1 << 4,
  kAnswered = 1 << 5,
  kDivertedBeforeAnswer = 1 << 6,
  kCancelled = 1 << 7,
  kFailed = 1 << 8,
  kTerminal = 1 << 9,
};

constexpr std::string CallTrace::*kStrings[] = {
    &CallTrace::call_id,       &CallTrace::tenant_id,        &CallTrace::caller_user_id,
    &CallTrace::caller_number, &CallTrace::caller_extension, &CallTrace::caller_name,
    &CallTrace::dialed,        &CallTrace::callee_user_id,   &CallTrace::callee_tenant_id,
    &CallTrace::decided_by,
};
constexpr absl::Time CallTrace::*kTimes[] = {&CallTrace::started_at, &CallTrace::last_event_at,
                                             &CallTrace::answered_at, &CallTrace::ended_at};

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutFixed(uint64_t v, int bytes, std::string* out) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// Reads from the front of `in`; false when it runs short.
bool GetVarint(absl::string_view* in, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64 && !in->empty(); shift += 7) {
    const uint8_t b = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    *v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return true;
  }
  return false;
}

bool GetFixed(absl::string_view* in, int bytes, uint64_t* v) {
  if (in->size() < static_cast<size_t>(bytes)) return false;
  *v = 0;
  for (int i = 0; i < bytes; ++i) *v |= static_cast<uint64_t>(static_cast<uint8_t>((*in)[i])) << (8 * i);
  in->remove_prefix(bytes);
  return true;
}

int64_t MicrosOf(absl::Time t) {
  return t == absl::InfinitePast() ? std::numeric_limits<int64_t>::min() : absl::ToUnixMicros(t);
}

absl::Time TimeOfMicros(int64_t us) {
  return us == std::numeric_limits<int64_t>::min() ? absl::InfinitePast() : absl::FromUnixMicros(us);
}

// The writer thread yields to the decision path when the CPU is short:
// SCHED_IDLE (a stream thread that wakes preempts it at once), or a nice
// value when that is refused.
void LowerThisThreadsPriority(bool idle, int nice) {
  if (idle) {
    sched_param param{};
    const int err = ::pthread_setschedparam(::pthread_self(), SCHED_IDLE, &param);
    if (err == 0) return;
    core::Logger("calls")->warn("call journal writer: SCHED_IDLE refused ({}): nice {} instead",
                                std::strerror(err), nice);
  }
  if (nice == 0) return;
  const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  if (::setpriority(PRIO_PROCESS, tid, nice) != 0) {
    core::Logger("calls")->warn("call journal writer: setpriority({}) failed: {}", nice,
                                std::strerror(errno));
  }
}

}  // namespace

std::string EncodeTrace(const CallTrace& t) {
  std::string out;
  size_t size = 3 + 2 * 5 + 5 * 8;
  for (auto s : kStrings) size += 2 + (t.*s).size();
  out.reserve(size);
  out.push_back(static_cast<char>(t.terminal ? kVersionFinished : kVersion));
  uint16_t flags = 0;
  if (t.caller_anonymous) flags |= kAnonymous;
  if (t.decided) flags |= kDecided;
  if (t.loggable) flags |= kLoggable;
  if (t.evaluation_failed) flags |= kEvaluationFailed;
  if (t.rejected) flags |= kRejected;
  if (t.answered) flags |= kAnswered;
  if (t.diverted_before_answer) flags |= kDivertedBeforeAnswer;
  if (t.cancelled) flags |= kCancelled;
  if (t.failed) flags |= kFailed;
  if (t.terminal) flags |= kTerminal;
  PutFixed(flags, 2, &out);
  for (auto s : kStrings) {
    PutVarint((t.*s).size(), &out);
    out.append(t.*s);
  }
  PutVarint(static_cast<uint32_t>(t.events), &out);
  PutVarint(static_cast<uint32_t>(t.sip_code), &out);
  for (auto at : kTimes) PutFixed(static_cast<uint64_t>(MicrosOf(t.*at)), 8, &out);
  if (t.terminal) PutFixed(static_cast<uint64_t>(MicrosOf(t.touched_at)), 8, &out);
  return out;
}

std::optional<CallTrace> DecodeTrace(absl::string_view in) {
  if (in.empty()) return std::nullopt;
  const uint8_t version = static_cast<uint8_t>(in.front());
  if (version != kVersion && version != kVersionFinished) return std::nullopt;
  in.remove_prefix(1);
  CallTrace t;
  uint64_t flags = 0;
  if (!GetFixed(&in, 2, &flags)) return std::nullopt;
  t.caller_anonymous = flags & kAnonymous;
  t.decided = flags & kDecided;
  t.loggable = flags & kLoggable;
  t.evaluation_failed = flags & kEvaluationFailed;
  t.rejected = flags & kRejected;
  t.answered = flags & kAnswered;
  t.diverted_before_answer = flags & kDivertedBeforeAnswer;
  t.cancelled = flags & kCancelled;
  t.failed = flags & kFailed;
  t.terminal = flags & kTerminal;
  for (auto s : kStrings) {
    uint64_t n = 0;
    if (!GetVarint(&in, &n) || n > in.size()) return std::nullopt;
    (t.*s).assign(in.data(), n);
    in.remove_prefix(n);
  }
  uint64_t events = 0, sip_code = 0;
  if (!GetVarint(&in, &events) || !GetVarint(&in, &sip_code)) return std::nullopt;
  t.events = static_cast<int>(static_cast<uint32_t>(events));
  t.sip_code = static_cast<int>(static_cast<uint32_t>(sip_code));
  for (auto at : kTimes) {
    uint64_t us = 0;
    if (!GetFixed(&in, 8, &us)) return std::nullopt;
    t.*at = TimeOfMicros(static_cast<int64_t>(us));
  }
  if (version == kVersionFinished) {
    uint64_t us = 0;
    if (!GetFixed(&in, 8, &us)) return std::nullopt;
    t.touched_at = TimeOfMicros(static_cast<int64_t>(us));
  }
  if (!in.empty() || t.call_id.empty()) return std::nullopt;
  return t;
}

CallJournal::CallJournal(redis::Client* redis, CallJournalConfig config)
    : redis_(redis), config_(config), ttl_ms_(absl::StrCat(absl::ToInt64Milliseconds(config.ttl))) {}

CallJournal::~CallJournal() { Stop(); }

// The hash tag keeps a call's journal on one Redis Cluster slot.
std::string CallJournal::Key(absl::string_view call_id) { return absl::StrCat("rcall:{", call_id, "}"); }

std::string CallJournal::CallIdOfKey(absl::string_view key) {
  if (!absl::ConsumePrefix(&key, "rcall:{") || !absl::ConsumeSuffix(&key, "}")) return "";
  return std::string(key);
}

void CallJournal::Start() {
  writer_ = std::thread([this] {
    LowerThisThreadsPriority(config_.writer_idle, config_.writer_nice);
    WriterLoop();
  });
}

void CallJournal::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (writer_.joinable()) writer_.join();
  Flush();
}

void CallJournal::Save(const std::string& call_id, std::string record) {
  Enqueue(Op::kSave, call_id, std::move(record));
}

void CallJournal::Update(const std::string& call_id, std::string record) {
  Enqueue(Op::kUpdate, call_id, std::move(record));
}

void CallJournal::Forget(const std::string& call_id) { Enqueue(Op::kForget, call_id, {}); }

void CallJournal::Enqueue(Op op, const std::string& call_id, std::string record) {
  absl::MutexLock lock(&mu_);
  if (queue_.size() >= config_.max_queue) {
    if (dropped_++ % 10000 == 0) {
      core::Logger("calls")->warn("call journal queue full ({} records): dropping; Redis too slow?",
                                  queue_.size());
    }
    return;
  }
  queue_.push_back(Pending{op, call_id, std::move(record)});
}

int64_t CallJournal::dropped() const {
  absl::MutexLock lock(&mu_);
  return dropped_;
}

bool CallJournal::SendSome() {
  absl::MutexLock sender(&send_mu_);
  sending_.clear();
  {
    absl::MutexLock lock(&mu_);
    sending_.swap(queue_);
  }
  if (sending_.empty()) return false;
  std::vector<std::vector<std::string>> batch;
  batch.reserve(std::min(sending_.size(), config_.max_batch));
  auto send_batch = [&] {
    if (batch.empty()) return;
    auto replies = redis_->Pipeline(batch);
    // An Update of a call already forgotten replies nil, not an error: only
    // a lost connection lands here.
    if (!replies.ok()) {
      // Redis is away: the records are lost, the calls stay in memory here and
      // are logged by this copy as before; only a failover would miss them.
      core::Logger("calls")->warn("call journal: {} records not written: {}", batch.size(),
                                  replies.status().message());
    }
    batch.clear();
  };
  // Consecutive forgets (a committed batch of logs, a sweep step) share one
  // DEL of many keys: one command for Redis to parse and answer instead of
  // one per call. The records stay in order: a save or update ends the DEL.
  constexpr size_t kMaxKeysPerDel = 512;
  bool del_open = false;
  for (Pending& p : sending_) {
    switch (p.op) {
      case Op::kSave:
        batch.push_back({"SET", Key(p.call_id), std::move(p.record), "PX", ttl_ms_});
        del_open = false;
        break;
      case Op::kUpdate:
        batch.push_back({"SET", Key(p.call_id), std::move(p.record), "XX", "KEEPTTL"});
        del_open = false;
        break;
      case Op::kForget:
        if (del_open && batch.back().size() <= kMaxKeysPerDel) {
          batch.back().push_back(Key(p.call_id));
          continue;  // the command is counted already
        }
        batch.push_back({"DEL", Key(p.call_id)});
        del_open = true;
        break;
    }
    if (batch.size() >= config_.max_batch) {
      send_batch();
      del_open = false;
    }
  }
  send_batch();
  return true;
}

void CallJournal::Flush() {
  while (SendSome()) {
  }
}

void CallJournal::WriterLoop() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &CallJournal::HasWork));
      if (stopping_ && queue_.empty()) return;
      // Let a batch gather: one round trip (and one wake-up of this thread
      // and of Redis) for the calls of the next few milliseconds, instead of
      // one per call when the stream is busy.
      mu_.AwaitWithTimeout(absl::Condition(this, &CallJournal::BatchReady), config_.linger);
    }
    Flush();
  }
}

absl::StatusOr<std::optional<CallTrace>> CallJournal::Load(const std::string& call_id) {
  auto value = redis_->Get(Key(call_id));
  if (!value.ok()) return value.status();
  if (!value->has_value()) return std::nullopt;
  auto trace = DecodeTrace(**value);
  if (!trace) {
    core::Logger("calls")->warn("{} journal record unreadable ({} bytes): ignored",
                                core::CallCtx{call_id, ""}, (*value)->size());
  }
  return trace;
}

}  // namespace sb::routing
