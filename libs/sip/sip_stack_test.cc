// Two SipStacks on loopback talking to each other: requests reach the
// handler, responses come back, work posted from other threads runs on the
// loop in order, timers fire, and an unanswered request still gets a 500.
#include "sip/sip_stack.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "sip/message.h"
#include "sip/timer.h"

namespace sb::sip {
namespace {

// Answers OPTIONS at once, statelessly; keeps MESSAGE transactions for the
// test to answer from another thread; drops INFO's transaction unanswered.
class TestHandler : public RequestHandler {
 public:
  void OnRequest(IncomingRequest request) override {
    ++requests;
    const std::string method = request.sip().sip_request->rq_method_name;
    if (method == "OPTIONS") {
      request.ReplyStateless(SipResponse(200).Header("Allow", "OPTIONS, MESSAGE").Header("X-Test", "yes"));
    } else if (method == "MESSAGE") {
      absl::MutexLock lock(&mu);
      kept.push_back(request.Transaction());
    } else if (method == "INFO") {
      ServerTransaction dropped = request.Transaction();  // dropped here → 500 from the destructor
    }
  }
  std::atomic<int> requests = 0;
  absl::Mutex mu;
  std::vector<ServerTransaction> kept;
};

std::unique_ptr<SipStack> StartStack(RequestHandler* handler) {
  SipStackConfig config;
  config.listen = "127.0.0.1:0";
  config.tcp = false;
  config.log_level = "warn";
  auto stack = SipStack::Start(config, handler);
  REQUIRE(stack.ok());
  return std::move(*stack);
}

// Sends `method` from `client` to `server` and returns the final status.
int Exchange(SipStack& client, SipStack& server, const std::string& method, std::string* header = nullptr) {
  absl::Notification done;
  int status = 0;
  std::unique_ptr<ClientTransaction> txn;
  REQUIRE(client
              .RunInLoop([&] {
                auto request =
                    MakeRequest(client, method, server.bound_uri(), "<sip:test@client>", "<sip:test@server>");
                REQUIRE(request.ok());
                auto sent =
                    ClientTransaction::Send(client, std::move(*request), "", [&](const sip_t& response) {
                      if (response.sip_status->st_status < 200) return;
                      status = response.sip_status->st_status;
                      if (header != nullptr) {
                        for (sip_unknown_t* u = response.sip_unknown; u != nullptr; u = u->un_next) {
                          if (std::string(u->un_name) == "X-Test") *header = u->un_value;
                        }
                      }
                      done.Notify();
                    });
                REQUIRE(sent.ok());
                txn = std::move(*sent);
              })
              .ok());
  REQUIRE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  REQUIRE(client.RunInLoop([&] { txn.reset(); }).ok());
  return status;
}

TEST_CASE("requests, responses and transactions answered from other threads") {
  TestHandler server_handler, client_handler;
  auto server = StartStack(&server_handler);
  auto client = StartStack(&client_handler);
  REQUIRE(absl::StartsWith(server->bound_uri(), "sip:127.0.0.1:"));
  CHECK(server->bound_uri() != "sip:127.0.0.1:0");
  CHECK(absl::StartsWith(server->bound_host_port(), "127.0.0.1:"));
  CHECK(server->bound_host_port() != "127.0.0.1:0");

  std::string header;
  CHECK(Exchange(*client, *server, "OPTIONS", &header) == 200);
  CHECK(header == "yes");

  // Dropped by the handler: answered 500, never left hanging.
  CHECK(Exchange(*client, *server, "INFO") == 500);

  // Kept, then answered from a worker thread.
  std::thread worker([&] {
    for (;;) {
      absl::MutexLock lock(&server_handler.mu);
      if (!server_handler.kept.empty()) {
        server_handler.kept.back().Respond(SipResponse(202, "Taken"));
        CHECK_FALSE(server_handler.kept.back());
        server_handler.kept.clear();
        return;
      }
      server_handler.mu.Await(absl::Condition(
          +[](std::vector<ServerTransaction>* v) { return !v->empty(); }, &server_handler.kept));
    }
  });
  CHECK(Exchange(*client, *server, "MESSAGE") == 202);
  worker.join();
  CHECK(server_handler.requests == 3);
}

TEST_CASE("posted work runs on the loop thread in order") {
  TestHandler handler;
  auto stack = StartStack(&handler);
  std::vector<int> seen;
  std::atomic<bool> all_on_loop = true;
  std::vector<std::thread> posters;
  for (int t = 0; t < 4; ++t) {
    posters.emplace_back([&, t] {
      for (int i = 0; i < 250; ++i) {
        REQUIRE(stack->Post([&, t, i] {
          if (!stack->InLoopThread()) all_on_loop = false;
          seen.push_back(t * 1000 + i);
        }));
      }
    });
  }
  for (auto& p : posters) p.join();
  REQUIRE(stack->RunInLoop([] {}).ok());
  CHECK(all_on_loop);
  REQUIRE(seen.size() == 1000);
  // Per poster, in posting order.
  for (int t = 0; t < 4; ++t) {
    int last = -1;
    for (int v : seen) {
      if (v / 1000 != t) continue;
      CHECK(v % 1000 == last + 1);
      last = v % 1000;
    }
  }
  CHECK(stack->posts_pending() == 0);
  stack->Stop();
  CHECK_FALSE(stack->Post([] {}));
}

TEST_CASE("timers fire once, can be cancelled and re-armed") {
  TestHandler handler;
  auto stack = StartStack(&handler);
  absl::Notification fired;
  std::atomic<int> count = 0, cancelled = 0;
  std::unique_ptr<Timer> timer, other;
  REQUIRE(stack
              ->RunInLoop([&] {
                timer = std::make_unique<Timer>(*stack);
                other = std::make_unique<Timer>(*stack);
                other->Start(absl::Milliseconds(20), [&] { ++cancelled; });
                other->Cancel();
                timer->Start(absl::Seconds(30), [&] { ++count; });
                // Re-arming replaces the deadline and the callback.
                timer->Start(absl::Milliseconds(30), [&] {
                  ++count;
                  fired.Notify();
                });
              })
              .ok());
  REQUIRE(fired.WaitForNotificationWithTimeout(absl::Seconds(5)));
  absl::SleepFor(absl::Milliseconds(100));  // a second firing would show here
  REQUIRE(stack
              ->RunInLoop([&] {
                CHECK_FALSE(timer->armed());
                timer.reset();
                other.reset();
              })
              .ok());
  CHECK(count == 1);
  CHECK(cancelled == 0);
}

TEST_CASE("a port already in use is an error, not a crash") {
  TestHandler handler;
  auto first = StartStack(&handler);
  SipStackConfig config;
  config.listen = first->bound_host_port();
  config.tcp = false;
  config.log_level = "off";
  auto second = SipStack::Start(config, &handler);
  CHECK(second.status().code() == absl::StatusCode::kUnavailable);
  config.listen = "nonsense";
  CHECK(SipStack::Start(config, &handler).status().code() == absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sb::sip
