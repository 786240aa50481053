#pragma once
// UDP plumbing for RTP: addresses, and binding the RTP/RTCP port pair.
#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sb::media {

// An IPv4 or IPv6 address and port.
class Endpoint {
 public:
  Endpoint() = default;
  // A numeric address ("127.0.0.1", "::1"); no name resolution here — SDP
  // carries addresses, and a DNS lookup would block the media thread.
  static absl::StatusOr<Endpoint> Parse(absl::string_view host, uint16_t port);
  static Endpoint FromSockaddr(const sockaddr* addr, socklen_t len);

  const sockaddr* addr() const { return reinterpret_cast<const sockaddr*>(&storage_); }
  socklen_t length() const { return length_; }
  int family() const { return storage_.ss_family; }
  bool valid() const { return length_ > 0; }
  uint16_t port() const;
  Endpoint WithPort(uint16_t port) const;
  std::string ToString() const;  // "127.0.0.1:4000", "[::1]:4000"

  bool operator==(const Endpoint& other) const;
  bool operator!=(const Endpoint& other) const { return !(*this == other); }

 private:
  sockaddr_storage storage_{};
  socklen_t length_ = 0;
};

// Owns a file descriptor.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  int release();
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// A non-blocking UDP socket bound to `local`.
absl::StatusOr<UniqueFd> BindUdp(const Endpoint& local);

struct RtpSocketPair {
  UniqueFd rtp;
  UniqueFd rtcp;
  uint16_t rtp_port = 0;  // even; RTCP is rtp_port + 1 (RFC 3550 11)
};

// Binds an even RTP port and the odd port above it on `host`, searching
// [port_min, port_max] from `*cursor` onwards (and advancing it, so that
// consecutive calls spread over the range instead of retrying the same
// busy ports). RESOURCE_EXHAUSTED when the whole range is taken.
absl::StatusOr<RtpSocketPair> BindRtpPair(absl::string_view host, uint16_t port_min, uint16_t port_max,
                                          uint32_t* cursor);

}  // namespace sb::media
