#pragma once
// Consumes events from Redis Streams through a consumer group.
//
//   sb::events::Consumer consumer(*redis, {.group = "notifications",
//                                          .topics = {"mailbox", "security"}});
//   std::thread worker([&] { consumer.Run(HandleEvent).IgnoreError(); });
//   ...
//   consumer.Stop();  // from any thread; Run returns within block_timeout
//   worker.join();
//
// Semantics:
//   - Each group (one per consuming service) sees every event of its topics;
//     the consumers of one group share the work, each entry going to one of
//     them. The group is created at the stream's end on first use: events
//     published before that are not delivered to it.
//   - AT LEAST ONCE: the handler's OK acknowledges the event (XACK); a
//     non-OK status leaves it pending, and it is delivered again (to this or
//     another consumer of the group) once it has been idle for retry_backoff,
//     doubling per delivery up to max_retry_backoff. A consumer that crashes
//     mid-batch has its entries redelivered the same way, and a consumer
//     restarting under the same name takes its own pending entries back.
//     Handlers must be idempotent by Event::id (see idempotency.h).
//   - An event whose handler failed on its max_deliveries-th delivery — or
//     that was delivered that many times without an ack, e.g. because it
//     crashes its consumer — is copied to events.<topic>.dead with the error
//     and acknowledged (dead_letters.h). So is an entry that is not a valid
//     event.
//   - Order is by stream within a batch, but retries break ordering: do not
//     rely on it.
//
// Threading: Run or ProcessOnce drive the consumer from one thread at a
// time; Stop may be called from any thread. For parallelism run several
// Consumers with distinct names (each needs its own thread; they may share
// the Client).
#include <functional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "events/event.h"
#include "redis/client.h"

namespace sb::events {

struct ConsumerConfig {
  std::string group;     // the consuming service, e.g. "notifications"
  std::string consumer;  // unique among live consumers of the group; default "<hostname>-<pid>"
  std::vector<std::string> topics;
  // How long one read waits for new events; also bounds how long Stop takes.
  absl::Duration block_timeout = absl::Seconds(2);
  int batch_size = 64;
  // Deliveries (first one included) before an event is dead-lettered.
  int max_deliveries = 5;
  // A failed event is retried once it has been pending this long; the wait
  // doubles with each delivery, up to max_retry_backoff. Keep it above the
  // time a whole batch can take: an entry pending longer than this is taken
  // to be abandoned and may be handed to another consumer of the group.
  absl::Duration retry_backoff = absl::Seconds(5);
  absl::Duration max_retry_backoff = absl::Minutes(5);
  // How often pending entries are scanned for retries.
  absl::Duration reclaim_interval = absl::Seconds(1);
  // How long Run waits after a Redis failure before trying again.
  absl::Duration error_backoff = absl::Seconds(1);
};

class Consumer {
 public:
  using Handler = std::function<absl::Status(const Event&)>;

  // `client` must outlive the consumer. A bad config is reported by the
  // first Run/ProcessOnce/EnsureGroups call.
  Consumer(redis::Client& client, ConsumerConfig config);
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // Processes events until Stop(). Redis failures are logged and retried
  // after error_backoff. Returns OK once stopped, INVALID_ARGUMENT for a bad
  // config. A stopped consumer stays stopped.
  absl::Status Run(const Handler& handler);

  // Makes Run return after its current iteration. Thread-safe.
  void Stop();

  // One iteration: retries pending entries that are due (at most every
  // reclaim_interval), then waits up to block_timeout for new entries and
  // handles them. Returns how many times the handler was called.
  absl::StatusOr<int> ProcessOnce(const Handler& handler);

  // Creates the group on every topic (XGROUP CREATE … $ MKSTREAM) unless it
  // exists. Called by ProcessOnce as needed; call it first when events
  // published right after start-up must reach the group.
  absl::Status EnsureGroups();

  const ConsumerConfig& config() const { return config_; }

 private:
  struct Entry {
    std::string topic;
    std::string stream_id;
    std::vector<std::string> fields;  // flat field/value list
    int deliveries = 1;               // counting this one
  };
  struct Acks;

  absl::StatusOr<int> ReadNew(const Handler& handler);
  absl::StatusOr<int> Reclaim(const Handler& handler);
  absl::StatusOr<int> ReclaimTopic(const std::string& topic, const Handler& handler, Acks& acks);
  // Handles one entry; returns whether the handler was called. Adds the
  // entry to `acks` when it is done with (handled or dead-lettered).
  bool Deliver(const Entry& entry, const Handler& handler, Acks& acks);
  void DeadLetter(const Entry& entry, const std::string& error, Acks& acks);
  absl::Status Ack(const Acks& acks);
  absl::Duration BackoffFor(int deliveries) const;
  bool stopping() const;

  redis::Client& client_;
  const ConsumerConfig config_;
  const absl::Status config_status_;

  // Touched only by the thread driving Run/ProcessOnce.
  bool groups_ready_ = false;
  absl::Time last_reclaim_ = absl::InfinitePast();
  // Per topic: where the next XPENDING scan starts, so a long pending list
  // is walked page by page instead of rescanning its head.
  absl::flat_hash_map<std::string, std::string> pending_cursor_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace sb::events
