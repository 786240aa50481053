#include "services/routing/call_journal.h"

#include "absl/strings/str_cat.h"
#include "core/logging.h"

namespace sb::routing {
namespace {

// Records are one tag byte and the serialized message.
constexpr char kSetup = 'S';
constexpr char kDecision = 'D';
constexpr char kEvent = 'E';

std::string Record(char tag, const google::protobuf::Message& m) {
  std::string out(1, tag);
  m.AppendToString(&out);
  return out;
}

}  // namespace

CallJournal::CallJournal(redis::Client* redis, CallJournalConfig config) : redis_(redis), config_(config) {}

CallJournal::~CallJournal() { Stop(); }

// The hash tag keeps a call's journal on one Redis Cluster slot.
std::string CallJournal::Key(const std::string& call_id) { return absl::StrCat("rcall:{", call_id, "}"); }

void CallJournal::Start() {
  writer_ = std::thread([this] { WriterLoop(); });
}

void CallJournal::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (writer_.joinable()) writer_.join();
  Flush();
}

void CallJournal::AppendDecided(const rpb::CallSetup& setup, const rpb::RouteDecision& decision) {
  const std::string key = Key(setup.call_id());
  Enqueue({{"RPUSH", key, Record(kSetup, setup), Record(kDecision, decision)},
           {"PEXPIRE", key, absl::StrCat(absl::ToInt64Milliseconds(config_.ttl))}});
}

void CallJournal::AppendEvent(const rpb::CallEvent& event) {
  // RPUSHX: an event for a call already logged (or never journaled) must
  // not create a list that nothing would ever expire.
  Enqueue({{"RPUSHX", Key(event.call_id()), Record(kEvent, event)}});
}

void CallJournal::Forget(const std::string& call_id) { Enqueue({{"DEL", Key(call_id)}}); }

void CallJournal::Enqueue(std::vector<std::vector<std::string>> commands) {
  absl::MutexLock lock(&mu_);
  if (queue_.size() + commands.size() > config_.max_queue) {
    if (dropped_++ % 10000 == 0) {
      core::Logger("calls")->warn("call journal queue full ({} records): dropping; Redis too slow?",
                                  queue_.size());
    }
    return;
  }
  for (auto& c : commands) queue_.push_back(std::move(c));
}

int64_t CallJournal::dropped() const {
  absl::MutexLock lock(&mu_);
  return dropped_;
}

bool CallJournal::SendSome() {
  absl::MutexLock send(&send_mu_);
  std::vector<std::vector<std::string>> batch;
  {
    absl::MutexLock lock(&mu_);
    while (!queue_.empty() && batch.size() < config_.max_batch) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
  }
  if (batch.empty()) return false;
  auto replies = redis_->Pipeline(batch);
  if (!replies.ok()) {
    // Redis is away: the records are lost, the calls stay in memory here and
    // are logged by this copy as before; only a failover would miss them.
    core::Logger("calls")->warn("call journal: {} records not written: {}", batch.size(),
                                replies.status().message());
  }
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

absl::StatusOr<std::optional<JournaledCall>> CallJournal::Load(const std::string& call_id) {
  auto reply = redis_->Command({"LRANGE", Key(call_id), "0", "-1"});
  if (!reply.ok()) return reply.status();
  if (reply->elements.empty()) return std::nullopt;
  JournaledCall call;
  bool has_setup = false;
  for (const auto& element : reply->elements) {
    const std::string& r = element.str;
    if (r.empty()) continue;
    const char* data = r.data() + 1;
    const int size = static_cast<int>(r.size() - 1);
    switch (r[0]) {
      case kSetup:
        has_setup = call.setup.ParseFromArray(data, size);
        break;
      case kDecision:
        call.decided = call.decision.ParseFromArray(data, size);
        break;
      case kEvent:
        if (rpb::CallEvent e; e.ParseFromArray(data, size)) call.events.push_back(std::move(e));
        break;
      default:
        break;
    }
  }
  if (!has_setup) return std::nullopt;
  return call;
}

}  // namespace sb::routing
