#include "redis/url.h"

#include <catch2/catch.hpp>

namespace sb::redis {
namespace {

TEST_CASE("ParseRedisUrl accepts the usual forms", "[redis][url]") {
  auto plain = ParseRedisUrl("redis://127.0.0.1:6380");
  REQUIRE(plain.ok());
  CHECK(plain->host == "127.0.0.1");
  CHECK(plain->port == 6380);
  CHECK(plain->password.empty());
  CHECK(plain->db == 0);

  auto full = ParseRedisUrl("redis://app:p%40ss%2Fw0rd@cache.internal:7000/3");
  REQUIRE(full.ok());
  CHECK(full->user == "app");
  CHECK(full->password == "p@ss/w0rd");
  CHECK(full->host == "cache.internal");
  CHECK(full->port == 7000);
  CHECK(full->db == 3);

  auto password_only = ParseRedisUrl("redis://:secret@localhost/");
  REQUIRE(password_only.ok());
  CHECK(password_only->user.empty());
  CHECK(password_only->password == "secret");
  CHECK(password_only->port == 6379);

  auto ipv6 = ParseRedisUrl("redis://[::1]:6390");
  REQUIRE(ipv6.ok());
  CHECK(ipv6->host == "::1");
  CHECK(ipv6->port == 6390);

  // A '/' in an unencoded password does not cut the URL short.
  auto slash = ParseRedisUrl("redis://:a/b@host:1");
  REQUIRE(slash.ok());
  CHECK(slash->password == "a/b");
  CHECK(slash->host == "host");
}

TEST_CASE("ParseRedisUrl rejects malformed URLs without echoing secrets", "[redis][url]") {
  for (const char* bad :
       {"http://host", "rediss://host:6379", "redis://", "redis://host:0", "redis://host:99999",
        "redis://host:port", "redis://host/notadb", "redis://:pw%zz@host", "redis://[::1"}) {
    INFO(bad);
    CHECK(ParseRedisUrl(bad).status().code() == absl::StatusCode::kInvalidArgument);
  }
  auto st = ParseRedisUrl("redis://:hunter2@host:notaport").status();
  CHECK(st.code() == absl::StatusCode::kInvalidArgument);
  CHECK(st.message().find("hunter2") == absl::string_view::npos);
}

}  // namespace
}  // namespace sb::redis
