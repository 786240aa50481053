#include "services/edge/credentials.h"

#include <grpcpp/client_context.h>

#include "absl/strings/ascii.h"
#include "core/principal.h"
#include "core/server.h"
#include "core/status.h"

namespace sb::edge {

namespace pb = switchboard::profiles::v1;

ProfilesCredentialSource::ProfilesCredentialSource(std::shared_ptr<grpc::Channel> channel,
                                                   absl::Duration timeout)
    : stub_(pb::Profiles::NewStub(std::move(channel))), timeout_(timeout) {}

absl::StatusOr<DeviceCredentials> ProfilesCredentialSource::Fetch(const std::string& username,
                                                                  const std::string& domain) {
  grpc::ClientContext ctx;
  ctx.set_deadline(core::DeadlineIn(timeout_));
  core::AttachPrincipal(&ctx, core::Principal::System());
  pb::GetSipCredentialsRequest req;
  req.set_sip_username(username);
  req.set_sip_domain(domain);
  pb::SipCredentials resp;
  SB_RETURN_IF_ERROR(core::FromGrpc(stub_->GetSipCredentials(&ctx, req, &resp)));
  DeviceCredentials out;
  out.sip_username = resp.sip_username();
  out.sip_domain = absl::AsciiStrToLower(resp.sip_domain());
  out.ha1_md5 = resp.ha1_md5();
  out.ha1_sha256 = resp.ha1_sha256();
  out.tenant_id = resp.tenant_id();
  out.user_id = resp.user_id();
  out.device_id = resp.device().id();
  for (const auto& line : resp.lines()) out.line_ids.push_back(line.id());
  return out;
}

CredentialCache::CredentialCache(CredentialSource* source, CredentialCacheConfig config, Clock clock)
    : source_(source),
      config_(config),
      clock_(clock ? std::move(clock) : Clock([] { return absl::Now(); })) {}

std::optional<absl::StatusOr<DeviceCredentials>> CredentialCache::Peek(const std::string& username,
                                                                       const std::string& domain) const {
  const std::string domain_key = absl::AsciiStrToLower(domain);
  absl::MutexLock lock(&mu_);
  auto user = entries_.find(username);
  if (user == entries_.end()) return std::nullopt;
  auto e = user->second.find(domain_key);
  if (e == user->second.end()) return std::nullopt;
  const absl::Duration ttl = e->second.found ? config_.ttl : config_.negative_ttl;
  if (clock_() - e->second.fetched_at >= ttl) return std::nullopt;
  if (!e->second.found) return absl::StatusOr<DeviceCredentials>(absl::NotFoundError("unknown SIP username"));
  return absl::StatusOr<DeviceCredentials>(e->second.credentials);
}

absl::StatusOr<DeviceCredentials> CredentialCache::Get(const std::string& username,
                                                       const std::string& domain) {
  if (auto cached = Peek(username, domain); cached) return *std::move(cached);
  uint64_t generation = 0;
  {
    absl::MutexLock lock(&mu_);
    generation = generation_;
  }
  const std::string domain_key = absl::AsciiStrToLower(domain);
  // Fetched without the lock: a slow profiles must not stall cache hits.
  absl::StatusOr<DeviceCredentials> fetched = source_->Fetch(username, domain_key);
  if (!fetched.ok() && fetched.status().code() != absl::StatusCode::kNotFound) return fetched.status();
  absl::MutexLock lock(&mu_);
  if (generation == generation_) {
    const absl::Time now = clock_();
    if (count_ >= config_.max_entries) PruneLocked(now);
    auto& slot = entries_[username];
    auto [it, inserted] = slot.try_emplace(domain_key);
    if (inserted) ++count_;
    it->second.fetched_at = now;
    it->second.found = fetched.ok();
    it->second.credentials = fetched.ok() ? *fetched : DeviceCredentials{};
  }
  if (!fetched.ok()) return absl::NotFoundError("unknown SIP username");
  return fetched;
}

void CredentialCache::Invalidate(const std::string& username) {
  absl::MutexLock lock(&mu_);
  ++generation_;
  if (auto it = entries_.find(username); it != entries_.end()) {
    count_ -= it->second.size();
    entries_.erase(it);
  }
}

void CredentialCache::Clear() {
  absl::MutexLock lock(&mu_);
  ++generation_;
  entries_.clear();
  count_ = 0;
}

size_t CredentialCache::size() const {
  absl::MutexLock lock(&mu_);
  return count_;
}

void CredentialCache::PruneLocked(absl::Time now) {
  for (auto user = entries_.begin(); user != entries_.end();) {
    auto& domains = user->second;
    for (auto e = domains.begin(); e != domains.end();) {
      const absl::Duration ttl = e->second.found ? config_.ttl : config_.negative_ttl;
      if (now - e->second.fetched_at >= ttl) {
        domains.erase(e++);
        --count_;
      } else {
        ++e;
      }
    }
    if (domains.empty())
      entries_.erase(user++);
    else
      ++user;
  }
  // Still full of live entries (a flood of distinct usernames): start over
  // rather than grow without bound.
  if (count_ >= config_.max_entries) {
    entries_.clear();
    count_ = 0;
  }
}

}  // namespace sb::edge
