// edge-bench-provision: soft phones for the registration benchmark
// (tools/bench/register). Ensures a tenant (--domain) with --users users and
// gives them --devices soft phones in all, through the profiles gRPC API as
// the SYSTEM principal, then writes SIPp's injection file:
//
//   SEQUENTIAL
//   <sip username>;[authentication username=<sip username> password=<password>];<domain>
//
// Passwords are only shown when a device is created or reset, so devices that
// exist already get a new password. Idempotent otherwise.
#include <grpcpp/client_context.h>

#include <fstream>
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "core/config.h"
#include "core/principal.h"
#include "core/server.h"
#include "core/status.h"
#include "switchboard/profiles/v1/profiles.grpc.pb.h"

ABSL_FLAG(std::string, profiles_addr, "127.0.0.1:50051", "profiles service address");
ABSL_FLAG(std::string, domain, "bench.switchboard.local", "SIP domain of the benchmark tenant");
ABSL_FLAG(int, users, 20, "users the devices are spread over");
ABSL_FLAG(int, devices, 1000, "soft phones in all");
ABSL_FLAG(std::string, out, "bench-users.csv", "SIPp injection file to write");

namespace pb = switchboard::profiles::v1;

namespace {

class Provisioner {
 public:
  explicit Provisioner(std::shared_ptr<grpc::Channel> channel) : stub_(pb::Profiles::NewStub(channel)) {}

  template <typename Req, typename Resp, typename Fn>
  absl::Status Call(Fn fn, const Req& req, Resp* resp) {
    grpc::ClientContext ctx;
    ctx.set_deadline(sb::core::DeadlineIn(absl::Seconds(30)));
    sb::core::AttachPrincipal(&ctx, sb::core::Principal::System());
    return sb::core::FromGrpc((stub_.get()->*fn)(&ctx, req, resp));
  }

  absl::StatusOr<pb::Tenant> EnsureTenant(const std::string& domain) {
    pb::CreateTenantRequest req;
    req.mutable_tenant()->set_name("Bench");
    req.mutable_tenant()->set_country("FR");
    req.mutable_tenant()->set_timezone("Europe/Paris");
    req.mutable_tenant()->set_sip_domain(domain);
    req.mutable_tenant()->set_max_concurrent_calls(1000);
    pb::Tenant out;
    absl::Status st = Call(&pb::Profiles::Stub::CreateTenant, req, &out);
    if (st.ok() || st.code() != absl::StatusCode::kAlreadyExists) {
      if (!st.ok()) return st;
      return out;
    }
    pb::ListTenantsRequest list;
    list.set_page_size(500);
    pb::ListTenantsResponse tenants;
    SB_RETURN_IF_ERROR(Call(&pb::Profiles::Stub::ListTenants, list, &tenants));
    for (const auto& t : tenants.items()) {
      if (t.sip_domain() == domain) return t;
    }
    return absl::NotFoundError("the bench tenant exists but can't be listed");
  }

  absl::StatusOr<std::vector<pb::User>> EnsureUsers(const std::string& tenant_id, int count) {
    std::vector<pb::User> users;
    pb::ListUsersRequest list;
    list.set_tenant_id(tenant_id);
    list.set_page_size(500);
    pb::ListUsersResponse existing;
    SB_RETURN_IF_ERROR(Call(&pb::Profiles::Stub::ListUsers, list, &existing));
    for (int i = 0; i < count; ++i) {
      const std::string email = absl::StrCat("bench", i, "@bench.switchboard.local");
      bool found = false;
      for (const auto& u : existing.items()) {
        if (u.email() == email) {
          users.push_back(u);
          found = true;
        }
      }
      if (found) continue;
      pb::CreateUserRequest req;
      req.set_tenant_id(tenant_id);
      auto* u = req.mutable_user();
      u->set_first_name("Bench");
      u->set_last_name(absl::StrCat("User ", i));
      u->set_email(email);
      u->set_extension(absl::StrCat(70000 + i));
      u->set_password("Bench!Reg-Pw9x");
      u->set_role(pb::USER);
      pb::User out;
      SB_RETURN_IF_ERROR(Call(&pb::Profiles::Stub::CreateUser, req, &out));
      users.push_back(out);
    }
    return users;
  }

 private:
  std::unique_ptr<pb::Profiles::Stub> stub_;
};

}  // namespace

int main(int argc, char** argv) {
  sb::core::ParseFlags(argc, argv, "Provisions soft phones for the registration benchmark.");
  const int total = absl::GetFlag(FLAGS_devices);
  const int user_count = std::max(1, absl::GetFlag(FLAGS_users));
  Provisioner p(sb::core::MakeChannel(absl::GetFlag(FLAGS_profiles_addr)));
  auto tenant = p.EnsureTenant(absl::GetFlag(FLAGS_domain));
  if (!tenant.ok()) {
    std::cerr << "bench-provision: tenant: " << tenant.status() << "\n";
    return 1;
  }
  auto users = p.EnsureUsers(tenant->id(), user_count);
  if (!users.ok()) {
    std::cerr << "bench-provision: users: " << users.status() << "\n";
    return 1;
  }
  std::ofstream out(absl::GetFlag(FLAGS_out));
  out << "SEQUENTIAL\n";
  int written = 0;
  for (int u = 0; u < user_count && written < total; ++u) {
    const pb::User& user = (*users)[u];
    const int want = total / user_count + (u < total % user_count ? 1 : 0);
    pb::ListDevicesRequest list;
    list.set_user_id(user.id());
    list.set_page_size(1000);
    pb::ListDevicesResponse devices;
    if (absl::Status st = p.Call(&pb::Profiles::Stub::ListDevices, list, &devices); !st.ok()) {
      std::cerr << "bench-provision: devices: " << st << "\n";
      return 1;
    }
    for (int d = 0; d < want; ++d) {
      pb::Device device;
      absl::Status st;
      if (d < devices.items_size()) {
        pb::ResetDevicePasswordRequest req;
        req.set_user_id(user.id());
        req.set_device_id(devices.items(d).id());
        st = p.Call(&pb::Profiles::Stub::ResetDevicePassword, req, &device);
      } else {
        pb::CreateDeviceRequest req;
        req.set_user_id(user.id());
        req.mutable_device()->set_kind(pb::SOFTPHONE);
        req.mutable_device()->set_name(absl::StrCat("Bench phone ", d));
        st = p.Call(&pb::Profiles::Stub::CreateDevice, req, &device);
      }
      if (!st.ok()) {
        std::cerr << "bench-provision: device: " << st << "\n";
        return 1;
      }
      out << device.sip_username() << ";[authentication username=" << device.sip_username()
          << " password=" << device.sip_password() << "];" << device.sip_domain() << "\n";
      ++written;
    }
  }
  out.close();
  std::cout << "bench-provision: " << written << " soft phones of " << tenant->sip_domain() << " in "
            << absl::GetFlag(FLAGS_out) << "\n";
  return out ? 0 : 1;
}
