#pragma once
// Byte-order helpers for the wire formats in this library (RTP/RTCP are big
// endian, RIFF/WAVE little endian). Internal to libs/media.
//
// The fixed-offset helpers require the span to hold enough bytes: callers
// check lengths first. ByteReader is for walking untrusted input: every read
// reports whether the bytes were there, and a failed read consumes nothing.
#include <cstddef>
#include <cstdint>
#include <span>

namespace sb::media {

inline uint16_t ReadBe16(std::span<const uint8_t> b) { return static_cast<uint16_t>((b[0] << 8) | b[1]); }
inline uint32_t ReadBe32(std::span<const uint8_t> b) {
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | uint32_t{b[3]};
}
inline uint16_t ReadLe16(std::span<const uint8_t> b) { return static_cast<uint16_t>(b[0] | (b[1] << 8)); }
inline uint32_t ReadLe32(std::span<const uint8_t> b) {
  return uint32_t{b[0]} | (uint32_t{b[1]} << 8) | (uint32_t{b[2]} << 16) | (uint32_t{b[3]} << 24);
}

inline void WriteBe16(std::span<uint8_t> b, uint16_t v) {
  b[0] = static_cast<uint8_t>(v >> 8);
  b[1] = static_cast<uint8_t>(v);
}
inline void WriteBe32(std::span<uint8_t> b, uint32_t v) {
  b[0] = static_cast<uint8_t>(v >> 24);
  b[1] = static_cast<uint8_t>(v >> 16);
  b[2] = static_cast<uint8_t>(v >> 8);
  b[3] = static_cast<uint8_t>(v);
}
inline void WriteLe16(std::span<uint8_t> b, uint16_t v) {
  b[0] = static_cast<uint8_t>(v);
  b[1] = static_cast<uint8_t>(v >> 8);
}
inline void WriteLe32(std::span<uint8_t> b, uint32_t v) {
  b[0] = static_cast<uint8_t>(v);
  b[1] = static_cast<uint8_t>(v >> 8);
  b[2] = static_cast<uint8_t>(v >> 16);
  b[3] = static_cast<uint8_t>(v >> 24);
}

// Sequential, bounds-checked reads over untrusted bytes.
class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> data) : data_(data) {}

  size_t remaining() const { return data_.size() - pos_; }
  size_t position() const { return pos_; }

  bool Skip(size_t n) {
    if (remaining() < n) return false;
    pos_ += n;
    return true;
  }
  bool ReadU8(uint8_t* v) {
    if (remaining() < 1) return false;
    *v = data_[pos_++];
    return true;
  }
  bool ReadBe16(uint16_t* v) {
    return Read(2, [&](auto s) { *v = media::ReadBe16(s); });
  }
  bool ReadBe32(uint32_t* v) {
    return Read(4, [&](auto s) { *v = media::ReadBe32(s); });
  }
  bool ReadLe16(uint16_t* v) {
    return Read(2, [&](auto s) { *v = media::ReadLe16(s); });
  }
  bool ReadLe32(uint32_t* v) {
    return Read(4, [&](auto s) { *v = media::ReadLe32(s); });
  }
  bool ReadBytes(size_t n, std::span<const uint8_t>* out) {
    if (remaining() < n) return false;
    *out = data_.subspan(pos_, n);
    pos_ += n;
    return true;
  }

 private:
  template <typename F>
  bool Read(size_t n, F&& f) {
    if (remaining() < n) return false;
    f(data_.subspan(pos_, n));
    pos_ += n;
    return true;
  }

  std::span<const uint8_t> data_;
  size_t pos_ = 0;
};

}  // namespace sb::media
