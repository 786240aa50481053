// A real user agent: baresip registers with the demo soft phone's
// credentials (as printed by profiles-seed) through the edge, and its binding
// appears in Redis.
#include <catch2/catch.hpp>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/edge/location.h"
#include "tests/sip/sip_env.h"

namespace sb::siptest {
namespace {

TEST_CASE("baresip registers with the demo credentials") {
  SipEnv& env = SipEnv::Get();
  Edge edge;
  const SipAccount& alice = env.alice();
  // baresip also binds TLS on the next port up, which FreePort did not
  // check: StartOnFreePort tries another port when it can't start.
  int ua_port = 0;
  std::string dir;
  testing::Process baresip = testing::StartOnFreePort(
      [&](int port) {
        dir = absl::StrCat(env.run_dir(), "/baresip-", port);
        REQUIRE(std::system(("mkdir -p '" + dir + "'").c_str()) == 0);
        {
          // No audio, video or UI modules: registration needs none.
          std::ofstream config(dir + "/config");
          config << "poll_method\t\tepoll\n"
                 << "sip_listen\t\t127.0.0.1:" << port << "\n"
                 << "module_path\t\t/usr/lib/baresip/modules\n"
                 << "module_app\t\taccount.so\n";
          std::ofstream accounts(dir + "/accounts");
          accounts << "<sip:" << alice.user << "@" << alice.domain << ">;auth_pass=" << alice.password
                   << ";outbound=\"sip:" << edge.address() << "\";regint=60\n";
        }
        return testing::Process({"baresip", "-f", dir}, {}, dir + "/baresip.log");
      },
      &ua_port);

  edge::Location location(env.redis(), {});
  std::vector<edge::Binding> found;
  const bool registered = WaitFor(
      [&] {
        auto bindings = location.Lookup(alice.aor());
        if (!bindings.ok()) return false;
        found.clear();
        for (const auto& b : *bindings) {
          if (absl::StartsWith(b.user_agent, "baresip") &&
              b.received == absl::StrCat("127.0.0.1:", ua_port)) {
            found.push_back(b);
          }
        }
        return !found.empty();
      },
      absl::Seconds(20));
  INFO("baresip log:\n" << baresip.LogTail() << "\nedge log:\n" << edge.Log().substr(0, 20000));
  REQUIRE(registered);
  const edge::Binding& b = found[0];
  CHECK(absl::StrContains(b.contact, absl::StrCat("@127.0.0.1:", ua_port)));
  CHECK(b.transport == "udp");
  // regint=60: the binding lasts a minute.
  CHECK(b.expires_at - b.registered_at == absl::Seconds(60));
  CHECK(absl::StrContains(baresip.LogTail(), "200 OK"));
  baresip.Stop();
}

}  // namespace
}  // namespace sb::siptest
