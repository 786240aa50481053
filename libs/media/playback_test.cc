#include "media/playback.h"

#include <catch2/catch.hpp>
#include <vector>

#include "media/tones.h"
#include "media/wav.h"

namespace sb::media {
namespace {

std::vector<int16_t> Ramp(int16_t start, size_t n) {
  std::vector<int16_t> s(n);
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<int16_t>(start + i);
  return s;
}

std::vector<int16_t> Drain(PromptPlayer& player, int* frames) {
  std::vector<int16_t> all;
  std::vector<int16_t> frame(kFrameSamples);
  *frames = 0;
  while (player.Read(frame)) {
    all.insert(all.end(), frame.begin(), frame.end());
    ++*frames;
    REQUIRE(*frames < 10000);
  }
  return all;
}

TEST_CASE("Prompts concatenate seamlessly across frame boundaries") {
  // "you have" (250 samples) + "3" (100) + "new messages" (300): 650
  // samples, which do not line up with 160-sample frames.
  PromptPlayer player;
  player.Enqueue(MakePrompt("you-have", Ramp(1000, 250)));
  player.Enqueue(MakePrompt("3", Ramp(5000, 100)));
  player.Enqueue(MakePrompt("new-messages", Ramp(9000, 300)));
  CHECK(player.remaining() == absl::Microseconds(650 * 125));
  int frames = 0;
  const std::vector<int16_t> out = Drain(player, &frames);
  CHECK(frames == 5);  // ceil(650 / 160)
  REQUIRE(out.size() == 800);
  std::vector<int16_t> expected = Ramp(1000, 250);
  for (int16_t v : Ramp(5000, 100)) expected.push_back(v);
  for (int16_t v : Ramp(9000, 300)) expected.push_back(v);
  expected.resize(800, 0);  // the last frame is padded with silence
  CHECK(out == expected);
  CHECK(player.idle());
}

TEST_CASE("Player: silence gaps, clear, and an idle player") {
  PromptPlayer player;
  std::vector<int16_t> frame(kFrameSamples, 7);
  CHECK_FALSE(player.Read(frame));
  CHECK(frame == std::vector<int16_t>(kFrameSamples, 0));

  player.Enqueue(MakePrompt("a", std::vector<int16_t>(80, 100)));
  player.EnqueueSilence(absl::Milliseconds(20));
  player.Enqueue(MakePrompt("b", std::vector<int16_t>(80, 200)));
  player.Enqueue(MakePrompt("empty", {}));  // ignored
  player.Enqueue(nullptr);                  // ignored
  REQUIRE(player.Read(frame));
  CHECK(frame[79] == 100);
  CHECK(frame[80] == 0);
  CHECK(frame[159] == 0);
  REQUIRE(player.Read(frame));  // the rest of the 20 ms gap, then "b"
  CHECK(frame[79] == 0);
  CHECK(frame[80] == 200);
  CHECK(frame[159] == 200);
  CHECK_FALSE(player.Read(frame));

  player.Enqueue(MakePrompt("menu", std::vector<int16_t>(8000, 1)));
  REQUIRE(player.Read(frame));
  player.Clear();  // a key interrupts the menu
  CHECK(player.idle());
  CHECK_FALSE(player.Read(frame));
}

TEST_CASE("One prompt can play in many calls at once") {
  const std::shared_ptr<const Prompt> shared = MakePrompt("greeting", Ramp(0, 400));
  PromptPlayer a, b;
  a.Enqueue(shared);
  std::vector<int16_t> fa(kFrameSamples), fb(kFrameSamples);
  REQUIRE(a.Read(fa));
  b.Enqueue(shared);
  REQUIRE(b.Read(fb));
  CHECK(fa == fb);  // each player has its own position
  CHECK(shared.use_count() == 3);
}

TEST_CASE("Prompts load from 8 and 16 kHz WAV") {
  // 1 s of 1 kHz at 16 kHz becomes 1 s at 8 kHz with the tone intact.
  std::vector<int16_t> tone16(16000);
  ToneGenerator g(ToneSpec{{{1000, -10}}, {}, true}, 16000);
  g.Read(tone16);
  absl::StatusOr<std::shared_ptr<const Prompt>> p = LoadPromptFromWav(*WriteWav(tone16, 16000), "greeting");
  REQUIRE(p.ok());
  CHECK((*p)->name == "greeting");
  CHECK((*p)->samples.size() == 8000);
  CHECK((*p)->duration() == absl::Seconds(1));
  CHECK(ToneAmplitude(std::span((*p)->samples).subspan(1000, 4000), 1000) ==
        Approx(DbmToAmplitude(-10)).epsilon(0.02));

  p = LoadPromptFromWav(*WriteWav(std::vector<int16_t>(800, 5), 8000), "beep");
  REQUIRE(p.ok());
  CHECK((*p)->samples == std::vector<int16_t>(800, 5));

  CHECK_FALSE(LoadPromptFromWav(std::vector<uint8_t>{1, 2, 3}, "bad").ok());
}

std::vector<int16_t> Speech(size_t n) {
  // Loud enough to count as voice: a 400 Hz tone at -20 dBm0.
  return RenderTone(ToneSpec{{{400, -20}}, {}, true}, absl::Microseconds(static_cast<int64_t>(n) * 125));
}

void Feed(Recorder& r, const std::vector<int16_t>& audio, FrameKind kind = FrameKind::kAudio) {
  for (size_t i = 0; i + kFrameSamples <= audio.size(); i += kFrameSamples) {
    r.Write(std::span(audio).subspan(i, kFrameSamples), kind);
  }
}

TEST_CASE("Recorder stops after the configured silence and trims it") {
  RecorderConfig config;
  config.silence_timeout = absl::Seconds(2);
  config.keep_trailing_silence = absl::Milliseconds(500);
  Recorder r(config);
  Feed(r, Speech(8000));                   // 1 s of speech
  Feed(r, std::vector<int16_t>(8000, 3));  // 1 s of line noise: still recording
  CHECK(r.state() == RecorderState::kRecording);
  Feed(r, std::vector<int16_t>(8000, -2));  // the 2nd second of silence ends it
  CHECK(r.state() == RecorderState::kStoppedSilence);
  CHECK(r.heard_voice());
  // 1 s of speech + 0.5 s of the silence kept.
  CHECK(r.length() == absl::Milliseconds(1500));
  Feed(r, Speech(1600));  // ignored after the stop
  CHECK(r.length() == absl::Milliseconds(1500));
  const std::vector<int16_t> samples = r.TakeSamples();
  CHECK(samples.size() == 12000);
}

TEST_CASE("Recorder stops at the maximum length") {
  RecorderConfig config;
  config.max_length = absl::Seconds(1);
  Recorder r(config);
  Feed(r, Speech(16000));
  CHECK(r.state() == RecorderState::kStoppedMaxLength);
  CHECK(r.samples().size() == 8000);
}

TEST_CASE("Recorder: pure silence, concealed frames, explicit stop") {
  RecorderConfig config;
  config.silence_timeout = absl::Seconds(3);
  Recorder r(config);
  Feed(r, Speech(1600), FrameKind::kConcealed);  // concealment is not the caller speaking
  Feed(r, std::vector<int16_t>(8000, 0), FrameKind::kSilence);
  CHECK_FALSE(r.heard_voice());
  CHECK(r.state() == RecorderState::kRecording);
  r.Stop();
  CHECK(r.state() == RecorderState::kStopped);
  CHECK(r.length() == absl::Milliseconds(1200));
}

}  // namespace
}  // namespace sb::media
