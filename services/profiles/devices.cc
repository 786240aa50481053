// Devices (A9): soft phones with generated SIP credentials, desk phones by
// MAC; only the HA1 digests are stored, the password is shown once.
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "core/status.h"
#include "services/profiles/profile_manager.h"
#include "services/profiles/secrets.h"
#include "services/profiles/validation.h"

namespace sb::profiles {
namespace {
using core::InvalidField;

absl::Status CheckLineKeys(const pb::Device& d, const pb::User& owner) {
  std::vector<int> seen;
  for (const auto& k : d.line_keys()) {
    if (k.key() < 1 || k.key() > 64) return InvalidField("line_keys.key", "line keys are numbered 1 to 64");
    for (int s : seen) {
      if (s == k.key()) return InvalidField("line_keys.key", absl::StrCat("line key ", k.key(), " is used twice"));
    }
    seen.push_back(k.key());
    bool owned = false;
    for (const auto& l : owner.lines()) owned |= l.id() == k.line_id();
    if (!owned) return InvalidField("line_keys.line_id", "a line key must carry one of the user's lines");
  }
  return absl::OkStatus();
}
}  // namespace

absl::StatusOr<pb::Device> ProfileManager::CreateDevice(const Principal& p, const std::string& user_id,
                                                        pb::Device d) {
  SB_ASSIGN_OR_RETURN(pb::User owner, VisibleUser(p, user_id));
  if (owner.tenant_id().empty()) return InvalidField("user_id", "an operator has no phone");
  SB_ASSIGN_OR_RETURN(pb::Tenant tenant, store_->GetTenant(owner.tenant_id()));
  d.clear_id();
  d.set_tenant_id(owner.tenant_id());
  d.set_user_id(owner.id());
  SB_RETURN_IF_ERROR(CheckText("name", d.name(), 64));
  SB_RETURN_IF_ERROR(CheckText("model", d.model(), 64));
  if (d.kind() == pb::DESK_PHONE) {
    if (d.mac().empty()) return InvalidField("mac", "a desk phone needs its MAC address");
    std::string mac = d.mac();
    SB_RETURN_IF_ERROR(NormalizeMac("mac", &mac));
    d.set_mac(mac);
    if (d.name().empty()) d.set_name(d.model().empty() ? "Desk phone" : d.model());
  } else if (d.kind() == pb::SOFTPHONE) {
    if (!d.mac().empty()) return InvalidField("mac", "a soft phone has no MAC address");
    if (d.name().empty()) d.set_name("Softphone");
  } else {
    return InvalidField("kind", "kind must be SOFTPHONE or DESK_PHONE");
  }
  if (d.line_keys_size() == 0 && owner.lines_size() > 0) {
    auto* k = d.add_line_keys();
    k->set_key(1);
    k->set_line_id(owner.lines(0).id());
  }
  SB_RETURN_IF_ERROR(CheckLineKeys(d, owner));
  const std::string password = GenerateSipPassword();
  const std::string prefix = owner.extension().empty() ? "sip" : owner.extension();
  // Usernames are random; a collision (unlikely) is retried with another.
  for (int attempt = 0; attempt < 5; ++attempt) {
    d.set_sip_username(GenerateSipUsername(absl::StrCat(prefix, "-")));
    auto out = store_->InsertDevice(d, DigestHa1Md5(d.sip_username(), tenant.sip_domain(), password),
                                    DigestHa1Sha256(d.sip_username(), tenant.sip_domain(), password),
                                    {Changed("profile.device_created", d.tenant_id(), d.user_id(), nullptr, &d)});
    if (out.ok()) {
      out->set_sip_password(password);
      out->set_sip_proxy(config_.sip_proxy);
      return out;
    }
    absl::Status st = ProfileConflict(out.status());
    if (st.code() != absl::StatusCode::kAlreadyExists || core::FieldOf(st) == "mac") return st;
  }
  return absl::InternalError("could not generate a unique SIP username");
}

absl::StatusOr<pb::Device> ProfileManager::GetDevice(const Principal& p, const std::string& user_id,
                                                     const std::string& id) {
  SB_ASSIGN_OR_RETURN(pb::User owner, VisibleUser(p, user_id));
  SB_ASSIGN_OR_RETURN(pb::Device d, store_->GetDevice(id));
  if (d.user_id() != owner.id()) return absl::NotFoundError("device not found");
  d.set_sip_proxy(config_.sip_proxy);
  return d;
}

absl::StatusOr<pb::ListDevicesResponse> ProfileManager::ListDevices(const Principal& p,
                                                                   const pb::ListDevicesRequest& req) {
  std::string tenant_id, user_id;
  if (!req.user_id().empty()) {
    SB_ASSIGN_OR_RETURN(pb::User owner, VisibleUser(p, req.user_id()));
    user_id = owner.id();
  } else {
    tenant_id = req.tenant_id().empty() ? p.tenant_id : req.tenant_id();
    if (!p.CanManageTenant(tenant_id)) return absl::NotFoundError("tenant not found");
  }
  Page page = PageOf(req.page_size(), req.page_token());
  SB_ASSIGN_OR_RETURN(auto items, store_->ListDevices(tenant_id, user_id, page));
  pb::ListDevicesResponse out;
  out.set_next_page_token(NextToken(&items, page));
  for (auto& d : items) {
    d.set_sip_proxy(config_.sip_proxy);
    *out.add_items() = std::move(d);
  }
  return out;
}

absl::StatusOr<pb::Device> ProfileManager::UpdateDevice(const Principal& p, const pb::UpdateDeviceRequest& req) {
  SB_ASSIGN_OR_RETURN(pb::User owner, VisibleUser(p, req.user_id()));
  SB_ASSIGN_OR_RETURN(pb::Device d, store_->GetDevice(req.device().id()));
  if (d.user_id() != owner.id()) return absl::NotFoundError("device not found");
  if (req.update_mask().paths_size() == 0) return InvalidField("update_mask", "nothing to update");
  for (const auto& path : req.update_mask().paths()) {
    if (path == "name") d.set_name(req.device().name());
    else if (path == "model") d.set_model(req.device().model());
    else if (path == "line_keys") *d.mutable_line_keys() = req.device().line_keys();
    else if (path == "mac" && d.kind() == pb::DESK_PHONE) {
      std::string mac = req.device().mac();
      SB_RETURN_IF_ERROR(NormalizeMac("mac", &mac));
      d.set_mac(mac);
    } else {
      return InvalidField(path, absl::StrCat("field '", path, "' can't be changed"));
    }
  }
  SB_RETURN_IF_ERROR(CheckText("name", d.name(), 64));
  SB_RETURN_IF_ERROR(CheckText("model", d.model(), 64));
  SB_RETURN_IF_ERROR(CheckLineKeys(d, owner));
  auto out = store_->UpdateDevice(d, {Changed("profile.device_updated", d.tenant_id(), d.user_id(), nullptr, &d)});
  if (!out.ok()) return ProfileConflict(out.status());
  out->set_sip_proxy(config_.sip_proxy);
  return out;
}

absl::Status ProfileManager::DeleteDevice(const Principal& p, const std::string& user_id, const std::string& id) {
  SB_ASSIGN_OR_RETURN(pb::Device d, GetDevice(p, user_id, id));
  return store_->DeleteDevice(d.id(), {Changed("profile.device_deleted", d.tenant_id(), d.user_id(), nullptr, &d)});
}

absl::StatusOr<pb::Device> ProfileManager::ResetDevicePassword(const Principal& p, const std::string& user_id,
                                                               const std::string& id) {
  SB_ASSIGN_OR_RETURN(pb::Device d, GetDevice(p, user_id, id));
  const std::string password = GenerateSipPassword();
  SB_RETURN_IF_ERROR(store_->SetDeviceHa1(d.id(), DigestHa1Md5(d.sip_username(), d.sip_domain(), password),
                                          DigestHa1Sha256(d.sip_username(), d.sip_domain(), password),
                                          {Changed("profile.device_updated", d.tenant_id(), d.user_id(), nullptr, &d)}));
  d.set_sip_password(password);
  return d;
}

absl::StatusOr<pb::SipCredentials> ProfileManager::GetSipCredentials(const Principal& p,
                                                                     const pb::GetSipCredentialsRequest& req) {
  // HA1 values are for the SIP edge only.
  if (p.role != core::PrincipalRole::kSystem) return absl::NotFoundError("device not found");
  SB_ASSIGN_OR_RETURN(DeviceSecrets s, store_->FindDeviceBySipUsername(req.sip_username()));
  if (!req.sip_domain().empty() && absl::AsciiStrToLower(req.sip_domain()) != s.device.sip_domain()) {
    return absl::NotFoundError("device not found");
  }
  pb::SipCredentials out;
  out.set_sip_username(s.device.sip_username());
  out.set_sip_domain(s.device.sip_domain());
  out.set_ha1_md5(s.ha1_md5);
  out.set_ha1_sha256(s.ha1_sha256);
  out.set_tenant_id(s.device.tenant_id());
  out.set_user_id(s.device.user_id());
  for (const auto& k : s.device.line_keys()) {
    auto line = store_->GetLine(k.line_id());
    if (line.ok()) *out.add_lines() = std::move(*line);
  }
  *out.mutable_device() = std::move(s.device);
  return out;
}

}  // namespace sb::profiles
