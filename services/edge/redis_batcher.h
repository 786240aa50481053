#pragma once
// Fire-and-forget Redis writes of the calls (a line slot kept on answer,
// given back on BYE or failure), batched: the SIP loop queues commands here
// instead of waking a worker per command, and one thread sends whatever is
// queued (up to max_batch, lingering briefly for more: core/batch_queue.h)
// as one pipelined round trip. Under load, one wake-up and one round trip serve many calls.
//
// Nothing waits for these writes: a failure is logged (at most once a
// second) and the slot lapses in Redis on its own (line_calls.h).
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "core/batch_queue.h"
#include "redis/client.h"

namespace sb::edge {

struct RedisBatcherConfig {
  int max_queued = 65536;  // commands; beyond, Submit refuses
  int max_batch = 256;     // commands per round trip
  absl::Duration linger = absl::Microseconds(200);
};

class RedisBatcher {
 public:
  using Command = std::vector<std::string>;

  RedisBatcher(redis::Client& redis, RedisBatcherConfig config);
  ~RedisBatcher();  // Stop()
  RedisBatcher(const RedisBatcher&) = delete;
  RedisBatcher& operator=(const RedisBatcher&) = delete;

  // Any thread. False when the queue is full or stopping (the command is
  // dropped: the caller may run it itself).
  bool Submit(Command command);
  // Writes what is queued, then joins the thread. Idempotent.
  void Stop();

 private:
  void Run();

  redis::Client& redis_;
  core::BatchQueue<Command> queue_;
  std::thread thread_;
};

}  // namespace sb::edge
