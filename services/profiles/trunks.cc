#include "services/profiles/trunks.h"

#include <arpa/inet.h>

#include <algorithm>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/status.h"

namespace sb::profiles {
namespace {

constexpr char kCols[] =
    "id::text, name, tenant_id::text, array_to_string(inbound_sources, ','), outbound_uri, "
    "array_to_string(numbers, ','), (extract(epoch from created_at)*1000000)::bigint";

bool IsIp(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

absl::Status CheckSource(const std::string& source) {
  std::string host = source;
  std::string port;
  if (!source.empty() && source.front() == '[') {  // [2001:db8::1]:5060
    const size_t close = source.find(']');
    if (close == std::string::npos) return absl::InvalidArgumentError("unclosed [");
    host = source.substr(1, close - 1);
    if (close + 1 < source.size()) {
      if (source[close + 1] != ':') return absl::InvalidArgumentError("expected :port after ]");
      port = source.substr(close + 2);
    }
  } else if (std::count(source.begin(), source.end(), ':') == 1) {
    host = source.substr(0, source.find(':'));
    port = source.substr(source.find(':') + 1);
  }
  if (!IsIp(host)) return absl::InvalidArgumentError("must be an IP address, with an optional :port");
  int p = 0;
  if (!port.empty() && (!absl::SimpleAtoi(port, &p) || p < 1 || p > 65535)) {
    return absl::InvalidArgumentError("port must be 1-65535");
  }
  return absl::OkStatus();
}

// "[2001:db8::1]:5060" and "2001:db8::1" as the edge prints sources.
std::string NormalizeSource(const std::string& source) {
  if (!source.empty() && source.front() == '[' && source.back() == ']') return source.substr(1, source.size() - 2);
  if (!source.empty() && source.front() == '[') {
    const size_t close = source.find(']');
    return absl::StrCat("[", source.substr(1, close - 1), "]", source.substr(close + 1));
  }
  return source;
}

std::string ArrayLiteral(const google::protobuf::RepeatedPtrField<std::string>& items) {
  std::vector<std::string> quoted;
  for (const auto& i : items) quoted.push_back(absl::StrCat("\"", i, "\""));
  return absl::StrCat("{", absl::StrJoin(quoted, ","), "}");
}

pb::Trunk FromRow(const pqxx::row& r) {
  pb::Trunk t;
  t.set_id(r[0].as<std::string>());
  t.set_name(r[1].as<std::string>());
  t.set_tenant_id(r[2].as<std::string>());
  for (auto& s : absl::StrSplit(r[3].as<std::string>(), ',', absl::SkipEmpty())) t.add_inbound_sources(std::string(s));
  t.set_outbound_uri(r[4].as<std::string>());
  for (auto& s : absl::StrSplit(r[5].as<std::string>(), ',', absl::SkipEmpty())) t.add_numbers(std::string(s));
  const int64_t us = r[6].as<int64_t>();
  t.mutable_created_at()->set_seconds(us / 1000000);
  t.mutable_created_at()->set_nanos(static_cast<int32_t>(us % 1000000) * 1000);
  return t;
}

bool IsUuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (s[i] == '-')) return false;
    if (!dash && !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

}  // namespace

absl::Status ValidateTrunk(const pb::Trunk& t) {
  if (t.name().empty() || t.name().size() > 100) {
    return core::InvalidField("name", "name is required, at most 100 characters");
  }
  if (!IsUuid(t.tenant_id())) return core::InvalidField("tenant_id", "tenant_id must be a tenant's id");
  if (t.inbound_sources().empty() && t.outbound_uri().empty()) {
    return core::InvalidField("inbound_sources", "a trunk needs inbound_sources, an outbound_uri, or both");
  }
  for (int i = 0; i < t.inbound_sources_size(); ++i) {
    if (absl::Status st = CheckSource(t.inbound_sources(i)); !st.ok()) {
      return core::InvalidField(absl::StrCat("inbound_sources[", i, "]"),
                                absl::StrCat("inbound_sources[", i, "] \"", t.inbound_sources(i), "\" ", st.message()));
    }
  }
  if (!t.outbound_uri().empty() &&
      (!(absl::StartsWith(t.outbound_uri(), "sip:") || absl::StartsWith(t.outbound_uri(), "sips:")) ||
       t.outbound_uri().size() > 256 || absl::StrContains(t.outbound_uri(), ",") ||
       absl::StrContains(t.outbound_uri(), " "))) {
    return core::InvalidField("outbound_uri", "outbound_uri must be a sip: or sips: URI, e.g. sip:gw.example:5060");
  }
  for (int i = 0; i < t.numbers_size(); ++i) {
    const std::string& n = t.numbers(i);
    std::vector<std::string> parts = absl::StrSplit(n, '/');
    int prefix = 0;
    bool ok = parts.size() <= 2 && parts[0].size() >= 3 && parts[0].size() <= 16 && parts[0][0] == '+' &&
              std::all_of(parts[0].begin() + 1, parts[0].end(), [](char c) { return c >= '0' && c <= '9'; });
    if (ok && parts.size() == 2) ok = absl::SimpleAtoi(parts[1], &prefix) && prefix >= 1 && prefix <= 1000000;
    if (!ok) {
      return core::InvalidField(absl::StrCat("numbers[", i, "]"),
                                absl::StrCat("numbers[", i, "] \"", n, "\" must be E.164, optionally followed by /<count of numbers in the block>"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<pb::Trunk> TrunkService::Create(const core::Principal& p, pb::Trunk trunk) {
  if (!p.IsPlatformWide()) return absl::PermissionDeniedError("trunks are managed by operators");
  for (auto& s : *trunk.mutable_inbound_sources()) s = NormalizeSource(s);
  SB_RETURN_IF_ERROR(ValidateTrunk(trunk));
  pb::Trunk out;
  SB_RETURN_IF_ERROR(pool_->Transact([&](pqxx::work& w) -> absl::Status {
    auto tenant = w.exec_params("SELECT 1 FROM tenants WHERE id = $1::uuid", trunk.tenant_id());
    if (tenant.empty()) return core::InvalidField("tenant_id", "tenant_id names no tenant");
    for (const auto& source : trunk.inbound_sources()) {
      auto taken = w.exec_params("SELECT name FROM trunks WHERE $1 = ANY(inbound_sources)", source);
      if (!taken.empty()) {
        return absl::AlreadyExistsError(
            absl::StrCat("inbound source ", source, " already belongs to trunk '", taken[0][0].as<std::string>(), "'"));
      }
    }
    auto r = w.exec_params(absl::StrCat("INSERT INTO trunks (name, tenant_id, inbound_sources, outbound_uri, numbers) "
                                        "VALUES ($1, $2::uuid, $3::text[], $4, $5::text[]) RETURNING ",
                                        kCols),
                           trunk.name(), trunk.tenant_id(), ArrayLiteral(trunk.inbound_sources()),
                           trunk.outbound_uri(), ArrayLiteral(trunk.numbers()));
    out = FromRow(r[0]);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<pb::Trunk> TrunkService::Get(const core::Principal& p, const std::string& id) {
  if (!p.IsPlatformWide()) return absl::PermissionDeniedError("trunks are managed by operators");
  if (!IsUuid(id)) return absl::NotFoundError("trunk not found");
  std::optional<pb::Trunk> out;
  SB_RETURN_IF_ERROR(pool_->Query([&](pqxx::nontransaction& q) -> absl::Status {
    auto r = q.exec_params(absl::StrCat("SELECT ", kCols, " FROM trunks WHERE id = $1::uuid"), id);
    if (!r.empty()) out = FromRow(r[0]);
    return absl::OkStatus();
  }));
  if (!out) return absl::NotFoundError("trunk not found");
  return *out;
}

absl::StatusOr<pb::ListTrunksResponse> TrunkService::List(const core::Principal& p, const std::string& tenant_id) {
  if (!p.IsPlatformWide()) return absl::PermissionDeniedError("trunks are managed by operators");
  if (!tenant_id.empty() && !IsUuid(tenant_id)) return core::InvalidField("tenant_id", "tenant_id must be a tenant's id");
  pb::ListTrunksResponse out;
  SB_RETURN_IF_ERROR(pool_->Query([&](pqxx::nontransaction& q) -> absl::Status {
    auto r = tenant_id.empty()
                 ? q.exec(absl::StrCat("SELECT ", kCols, " FROM trunks ORDER BY created_at, id"))
                 : q.exec_params(absl::StrCat("SELECT ", kCols, " FROM trunks WHERE tenant_id = $1::uuid ORDER BY created_at, id"),
                                 tenant_id);
    for (const auto& row : r) *out.add_items() = FromRow(row);
    return absl::OkStatus();
  }));
  return out;
}

absl::Status TrunkService::Delete(const core::Principal& p, const std::string& id) {
  if (!p.IsPlatformWide()) return absl::PermissionDeniedError("trunks are managed by operators");
  if (!IsUuid(id)) return absl::NotFoundError("trunk not found");
  bool found = false;
  SB_RETURN_IF_ERROR(pool_->Transact([&](pqxx::work& w) -> absl::Status {
    found = w.exec_params("DELETE FROM trunks WHERE id = $1::uuid", id).affected_rows() > 0;
    return absl::OkStatus();
  }));
  if (!found) return absl::NotFoundError("trunk not found");
  return absl::OkStatus();
}

}  // namespace sb::profiles
