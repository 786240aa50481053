#pragma once
// Carrier trunks as the edge sees them: inbound calls are recognised by the
// address and port they come from (no digest: the carrier is trusted by its
// address), outbound calls to external numbers leave through the tenant's
// trunk `outbound_uri`. Trunks are provisioned through the API (POST
// /v1/trunks, stored by profiles); the edge keeps a copy in memory, reloaded
// every `refresh` by a background thread, so the SIP loop looks trunks up
// without I/O.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace sb::edge {

struct Trunk {
  std::string id;
  std::string name;
  std::string tenant_id;
  // "198.51.100.7:5060", or "198.51.100.7": any port of that address.
  std::vector<std::string> inbound_sources;
  std::string outbound_uri;                  // "sip:gw.example:5060"
};

// "id|tenant|source[+source…]|outbound_uri" entries separated by ",", for
// --static_trunks (a machine without the trunk API, the benchmark).
absl::StatusOr<std::vector<Trunk>> ParseStaticTrunks(const std::string& spec);

// The Request-URI for `number` through `trunk`: "sip:+33612345678@gw.example:5060"
// (the outbound URI's host, port and parameters, the number as user).
std::string OutboundRequestUri(const Trunk& trunk, const std::string& number);

// Thread-safe.
class TrunkTable {
 public:
  using Loader = std::function<absl::StatusOr<std::vector<Trunk>>()>;

  void Replace(std::vector<Trunk> trunks);
  std::optional<Trunk> BySource(const std::string& ip, int port) const;
  // The trunk external calls of `tenant_id` leave through (its own, else
  // the first one with an outbound URI: the platform's default carrier).
  std::optional<Trunk> OutboundFor(const std::string& tenant_id) const;
  size_t size() const;

  // Loads now and then every `refresh` on a thread of its own; a failed
  // load keeps the previous table (logged at warn).
  void StartRefresh(Loader loader, absl::Duration refresh);
  void Stop();
  ~TrunkTable();

 private:
  mutable absl::Mutex mu_;
  std::vector<Trunk> trunks_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, size_t> by_source_ ABSL_GUARDED_BY(mu_);
  absl::Notification stop_;
  std::thread refresher_;
};

}  // namespace sb::edge
