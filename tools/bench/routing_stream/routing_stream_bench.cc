// routing-stream-bench: decisions per second through routing's CallStream,
// as the edge would ask for them, and the latency of each (setup written →
// decision read). Starts nothing: it connects to a running routing (and to
// profiles, once, to find the calling subscriber). tools/bench/routing
// starts a throwaway stack and runs it.
//
//   routing-stream-bench --routing_addr=127.0.0.1:50052 --profiles_addr=127.0.0.1:50051 \
//       --caller_number=0222969569 --dialed=4002 --rate=20000 --duration=10s
//
// Two ways to load:
//   --rate=0     closed loop: keep --window setups in flight, as fast as it goes
//                (the throughput ceiling; latency is then mostly queueing)
//   --rate=N     open loop: N setups per second, what is due sent every
//                --send_interval (100 µs) whatever the answers do (latency
//                at that load, from when each setup was due, so the wait
//                for its batch counts; a backlog shows as latency)
// --batch (default) sends what is due as one EdgeBatch message, as the edge
// does; --batch=false one message per setup.
// Prints one line per run: decisions/s, p50/p90/p99/p99.9/max latency, errors.
#include <grpcpp/client_context.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "core/config.h"
#include "core/principal.h"
#include "core/server.h"
#include "core/status.h"
#include "switchboard/profiles/v1/profiles.grpc.pb.h"
#include "switchboard/routing/v1/routing.grpc.pb.h"

ABSL_FLAG(std::string, routing_addr, "127.0.0.1:50052", "routing service");
ABSL_FLAG(std::string, profiles_addr, "127.0.0.1:50051", "profiles service (to find the calling subscriber)");
ABSL_FLAG(std::string, caller_number, "0222969569", "the calling subscriber's number (demo: Alice)");
ABSL_FLAG(std::string, dialed, "4002",
          "what is dialed, comma-separated, used in turn (demo: Bruno's extension)");
ABSL_FLAG(int, rate, 0, "setups per second (0: closed loop with --window in flight)");
ABSL_FLAG(int, window, 64, "setups in flight at most");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10), "measured run");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(2), "unmeasured run before it");
ABSL_FLAG(int, streams, 1, "parallel CallStreams (an edge opens one)");
ABSL_FLAG(absl::Duration, send_interval, absl::Microseconds(100),
          "open loop: how often the writer sends what is due (latency counts from when each was due)");
ABSL_FLAG(bool, batch, true,
          "send what is due as one EdgeBatch, as the edge does (false: one message per setup, as older edges)");

namespace rpb = ::switchboard::routing::v1;
namespace ppb = ::switchboard::profiles::v1;

namespace {

struct Caller {
  std::string tenant_id, user_id, line_id, number, number_e164, extension;
};

absl::StatusOr<Caller> FindCaller(const std::string& number) {
  auto stub = ppb::Profiles::NewStub(sb::core::MakeChannel(absl::GetFlag(FLAGS_profiles_addr)));
  grpc::ClientContext ctx;
  ctx.set_deadline(sb::core::DeadlineIn(absl::Seconds(5)));
  sb::core::AttachPrincipal(&ctx, sb::core::Principal::System());
  ppb::ResolveLineRequest req;
  req.set_dialed(number);
  ppb::ResolveLineResponse resp;
  SB_RETURN_IF_ERROR(sb::core::FromGrpc(stub->ResolveLine(&ctx, req, &resp)));
  return Caller{resp.line().tenant_id(), resp.line().user_id(),     resp.line().id(),
                resp.line().number(),    resp.line().number_e164(), resp.line().extension()};
}

// One stream: a writer thread sends setups, the calling thread reads decisions.
class StreamRun {
 public:
  StreamRun(int index, const Caller& caller, std::vector<std::string> dialed, double rate, int window)
      : index_(index),
        caller_(caller),
        dialed_(std::move(dialed)),
        rate_(rate),
        window_(window),
        sent_at_(kRing),
        written_at_(kRing) {}

  // Runs until `end`; latencies of decisions for setups sent after `measure_from`.
  void Run(rpb::Routing::Stub* stub, absl::Time measure_from, absl::Time end) {
    grpc::ClientContext ctx;
    sb::core::AttachPrincipal(&ctx, sb::core::Principal::System());
    auto stream = stub->CallStream(&ctx);
    std::thread writer([&] { Write(stream.get(), end); });
    rpb::RoutingMessage msg;
    while (stream->Read(&msg)) {
      const absl::Time now = absl::Now();
      if (msg.has_batch()) {
        for (const rpb::RouteDecision& d : msg.batch().decisions()) OnDecision(d, now, measure_from, end);
      } else if (msg.has_decision()) {
        OnDecision(msg.decision(), now, measure_from, end);
      }
    }
    writer.join();
    grpc::Status st = stream->Finish();
    if (!st.ok()) status_ = st.error_message();
  }

  std::vector<uint32_t>& latencies() { return latencies_us_; }
  std::vector<uint32_t>& from_write() { return from_write_us_; }
  int64_t errors() const { return errors_; }
  const std::string& first_error() const { return first_error_; }
  const std::string& status() const { return status_; }

 private:
  static constexpr int kRing = 1 << 20;

  void OnDecision(const rpb::RouteDecision& d, absl::Time now, absl::Time measure_from, absl::Time end) {
    int64_t seq = 0;
    if (!absl::SimpleAtoi(absl::string_view(d.call_id()).substr(d.call_id().find('-') + 1), &seq)) return;
    const absl::Time sent = absl::FromUnixMicros(sent_at_[seq % kRing].load(std::memory_order_acquire));
    if (sent >= measure_from && sent <= end) {
      latencies_us_.push_back(static_cast<uint32_t>(absl::ToInt64Microseconds(now - sent)));
      const absl::Time written = absl::FromUnixMicros(written_at_[seq % kRing].load(std::memory_order_acquire));
      from_write_us_.push_back(static_cast<uint32_t>(absl::ToInt64Microseconds(now - written)));
      if (!d.error().empty()) {
        if (errors_++ == 0) first_error_ = d.error();
      }
    }
    absl::MutexLock lock(&mu_);
    --in_flight_;
  }

  bool CanSend() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return in_flight_ < window_; }

  void Write(grpc::ClientReaderWriter<rpb::EdgeMessage, rpb::RoutingMessage>* stream, absl::Time end) {
    rpb::CallSetup proto;
    proto.set_origin(rpb::DEVICE);
    proto.set_tenant_id(caller_.tenant_id);
    auto* c = proto.mutable_caller();
    c->set_user_id(caller_.user_id);
    c->set_line_id(caller_.line_id);
    c->set_number(caller_.number);
    c->set_number_e164(caller_.number_e164);
    c->set_extension(caller_.extension);
    const bool batch = absl::GetFlag(FLAGS_batch);
    const absl::Duration send_interval = absl::GetFlag(FLAGS_send_interval);
    const absl::Time start = absl::Now();
    int64_t seq = 0;
    rpb::EdgeMessage msg;
    while (absl::Now() < end) {
      // Open loop: what is due by now; closed loop: what the window allows.
      // With --batch they go as one message, as the edge's writer sends
      // what was queued since its last write.
      int64_t due = 1;
      if (rate_ > 0) {
        due = static_cast<int64_t>(absl::ToDoubleSeconds(absl::Now() - start) * rate_) - seq;
        if (due <= 0) {
          absl::SleepFor(send_interval);
          continue;
        }
      } else {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(this, &StreamRun::CanSend));
        due = window_ - in_flight_;
      }
      msg.Clear();
      for (int64_t i = 0; i < due; ++i, ++seq) {
        {
          absl::MutexLock lock(&mu_);
          ++in_flight_;
        }
        rpb::CallSetup* s = batch ? msg.mutable_batch()->add_messages()->mutable_setup() : msg.mutable_setup();
        *s = proto;
        s->set_call_id(absl::StrCat("b", index_, "-", seq));
        s->set_dialed(dialed_[seq % dialed_.size()]);
        const absl::Time now = absl::Now();
        s->mutable_at()->set_seconds(absl::ToUnixSeconds(now));
        // Open loop: latency counts from when the setup was due, so the
        // time it waited for its batch is in the figures.
        const absl::Time due_at = rate_ > 0 ? start + absl::Seconds(static_cast<double>(seq) / rate_) : now;
        sent_at_[seq % kRing].store(absl::ToUnixMicros(due_at), std::memory_order_release);
        written_at_[seq % kRing].store(absl::ToUnixMicros(now), std::memory_order_release);
        if (batch) continue;
        // Unbatched: one message each, coalesced into one send; the last
        // write flushes.
        grpc::WriteOptions opts;
        if (i + 1 < due) opts.set_buffer_hint();
        if (!stream->Write(msg, opts)) return;
      }
      if (batch && !stream->Write(msg)) return;
    }
    stream->WritesDone();
  }

  const int index_;
  const Caller caller_;
  const std::vector<std::string> dialed_;
  const double rate_;
  const int window_;
  std::vector<std::atomic<int64_t>> sent_at_;     // µs, by seq % kRing: when due (open loop)
  std::vector<std::atomic<int64_t>> written_at_;  // µs: when put in the message written
  std::vector<uint32_t> latencies_us_;
  std::vector<uint32_t> from_write_us_;  // the same latencies from the write (the client's wait left out)
  int64_t errors_ = 0;
  std::string first_error_;
  std::string status_;
  absl::Mutex mu_;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
};

double Percentile(const std::vector<uint32_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t i = std::min(sorted.size() - 1, static_cast<size_t>(p * (sorted.size() - 1)));
  return sorted[i] / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
  sb::core::ParseFlags(argc, argv, "routing-stream-bench: decisions per second through routing's CallStream");
  auto caller = FindCaller(absl::GetFlag(FLAGS_caller_number));
  if (!caller.ok()) {
    std::fprintf(stderr, "routing-stream-bench: caller %s: %s\n", absl::GetFlag(FLAGS_caller_number).c_str(),
                 std::string(caller.status().message()).c_str());
    return 1;
  }
  std::vector<std::string> dialed = absl::StrSplit(absl::GetFlag(FLAGS_dialed), ',', absl::SkipEmpty());
  if (dialed.empty()) dialed = {"4002"};
  const int streams = std::max(1, absl::GetFlag(FLAGS_streams));
  const double rate = static_cast<double>(absl::GetFlag(FLAGS_rate)) / streams;
  const int window = std::max(1, absl::GetFlag(FLAGS_window) / streams);
  auto channel = sb::core::MakeChannel(absl::GetFlag(FLAGS_routing_addr));
  auto stub = rpb::Routing::NewStub(channel);

  const absl::Time start = absl::Now();
  const absl::Time measure_from = start + absl::GetFlag(FLAGS_warmup);
  const absl::Time end = measure_from + absl::GetFlag(FLAGS_duration);
  std::vector<std::unique_ptr<StreamRun>> runs;
  std::vector<std::thread> threads;
  for (int i = 0; i < streams; ++i) {
    runs.push_back(std::make_unique<StreamRun>(i, *caller, dialed, rate, window));
    threads.emplace_back([&, i] { runs[i]->Run(stub.get(), measure_from, end); });
  }
  for (auto& t : threads) t.join();

  std::vector<uint32_t> all, from_write;
  int64_t errors = 0;
  std::string first_error;
  for (auto& r : runs) {
    all.insert(all.end(), r->latencies().begin(), r->latencies().end());
    from_write.insert(from_write.end(), r->from_write().begin(), r->from_write().end());
    errors += r->errors();
    if (first_error.empty()) first_error = r->first_error();
    if (!r->status().empty()) std::fprintf(stderr, "stream ended with: %s\n", r->status().c_str());
  }
  std::sort(all.begin(), all.end());
  std::sort(from_write.begin(), from_write.end());
  const double secs = absl::ToDoubleSeconds(absl::GetFlag(FLAGS_duration));
  std::printf(
      "mode=%s batch=%d streams=%d window=%d decisions=%zu decisions_per_s=%.0f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f "
      "p999_ms=%.3f max_ms=%.3f written_p50_ms=%.3f written_p99_ms=%.3f errors=%lld\n",
      absl::GetFlag(FLAGS_rate) > 0 ? absl::StrCat("rate", absl::GetFlag(FLAGS_rate)).c_str() : "closed-loop",
      absl::GetFlag(FLAGS_batch) ? 1 : 0, streams, absl::GetFlag(FLAGS_window), all.size(), all.size() / secs, Percentile(all, 0.50),
      Percentile(all, 0.90), Percentile(all, 0.99), Percentile(all, 0.999),
      all.empty() ? 0.0 : all.back() / 1000.0, Percentile(from_write, 0.50), Percentile(from_write, 0.99),
      static_cast<long long>(errors));
  if (!first_error.empty()) std::printf("first error: %s\n", first_error.c_str());
  return all.empty() ? 1 : 0;
}
