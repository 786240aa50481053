#include "services/edge/trunks.h"

#include <pthread.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/logging.h"

namespace sb::edge {

absl::StatusOr<std::vector<Trunk>> ParseStaticTrunks(const std::string& spec) {
  std::vector<Trunk> out;
  for (absl::string_view entry : absl::StrSplit(spec, ',', absl::SkipWhitespace())) {
    std::vector<std::string> parts = absl::StrSplit(entry, '|');
    if (parts.size() != 4) {
      return absl::InvalidArgumentError(
          absl::StrCat("static_trunks: \"", entry, "\" must be id|tenant_id|sources|outbound_uri"));
    }
    Trunk t;
    t.id = parts[0];
    t.name = parts[0];
    t.tenant_id = parts[1];
    t.inbound_sources = absl::StrSplit(parts[2], '+', absl::SkipEmpty());
    t.outbound_uri = parts[3];
    if (!t.outbound_uri.empty() && !absl::StartsWith(t.outbound_uri, "sip:")) {
      return absl::InvalidArgumentError(absl::StrCat("static_trunks: outbound_uri of ", t.id, " must be sip:"));
    }
    out.push_back(std::move(t));
  }
  return out;
}

std::string OutboundRequestUri(const Trunk& trunk, const std::string& number) {
  absl::string_view rest = trunk.outbound_uri;
  absl::ConsumePrefix(&rest, "sips:");
  absl::ConsumePrefix(&rest, "sip:");
  if (const size_t at = rest.find('@'); at != absl::string_view::npos) rest = rest.substr(at + 1);
  return absl::StrCat("sip:", number, "@", rest);
}

void TrunkTable::Replace(std::vector<Trunk> trunks) {
  absl::MutexLock lock(&mu_);
  trunks_ = std::move(trunks);
  by_source_.clear();
  for (size_t i = 0; i < trunks_.size(); ++i) {
    for (const std::string& source : trunks_[i].inbound_sources) by_source_.emplace(source, i);
  }
}

std::optional<Trunk> TrunkTable::BySource(const std::string& ip, int port) const {
  absl::MutexLock lock(&mu_);
  auto it = by_source_.find(absl::StrCat(ip, ":", port));
  // A source without a port: the carrier sends from any port of that address.
  if (it == by_source_.end()) it = by_source_.find(ip);
  if (it == by_source_.end()) return std::nullopt;
  return trunks_[it->second];
}

std::optional<Trunk> TrunkTable::OutboundFor(const std::string& tenant_id) const {
  absl::MutexLock lock(&mu_);
  const Trunk* fallback = nullptr;
  for (const Trunk& t : trunks_) {
    if (t.outbound_uri.empty()) continue;
    if (t.tenant_id == tenant_id) return t;
    if (fallback == nullptr) fallback = &t;
  }
  if (fallback != nullptr) return *fallback;
  return std::nullopt;
}

size_t TrunkTable::size() const {
  absl::MutexLock lock(&mu_);
  return trunks_.size();
}

void TrunkTable::StartRefresh(Loader loader, absl::Duration refresh) {
  auto load = [this, loader] {
    absl::StatusOr<std::vector<Trunk>> trunks = loader();
    if (!trunks.ok()) {
      core::Logger("trunks")->warn("trunks not reloaded, keeping {}: {}", size(), trunks.status().message());
      return;
    }
    Replace(*std::move(trunks));
  };
  load();
  refresher_ = std::thread([this, load, refresh] {
    pthread_setname_np(pthread_self(), "trunks");
    while (!stop_.WaitForNotificationWithTimeout(refresh)) load();
  });
}

void TrunkTable::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (refresher_.joinable()) refresher_.join();
}

TrunkTable::~TrunkTable() { Stop(); }

}  // namespace sb::edge
