// media_bench: throughput figures for capacity planning. Not a test: it
// prints numbers and never fails on time.
//
//   media_bench [sessions]    (default 200: 100 pairs talking over loopback)
//
// 1. G.711 encode + decode speed.
// 2. The CPU cost of one call's receive path without the kernel: parse,
//    statistics, jitter buffer (decode, reorder), playout and recording, for
//    50 packets/s with realistic reordering and 1% loss.
// 3. The same with the kernel: N sessions in one MediaEngine, each playing a
//    prompt to another and recording what it receives, over loopback for a few seconds, measured as process
//    CPU time, so a busy machine skews it less than wall time would.
#include <sys/resource.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "media/g711.h"
#include "media/jitter_buffer.h"
#include "media/media_engine.h"
#include "media/playback.h"
#include "media/resampler.h"
#include "media/rtp.h"
#include "media/rtp_stats.h"
#include "media/tones.h"

namespace sb::media {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

void BenchG711() {
  std::vector<int16_t> pcm = RenderTone(ToneSpec{{{1000, -10}, {1700, -13}}, {}, true}, absl::Seconds(10));
  std::vector<uint8_t> coded(pcm.size());
  std::vector<int16_t> back(pcm.size());
  for (G711Law law : {G711Law::kUlaw, G711Law::kAlaw}) {
    uint64_t checksum = 0;
    const int rounds = 50;
    const auto start = Clock::now();
    for (int r = 0; r < rounds; ++r) {
      // 20 ms frames, as the session does it.
      for (size_t i = 0; i + kFrameSamples <= pcm.size(); i += kFrameSamples) {
        Encode(law, std::span(pcm).subspan(i, kFrameSamples), std::span(coded).subspan(i, kFrameSamples));
        Decode(law, std::span(coded).subspan(i, kFrameSamples), std::span(back).subspan(i, kFrameSamples));
      }
      checksum += static_cast<uint16_t>(back[static_cast<size_t>(r) * 7]);
    }
    const double s = Seconds(Clock::now() - start);
    const double msamples = static_cast<double>(pcm.size()) * rounds / s / 1e6;
    std::printf("G.711 %s encode+decode: %8.1f Msamples/s (%.0fx real time per core; checksum %" PRIu64 ")\n",
                law == G711Law::kUlaw ? "u-law" : "A-law", msamples, msamples * 1e6 / 8000, checksum);
  }
}

void BenchReceivePath() {
  // One minute of a call: 3000 packets of 20 ms, every 100th lost, pairs of
  // packets swapped every 7th, arrival times with +-5 ms jitter.
  const int packets = 3000;
  const std::vector<int16_t> speech =
      RenderTone(ToneSpec{{{440, -15}, {1200, -20}}, {}, true}, absl::Seconds(60));
  std::vector<std::vector<uint8_t>> wire;
  std::vector<int> order;
  for (int i = 0; i < packets; ++i) {
    RtpHeader h;
    h.payload_type = 0;
    h.sequence = static_cast<uint16_t>(40000 + i);
    h.timestamp = static_cast<uint32_t>(123456 + i * kFrameSamples);
    h.ssrc = 0x1234;
    std::vector<uint8_t> payload(kFrameSamples);
    EncodeUlaw(std::span(speech).subspan(static_cast<size_t>(i) * kFrameSamples, kFrameSamples), payload);
    wire.push_back(*BuildRtp(h, payload));
    if (i % 100 != 99) order.push_back(i);
  }
  for (size_t i = 6; i < order.size(); i += 7) std::swap(order[i], order[i - 1]);

  const int calls = 20;  // repeat to get a stable figure
  const auto start = Clock::now();
  const double cpu_start = CpuSeconds();
  uint64_t audio_frames = 0;
  for (int call = 0; call < calls; ++call) {
    RtpReceiveStatistics stats(kNarrowbandRate);
    JitterBuffer jb;
    Recorder recorder(RecorderConfig{.max_length = absl::Minutes(2)});
    std::vector<int16_t> frame(kFrameSamples);
    const absl::Time t0 = absl::UnixEpoch();
    size_t next = 0;
    for (int tick = 0; tick < packets; ++tick) {
      while (next < order.size() && order[next] <= tick) {
        absl::StatusOr<RtpPacket> p = ParseRtp(wire[static_cast<size_t>(order[next])]);
        const absl::Time arrival = t0 + absl::Milliseconds(20 * order[next] + (next % 11) - 5);
        if (p.ok() && stats.OnPacket(p->header.sequence) != RtpReceiveStatistics::Arrival::kDuplicate) {
          stats.UpdateJitter(p->header.timestamp, arrival);
          jb.PushG711(p->header.timestamp, G711Law::kUlaw, p->payload);
        }
        ++next;
      }
      const FrameKind kind = jb.Pop(frame);
      recorder.Write(frame, kind);
    }
    audio_frames += jb.stats().frames_audio;
  }
  const double wall = Seconds(Clock::now() - start);
  const double cpu = CpuSeconds() - cpu_start;
  const double call_seconds = calls * packets * 0.020;
  const double us_per_call_second = std::max(wall, cpu) / call_seconds * 1e6;
  std::printf(
      "Receive path (parse + stats + jitter buffer + decode + playout + recorder), no syscalls:\n"
      "  %.1f us of CPU per call-second (50 packets/s) -> ~%.0f calls per core (played %" PRIu64 " frames)\n",
      us_per_call_second, 1e6 / us_per_call_second, audio_frames);
}

void BenchResampler() {
  const std::vector<int16_t> greeting16k =
      RenderTone(ToneSpec{{{440, -10}}, {}, true}, absl::Seconds(30), 16000);
  const auto start = Clock::now();
  const std::vector<int16_t> out = Resampler16kTo8k::Convert(greeting16k);
  const double s = Seconds(Clock::now() - start);
  std::printf("Resampler 16k->8k: 30 s greeting in %.1f ms (%.0fx real time), %zu samples out\n", s * 1e3,
              30 / s, out.size());
}

void BenchEngine(int sessions) {
  MediaEngineConfig config;
  config.port_min = 30000;
  config.port_max = 60000;
  absl::StatusOr<std::unique_ptr<MediaEngine>> engine = MediaEngine::Create(config);
  if (!engine.ok()) {
    std::printf("engine: %s\n", std::string(engine.status().message()).c_str());
    return;
  }
  // One greeting shared by every call, as voicemail plays it.
  const std::shared_ptr<const Prompt> greeting =
      MakePrompt("greeting", RenderTone(ToneSpec{{{440, -13}, {700, -16}}, {}, true}, absl::Seconds(20)));
  std::vector<RtpSession*> all;
  std::vector<std::shared_ptr<Recorder>> recorders;
  for (int i = 0; i + 1 < sessions; i += 2) {
    absl::StatusOr<RtpSession*> a = (*engine)->CreateSession({});
    absl::StatusOr<RtpSession*> b = (*engine)->CreateSession({});
    if (!a.ok() || !b.ok()) {
      std::printf("engine: cannot create sessions: %s\n",
                  std::string((a.ok() ? b.status() : a.status()).message()).c_str());
      return;
    }
    (*a)->SetRemote(*Endpoint::Parse(config.bind_address, (*b)->local_rtp_port()));
    (*b)->SetRemote(*Endpoint::Parse(config.bind_address, (*a)->local_rtp_port()));
    for (RtpSession* s : {*a, *b}) {
      auto player = std::make_shared<PromptPlayer>();
      player->Enqueue(greeting);
      s->SetSource(player);
      auto recorder = std::make_shared<Recorder>(RecorderConfig{.silence_timeout = absl::ZeroDuration()});
      s->SetSink(recorder);
      recorders.push_back(recorder);
      all.push_back(s);
    }
  }
  struct Totals {
    uint64_t sent = 0, received = 0, lost = 0, late_ticks = 0, concealed = 0, too_late = 0;
  };
  auto totals = [&] {
    Totals t;
    for (RtpSession* s : all) {
      const RtpSessionStats st = s->stats();
      t.sent += st.packets_sent;
      t.received += st.stream.received;
      t.lost += static_cast<uint64_t>(std::max<int64_t>(0, st.stream.lost));
      t.late_ticks += st.late_ticks;
      t.concealed += st.jitter_buffer.frames_concealed;
      t.too_late += st.jitter_buffer.too_late;
    }
    return t;
  };
  auto run_for = [&](absl::Duration d) {
    const absl::Time end = absl::Now() + d;
    while (absl::Now() < end) (void)(*engine)->RunOnce(absl::Milliseconds(10));
  };
  // Warm up first: creating the sessions took a while, and each one's first
  // ticks are a catch-up burst that is not the steady state being measured.
  run_for(absl::Seconds(1));
  const Totals before = totals();
  const absl::Duration run = absl::Seconds(5);
  const double cpu_start = CpuSeconds();
  run_for(run);
  const double cpu = CpuSeconds() - cpu_start;
  const Totals after = totals();
  const uint64_t sent = after.sent - before.sent, received = after.received - before.received,
                 lost = after.lost - before.lost, late_ticks = after.late_ticks - before.late_ticks,
                 concealed = after.concealed - before.concealed, too_late = after.too_late - before.too_late;
  const double session_seconds = static_cast<double>(all.size()) * absl::ToDoubleSeconds(run);
  const double us_per_session_second = cpu / session_seconds * 1e6;
  std::printf(
      "Engine, %zu sessions on one thread for %.0f s over loopback (each plays a shared prompt and records "
      "what it hears):\n"
      "  CPU %.2f s = %.0f%% of one core; %.1f us per session-second -> ~%.0f sessions per core\n"
      "  in those 5 s: packets sent %" PRIu64 ", received %" PRIu64 ", lost %" PRIu64 ", too late %" PRIu64
      ", concealed frames %" PRIu64 ", late ticks %" PRIu64 "\n",
      all.size(), absl::ToDoubleSeconds(run), cpu, cpu / absl::ToDoubleSeconds(run) * 100,
      us_per_session_second, 1e6 / us_per_session_second, sent, received, lost, too_late, concealed,
      late_ticks);
}

}  // namespace
}  // namespace sb::media

int main(int argc, char** argv) {
  const int sessions = argc > 1 ? std::atoi(argv[1]) : 200;
  sb::media::BenchG711();
  sb::media::BenchReceivePath();
  sb::media::BenchResampler();
  sb::media::BenchEngine(sessions);
  return 0;
}
