#include "redis/client.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "redis/testing.h"

namespace sb::redis {
namespace {

using testing::TestRedisUrl;
using testing::UniqueName;
using testing::WaitFor;

std::unique_ptr<Client> MakeClient(ClientConfig config = {}) {
  config.url = testing::ReadyTestRedisUrl();
  auto client = Client::Create(config);
  REQUIRE(client.ok());
  return std::move(client).value();
}

int64_t Pttl(Client& client, const std::string& key) {
  auto reply = client.Command({"PTTL", key});
  REQUIRE(reply.ok());
  return reply->integer;
}

TEST_CASE("basic commands and typed helpers", "[redis]") {
  auto client = MakeClient();
  const std::string key = UniqueName("basic");

  auto missing = client->Get(key);
  REQUIRE(missing.ok());
  CHECK_FALSE(missing->has_value());

  CHECK(client->Set(key, "v1").value());
  CHECK(client->Get(key).value() == std::optional<std::string>("v1"));
  // NX does not overwrite.
  CHECK_FALSE(client->Set(key, "v2", {.only_if_absent = true}).value());
  CHECK(client->Get(key).value() == std::optional<std::string>("v1"));

  CHECK(client->Del(key).value() == 1);
  CHECK(client->Del(key).value() == 0);
  CHECK(client->Set(key, "v3", {.only_if_absent = true}).value());

  const std::string hash = UniqueName("hash");
  CHECK(client->HSet(hash, {{"name", "Alice"}, {"ext", "201"}}).value() == 2);
  CHECK(client->HSet(hash, {{"ext", "202"}}).value() == 0);  // updated, not added
  auto all = client->HGetAll(hash);
  REQUIRE(all.ok());
  CHECK(all->size() == 2);
  CHECK(all->at("name") == "Alice");
  CHECK(all->at("ext") == "202");
  CHECK(client->HGetAll(UniqueName("nohash")).value().empty());

  auto pong = client->Command({"PING"});
  REQUIRE(pong.ok());
  CHECK(pong->kind == Reply::Kind::kStatus);
  CHECK(pong->str == "PONG");
  client->Del(key).IgnoreError();
  client->Del(hash).IgnoreError();
}

TEST_CASE("values and keys are binary-safe", "[redis]") {
  auto client = MakeClient();
  const std::string key = UniqueName("bin") + std::string("\0key", 4);
  const std::string value("a\0b\r\n\xff\x00z", 8);
  REQUIRE(value.size() == 8);
  CHECK(client->Set(key, value).value());
  auto got = client->Get(key);
  REQUIRE(got.ok());
  REQUIRE(got->has_value());
  CHECK(**got == value);
  CHECK(client->Command({"STRLEN", key}).value().integer == 8);
  client->Del(key).IgnoreError();
}

TEST_CASE("TTLs expire keys", "[redis]") {
  auto client = MakeClient();
  const std::string key = UniqueName("ttl");
  CHECK(client->Set(key, "x", {.ttl = absl::Milliseconds(150)}).value());
  const int64_t pttl = Pttl(*client, key);
  CHECK(pttl > 0);
  CHECK(pttl <= 150);
  CHECK(WaitFor([&] { return !client->Get(key).value().has_value(); }, absl::Seconds(5)));

  CHECK_FALSE(client->Expire(key, absl::Seconds(10)).value());  // gone
  CHECK(client->Set(key, "y").value());
  CHECK(Pttl(*client, key) == -1);
  CHECK(client->Expire(key, absl::Seconds(10)).value());
  CHECK(Pttl(*client, key) > 9000);

  CHECK(client->Set(key, "z", {.ttl = absl::Microseconds(10)}).status().code() ==
        absl::StatusCode::kInvalidArgument);
  client->Del(key).IgnoreError();
}

TEST_CASE("IncrWithExpiry sets the TTL on the first increment only", "[redis]") {
  auto client = MakeClient();
  const std::string key = UniqueName("counter");
  CHECK(client->IncrWithExpiry(key, absl::Seconds(60)).value() == 1);
  const int64_t first_ttl = Pttl(*client, key);
  CHECK(first_ttl > 55000);
  CHECK(first_ttl <= 60000);
  CHECK(client->IncrWithExpiry(key, absl::Seconds(600)).value() == 2);
  CHECK(Pttl(*client, key) <= first_ttl);  // the window did not move

  // Errors inside the transaction surface as statuses.
  const std::string list = UniqueName("list");
  REQUIRE(client->Command({"RPUSH", list, "a"}).ok());
  auto wrong = client->IncrWithExpiry(list, absl::Seconds(1));
  CHECK(wrong.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(RedisErrorCode(wrong.status()) == "WRONGTYPE");
  client->Del(key).IgnoreError();
  client->Del(list).IgnoreError();
}

TEST_CASE("pipelines return replies in order", "[redis]") {
  auto client = MakeClient();
  const std::string key = UniqueName("pipe");
  auto replies = client->Pipeline(
      {{"SET", key, "10"}, {"INCRBY", key, "5"}, {"GET", key}, {"GET", UniqueName("none")}});
  REQUIRE(replies.ok());
  REQUIRE(replies->size() == 4);
  CHECK((*replies)[0].str == "OK");
  CHECK((*replies)[1].integer == 15);
  CHECK((*replies)[2].str == "15");
  CHECK((*replies)[3].is_nil());

  // An error in the middle is reported, the later commands still ran, and
  // the connection is still in step.
  auto failed = client->Pipeline({{"INCR", key}, {"LPUSH", key, "x"}, {"INCR", key}});
  CHECK(failed.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(client->Get(key).value() == std::optional<std::string>("17"));
  CHECK(client->Stats().connections_dropped == 0);
  client->Del(key).IgnoreError();
}

TEST_CASE("error replies become statuses", "[redis]") {
  auto client = MakeClient();
  const std::string key = UniqueName("err");
  REQUIRE(client->Set(key, "string").ok());

  auto wrongtype = client->Command({"LPUSH", key, "x"});
  CHECK(wrongtype.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(RedisErrorCode(wrongtype.status()) == "WRONGTYPE");
  CHECK(wrongtype.status().message().find("redis LPUSH: WRONGTYPE") != absl::string_view::npos);

  auto unknown = client->Command({"NOSUCHCOMMAND"});
  CHECK(unknown.status().code() == absl::StatusCode::kInternal);
  CHECK(RedisErrorCode(unknown.status()) == "ERR");

  auto not_integer = client->Command({"INCR", key});
  CHECK(not_integer.status().code() == absl::StatusCode::kInternal);

  // Error replies leave the connection healthy.
  CHECK(client->Get(key).value() == std::optional<std::string>("string"));
  CHECK(client->Stats().connections_dropped == 0);
  CHECK(client->Command({}).status().code() == absl::StatusCode::kInvalidArgument);
  client->Del(key).IgnoreError();
}

TEST_CASE("a blocking command that outlives its timeout is DEADLINE_EXCEEDED", "[redis]") {
  auto client = MakeClient({.pool_size = 1});
  const std::string list = UniqueName("blocking");

  const absl::Time start = absl::Now();
  auto blocked = client->Command({"BLPOP", list, "5"}, absl::Milliseconds(200));
  const absl::Duration took = absl::Now() - start;
  CHECK(blocked.status().code() == absl::StatusCode::kDeadlineExceeded);
  CHECK(took >= absl::Milliseconds(190));
  CHECK(took < absl::Seconds(4));
  CHECK(client->Stats().connections_dropped == 1);

  // The timed-out connection was dropped, so its late reply cannot be
  // mistaken for the answer to the next command.
  REQUIRE(client->Command({"RPUSH", list, "item"}).ok());
  auto popped = client->Command({"BLPOP", list, "1"}, absl::Seconds(3));
  REQUIRE(popped.ok());
  REQUIRE(popped->kind == Reply::Kind::kArray);
  CHECK(popped->elements.at(1).str == "item");

  // The default command timeout applies too.
  auto short_client = MakeClient({.command_timeout = absl::Milliseconds(100)});
  CHECK(short_client->Command({"BLPOP", list, "2"}).status().code() ==
        absl::StatusCode::kDeadlineExceeded);
  CHECK(short_client->Command({"PING"}).ok());
}

TEST_CASE("connections killed by the server are replaced", "[redis]") {
  // CLIENT KILL TYPE normal kills every client of the server: use a private one.
  testing::ScratchRedisServer server;
  auto client = Client::Create({.url = server.url(), .pool_size = 2});
  auto admin = Client::Create({.url = server.url(), .pool_size = 1});
  REQUIRE(client.ok());
  REQUIRE(admin.ok());
  const std::string key = UniqueName("kill");
  // Open two connections by keeping two commands in flight.
  std::thread blocker([&] {
    CHECK((*client)->Command({"BLPOP", key + "_wake", "0.3"}, absl::Seconds(3)).ok());
  });
  REQUIRE(WaitFor([&] { return (*client)->Stats().open == 1; }));
  REQUIRE((*client)->Set(key, "before").ok());
  blocker.join();
  REQUIRE((*client)->Stats().idle == 2);

  // SKIPME defaults to yes: the admin connection survives.
  auto killed = (*admin)->Command({"CLIENT", "KILL", "TYPE", "normal"});
  REQUIRE(killed.ok());
  CHECK(killed->integer == 2);

  // Both idle connections are dead; the command still succeeds.
  auto got = (*client)->Get(key);
  REQUIRE(got.ok());
  CHECK(got->value() == "before");
  CHECK((*client)->Stats().connections_dropped == 2);
  CHECK((*client)->Set(key, "after").ok());
  CHECK((*admin)->Get(key).value() == std::optional<std::string>("after"));
}

TEST_CASE("the client recovers when the server restarts", "[redis]") {
  testing::ScratchRedisServer server;
  auto client = Client::Create(
      {.url = server.url(), .pool_size = 2, .connect_timeout = absl::Milliseconds(500)});
  REQUIRE(client.ok());
  REQUIRE((*client)->Set("k", "v").ok());

  server.Stop();
  CHECK((*client)->Get("k").status().code() == absl::StatusCode::kUnavailable);
  server.Start();  // same port, empty dataset
  auto after = (*client)->Get("k");
  REQUIRE(after.ok());
  CHECK_FALSE(after->has_value());
  CHECK((*client)->Set("k", "again").ok());
}

TEST_CASE("Eval uses EVALSHA and survives SCRIPT FLUSH", "[redis]") {
  // SCRIPT FLUSH is server-wide: use a private server.
  testing::ScratchRedisServer server;
  auto created = Client::Create({.url = server.url()});
  REQUIRE(created.ok());
  std::unique_ptr<Client> client = *std::move(created);
  const std::string key = UniqueName("eval");
  constexpr char kScript[] =
      "local v = redis.call('INCRBY', KEYS[1], ARGV[1]) "
      "redis.call('PEXPIRE', KEYS[1], ARGV[2]) return v";
  auto first = client->Eval(kScript, {key}, {"5", "60000"});
  REQUIRE(first.ok());
  CHECK(first->integer == 5);
  REQUIRE(client->Command({"SCRIPT", "FLUSH"}).ok());
  auto second = client->Eval(kScript, {key}, {"2", "60000"});
  REQUIRE(second.ok());
  CHECK(second->integer == 7);
  auto third = client->Eval(kScript, {key}, {"1", "60000"});
  REQUIRE(third.ok());
  CHECK(third->integer == 8);

  auto broken = client->Eval("return redis.call('NOSUCHCOMMAND')", {}, {});
  CHECK_FALSE(broken.ok());
  client->Del(key).IgnoreError();
}

TEST_CASE("the client is safe to share between threads", "[redis]") {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 300;
  auto client = MakeClient({.pool_size = 3});
  const std::string key = UniqueName("shared");
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        if (!client->Command({"INCR", key}).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures.load() == 0);
  CHECK(client->Get(key).value() ==
        std::optional<std::string>(absl::StrCat(kThreads * kPerThread)));
  CHECK(client->Stats().open <= 3);
  client->Del(key).IgnoreError();
}

TEST_CASE("URL database, AUTH and unreachable servers", "[redis]") {
  const std::string key = UniqueName("db");
  auto db3 = Client::Create({.url = testing::ReadyTestRedisUrl() + "/3"});
  REQUIRE(db3.ok());
  REQUIRE((*db3)->Set(key, "in db 3").ok());
  auto db0 = MakeClient();
  CHECK_FALSE(db0->Get(key).value().has_value());
  CHECK((*db3)->Get(key).value() == std::optional<std::string>("in db 3"));
  (*db3)->Del(key).IgnoreError();

  // The test server has no password: AUTH is refused, and the status does
  // not repeat the password.
  const std::string url = TestRedisUrl();
  auto with_password =
      Client::Create({.url = "redis://:hunter2-secret@" + url.substr(url.find("//") + 2)});
  REQUIRE(with_password.ok());
  auto denied = (*with_password)->Command({"PING"});
  CHECK(denied.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(denied.status().message().find("AUTH") != absl::string_view::npos);
  CHECK(denied.status().message().find("hunter2") == absl::string_view::npos);

  auto nowhere =
      Client::Create({.url = "redis://127.0.0.1:1", .connect_timeout = absl::Seconds(1)});
  REQUIRE(nowhere.ok());
  CHECK((*nowhere)->Command({"PING"}).status().code() == absl::StatusCode::kUnavailable);

  CHECK(Client::Create({.url = "http://x"}).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(Client::Create({.url = url, .pool_size = 0}).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sb::redis
