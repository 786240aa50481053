#include "media/udp.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace sb::media {

absl::StatusOr<Endpoint> Endpoint::Parse(absl::string_view host, uint16_t port) {
  Endpoint e;
  const std::string h(host);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&e.storage_);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&e.storage_);
  if (inet_pton(AF_INET, h.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    e.length_ = sizeof(sockaddr_in);
    return e;
  }
  std::string bare = h;
  if (bare.size() > 2 && bare.front() == '[' && bare.back() == ']') bare = bare.substr(1, bare.size() - 2);
  if (inet_pton(AF_INET6, bare.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    e.length_ = sizeof(sockaddr_in6);
    return e;
  }
  return absl::InvalidArgumentError(absl::StrCat("not a numeric IP address: '", h, "'"));
}

Endpoint Endpoint::FromSockaddr(const sockaddr* addr, socklen_t len) {
  Endpoint e;
  if (len > 0 && static_cast<size_t>(len) <= sizeof(e.storage_)) {
    std::memcpy(&e.storage_, addr, len);
    e.length_ = len;
  }
  return e;
}

uint16_t Endpoint::port() const {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
  if (family() == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  return 0;
}

Endpoint Endpoint::WithPort(uint16_t port) const {
  Endpoint e = *this;
  if (family() == AF_INET) reinterpret_cast<sockaddr_in*>(&e.storage_)->sin_port = htons(port);
  if (family() == AF_INET6) reinterpret_cast<sockaddr_in6*>(&e.storage_)->sin6_port = htons(port);
  return e;
}

std::string Endpoint::ToString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family() == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, buf, sizeof(buf));
    return absl::StrCat(buf, ":", port());
  }
  if (family() == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, buf, sizeof(buf));
    return absl::StrCat("[", buf, "]:", port());
  }
  return "(none)";
}

bool Endpoint::operator==(const Endpoint& other) const {
  if (family() != other.family()) return false;
  if (family() == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&storage_);
    const auto* b = reinterpret_cast<const sockaddr_in*>(&other.storage_);
    return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
  }
  if (family() == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&storage_);
    const auto* b = reinterpret_cast<const sockaddr_in6*>(&other.storage_);
    return a->sin6_port == b->sin6_port && std::memcmp(&a->sin6_addr, &b->sin6_addr, sizeof(in6_addr)) == 0;
  }
  return length_ == other.length_;
}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

int UniqueFd::release() {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

absl::StatusOr<UniqueFd> BindUdp(const Endpoint& local) {
  UniqueFd fd(::socket(local.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return absl::InternalError(absl::StrCat("socket(): ", std::strerror(errno)));
  if (::bind(fd.get(), local.addr(), local.length()) != 0) {
    const int err = errno;
    if (err == EADDRINUSE) return absl::UnavailableError(absl::StrCat(local.ToString(), " is in use"));
    return absl::InternalError(absl::StrCat("bind(", local.ToString(), "): ", std::strerror(err)));
  }
  return fd;
}

absl::StatusOr<RtpSocketPair> BindRtpPair(absl::string_view host, uint16_t port_min, uint16_t port_max,
                                          uint32_t* cursor) {
  absl::StatusOr<Endpoint> base = Endpoint::Parse(host, 0);
  if (!base.ok()) return base.status();
  const uint32_t first = (port_min + 1u) & ~1u;  // even
  if (port_max < first + 1) return absl::InvalidArgumentError("RTP port range holds no even/odd pair");
  const uint32_t pairs = (port_max - first + 1) / 2;
  for (uint32_t attempt = 0; attempt < pairs; ++attempt) {
    const uint32_t index = (*cursor)++ % pairs;
    const uint16_t port = static_cast<uint16_t>(first + 2 * index);
    absl::StatusOr<UniqueFd> rtp = BindUdp(base->WithPort(port));
    if (!rtp.ok()) {
      if (absl::IsUnavailable(rtp.status())) continue;
      return rtp.status();
    }
    absl::StatusOr<UniqueFd> rtcp = BindUdp(base->WithPort(static_cast<uint16_t>(port + 1)));
    if (!rtcp.ok()) {
      if (absl::IsUnavailable(rtcp.status())) continue;
      return rtcp.status();
    }
    return RtpSocketPair{std::move(*rtp), std::move(*rtcp), port};
  }
  return absl::ResourceExhaustedError(
      absl::StrCat("no free RTP port pair in ", port_min, "-", port_max, " on ", std::string(host)));
}

}  // namespace sb::media
