#include "media/jitter_buffer.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <vector>

namespace sb::media {
namespace {

constexpr int kFrame = 160;

// Packet i carries samples that identify it and their position: output can
// be checked sample-exactly.
int16_t SampleValue(int64_t ts_offset) { return static_cast<int16_t>(ts_offset % 20000 + 1); }

struct Packet {
  int arrival_tick;
  uint32_t timestamp;
  std::vector<int16_t> samples;
};

std::vector<int16_t> Samples(int64_t offset, int n = kFrame) {
  std::vector<int16_t> s(static_cast<size_t>(n));
  for (int k = 0; k < n; ++k) s[static_cast<size_t>(k)] = SampleValue(offset + k);
  return s;
}

struct Output {
  FrameKind kind;
  std::vector<int16_t> frame;
};

// One 20 ms tick at a time: first every packet arriving in that tick, then one
// Pop — the order the RTP session uses.
std::vector<Output> Simulate(JitterBuffer& jb, const std::vector<Packet>& packets, int ticks,
                             std::vector<PushResult>* results = nullptr) {
  std::multimap<int, const Packet*> by_tick;
  for (const Packet& p : packets) by_tick.emplace(p.arrival_tick, &p);
  std::vector<Output> out;
  for (int t = 0; t < ticks; ++t) {
    auto [begin, end] = by_tick.equal_range(t);
    for (auto it = begin; it != end; ++it) {
      const PushResult r = jb.Push(it->second->timestamp, it->second->samples);
      if (results) results->push_back(r);
    }
    Output o{FrameKind::kSilence, std::vector<int16_t>(kFrame)};
    o.kind = jb.Pop(o.frame);
    out.push_back(std::move(o));
  }
  return out;
}

// Packets 0..n-1 of 20 ms, packet i arriving at tick i (+ per-packet delay).
std::vector<Packet> Stream(int n, uint32_t base_ts = 1000, const std::map<int, int>& delay = {},
                           const std::vector<int>& lost = {}) {
  std::vector<Packet> packets;
  for (int i = 0; i < n; ++i) {
    if (std::find(lost.begin(), lost.end(), i) != lost.end()) continue;
    const auto d = delay.find(i);
    packets.push_back(Packet{i + (d == delay.end() ? 0 : d->second),
                             base_ts + static_cast<uint32_t>(i * kFrame), Samples(int64_t{i} * kFrame)});
  }
  return packets;
}

JitterBufferConfig Fixed(int delay_ms) {
  JitterBufferConfig c;
  c.adaptive = false;
  c.initial_delay = absl::Milliseconds(delay_ms);
  return c;
}

// The index of the first audio frame, and checks that audio frames from there
// on are packets 0, 1, 2, ... exactly.
int CheckSequential(const std::vector<Output>& out, int expect_frames) {
  int first = -1;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i].kind == FrameKind::kAudio) {
      first = static_cast<int>(i);
      break;
    }
  }
  REQUIRE(first >= 0);
  for (int f = 0; f < expect_frames; ++f) {
    INFO("frame " << f);
    REQUIRE(out[static_cast<size_t>(first + f)].kind == FrameKind::kAudio);
    REQUIRE(out[static_cast<size_t>(first + f)].frame == Samples(int64_t{f} * kFrame));
  }
  return first;
}

TEST_CASE("In-order packets play back unchanged after the target delay") {
  JitterBuffer jb(Fixed(60));
  const std::vector<Output> out = Simulate(jb, Stream(100), 100);
  // 60 ms = 3 frames buffered before playing: two silent pops first.
  CHECK(CheckSequential(out, 98) == 2);
  CHECK(out[0].kind == FrameKind::kSilence);
  const JitterBufferStats s = jb.stats();
  CHECK(s.accepted == 100);
  CHECK(s.frames_concealed == 0);
  CHECK(s.frames_audio == 98);
  CHECK(s.buffered == absl::Milliseconds(40));
}

TEST_CASE("Reordered packets within the delay come out in order") {
  // Each packet delayed by 0-3 ticks in a fixed pseudo-random pattern, so
  // arrival order is scrambled; 100 ms of delay absorbs it.
  std::map<int, int> delay;
  for (int i = 0; i < 200; ++i) delay[i] = (i * 7 + 3) % 4;
  JitterBuffer jb(Fixed(100));
  // 200 packets, playing from tick 7: the last one plays at tick 206.
  const std::vector<Output> out = Simulate(jb, Stream(200, 5000, delay), 207);
  CHECK(CheckSequential(out, 200) == 7);
  CHECK(jb.stats().too_late == 0);
  CHECK(jb.stats().frames_concealed == 0);
}

TEST_CASE("Duplicates are dropped and counted") {
  std::vector<Packet> packets = Stream(50);
  const std::vector<Packet> copy = packets;
  for (Packet p : copy) {
    p.arrival_tick += 1;  // the duplicate arrives a tick later
    packets.push_back(p);
  }
  JitterBuffer jb(Fixed(60));
  std::vector<PushResult> results;
  const std::vector<Output> out = Simulate(jb, packets, 50, &results);
  CheckSequential(out, 45);
  CHECK(jb.stats().duplicates == 49);  // the 50th copy arrives after the run
  CHECK(std::count(results.begin(), results.end(), PushResult::kDuplicate) == 49);
}

TEST_CASE("Lost packets are concealed by a fading repeat, then silence") {
  // Constant-level packets make the fade easy to check.
  std::vector<Packet> packets;
  for (int i = 0; i < 30; ++i) {
    if (i >= 10 && i <= 14) continue;  // 100 ms lost
    packets.push_back(Packet{i, static_cast<uint32_t>(i * kFrame), std::vector<int16_t>(kFrame, 4000)});
  }
  JitterBufferConfig config = Fixed(60);
  SECTION("repeat previous") {
    JitterBuffer jb(config);
    const std::vector<Output> out = Simulate(jb, packets, 30);
    // Frame 10 plays at tick 12.
    CHECK(out[11].kind == FrameKind::kAudio);
    const std::vector<int16_t> expected_levels = {3000, 2000, 1000, 0, 0};
    for (int k = 0; k < 5; ++k) {
      INFO("lost frame " << k);
      CHECK(out[static_cast<size_t>(12 + k)].kind == FrameKind::kConcealed);
      CHECK(out[static_cast<size_t>(12 + k)].frame == std::vector<int16_t>(kFrame, expected_levels[k]));
    }
    CHECK(out[17].kind == FrameKind::kAudio);
    CHECK(out[17].frame[0] == 4000);
    CHECK(jb.stats().frames_concealed == 5);
  }
  SECTION("silence") {
    config.concealment = Concealment::kSilence;
    JitterBuffer jb(config);
    const std::vector<Output> out = Simulate(jb, packets, 30);
    for (int k = 12; k < 17; ++k) {
      CHECK(out[static_cast<size_t>(k)].kind == FrameKind::kConcealed);
      CHECK(out[static_cast<size_t>(k)].frame == std::vector<int16_t>(kFrame, 0));
    }
  }
}

TEST_CASE("A packet arriving after its playout time is dropped as late") {
  JitterBuffer jb(Fixed(40));
  std::vector<PushResult> results;
  const std::vector<Output> out = Simulate(jb, Stream(40, 0, {{20, 5}}), 40, &results);
  CHECK(jb.stats().too_late == 1);
  CHECK(std::count(results.begin(), results.end(), PushResult::kTooLate) == 1);
  CHECK(jb.stats().frames_concealed == 1);
  // Everything else played in order.
  const int first = CheckSequential(out, 20);
  CHECK(out[static_cast<size_t>(first + 20)].kind == FrameKind::kConcealed);
  CHECK(out[static_cast<size_t>(first + 21)].frame == Samples(21 * kFrame));
}

TEST_CASE("Timestamps wrapping past 2^32 play continuously") {
  JitterBuffer jb(Fixed(60));
  const std::vector<Output> out = Simulate(jb, Stream(60, 0xFFFFFFFFu - 10 * kFrame), 60);
  CheckSequential(out, 55);
  CHECK(jb.stats().resyncs == 0);
}

TEST_CASE("10 ms packets fill 20 ms frames") {
  std::vector<Packet> packets;
  for (int i = 0; i < 100; ++i) {
    packets.push_back(Packet{i / 2, static_cast<uint32_t>(i * 80), Samples(int64_t{i} * 80, 80)});
  }
  JitterBuffer jb(Fixed(60));
  CheckSequential(Simulate(jb, packets, 50), 45);
}

TEST_CASE("A timestamp jump restarts buffering at the new position") {
  std::vector<Packet> packets = Stream(30, 1000);
  for (int i = 0; i < 30; ++i) {
    packets.push_back(
        Packet{30 + i, 1000 + 80000u + static_cast<uint32_t>(i * kFrame), Samples(int64_t{i} * kFrame)});
  }
  JitterBuffer jb(Fixed(60));
  std::vector<PushResult> results;
  const std::vector<Output> out = Simulate(jb, packets, 60, &results);
  CHECK(std::count(results.begin(), results.end(), PushResult::kResync) == 1);
  CHECK(jb.stats().resyncs == 1);
  // The new stream plays from its own first packet after buffering again.
  CHECK(out[31].kind == FrameKind::kSilence);
  CHECK(out[32].frame == Samples(0));
  CHECK(out[33].frame == Samples(kFrame));
}

TEST_CASE("A paused stream (DTX) stops, then resumes without late packets") {
  std::vector<Packet> packets = Stream(20, 0);
  // One second of nothing, then the stream continues on the same timeline.
  for (int i = 70; i < 100; ++i) {
    packets.push_back(Packet{i, static_cast<uint32_t>(i * kFrame), Samples(int64_t{i} * kFrame)});
  }
  JitterBuffer jb(Fixed(60));
  const std::vector<Output> out = Simulate(jb, packets, 100);
  CHECK(out[50].kind == FrameKind::kSilence);  // paused, not concealing forever
  CHECK(jb.stats().too_late == 0);
  CHECK(out[71].kind == FrameKind::kSilence);  // buffering the new talk spurt
  CHECK(out[72].frame == Samples(70 * kFrame));
  CHECK(out[73].frame == Samples(71 * kFrame));
}

TEST_CASE("Adaptive delay grows after late packets") {
  // Every 25th packet is 3 ticks (60 ms) late.
  std::map<int, int> delay;
  for (int i = 10; i < 400; i += 25) delay[i] = 3;
  const std::vector<Packet> packets = Stream(400, 0, delay);

  JitterBuffer fixed(Fixed(40));
  Simulate(fixed, packets, 400);
  CHECK(fixed.stats().too_late == 16);  // every delayed packet, every time

  JitterBufferConfig config;
  config.initial_delay = absl::Milliseconds(40);
  config.min_delay = absl::Milliseconds(40);
  config.max_delay = absl::Milliseconds(200);
  JitterBuffer adaptive(config);
  Simulate(adaptive, packets, 400);
  const JitterBufferStats s = adaptive.stats();
  // Two late packets grow the delay by two frames; after that the same
  // lateness fits.
  CHECK(s.too_late == 2);
  CHECK(s.target_delay >= absl::Milliseconds(60));
  CHECK(s.buffered >= absl::Milliseconds(60));
}

TEST_CASE("Adaptive delay shrinks back on a calm network") {
  JitterBufferConfig config;
  config.initial_delay = absl::Milliseconds(200);
  config.min_delay = absl::Milliseconds(40);
  config.max_delay = absl::Milliseconds(300);
  JitterBuffer jb(config);
  // 60 s of perfectly paced packets.
  const std::vector<Output> out = Simulate(jb, Stream(3000, 0), 3000);
  const JitterBufferStats s = jb.stats();
  CHECK(s.target_delay == absl::Milliseconds(40));
  CHECK(s.frames_dropped >= 5);
  CHECK(s.buffered <= absl::Milliseconds(60));
  CHECK(s.too_late == 0);
  CHECK(s.frames_concealed == 0);
}

TEST_CASE("Empty and oversized packets are rejected") {
  JitterBuffer jb;
  CHECK(jb.Push(0, {}) == PushResult::kRejected);
  std::vector<int16_t> huge(100000);
  CHECK(jb.Push(0, huge) == PushResult::kRejected);
  std::vector<uint8_t> huge_payload(100000);
  CHECK(jb.PushG711(0, G711Law::kUlaw, huge_payload) == PushResult::kRejected);
  CHECK(jb.stats().rejected == 3);
}

TEST_CASE("G.711 payloads are decoded on the way in") {
  JitterBuffer jb(Fixed(40));
  std::vector<uint8_t> payload(kFrame, 0x80);  // µ-law +32124
  CHECK(jb.PushG711(0, G711Law::kUlaw, payload) == PushResult::kAccepted);
  CHECK(jb.PushG711(160, G711Law::kUlaw, payload) == PushResult::kAccepted);
  std::vector<int16_t> frame(kFrame);
  CHECK(jb.Pop(frame) == FrameKind::kAudio);
  CHECK(frame == std::vector<int16_t>(kFrame, 32124));
}

}  // namespace
}  // namespace sb::media
