#include "services/edge/credentials.h"

#include <catch2/catch.hpp>

#include "absl/container/flat_hash_map.h"

namespace sb::edge {
namespace {

class FakeSource : public CredentialSource {
 public:
  absl::StatusOr<DeviceCredentials> Fetch(const std::string& username, const std::string& domain) override {
    ++fetches;
    if (!status.ok()) return status;
    auto it = devices.find(username);
    if (it == devices.end() || it->second.sip_domain != domain)
      return absl::NotFoundError("device not found");
    return it->second;
  }
  absl::flat_hash_map<std::string, DeviceCredentials> devices;
  absl::Status status;
  int fetches = 0;
};

DeviceCredentials Device(const std::string& user, const std::string& ha1) {
  DeviceCredentials d;
  d.sip_username = user;
  d.sip_domain = "demo.example";
  d.ha1_md5 = ha1;
  return d;
}

TEST_CASE("hits, TTL, negative entries and invalidation") {
  absl::Time now = absl::FromUnixSeconds(1700000000);
  FakeSource source;
  source.devices["alice"] = Device("alice", "ha1-a");
  CredentialCache cache(&source, {.ttl = absl::Seconds(60), .negative_ttl = absl::Seconds(10)},
                        [&] { return now; });

  CHECK_FALSE(cache.Peek("alice", "demo.example").has_value());
  auto got = cache.Get("alice", "Demo.Example");
  REQUIRE(got.ok());
  CHECK(got->ha1_md5 == "ha1-a");
  CHECK(source.fetches == 1);
  auto peeked = cache.Peek("alice", "demo.example");
  REQUIRE(peeked.has_value());
  CHECK((*peeked)->ha1_md5 == "ha1-a");
  CHECK(cache.Get("alice", "demo.example").ok());
  CHECK(source.fetches == 1);

  // A new password: the event invalidates, the next Get fetches it.
  source.devices["alice"] = Device("alice", "ha1-b");
  cache.Invalidate("alice");
  CHECK_FALSE(cache.Peek("alice", "demo.example").has_value());
  CHECK(cache.Get("alice", "demo.example")->ha1_md5 == "ha1-b");
  CHECK(source.fetches == 2);

  // Expiry.
  now += absl::Seconds(61);
  CHECK_FALSE(cache.Peek("alice", "demo.example").has_value());
  CHECK(cache.Get("alice", "demo.example").ok());
  CHECK(source.fetches == 3);

  // Unknown users are remembered for the negative TTL.
  CHECK(cache.Get("mallory", "demo.example").status().code() == absl::StatusCode::kNotFound);
  CHECK(cache.Get("mallory", "demo.example").status().code() == absl::StatusCode::kNotFound);
  CHECK(source.fetches == 4);
  auto negative = cache.Peek("mallory", "demo.example");
  REQUIRE(negative.has_value());
  CHECK(negative->status().code() == absl::StatusCode::kNotFound);
  now += absl::Seconds(11);
  CHECK_FALSE(cache.Peek("mallory", "demo.example").has_value());

  // Another domain is another entry.
  CHECK(cache.Get("alice", "other.example").status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE("profiles failures are not cached") {
  FakeSource source;
  source.devices["alice"] = Device("alice", "ha1-a");
  source.status = absl::UnavailableError("profiles down");
  CredentialCache cache(&source, {});
  CHECK(cache.Get("alice", "demo.example").status().code() == absl::StatusCode::kUnavailable);
  CHECK_FALSE(cache.Peek("alice", "demo.example").has_value());
  source.status = absl::OkStatus();
  CHECK(cache.Get("alice", "demo.example").ok());
  CHECK(cache.size() == 1);
  cache.Clear();
  CHECK(cache.size() == 0);
}

TEST_CASE("the cache stays bounded") {
  FakeSource source;
  CredentialCache cache(&source, {.max_entries = 50});
  for (int i = 0; i < 500; ++i) (void)cache.Get("user" + std::to_string(i), "demo.example");
  CHECK(cache.size() <= 50);
}

}  // namespace
}  // namespace sb::edge
