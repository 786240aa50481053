#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "events/consumer.h"
#include "events/dead_letters.h"
#include "events/event.h"
#include "events/idempotency.h"
#include "events/publisher.h"
#include "events/tail.h"
#include "redis/client.h"
#include "redis/testing.h"

namespace sb::events {
namespace {

using redis::testing::UniqueName;
using redis::testing::WaitFor;

std::unique_ptr<redis::Client> MakeClient() {
  auto client = redis::Client::Create({.url = redis::testing::ReadyTestRedisUrl(), .pool_size = 4});
  REQUIRE(client.ok());
  return std::move(client).value();
}

// A topic and group of its own per test, removed afterwards.
struct Fixture {
  Fixture() : client(MakeClient()), topic(UniqueName("t")), group(UniqueName("g")) {}
  ~Fixture() {
    client->Del(StreamName(topic)).IgnoreError();
    client->Del(DeadLetterStreamName(topic)).IgnoreError();
  }

  // Small timings so retries happen within milliseconds.
  ConsumerConfig Config(std::string consumer = "c1") const {
    return {.group = group,
            .consumer = std::move(consumer),
            .topics = {topic},
            .block_timeout = absl::Milliseconds(50),
            .batch_size = 10,
            .max_deliveries = 5,
            .retry_backoff = absl::Milliseconds(30),
            .max_retry_backoff = absl::Seconds(1),
            .reclaim_interval = absl::ZeroDuration(),
            .error_backoff = absl::Milliseconds(50)};
  }

  int64_t Pending() const {
    auto summary = client->Command({"XPENDING", StreamName(topic), group});
    REQUIRE(summary.ok());
    return summary->elements.at(0).integer;
  }

  int64_t DeadCount() const {
    auto len = client->Command({"XLEN", DeadLetterStreamName(topic)});
    REQUIRE(len.ok());
    return len->integer;
  }

  std::unique_ptr<redis::Client> client;
  std::string topic;
  std::string group;
};

// Calls ProcessOnce until `done` holds; false on timeout.
bool DriveUntil(Consumer& consumer, const Consumer::Handler& handler,
                const std::function<bool()>& done, absl::Duration timeout = absl::Seconds(10)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() > deadline) return false;
    absl::StatusOr<int> n = consumer.ProcessOnce(handler);
    if (!n.ok()) FAIL_CHECK(n.status().ToString());
  }
  return true;
}

Event MakeEvent(std::string type, std::string payload = "p") {
  Event e;
  e.type = std::move(type);
  e.tenant_id = "tenant-1";
  e.payload = std::move(payload);
  return e;
}

TEST_CASE("published events are consumed and acknowledged", "[events]") {
  Fixture f;
  Consumer consumer(*f.client, f.Config());
  absl::Status created = consumer.EnsureGroups();
  INFO(created.ToString());
  REQUIRE(created.ok());
  REQUIRE(consumer.EnsureGroups().ok());  // BUSYGROUP is not an error

  const absl::Time fixed = absl::FromUnixMicros(1700000000123456);
  Publisher publisher(*f.client, [fixed] { return fixed; });
  Event explicit_id = MakeEvent("security.password_changed", std::string("\0proto\xff", 7));
  explicit_id.id = "evt-42";
  explicit_id.occurred_at = absl::FromUnixMicros(1600000000000001);
  REQUIRE(publisher.Publish(f.topic, explicit_id).ok());
  REQUIRE(publisher.Publish(f.topic, MakeEvent("security.pin_changed")).ok());
  auto stream_id = publisher.PublishForId(f.topic, MakeEvent("security.email_confirmed"));
  REQUIRE(stream_id.ok());

  std::vector<Event> got;
  auto handler = [&](const Event& e) {
    got.push_back(e);
    return absl::OkStatus();
  };
  REQUIRE(DriveUntil(consumer, handler, [&] { return got.size() >= 3; }));
  REQUIRE(got.size() == 3);

  CHECK(got[0].id == "evt-42");
  CHECK(got[0].type == "security.password_changed");
  CHECK(got[0].tenant_id == "tenant-1");
  CHECK(got[0].payload == std::string("\0proto\xff", 7));
  CHECK(got[0].occurred_at == absl::FromUnixMicros(1600000000000001));
  CHECK(got[0].topic == f.topic);
  CHECK(got[0].delivery_count == 1);
  CHECK(got[1].id.size() == 32);
  CHECK(got[1].id.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(got[1].id != got[2].id);
  CHECK(got[1].occurred_at == fixed);  // stamped by the publisher's clock
  CHECK(got[2].stream_id == *stream_id);
  CHECK(f.Pending() == 0);
  CHECK(f.DeadCount() == 0);

  CHECK(publisher.Publish("Bad Topic", MakeEvent("x")).code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(publisher.Publish(f.topic, MakeEvent("")).code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("a failing handler gets the event again until it succeeds", "[events]") {
  Fixture f;
  Consumer consumer(*f.client, f.Config());
  REQUIRE(consumer.EnsureGroups().ok());
  REQUIRE(Publisher(*f.client).Publish(f.topic, MakeEvent("mailbox.changed")).ok());

  std::vector<int> deliveries;
  std::vector<absl::Time> at;
  auto handler = [&](const Event& e) {
    deliveries.push_back(e.delivery_count);
    at.push_back(absl::Now());
    if (deliveries.size() <= 2) return absl::UnavailableError("smtp down");
    return absl::OkStatus();
  };
  REQUIRE(DriveUntil(consumer, handler, [&] { return deliveries.size() >= 3; }));
  // A few more rounds: nothing else arrives, the event is acknowledged.
  for (int i = 0; i < 3; ++i) REQUIRE(consumer.ProcessOnce(handler).ok());
  CHECK(deliveries == std::vector<int>{1, 2, 3});
  CHECK(f.Pending() == 0);
  CHECK(f.DeadCount() == 0);
  // The backoff doubles: 30 ms before the 2nd delivery, 60 ms before the 3rd.
  CHECK(at[1] - at[0] >= absl::Milliseconds(25));
  CHECK(at[2] - at[1] >= absl::Milliseconds(55));
}

TEST_CASE("an always-failing event is dead-lettered and can be replayed", "[events]") {
  Fixture f;
  ConsumerConfig config = f.Config();
  config.max_deliveries = 3;
  Consumer consumer(*f.client, config);
  REQUIRE(consumer.EnsureGroups().ok());
  Event original = MakeEvent("call.missed", "payload-bytes");
  original.id = "evt-dead-1";
  REQUIRE(Publisher(*f.client).Publish(f.topic, original).ok());

  int calls = 0;
  std::string stream_id;
  bool healthy = false;
  std::vector<Event> after_fix;
  auto handler = [&](const Event& e) {
    if (healthy) {
      after_fix.push_back(e);
      return absl::OkStatus();
    }
    ++calls;
    stream_id = e.stream_id;
    return absl::InternalError("boom: template missing");
  };
  REQUIRE(DriveUntil(consumer, handler, [&] { return f.DeadCount() == 1; }));
  CHECK(calls == 3);
  CHECK(f.Pending() == 0);
  // Rounds past the next backoff deliver nothing more.
  const absl::Time until = absl::Now() + absl::Milliseconds(200);
  while (absl::Now() < until) REQUIRE(consumer.ProcessOnce(handler).ok());
  CHECK(calls == 3);

  auto dead = ListDeadLetters(*f.client, f.topic, 10);
  REQUIRE(dead.ok());
  REQUIRE(dead->size() == 1);
  const DeadLetter& letter = dead->front();
  CHECK(letter.event.id == "evt-dead-1");
  CHECK(letter.event.type == "call.missed");
  CHECK(letter.event.payload == "payload-bytes");
  CHECK(letter.original_stream_id == stream_id);
  CHECK(letter.group == f.group);
  CHECK(letter.consumer == "c1");
  CHECK(letter.deliveries == 3);
  CHECK(letter.error.find("boom: template missing") != std::string::npos);
  CHECK(letter.dead_at > absl::Now() - absl::Minutes(1));

  healthy = true;
  auto replayed = Replay(*f.client, f.topic, letter.dead_stream_id);
  REQUIRE(replayed.ok());
  CHECK(*replayed != stream_id);
  CHECK(f.DeadCount() == 0);
  REQUIRE(DriveUntil(consumer, handler, [&] { return !after_fix.empty(); }));
  CHECK(after_fix.front().id == "evt-dead-1");
  CHECK(after_fix.front().payload == "payload-bytes");
  CHECK(after_fix.front().delivery_count == 1);
  CHECK(after_fix.front().stream_id == *replayed);
  CHECK(f.Pending() == 0);

  CHECK(Replay(*f.client, f.topic, letter.dead_stream_id).status().code() ==
        absl::StatusCode::kNotFound);
}

TEST_CASE("entries that are not events go straight to the dead letters", "[events]") {
  Fixture f;
  Consumer consumer(*f.client, f.Config());
  REQUIRE(consumer.EnsureGroups().ok());
  REQUIRE(f.client->Command({"XADD", StreamName(f.topic), "*", "foo", "bar"}).ok());
  int calls = 0;
  auto handler = [&](const Event&) {
    ++calls;
    return absl::OkStatus();
  };
  REQUIRE(DriveUntil(consumer, handler, [&] { return f.DeadCount() == 1; }));
  CHECK(calls == 0);
  CHECK(f.Pending() == 0);
  auto dead = ListDeadLetters(*f.client, f.topic, 10);
  REQUIRE(dead.ok());
  REQUIRE(dead->size() == 1);
  CHECK(dead->front().error.find("not a valid event") != std::string::npos);
  CHECK(Replay(*f.client, f.topic, dead->front().dead_stream_id).ok());
}

TEST_CASE("an entry delivered too often without an ack is dead-lettered", "[events]") {
  Fixture f;
  ConsumerConfig config = f.Config();
  config.max_deliveries = 3;
  Consumer consumer(*f.client, config);
  REQUIRE(consumer.EnsureGroups().ok());
  REQUIRE(Publisher(*f.client).Publish(f.topic, MakeEvent("call.ended")).ok());
  // Three consumers crashed on it: delivered three times, never acknowledged.
  auto read = f.client->Command({"XREADGROUP", "GROUP", f.group, "crashed", "COUNT", "1", "STREAMS",
                                 StreamName(f.topic), ">"});
  REQUIRE(read.ok());
  const std::string id = read->elements.at(0).elements.at(1).elements.at(0).elements.at(0).str;
  for (int i = 0; i < 2; ++i) {
    REQUIRE(f.client->Command({"XCLAIM", StreamName(f.topic), f.group, "crashed", "0", id}).ok());
  }

  int calls = 0;
  auto handler = [&](const Event&) {
    ++calls;
    return absl::OkStatus();
  };
  REQUIRE(DriveUntil(consumer, handler, [&] { return f.DeadCount() == 1; }));
  CHECK(calls == 0);
  CHECK(f.Pending() == 0);
  auto dead = ListDeadLetters(*f.client, f.topic, 1);
  REQUIRE(dead.ok());
  REQUIRE(dead->size() == 1);
  CHECK(dead->front().original_stream_id == id);
  CHECK(dead->front().error.find("without an acknowledgement") != std::string::npos);
  CHECK(dead->front().deliveries == 3);
}

TEST_CASE("two consumers of one group split the work without duplicates", "[events]") {
  constexpr int kEvents = 60;
  Fixture f;
  ConsumerConfig config_a = f.Config("a");
  ConsumerConfig config_b = f.Config("b");
  config_a.batch_size = config_b.batch_size = 5;
  Consumer a(*f.client, config_a);
  Consumer b(*f.client, config_b);
  REQUIRE(a.EnsureGroups().ok());
  Publisher publisher(*f.client);
  for (int i = 0; i < kEvents; ++i) {
    REQUIRE(publisher.Publish(f.topic, MakeEvent("profile.updated")).ok());
  }

  absl::Mutex mu;
  std::map<std::string, int> times_seen;  // event id → deliveries
  std::map<std::string, int> per_consumer;
  auto handler_for = [&](const std::string& me, const std::string& other) {
    return [&, me, other](const Event& e) {
      absl::MutexLock lock(&mu);
      ++times_seen[e.id];
      // The first event of each waits (bounded) until the other consumer has
      // one too, so neither can drain the stream alone.
      if (++per_consumer[me] == 1) {
        auto other_started = [&]() { return per_consumer[other] > 0; };
        mu.AwaitWithTimeout(absl::Condition(&other_started), absl::Seconds(10));
      }
      return absl::OkStatus();
    };
  };
  absl::Status run_a, run_b;
  std::thread ta([&] { run_a = a.Run(handler_for("a", "b")); });
  std::thread tb([&] { run_b = b.Run(handler_for("b", "a")); });
  const bool all_seen = WaitFor([&] {
    absl::MutexLock lock(&mu);
    return times_seen.size() == kEvents;
  });
  a.Stop();
  b.Stop();
  ta.join();
  tb.join();

  CHECK(all_seen);
  CHECK(run_a.ok());
  CHECK(run_b.ok());
  absl::MutexLock lock(&mu);
  CHECK(times_seen.size() == kEvents);
  for (const auto& [id, n] : times_seen) {
    INFO(id);
    CHECK(n == 1);
  }
  CHECK(per_consumer["a"] > 0);
  CHECK(per_consumer["b"] > 0);
  CHECK(per_consumer["a"] + per_consumer["b"] == kEvents);
  CHECK(f.Pending() == 0);
}

TEST_CASE("a restarted consumer takes back its unacknowledged entries", "[events]") {
  Fixture f;
  {
    Consumer first(*f.client, f.Config("worker-1"));
    REQUIRE(first.EnsureGroups().ok());
  }
  Publisher publisher(*f.client);
  REQUIRE(publisher.Publish(f.topic, MakeEvent("mailbox.changed", "one")).ok());
  REQUIRE(publisher.Publish(f.topic, MakeEvent("mailbox.changed", "two")).ok());
  // worker-1 reads both, then dies before acknowledging them.
  auto read = f.client->Command({"XREADGROUP", "GROUP", f.group, "worker-1", "COUNT", "10",
                                 "STREAMS", StreamName(f.topic), ">"});
  REQUIRE(read.ok());
  REQUIRE(f.Pending() == 2);

  Consumer restarted(*f.client, f.Config("worker-1"));
  std::vector<Event> got;
  auto handler = [&](const Event& e) {
    got.push_back(e);
    return absl::OkStatus();
  };
  REQUIRE(DriveUntil(restarted, handler, [&] { return got.size() >= 2; }));
  REQUIRE(got.size() == 2);
  CHECK(got[0].payload == "one");
  CHECK(got[1].payload == "two");
  CHECK(got[0].delivery_count == 2);
  CHECK(got[1].delivery_count == 2);
  CHECK(f.Pending() == 0);
}

TEST_CASE("MarkProcessedOnce is true once per group and id", "[events]") {
  Fixture f;
  const std::string id = NewEventId();
  CHECK(MarkProcessedOnce(*f.client, f.group, id, absl::Seconds(30)).value());
  CHECK_FALSE(MarkProcessedOnce(*f.client, f.group, id, absl::Seconds(30)).value());
  CHECK(MarkProcessedOnce(*f.client, f.group + "-other", id, absl::Seconds(30)).value());

  REQUIRE(ForgetProcessed(*f.client, f.group, id).ok());
  CHECK(MarkProcessedOnce(*f.client, f.group, id, absl::Milliseconds(100)).value());
  CHECK_FALSE(MarkProcessedOnce(*f.client, f.group, id, absl::Milliseconds(100)).value());
  // The mark expires with its TTL.
  CHECK(WaitFor(
      [&] { return MarkProcessedOnce(*f.client, f.group, id, absl::Seconds(30)).value(); }));
  CHECK(MarkProcessedOnce(*f.client, "", id, absl::Seconds(1)).status().code() ==
        absl::StatusCode::kInvalidArgument);
  ForgetProcessed(*f.client, f.group, id).IgnoreError();
  ForgetProcessed(*f.client, f.group + "-other", id).IgnoreError();
}

TEST_CASE("bad consumer configs are reported, not run", "[events]") {
  Fixture f;
  auto ok_handler = [](const Event&) { return absl::OkStatus(); };
  ConsumerConfig no_group = f.Config();
  no_group.group.clear();
  Consumer a(*f.client, no_group);
  CHECK(a.ProcessOnce(ok_handler).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(a.Run(ok_handler).code() == absl::StatusCode::kInvalidArgument);

  ConsumerConfig bad_topic = f.Config();
  bad_topic.topics = {"Not.A.Topic"};
  CHECK(Consumer(*f.client, bad_topic).EnsureGroups().code() == absl::StatusCode::kInvalidArgument);

  ConsumerConfig defaults = f.Config("");
  Consumer named(*f.client, defaults);
  CHECK(named.config().consumer.find('-') != std::string::npos);  // <hostname>-<pid>

  CHECK(ListDeadLetters(*f.client, f.topic, 0).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("every tail sees every event published after it starts (broadcast)", "[events]") {
  Fixture f;
  Publisher publisher(*f.client);
  REQUIRE(publisher.Publish(f.topic, MakeEvent("profile.before")).ok());

  struct Seen {
    absl::Mutex mu;
    std::vector<std::string> types;
  } a, b;
  Tail tail_a(*f.client, {f.topic}, absl::Milliseconds(50));
  Tail tail_b(*f.client, {f.topic}, absl::Milliseconds(50));
  std::thread ta([&] { tail_a.Run([&](const Event& e) { absl::MutexLock l(&a.mu); a.types.push_back(e.type); }); });
  std::thread tb([&] { tail_b.Run([&](const Event& e) { absl::MutexLock l(&b.mu); b.types.push_back(e.type); }); });
  // A tail reads from "$" once its first XREAD is in flight; publish until both saw the probe.
  bool started = WaitFor([&] {
    (void)publisher.Publish(f.topic, MakeEvent("probe"));
    absl::MutexLock la(&a.mu), lb(&b.mu);
    return !a.types.empty() && !b.types.empty();
  });
  REQUIRE(started);
  for (int i = 0; i < 3; ++i) REQUIRE(publisher.Publish(f.topic, MakeEvent("profile.user_updated", std::to_string(i))).ok());
  auto count = [](Seen& s) {
    absl::MutexLock l(&s.mu);
    return std::count(s.types.begin(), s.types.end(), std::string("profile.user_updated"));
  };
  CHECK(WaitFor([&] { return count(a) == 3 && count(b) == 3; }));
  tail_a.Stop();
  tail_b.Stop();
  ta.join();
  tb.join();
  absl::MutexLock l(&a.mu);
  CHECK(std::find(a.types.begin(), a.types.end(), "profile.before") == a.types.end());
}

TEST_CASE("a tail misses nothing of a quiet topic while another topic is busy", "[events]") {
  Fixture f;
  const std::string quiet = UniqueName("quiet");  // no stream yet when the tail starts
  Publisher publisher(*f.client);
  absl::Mutex mu;
  int busy_seen = 0, quiet_seen = 0;
  Tail tail(*f.client, {f.topic, quiet}, absl::Milliseconds(50));
  std::thread t([&] {
    tail.Run([&](const Event& e) {
      if (e.topic != quiet) absl::SleepFor(absl::Milliseconds(1));  // a handler with work to do
      absl::MutexLock l(&mu);
      (e.topic == quiet ? quiet_seen : busy_seen)++;
    });
  });
  REQUIRE(WaitFor([&] {
    (void)publisher.Publish(f.topic, MakeEvent("probe"));
    absl::MutexLock l(&mu);
    return busy_seen > 0;
  }));
  // Events of the quiet topic land while the tail is between two reads,
  // busy with the other topic's: each must still be read.
  for (int i = 0; i < 50; ++i) {
    for (int j = 0; j < 5; ++j) REQUIRE(publisher.Publish(f.topic, MakeEvent("busy")).ok());
    absl::SleepFor(absl::Milliseconds(2));
    REQUIRE(publisher.Publish(quiet, MakeEvent("quiet")).ok());
  }
  CHECK(WaitFor([&] {
    absl::MutexLock l(&mu);
    return quiet_seen == 50;
  }));
  tail.Stop();
  t.join();
  f.client->Del(StreamName(quiet)).IgnoreError();
  absl::MutexLock l(&mu);
  CHECK(quiet_seen == 50);
}

}  // namespace
}  // namespace sb::events
