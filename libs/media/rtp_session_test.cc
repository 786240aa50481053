// Loopback tests of RTP sessions driven by a MediaEngine: real sockets, real
// time (bounded waits on conditions, never fixed sleeps).
#include <sys/socket.h>

#include <catch2/catch.hpp>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "media/media_engine.h"
#include "media/rtp.h"
#include "media/tones.h"

namespace sb::media {
namespace {

class CollectSink : public AudioSink {
 public:
  void Write(std::span<const int16_t> frame, FrameKind kind) override {
    if (kind == FrameKind::kAudio) {
      ++audio_frames;
      audio.insert(audio.end(), frame.begin(), frame.end());
    } else if (kind == FrameKind::kConcealed) {
      ++concealed_frames;
    } else {
      ++silent_frames;
    }
  }
  std::vector<int16_t> audio;
  int audio_frames = 0;
  int concealed_frames = 0;
  int silent_frames = 0;
};

std::shared_ptr<ToneGenerator> Tone(double hz) {
  return std::make_shared<ToneGenerator>(ToneSpec{{{hz, -10}}, {}, true});
}

std::unique_ptr<MediaEngine> NewEngine(uint16_t port_min = 20000, uint16_t port_max = 40000) {
  MediaEngineConfig config;
  config.port_min = port_min;
  config.port_max = port_max;
  absl::StatusOr<std::unique_ptr<MediaEngine>> engine = MediaEngine::Create(config);
  REQUIRE(engine.ok());
  return std::move(*engine);
}

Endpoint Loopback(uint16_t port) { return *Endpoint::Parse("127.0.0.1", port); }

// Runs the engine (and `also`, e.g. a relay) until `done` or the timeout.
bool RunUntil(
    MediaEngine& engine, const std::function<bool()>& done, absl::Duration timeout,
    const std::function<void()>& also = [] {}) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() > deadline) return false;
    REQUIRE(engine.RunOnce(absl::Milliseconds(5)).ok());
    also();
  }
  return true;
}

void RunFor(
    MediaEngine& engine, absl::Duration d, const std::function<void()>& also = [] {}) {
  RunUntil(
      engine, [] { return false; }, d, also);
}

// A plain UDP socket for the test to play a misbehaving peer or a network.
struct RawSocket {
  UniqueFd fd;
  uint16_t port = 0;
  RawSocket() {
    absl::StatusOr<UniqueFd> s = BindUdp(Loopback(0));
    REQUIRE(s.ok());
    fd = std::move(*s);
    sockaddr_storage addr{};
    socklen_t len = sizeof(addr);
    REQUIRE(::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port = Endpoint::FromSockaddr(reinterpret_cast<sockaddr*>(&addr), len).port();
  }
  void SendTo(uint16_t to, std::span<const uint8_t> bytes) {
    const Endpoint dst = Loopback(to);
    REQUIRE(::sendto(fd.get(), bytes.data(), bytes.size(), 0, dst.addr(), dst.length()) ==
            static_cast<ssize_t>(bytes.size()));
  }
  // Non-blocking receive; returns false when nothing is waiting.
  bool Receive(std::vector<uint8_t>* out, Endpoint* from) {
    out->resize(2048);
    sockaddr_storage addr{};
    socklen_t len = sizeof(addr);
    const ssize_t n =
        ::recvfrom(fd.get(), out->data(), out->size(), 0, reinterpret_cast<sockaddr*>(&addr), &len);
    if (n < 0) return false;
    out->resize(static_cast<size_t>(n));
    *from = Endpoint::FromSockaddr(reinterpret_cast<sockaddr*>(&addr), len);
    return true;
  }
};

TEST_CASE("Sessions bind even RTP ports with RTCP on the next one") {
  std::unique_ptr<MediaEngine> engine = NewEngine();
  std::vector<uint16_t> ports;
  for (int i = 0; i < 20; ++i) {
    absl::StatusOr<RtpSession*> s = engine->CreateSession({});
    REQUIRE(s.ok());
    CHECK((*s)->local_rtp_port() % 2 == 0);
    CHECK((*s)->local_rtcp_port() == (*s)->local_rtp_port() + 1);
    ports.push_back((*s)->local_rtp_port());
  }
  std::sort(ports.begin(), ports.end());
  CHECK(std::unique(ports.begin(), ports.end()) == ports.end());
  CHECK(engine->session_count() == 20);
}

TEST_CASE("A full port range is reported, not retried forever") {
  RawSocket squatter;  // find a free port, then hold the pair around it
  const uint16_t base = static_cast<uint16_t>(squatter.port & ~1);
  std::unique_ptr<MediaEngine> engine = NewEngine(base, static_cast<uint16_t>(base + 1));
  absl::StatusOr<RtpSession*> s = engine->CreateSession({});
  REQUIRE_FALSE(s.ok());
  CHECK(absl::IsResourceExhausted(s.status()));
}

TEST_CASE("Two sessions exchange tones over loopback") {
  std::unique_ptr<MediaEngine> engine = NewEngine();
  RtpSession* a = *engine->CreateSession({});
  RtpSessionConfig b_config;
  b_config.law = G711Law::kAlaw;  // each side sends its own law; both decode either
  b_config.remote_rtp = Loopback(a->local_rtp_port());
  RtpSession* b = *engine->CreateSession(b_config);
  a->SetRemote(Loopback(b->local_rtp_port()));

  auto a_hears = std::make_shared<CollectSink>();
  auto b_hears = std::make_shared<CollectSink>();
  a->SetSink(a_hears);
  b->SetSink(b_hears);
  a->SetSource(Tone(1000));
  b->SetSource(Tone(440));

  REQUIRE(RunUntil(
      *engine, [&] { return a_hears->audio_frames >= 50 && b_hears->audio_frames >= 50; }, absl::Seconds(5)));
  const std::span<const int16_t> b_tail = std::span(b_hears->audio).last(4000);
  const std::span<const int16_t> a_tail = std::span(a_hears->audio).last(4000);
  CHECK(ToneAmplitude(b_tail, 1000) == Approx(DbmToAmplitude(-10)).epsilon(0.05));
  CHECK(ToneAmplitude(b_tail, 440) < 100);
  CHECK(ToneAmplitude(a_tail, 440) == Approx(DbmToAmplitude(-10)).epsilon(0.05));

  const RtpSessionStats sb = b->stats();
  CHECK(sb.stream.lost == 0);
  CHECK(sb.jitter_buffer.too_late == 0);
  CHECK(sb.invalid_packets == 0);
  CHECK(sb.packets_sent >= 50);
  CHECK(a->stats().stream.received >= 50);
}

TEST_CASE("DTMF keys sent by one session are received exactly once by the other") {
  std::unique_ptr<MediaEngine> engine = NewEngine();
  std::string a_got, b_got;
  RtpSessionCallbacks a_callbacks;
  a_callbacks.on_digit = [&](const DtmfDigit& d) { a_got.push_back(d.digit); };
  RtpSession* a = *engine->CreateSession({}, a_callbacks);
  RtpSessionConfig b_config;
  b_config.remote_rtp = Loopback(a->local_rtp_port());
  RtpSessionCallbacks b_callbacks;
  b_callbacks.on_digit = [&](const DtmfDigit& d) { b_got.push_back(d.digit); };
  RtpSession* b = *engine->CreateSession(b_config, b_callbacks);
  a->SetRemote(Loopback(b->local_rtp_port()));
  a->SetSource(Tone(1000));  // audio around the keys, as a phone would send

  REQUIRE(a->SendDigits("159#*0").ok());
  REQUIRE(RunUntil(
      *engine, [&] { return b_got.size() >= 6; }, absl::Seconds(5)));
  // Let every end-packet retransmission arrive before judging duplicates.
  RunFor(*engine, absl::Milliseconds(400));
  CHECK(b_got == "159#*0");
  CHECK(a_got.empty());
  CHECK(a->stats().digits_sent == 6);
  CHECK(b->stats().digits_received == 6);
  CHECK(b->stats().stream.lost == 0);

  CHECK(absl::IsInvalidArgument(a->SendDigits("12x")));
  RtpSessionConfig no_events;
  no_events.telephone_event_payload_type = 0;
  RtpSession* c = *engine->CreateSession(no_events);
  CHECK(absl::IsFailedPrecondition(c->SendDigits("1")));
}

// A network between two sessions that drops every `drop_every`th packet from
// `from_port` and forwards everything else both ways.
struct LossyRelay {
  RawSocket socket;
  uint16_t a_port;
  uint16_t b_port;
  int drop_every;
  int forwarded_to_b = 0;
  int dropped = 0;
  void Pump() {
    std::vector<uint8_t> packet;
    Endpoint from;
    while (socket.Receive(&packet, &from)) {
      if (from.port() == a_port) {
        if (++forwarded_to_b % drop_every == 0) {
          ++dropped;
          continue;
        }
        socket.SendTo(b_port, packet);
      } else {
        socket.SendTo(a_port, packet);
      }
    }
  }
};

TEST_CASE("DTMF on the wire: marker, one timestamp, three end packets, audio resumes") {
  std::unique_ptr<MediaEngine> engine = NewEngine();
  RawSocket peer;
  RtpSessionConfig config;
  config.remote_rtp = Loopback(peer.port);
  RtpSession* a = *engine->CreateSession(config);
  a->SetSource(Tone(1000));
  // Some audio first, then the key.
  std::vector<RtpPacket> seen;
  std::vector<std::vector<uint8_t>> buffers;
  auto collect = [&] {
    std::vector<uint8_t> packet;
    Endpoint from;
    while (peer.Receive(&packet, &from)) buffers.push_back(packet);
  };
  REQUIRE(RunUntil(
      *engine, [&] { return buffers.size() >= 5; }, absl::Seconds(2), collect));
  REQUIRE(a->SendDigits("7").ok());
  REQUIRE(RunUntil(
      *engine, [&] { return a->stats().digits_sent == 1; }, absl::Seconds(2), collect));
  RunFor(*engine, absl::Milliseconds(100), collect);
  for (const auto& b : buffers) seen.push_back(*ParseRtp(b));

  // Sequence numbers run on through audio and events alike.
  for (size_t i = 1; i < seen.size(); ++i) {
    REQUIRE(seen[i].header.sequence == static_cast<uint16_t>(seen[i - 1].header.sequence + 1));
    REQUIRE(seen[i].header.ssrc == seen[0].header.ssrc);
  }
  std::vector<size_t> events;
  for (size_t i = 0; i < seen.size(); ++i) {
    if (seen[i].header.payload_type == 101) events.push_back(i);
  }
  // 100 ms key: one update at 50 ms, then the end packet three times.
  REQUIRE(events.size() == 4);
  CHECK(events.back() - events.front() == 3);  // no audio in between
  const RtpPacket& first = seen[events.front()];
  CHECK(first.header.marker);
  const uint32_t start = first.header.timestamp;
  int ends = 0;
  for (size_t i : events) {
    const std::vector<TelephoneEvent> e = *ParseTelephoneEvents(seen[i].payload);
    CHECK(seen[i].header.timestamp == start);
    CHECK(e[0].event == 7);
    CHECK(seen[i].header.marker == (i == events.front()));
    ends += e[0].end;
  }
  CHECK(ends == 3);
  CHECK(ParseTelephoneEvents(seen[events.back()].payload)->at(0).duration == 800);
  // The event starts where the audio stopped: the last audio packet before it
  // covered the 20 ms before `start`.
  const RtpPacket& before = seen[events.front() - 1];
  CHECK(before.header.payload_type == 0);
  CHECK(static_cast<uint32_t>(start - before.header.timestamp) == 160);
  // Audio resumes after the key as a new talkspurt, on the same clock.
  REQUIRE(events.back() + 1 < seen.size());
  const RtpPacket& after = seen[events.back() + 1];
  CHECK(after.header.payload_type == 0);
  CHECK(after.header.marker);
  CHECK(TimestampNewer(after.header.timestamp, start + 800));
}

TEST_CASE("Packet loss is measured and concealed; symmetric RTP answers the relay") {
  std::unique_ptr<MediaEngine> engine = NewEngine();
  RtpSession* a = *engine->CreateSession({});
  RtpSession* b = *engine->CreateSession({});  // no remote: learns it from the packets
  LossyRelay relay{RawSocket(), a->local_rtp_port(), b->local_rtp_port(), 5};
  a->SetRemote(Loopback(relay.socket.port));
  a->SetSource(Tone(1000));
  auto b_hears = std::make_shared<CollectSink>();
  b->SetSink(b_hears);
  auto a_hears = std::make_shared<CollectSink>();
  a->SetSink(a_hears);
  b->SetSource(Tone(440));

  REQUIRE(RunUntil(
      *engine, [&] { return b->stats().stream.expected >= 100 && a_hears->audio_frames >= 20; },
      absl::Seconds(6), [&] { relay.Pump(); }));
  const RtpSessionStats s = b->stats();
  // B latched onto the relay and its audio made it back to A through it.
  REQUIRE(s.remote_rtp.has_value());
  CHECK(s.remote_rtp->port() == relay.socket.port);
  CHECK(a->stats().stream.received >= 20);
  // 1 in 5 lost.
  const double loss = static_cast<double>(s.stream.lost) / static_cast<double>(s.stream.expected);
  CHECK(loss == Approx(0.2).margin(0.03));
  CHECK(s.jitter_buffer.frames_concealed >= 10);
  CHECK(b_hears->concealed_frames >= 10);
  // Concealment repeats the previous frame, so the tone is still there.
  CHECK(ToneAmplitude(std::span(b_hears->audio).last(4000), 1000) > DbmToAmplitude(-10) * 0.9);
}

RtpHeader AudioHeader(uint32_t ssrc, uint16_t seq) {
  RtpHeader h;
  h.payload_type = 0;
  h.ssrc = ssrc;
  h.sequence = seq;
  h.timestamp = seq * 160u;
  return h;
}

TEST_CASE("A new SSRC restarts reception; garbage and strangers are dropped") {
  std::unique_ptr<MediaEngine> engine = NewEngine();
  std::vector<std::pair<uint32_t, uint32_t>> changes;
  RtpSessionCallbacks callbacks;
  callbacks.on_ssrc_change = [&](uint32_t o, uint32_t n) { changes.emplace_back(o, n); };
  RtpSession* b = *engine->CreateSession({}, callbacks);
  RawSocket peer, stranger;
  const std::vector<uint8_t> silence(160, 0xFF);

  for (uint16_t seq = 100; seq < 110; ++seq)
    peer.SendTo(b->local_rtp_port(), *BuildRtp(AudioHeader(0xAAAA, seq), silence));
  REQUIRE(RunUntil(
      *engine, [&] { return b->stats().stream.received == 10; }, absl::Seconds(2)));

  // Garbage, an RTP version 1 packet, and an unknown payload type.
  peer.SendTo(b->local_rtp_port(), std::vector<uint8_t>{1, 2, 3});
  peer.SendTo(b->local_rtp_port(), std::vector<uint8_t>(20, 0x40));
  RtpHeader video = AudioHeader(0xAAAA, 110);
  video.payload_type = 96;
  peer.SendTo(b->local_rtp_port(), *BuildRtp(video, silence));
  // A stranger with its own SSRC while the peer is active: not taken.
  stranger.SendTo(b->local_rtp_port(), *BuildRtp(AudioHeader(0xBAD, 5000), silence));
  REQUIRE(RunUntil(
      *engine, [&] { return b->stats().datagrams_received == 14; }, absl::Seconds(2)));
  RtpSessionStats s = b->stats();
  CHECK(s.invalid_packets == 2);
  CHECK(s.unknown_payload_type == 1);
  CHECK(s.wrong_source == 1);
  CHECK(s.remote_rtp->port() == peer.port);
  CHECK(changes.empty());

  // The peer switches source (a transfer): new SSRC, new sequence space.
  for (uint16_t seq = 7000; seq < 7005; ++seq)
    peer.SendTo(b->local_rtp_port(), *BuildRtp(AudioHeader(0xBBBB, seq), silence));
  REQUIRE(RunUntil(
      *engine, [&] { return b->stats().stream.received == 5; }, absl::Seconds(2)));
  s = b->stats();
  CHECK(s.ssrc_changes == 1);
  REQUIRE(changes.size() == 1);
  CHECK(changes[0] == std::make_pair(0xAAAAu, 0xBBBBu));
  CHECK(s.stream.lost == 0);  // the jump is not counted as 6890 lost packets
  CHECK(s.stream.extended_highest_sequence == 7004);
}

TEST_CASE("Symmetric RTP follows a NAT rebinding of the same stream") {
  std::unique_ptr<MediaEngine> engine = NewEngine();
  RtpSession* b = *engine->CreateSession({});
  RawSocket before, after;
  const std::vector<uint8_t> silence(160, 0xFF);
  before.SendTo(b->local_rtp_port(), *BuildRtp(AudioHeader(0xCAFE, 1), silence));
  REQUIRE(RunUntil(
      *engine, [&] { return b->stats().stream.received == 1; }, absl::Seconds(2)));
  CHECK(b->stats().remote_rtp->port() == before.port);
  // Same SSRC, new source port: the NAT remapped. B now sends there.
  after.SendTo(b->local_rtp_port(), *BuildRtp(AudioHeader(0xCAFE, 2), silence));
  REQUIRE(RunUntil(
      *engine, [&] { return b->stats().stream.received == 2; }, absl::Seconds(2)));
  CHECK(b->stats().remote_rtp->port() == after.port);
  std::vector<uint8_t> packet;
  Endpoint from;
  REQUIRE(RunUntil(
      *engine, [&] { return after.Receive(&packet, &from); }, absl::Seconds(2)));
  absl::StatusOr<RtpPacket> p = ParseRtp(packet);
  REQUIRE(p.ok());
  CHECK(p->header.ssrc == b->ssrc());
  CHECK(p->payload.size() == 160);
}

TEST_CASE("RTCP reports flow both ways and give a round-trip time") {
  std::unique_ptr<MediaEngine> engine = NewEngine();
  RtpSessionConfig config;
  config.rtcp_interval = absl::Milliseconds(200);
  RtpSession* a = *engine->CreateSession(config);
  config.remote_rtp = Loopback(a->local_rtp_port());
  RtpSession* b = *engine->CreateSession(config);
  a->SetRemote(Loopback(b->local_rtp_port()));
  REQUIRE(RunUntil(
      *engine,
      [&] { return a->stats().round_trip_time.has_value() && b->stats().round_trip_time.has_value(); },
      absl::Seconds(5)));
  CHECK(*a->stats().round_trip_time < absl::Milliseconds(50));  // loopback
  CHECK(a->stats().rtcp_received >= 1);
  CHECK(b->stats().rtcp_sent >= 1);
}

TEST_CASE("Inactivity is reported once, and sessions can be destroyed from callbacks") {
  std::unique_ptr<MediaEngine> engine = NewEngine();
  RtpSessionConfig config;
  config.inactivity_timeout = absl::Milliseconds(150);
  int inactive = 0;
  uint64_t id = 0;
  RtpSessionCallbacks callbacks;
  callbacks.on_inactivity = [&] {
    ++inactive;
    engine->DestroySession(id);
  };
  RtpSession* s = *engine->CreateSession(config, callbacks);
  id = s->id();
  REQUIRE(RunUntil(
      *engine, [&] { return engine->session_count() == 0; }, absl::Seconds(2)));
  CHECK(inactive == 1);
  CHECK(engine->FindSession(id) == nullptr);
}

TEST_CASE("Source end is signalled, Post runs on the engine thread, Stop ends Run") {
  std::unique_ptr<MediaEngine> engine = NewEngine();
  RtpSession* a = *engine->CreateSession({});
  RawSocket listener;
  a->SetRemote(Loopback(listener.port));
  std::atomic<int> finished{0};
  a->SetSource(std::make_shared<ToneGenerator>(VoicemailBeep()));
  RtpSessionCallbacks callbacks;
  // Callbacks are set at creation; use a second session for this one.
  callbacks.on_source_finished = [&] { ++finished; };
  RtpSessionConfig config;
  config.remote_rtp = Loopback(listener.port);
  RtpSession* b = *engine->CreateSession(config, callbacks);
  b->SetSource(std::make_shared<ToneGenerator>(VoicemailBeep()));

  std::atomic<bool> ran_on_engine{false};
  std::thread::id engine_thread;
  std::thread runner([&] {
    engine_thread = std::this_thread::get_id();
    REQUIRE(engine->Run().ok());
  });
  std::thread poster(
      [&] { engine->Post([&] { ran_on_engine = std::this_thread::get_id() == engine_thread; }); });
  poster.join();
  const absl::Time deadline = absl::Now() + absl::Seconds(3);
  while ((finished.load() == 0 || !ran_on_engine.load()) && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));  // polling a condition another thread sets
  }
  engine->Stop();
  runner.join();
  CHECK(finished.load() == 1);
  CHECK(ran_on_engine.load());
  // 500 ms of beep is 25 packets, then silence keeps flowing.
  CHECK(b->stats().packets_sent >= 25);
}

}  // namespace
}  // namespace sb::media
