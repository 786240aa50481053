// notify-bench: publishes notify.email_requested events (one recipient, an
// attachment of --attach_kb) into events.notify at --rate per second (open
// loop: the publisher does not wait for the service), then waits until the
// notifications service has every delivery accepted by the SMTP server and
// prints throughput and the event → accepted latency (occurred_at of the
// event to accepted_at of its delivery, both stamped on this machine).
// Driven by tools/bench/notify/run, which starts the stack.
#include <algorithm>
#include <cstdio>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "events/publisher.h"
#include "redis/client.h"
#include "switchboard/events/v1/events.pb.h"

ABSL_FLAG(std::string, redis_url, "redis://127.0.0.1:6379", "Redis of the stack");
ABSL_FLAG(std::string, pg_url, "", "PostgreSQL of the stack (reads notifications.deliveries)");
ABSL_FLAG(int, count, 2000, "e-mails to send");
ABSL_FLAG(int, rate, 250, "events published per second");
ABSL_FLAG(int, attach_kb, 100, "attachment size in KiB");
ABSL_FLAG(int, warmup, 50, "e-mails sent (and not counted) before the measured run");
ABSL_FLAG(absl::Duration, timeout, absl::Minutes(5), "give up waiting after this");

namespace {

namespace epb = ::switchboard::events::v1;

double Pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = std::min(v.size() - 1, static_cast<size_t>(p / 100.0 * v.size()));
  return v[i];
}

// Publishes `n` events tagged `run`, paced at `rate`/s.
bool Publish(sb::events::Publisher& pub, const std::string& run, int n, int rate,
             const std::string& attachment) {
  const absl::Time start = absl::Now();
  for (int i = 0; i < n; ++i) {
    const absl::Time due = start + absl::Seconds(1) * i / rate;
    if (absl::Now() < due) absl::SleepFor(due - absl::Now());
    epb::EmailRequested req;
    req.set_tenant_id("bench");
    req.add_to(absl::StrCat("user", i % 100, "@bench.test"));
    req.set_subject(absl::StrCat("Benchmark message ", run, " #", i, " — pièce jointe"));
    req.set_text("Un message de test avec une pièce jointe de 100 Kio.\n");
    auto* a = req.add_attachments();
    a->set_filename("message.wav");
    a->set_content_type("audio/wav");
    a->set_data(attachment);
    sb::events::Event e;
    e.id = absl::StrCat(run, "-", i);
    e.type = "notify.email_requested";
    e.tenant_id = "bench";
    e.payload = req.SerializeAsString();
    if (auto st = pub.Publish("notify", std::move(e)); !st.ok()) {
      std::fprintf(stderr, "publish: %s\n", std::string(st.message()).c_str());
      return false;
    }
  }
  return true;
}

// Waits until every delivery of `run` is accepted; false on timeout or failures.
bool WaitAccepted(pqxx::connection& c, const std::string& run, int n, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    pqxx::nontransaction t(c);
    auto r = t.exec_params(
        "SELECT count(*) FILTER (WHERE state = 'accepted'), count(*) FILTER (WHERE state = 'failed') "
        "FROM notifications.deliveries WHERE event_id LIKE $1",
        run + "-%");
    const int accepted = r[0][0].as<int>(), failed = r[0][1].as<int>();
    if (failed > 0) {
      std::fprintf(stderr, "%d deliveries failed\n", failed);
      return false;
    }
    if (accepted >= n) return true;
    absl::SleepFor(absl::Milliseconds(100));
  }
  std::fprintf(stderr, "timed out waiting for the deliveries\n");
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  auto redis = sb::redis::Client::Create({.url = absl::GetFlag(FLAGS_redis_url), .pool_size = 2});
  if (!redis.ok()) return 1;
  sb::events::Publisher pub(**redis);
  pqxx::connection pg(absl::GetFlag(FLAGS_pg_url));
  const int count = absl::GetFlag(FLAGS_count), rate = absl::GetFlag(FLAGS_rate);
  std::string attachment(absl::GetFlag(FLAGS_attach_kb) * 1024, '\0');
  for (size_t i = 0; i < attachment.size(); ++i) attachment[i] = static_cast<char>((i * 2654435761u) >> 13);

  const std::string stamp = absl::StrCat(absl::ToUnixMillis(absl::Now()));
  const std::string warm = "warm" + stamp, run = "bench" + stamp;
  if (absl::GetFlag(FLAGS_warmup) > 0) {
    if (!Publish(pub, warm, absl::GetFlag(FLAGS_warmup), rate, attachment)) return 1;
    if (!WaitAccepted(pg, warm, absl::GetFlag(FLAGS_warmup), absl::GetFlag(FLAGS_timeout))) return 1;
  }
  const absl::Time t0 = absl::Now();
  if (!Publish(pub, run, count, rate, attachment)) return 1;
  const absl::Time published = absl::Now();
  if (!WaitAccepted(pg, run, count, absl::GetFlag(FLAGS_timeout))) return 1;

  pqxx::nontransaction t(pg);
  auto r = t.exec_params(
      "SELECT extract(epoch from accepted_at - event_at) * 1000, extract(epoch from accepted_at), "
      "extract(epoch from created_at - event_at) * 1000 "
      "FROM notifications.deliveries WHERE event_id LIKE $1",
      run + "-%");
  std::vector<double> lat, queued;
  double last = 0;
  for (const auto& row : r) {
    lat.push_back(row[0].as<double>());
    queued.push_back(row[2].as<double>());
    last = std::max(last, row[1].as<double>());
  }
  const double elapsed = last - absl::ToUnixMicros(t0) / 1e6;
  std::printf("e-mails           %d (attachment %d KiB, offered %d/s, published in %.2f s)\n", count,
              absl::GetFlag(FLAGS_attach_kb), rate, absl::ToDoubleSeconds(published - t0));
  std::printf("throughput        %.1f e-mails/s accepted by the SMTP server\n", count / elapsed);
  std::printf("event->accepted   p50 %.1f ms   p99 %.1f ms   max %.1f ms\n", Pct(lat, 50), Pct(lat, 99),
              Pct(lat, 100));
  std::printf("  of which queued  p50 %.1f ms   p99 %.1f ms   (event -> delivery written to the outbox)\n",
              Pct(queued, 50), Pct(queued, 99));
  return 0;
}
