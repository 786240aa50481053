#pragma once
// The narrowband audio conventions shared by players, recorders, tones and
// sessions: 8 kHz, 16-bit linear samples, 20 ms frames — what a G.711 RTP
// packet carries.
#include <cstdint>
#include <span>

namespace sb::media {

inline constexpr int kNarrowbandRate = 8000;
inline constexpr int kFrameSamples = 160;  // 20 ms at 8 kHz

// What a received frame is made of.
enum class FrameKind {
  kAudio,      // every sample came from the network
  kConcealed,  // some or all samples were lost and were concealed
  kSilence,    // nothing to play: buffering before the stream starts, or it paused
};

// Produces audio one frame at a time (prompts, tones). Called on the media
// engine's thread; must not block.
class AudioSource {
 public:
  virtual ~AudioSource() = default;
  // Fills `frame`. Returns false once the source has nothing more to play;
  // the frame is then silence. A source that ends mid-frame returns true and
  // pads with silence.
  virtual bool Read(std::span<int16_t> frame) = 0;
};

// Consumes received audio one frame at a time (recorders, mixers). Called on
// the media engine's thread; must not block.
class AudioSink {
 public:
  virtual ~AudioSink() = default;
  virtual void Write(std::span<const int16_t> frame, FrameKind kind) = 0;
};

}  // namespace sb::media
