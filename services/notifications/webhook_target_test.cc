#include "services/notifications/webhook_target.h"

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "core/status.h"

namespace sb::notifications {
namespace {

AddressClass Class(const char* ip) {
  auto c = ClassifyAddress(ip);
  INFO(ip << ": " << c.status().message());
  REQUIRE(c.ok());
  return *c;
}

TEST_CASE("IPv4 addresses are classed by their range") {
  CHECK(Class("93.184.216.34") == AddressClass::kPublic);
  CHECK(Class("8.8.8.8") == AddressClass::kPublic);
  CHECK(Class("127.0.0.1") == AddressClass::kLoopback);
  CHECK(Class("127.255.255.254") == AddressClass::kLoopback);
  CHECK(Class("10.0.0.1") == AddressClass::kPrivate);
  CHECK(Class("172.16.0.1") == AddressClass::kPrivate);
  CHECK(Class("172.31.255.255") == AddressClass::kPrivate);
  CHECK(Class("172.32.0.1") == AddressClass::kPublic);  // just past 172.16/12
  CHECK(Class("172.15.255.255") == AddressClass::kPublic);
  CHECK(Class("192.168.1.10") == AddressClass::kPrivate);
  CHECK(Class("100.64.0.1") == AddressClass::kPrivate);  // carrier-grade NAT
  CHECK(Class("100.128.0.1") == AddressClass::kPublic);
  CHECK(Class("169.254.169.254") == AddressClass::kLinkLocal);  // cloud metadata
  CHECK(Class("224.0.0.1") == AddressClass::kMulticast);
  CHECK(Class("239.255.255.250") == AddressClass::kMulticast);
  CHECK(Class("0.0.0.0") == AddressClass::kUnspecified);
  CHECK(Class("0.1.2.3") == AddressClass::kUnspecified);
  CHECK(Class("255.255.255.255") == AddressClass::kReserved);
  CHECK(Class("240.0.0.1") == AddressClass::kReserved);
  CHECK(Class("192.0.0.8") == AddressClass::kReserved);
}

TEST_CASE("IPv6 addresses are classed by their range, mapped IPv4 by the IPv4 address") {
  CHECK(Class("2001:4860:4860::8888") == AddressClass::kPublic);
  CHECK(Class("::1") == AddressClass::kLoopback);
  CHECK(Class("::") == AddressClass::kUnspecified);
  CHECK(Class("fe80::1") == AddressClass::kLinkLocal);
  CHECK(Class("febf::1") == AddressClass::kLinkLocal);
  CHECK(Class("fc00::1") == AddressClass::kPrivate);
  CHECK(Class("fd12:3456:789a::1") == AddressClass::kPrivate);
  CHECK(Class("fec0::1") == AddressClass::kPrivate);
  CHECK(Class("ff02::1") == AddressClass::kMulticast);
  CHECK(Class("::ffff:127.0.0.1") == AddressClass::kLoopback);
  CHECK(Class("::ffff:10.1.2.3") == AddressClass::kPrivate);
  CHECK(Class("::ffff:169.254.169.254") == AddressClass::kLinkLocal);
  CHECK(Class("::ffff:8.8.8.8") == AddressClass::kPublic);
  CHECK(Class("64:ff9b::a9fe:a9fe") == AddressClass::kLinkLocal);  // NAT64 of 169.254.169.254
  CHECK(Class("::127.0.0.1") == AddressClass::kReserved);          // IPv4-compatible, retired
  CHECK_FALSE(ClassifyAddress("example.com").ok());
  CHECK_FALSE(ClassifyAddress("").ok());
}

TEST_CASE("private targets need the operator's flag; link-local, multicast, unspecified never pass") {
  CHECK(AllowedTarget(AddressClass::kPublic, false));
  CHECK_FALSE(AllowedTarget(AddressClass::kLoopback, false));
  CHECK_FALSE(AllowedTarget(AddressClass::kPrivate, false));
  CHECK(AllowedTarget(AddressClass::kLoopback, true));
  CHECK(AllowedTarget(AddressClass::kPrivate, true));
  for (bool allow : {false, true}) {
    CHECK_FALSE(AllowedTarget(AddressClass::kLinkLocal, allow));
    CHECK_FALSE(AllowedTarget(AddressClass::kMulticast, allow));
    CHECK_FALSE(AllowedTarget(AddressClass::kUnspecified, allow));
    CHECK_FALSE(AllowedTarget(AddressClass::kReserved, allow));
  }
}

TEST_CASE("webhook URLs: only http(s), a host, no credentials") {
  auto ok = ParseWebhookUrl("https://hooks.example.com/in?x=1");
  REQUIRE(ok.ok());
  CHECK(ok->scheme == "https");
  CHECK(ok->host == "hooks.example.com");
  CHECK(ok->port == 443);
  auto v6 = ParseWebhookUrl("http://[2001:db8::1]:8080/");
  REQUIRE(v6.ok());
  CHECK(v6->host == "2001:db8::1");
  CHECK(v6->port == 8080);
  for (const char* bad :
       {"ftp://example.com/", "file:///etc/passwd", "gopher://example.com/", "example.com/hook",
        "http://user:pw@example.com/", "http://", "", "javascript:alert(1)"}) {
    auto st = ParseWebhookUrl(bad);
    INFO(bad);
    CHECK(st.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(core::FieldOf(st.status()) == "url");
  }
}

TEST_CASE("a URL is checked by every address its host resolves to") {
  // Numeric hosts resolve without DNS.
  auto loop = CheckWebhookUrl("http://127.0.0.1:8099/hook", false);
  CHECK(loop.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(core::FieldOf(loop.status()) == "url");
  CHECK(absl::StrContains(loop.status().message(), "loopback"));
  auto allowed = CheckWebhookUrl("http://127.0.0.1:8099/hook", true);
  REQUIRE(allowed.ok());
  CHECK(allowed->address == "127.0.0.1");
  CHECK(allowed->port == 8099);
  CHECK(CheckWebhookUrl("http://10.1.2.3/", false).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(CheckWebhookUrl("http://[fd00::1]/", false).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(CheckWebhookUrl("http://[::1]/", false).status().code() == absl::StatusCode::kInvalidArgument);
  auto metadata = CheckWebhookUrl("http://169.254.169.254/latest/meta-data/", true);
  CHECK(metadata.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(absl::StrContains(metadata.status().message(), "link-local"));
  CHECK(CheckWebhookUrl("http://0.0.0.0:80/", true).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(CheckWebhookUrl("http://224.0.0.1/", true).status().code() == absl::StatusCode::kInvalidArgument);
  // The decimal form of 127.0.0.1 is still loopback.
  CHECK(CheckWebhookUrl("http://2130706433/", false).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(CheckWebhookUrl("http://8.8.8.8/", false).ok());
  // "localhost" resolves (from /etc/hosts) to loopback only.
  CHECK(CheckWebhookUrl("http://localhost:9/", false).status().code() == absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sb::notifications
