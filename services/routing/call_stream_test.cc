// The CallStream reactor over a real gRPC server (in process, on a free
// port) and the fakes: decisions come back by call id whatever their order,
// in batches to an edge that batches,
// reads pause while too much work is pending, a half-closed stream is
// finished once every decision is out, and only the platform may open one.
#include <grpcpp/client_context.h>

#include <catch2/catch.hpp>
#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "core/server.h"
#include "services/routing/routing_server.h"
#include "services/routing/test_fakes.h"

namespace sb::routing {
namespace {

using testing::FakeProfiles;
using testing::FakeStore;
using testing::kAlice;
using testing::kTenant;
using testing::Numbers;

// main.cc's wiring over the fakes, with a small backlog per stream.
struct Service {
  FakeProfiles profiles;
  FakeStore store;
  Directory directory{&profiles, &Numbers()};
  RoutingData data{&store};
  RoutingManager manager{{}, &store, &data, &directory, &profiles, &Numbers()};
  Decider decider{
      &directory, &data, &Numbers(),
      [this](const std::string& user, const rpb::CallSettings& s, const google::protobuf::FieldMask& m) {
        return manager.SaveFeatureCode(user, s, m);
      }};
  core::WorkerPool pool{2};
  CallTracker tracker{{}, &pool, [](const CallTrace&) {}};
  RoutingServer server{
      &manager, &decider, {.decider = &decider, .tracker = &tracker, .pool = &pool, .max_backlog = 4}};
  std::unique_ptr<core::GrpcServer> grpc =
      core::GrpcServer::Start({.listen = "127.0.0.1:0"}, {&server}).value();

  ~Service() {
    grpc->Shutdown(absl::Seconds(5));
    pool.Stop();
  }
  std::unique_ptr<rpb::Routing::Stub> Stub() {
    return rpb::Routing::NewStub(core::MakeChannel(absl::StrCat("127.0.0.1:", grpc->port())));
  }
};

rpb::EdgeMessage Setup(int i) {
  rpb::EdgeMessage m;
  auto* s = m.mutable_setup();
  s->set_call_id(absl::StrCat("call-", i));
  s->set_origin(rpb::DEVICE);
  s->set_tenant_id(kTenant);
  s->set_dialed(i % 2 ? "4002" : "0612345678");
  s->mutable_caller()->set_user_id(kAlice);
  s->mutable_caller()->set_line_id("line-4001");
  return m;
}

}  // namespace

TEST_CASE("the stream reads no further while its backlog is full, and answers every setup") {
  Service svc;
  absl::Notification gate;
  svc.profiles.gate = &gate;  // every cache miss waits: the backlog fills
  auto stub = svc.Stub();
  grpc::ClientContext ctx;
  ctx.set_deadline(core::DeadlineIn(absl::Seconds(30)));
  core::AttachPrincipal(&ctx, core::Principal::System());
  auto stream = stub->CallStream(&ctx);
  constexpr int kCalls = 20;
  for (int i = 0; i < kCalls; ++i) REQUIRE(stream->Write(Setup(i)));
  stream->WritesDone();

  // The reactor takes setups until 4 decisions are pending, then stops
  // reading: the rest wait in gRPC's flow control, not in our memory.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (svc.tracker.Stats().open < 4 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(1));
  REQUIRE(svc.tracker.Stats().open == 4);
  // A bounded look for reads that shouldn't happen.
  absl::SleepFor(absl::Milliseconds(200));
  CHECK(svc.tracker.Stats().open == 4);

  gate.Notify();
  std::set<std::string> answered;
  rpb::RoutingMessage m;
  while (stream->Read(&m)) {
    INFO(m.decision().DebugString());
    CHECK(m.decision().error().empty());
    answered.insert(m.decision().call_id());
  }
  CHECK(stream->Finish().ok());  // finished by the server once all were sent
  CHECK(answered.size() == kCalls);
  CHECK(svc.tracker.Stats().open == kCalls);          // setups without events stay open until their timeout
  CHECK(svc.decider.Stats().decided_from_cache > 0);  // once warm, decided on the reactor
}

TEST_CASE("an edge that sends batches gets its decisions in batches, in order with its events") {
  Service svc;
  auto stub = svc.Stub();
  grpc::ClientContext ctx;
  ctx.set_deadline(core::DeadlineIn(absl::Seconds(30)));
  core::AttachPrincipal(&ctx, core::Principal::System());
  auto stream = stub->CallStream(&ctx);
  rpb::RoutingMessage m;

  // Until it batches, one decision per message (what an older edge reads);
  // these two also warm the caches, so the batch below is decided inline.
  for (int i = 0; i < 2; ++i) {
    REQUIRE(stream->Write(Setup(i)));
    REQUIRE(stream->Read(&m));
    REQUIRE(m.has_decision());
    CHECK(m.decision().call_id() == absl::StrCat("call-", i));
  }

  constexpr int kBatch = 20;
  rpb::EdgeMessage batch;
  for (int i = 2; i < 2 + kBatch; ++i) *batch.mutable_batch()->add_messages() = Setup(i);
  // An event after its call's setup, in the same message: the call ends
  // (the caller hung up) and is logged.
  rpb::CallEvent* cancel = batch.mutable_batch()->add_messages()->mutable_event();
  cancel->set_call_id("call-3");
  cancel->set_kind(rpb::CallEvent::CANCELLED);
  // A batch inside a batch is ignored, not decided.
  *batch.mutable_batch()->add_messages()->mutable_batch()->add_messages() = Setup(99);
  REQUIRE(stream->Write(batch));
  stream->WritesDone();

  std::set<std::string> answered;
  int messages = 0;
  size_t largest = 0;
  while (stream->Read(&m)) {
    ++messages;
    if (m.has_batch()) {
      largest = std::max<size_t>(largest, m.batch().decisions_size());
      for (const auto& d : m.batch().decisions()) answered.insert(d.call_id());
    } else {
      largest = std::max<size_t>(largest, 1);
      answered.insert(m.decision().call_id());
    }
  }
  CHECK(stream->Finish().ok());
  CHECK(answered.size() == kBatch);
  CHECK_FALSE(answered.contains("call-99"));
  CHECK(largest > 1);  // the decisions ready together left together
  CHECK(messages < kBatch);
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (svc.tracker.Stats().logged < 1 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(1));
  CHECK(svc.tracker.Stats().logged == 1);  // call-3, ended by the event that followed its setup
}

TEST_CASE("only the platform opens a call stream; Decide is a dry run for admins") {
  Service svc;
  auto stub = svc.Stub();
  {
    grpc::ClientContext ctx;
    core::AttachPrincipal(&ctx, core::Principal{core::PrincipalRole::kAdmin, kAlice, kTenant});
    auto stream = stub->CallStream(&ctx);
    rpb::RoutingMessage m;
    CHECK_FALSE(stream->Read(&m));
    CHECK(stream->Finish().error_code() == grpc::StatusCode::PERMISSION_DENIED);
  }
  {
    grpc::ClientContext ctx;
    core::AttachPrincipal(&ctx, core::Principal{core::PrincipalRole::kUser, kAlice, kTenant});
    rpb::RouteDecision d;
    CHECK(stub->Decide(&ctx, Setup(1).setup(), &d).error_code() == grpc::StatusCode::PERMISSION_DENIED);
  }
  {
    grpc::ClientContext ctx;
    core::AttachPrincipal(&ctx, core::Principal{core::PrincipalRole::kAdmin, kAlice, kTenant});
    rpb::CallSetup star = Setup(1).setup();
    star.set_dialed("*720612345678");
    rpb::RouteDecision d;
    REQUIRE(stub->Decide(&ctx, star, &d).ok());
    CHECK_FALSE(d.feature_applied().empty());
    CHECK(svc.store.settings.empty());  // described, not saved
  }
}

}  // namespace sb::routing
