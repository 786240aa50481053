#pragma once
// gRPC server bootstrap shared by every service: health checking, reflection,
// message limits, and a graceful stop that lets in-flight RPCs finish.
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/channel.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace sb::core {

struct ServerConfig {
  std::string listen = "127.0.0.1:0";
  int max_message_bytes = 16 << 20;
  // gRPC counts its own pollers against this; past it calls fail with
  // RESOURCE_EXHAUSTED, so it must exceed the busiest caller's concurrency.
  int max_sync_threads = 512;
};

class GrpcServer {
 public:
  // Builds and starts a server for `services` (not owned; they must outlive it).
  static absl::StatusOr<std::unique_ptr<GrpcServer>> Start(
      const ServerConfig& config, const std::vector<grpc::Service*>& services);

  int port() const { return port_; }
  grpc::Server* server() { return server_.get(); }

  // Marks the server NOT_SERVING, waits up to `grace` for in-flight RPCs, then
  // cancels what remains.
  void Shutdown(absl::Duration grace);

 private:
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

// A client channel with keepalive, for calls between services.
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address);

// Deadline `timeout` from now, for a client context.
std::chrono::system_clock::time_point DeadlineIn(absl::Duration timeout);

}  // namespace sb::core
