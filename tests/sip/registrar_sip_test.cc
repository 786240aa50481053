// The registrar, black-box: the real edge, profiles and Redis, driven by SIPp
// scenarios (tests/sip/scenarios) and raw UDP; bindings read back from Redis
// with the Location read API the proxy and routing use.
#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/edge/location.h"
#include "sip/digest.h"
#include "tests/sip/sip_env.h"

namespace sb::siptest {
namespace {

using edge::Binding;
using edge::Location;

std::vector<Binding> Bindings(const std::string& aor) {
  Location location(SipEnv::Get().redis(), {});
  auto found = location.Lookup(aor);
  REQUIRE(found.ok());
  return *found;
}

void ExpectOk(const SippRun& run) {
  INFO("sipp errors:\n" << run.errors << "\nmessages:\n" << run.messages);
  REQUIRE(run.exit_code == 0);
}

SippOptions With(const SipAccount& account, std::map<std::string, std::string> keys = {{"expires", "3600"}}) {
  SippOptions o;
  o.accounts = {account};
  o.keys = std::move(keys);
  if (!o.keys.contains("expires")) o.keys["expires"] = "3600";
  return o;
}

std::string Request(const std::vector<std::string>& lines) {
  return absl::StrJoin(lines, "\r\n") + "\r\n\r\n";
}

std::string StatusLine(const std::string& response) {
  return std::string(response.substr(0, response.find("\r\n")));
}

// A REGISTER from the raw-UDP client, without credentials.
std::string BareRegister(const std::string& call_id, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> lines = {"REGISTER sip:demo.switchboard.local SIP/2.0",
                                    "Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-" + call_id + ";rport",
                                    "From: <sip:4001@demo.switchboard.local>;tag=1",
                                    "To: <sip:4001@demo.switchboard.local>",
                                    "Call-ID: " + call_id,
                                    "CSeq: 1 REGISTER",
                                    "Max-Forwards: 70",
                                    "Contact: <sip:4001@127.0.0.1:9>"};
  lines.insert(lines.end(), extra.begin(), extra.end());
  lines.push_back("Content-Length: 0");
  return Request(lines);
}

TEST_CASE("good credentials: 401 then 200, and the binding stored with its expiry") {
  SipEnv& env = SipEnv::Get();
  Edge edge;
  const int local_port = testing::FreePort();
  SippOptions options = With(env.alice(), {{"expires", "1800"}});
  options.local_port = local_port;
  const absl::Time before = absl::Now();
  ExpectOk(RunSipp("register.xml", edge, options));

  const std::vector<Binding> bindings = Bindings(env.alice().aor());
  REQUIRE(bindings.size() == 1);
  const Binding& b = bindings[0];
  CHECK(b.contact == absl::StrCat("sip:", env.alice().user, "@127.0.0.1:", local_port));
  CHECK(b.received == absl::StrCat("127.0.0.1:", local_port));
  CHECK(b.transport == "udp");
  CHECK(b.user_agent == "sipp-switchboard-test");
  CHECK(b.cseq == 2);
  CHECK_FALSE(b.tenant_id.empty());
  CHECK_FALSE(b.device_id.empty());
  CHECK(b.expires_at >= before + absl::Seconds(1800));
  CHECK(b.expires_at <= absl::Now() + absl::Seconds(1800));
  // Redis expires the binding by itself at the same time.
  auto pttl = env.redis().Command({"PTTL", absl::StrCat(Location::AorKey(b.aor), ":", b.id)});
  REQUIRE(pttl.ok());
  CHECK(pttl->integer > 1790 * 1000);
  CHECK(pttl->integer <= 1800 * 1000);
  // Indexed under Alice's line.
  Location location(env.redis(), {});
  auto line = location.LookupLine(env.alice_line_id());
  REQUIRE(line.ok());
  CHECK(std::any_of(line->begin(), line->end(), [&](const Binding& x) { return x.id == b.id; }));

  // Over TCP: the binding remembers the transport.
  SippOptions tcp = With(env.bruno());
  tcp.transport = "t1";
  ExpectOk(RunSipp("register.xml", edge, tcp));
  const std::vector<Binding> bruno = Bindings(env.bruno().aor());
  REQUIRE(bruno.size() == 1);
  CHECK(bruno[0].transport == "tcp");

  // Longer than max_expires is cut to it.
  Device phone = env.NewDevice(env.alice_user_id());
  ExpectOk(RunSipp("register.xml", edge, With(phone.account, {{"expires", "86400"}})));
  const std::vector<Binding> cut = Bindings(phone.account.aor());
  REQUIRE(cut.size() == 1);
  CHECK(cut[0].expires_at <= absl::Now() + absl::Seconds(3600));
}

TEST_CASE("wrong password and unknown user: 401 then 403, alike") {
  SipEnv& env = SipEnv::Get();
  Edge edge;
  SipAccount wrong = env.bruno();
  wrong.password = "not-the-password";
  ExpectOk(RunSipp("register_403.xml", edge, With(wrong)));
  SipAccount unknown{"9999-nosuchuser", "whatever", env.bruno().domain};
  ExpectOk(RunSipp("register_403.xml", edge, With(unknown)));
  // Another tenant's domain for a real username is unknown too.
  SipAccount elsewhere = env.bruno();
  elsewhere.domain = "other.example";
  ExpectOk(RunSipp("register_403.xml", edge, With(elsewhere)));
  CHECK(Bindings(unknown.aor()).empty());
  const std::string log = edge.Log();
  CHECK_FALSE(absl::StrContains(log, env.bruno().password));
  CHECK_FALSE(absl::StrContains(log, wrong.password));
}

TEST_CASE("expires below the minimum: 423 Interval Too Brief with Min-Expires") {
  SipEnv& env = SipEnv::Get();
  Edge edge({"--min_expires=120"});
  Device phone = env.NewDevice(env.alice_user_id());
  SippRun run = RunSipp("register_423.xml", edge, With(phone.account, {{"expires", "30"}}));
  ExpectOk(run);
  CHECK(absl::StrContains(run.messages, "Min-Expires: 120"));
  CHECK(Bindings(phone.account.aor()).empty());
}

TEST_CASE("unregister one contact, then all with Contact: *") {
  SipEnv& env = SipEnv::Get();
  Edge edge;
  Device phone = env.NewDevice(env.alice_user_id());
  SippOptions first = With(phone.account);
  first.local_port = testing::FreePort();
  SippOptions second = With(phone.account);
  second.local_port = testing::FreePort();
  SippOptions third = With(phone.account);
  third.local_port = testing::FreePort();
  ExpectOk(RunSipp("register.xml", edge, first));
  ExpectOk(RunSipp("register.xml", edge, second));
  ExpectOk(RunSipp("register.xml", edge, third));
  REQUIRE(Bindings(phone.account.aor()).size() == 3);

  SippRun one = RunSipp("unregister.xml", edge, first);
  ExpectOk(one);
  const std::vector<Binding> left = Bindings(phone.account.aor());
  REQUIRE(left.size() == 2);
  for (const Binding& b : left) CHECK_FALSE(absl::EndsWith(b.contact, absl::StrCat(":", first.local_port)));
  // The 200 lists the two that remain, with their expires.
  const std::string ok = LastReceived(one.messages);
  CHECK(absl::StrContains(ok, absl::StrCat(":", second.local_port, ">;expires=")));
  CHECK(absl::StrContains(ok, absl::StrCat(":", third.local_port, ">;expires=")));

  ExpectOk(RunSipp("unregister_all.xml", edge, With(phone.account)));
  CHECK(Bindings(phone.account.aor()).empty());
  CHECK(env.redis().Command({"EXISTS", Location::AorKey(phone.account.aor())})->integer == 0);
}

}  // namespace
}  // namespace sb::siptest
