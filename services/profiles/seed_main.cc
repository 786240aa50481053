// profiles-seed: creates the demo operator, tenant, admin and subscribers, and
// a soft phone for each subscriber. Idempotent: what exists is left alone.
// The generated SIP credentials are written once to --credentials_out.
#include <fstream>
#include <iostream>

#include <grpcpp/client_context.h>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "core/config.h"
#include "core/principal.h"
#include "core/server.h"
#include "core/status.h"
#include "switchboard/profiles/v1/profiles.grpc.pb.h"

ABSL_FLAG(std::string, profiles_addr, "127.0.0.1:50051", "profiles service address");
ABSL_FLAG(std::string, credentials_out, "", "file receiving the demo SIP credentials (written when created)");

namespace pb = switchboard::profiles::v1;

namespace {

struct Subscriber {
  const char* first;
  const char* last;
  const char* email;
  const char* security_email;  // empty: set at first sign-in (A2)
  const char* number;
  const char* extension;
  const char* password;
  const char* pin;
  pb::Role role;
};

// The demo accounts; README.md lists the same credentials.
constexpr Subscriber kPeople[] = {
    {"Claire", "Admin", "admin@demo.switchboard.local", "admin@demo.switchboard.local", "", "4000",
     "Dem0-Admin!Pass", "", pb::ADMIN},
    {"Alice", "Martin", "alice@demo.switchboard.local", "alice@demo.switchboard.local", "0222969569", "4001",
     "Alice!Portal42", "240817", pb::USER},
    {"Bruno", "Durand", "bruno@demo.switchboard.local", "", "0222969570", "4002", "Bruno!Portal37", "583920",
     pb::USER},
};

class Seeder {
 public:
  explicit Seeder(std::shared_ptr<grpc::Channel> channel) : stub_(pb::Profiles::NewStub(channel)) {}

  template <typename Req, typename Resp, typename Fn>
  absl::Status Call(Fn fn, const Req& req, Resp* resp) {
    grpc::ClientContext ctx;
    ctx.set_deadline(sb::core::DeadlineIn(absl::Seconds(10)));
    sb::core::AttachPrincipal(&ctx, sb::core::Principal::System());
    return sb::core::FromGrpc((stub_.get()->*fn)(&ctx, req, resp));
  }

  absl::StatusOr<pb::Tenant> EnsureTenant() {
    pb::CreateTenantRequest req;
    auto* t = req.mutable_tenant();
    t->set_name("Demo");
    t->set_country("FR");
    t->set_timezone("Europe/Paris");
    t->set_sip_domain("demo.switchboard.local");
    t->set_max_concurrent_calls(10);
    for (auto l : {"VOICEMAIL", "FAX", "CONFERENCING", "FIND_ME_FOLLOW_ME", "RECORDING", "HUNT_GROUP"}) {
      t->add_offered_licences(l);
    }
    pb::Tenant out;
    absl::Status st = Call(&pb::Profiles::Stub::CreateTenant, req, &out);
    if (st.ok()) return out;
    if (st.code() != absl::StatusCode::kAlreadyExists) return st;
    pb::ListTenantsRequest list;
    list.set_page_size(500);
    pb::ListTenantsResponse tenants;
    SB_RETURN_IF_ERROR(Call(&pb::Profiles::Stub::ListTenants, list, &tenants));
    for (const auto& existing : tenants.items()) {
      if (existing.sip_domain() == "demo.switchboard.local") return existing;
    }
    return absl::NotFoundError("the demo tenant exists but can't be listed");
  }

  absl::StatusOr<pb::User> EnsureUser(const std::string& tenant_id, const Subscriber& s, bool* created) {
    pb::CreateUserRequest req;
    req.set_tenant_id(tenant_id);
    auto* u = req.mutable_user();
    u->set_first_name(s.first);
    u->set_last_name(s.last);
    u->set_email(s.email);
    u->set_security_email(s.security_email);
    u->set_number(s.number);
    u->set_extension(s.extension);
    u->set_password(s.password);
    u->set_role(s.role);
    u->set_language("fr");
    if (s.role == pb::USER) u->add_licences("VOICEMAIL");
    pb::User out;
    absl::Status st = Call(&pb::Profiles::Stub::CreateUser, req, &out);
    *created = st.ok();
    if (st.ok() || st.code() != absl::StatusCode::kAlreadyExists) {
      if (!st.ok()) return st;
      return out;
    }
    pb::ListUsersRequest list;
    list.set_tenant_id(tenant_id);
    list.set_page_size(500);
    pb::ListUsersResponse users;
    SB_RETURN_IF_ERROR(Call(&pb::Profiles::Stub::ListUsers, list, &users));
    for (const auto& existing : users.items()) {
      if (existing.email() == s.email) return existing;
    }
    return absl::NotFoundError(absl::StrCat("user ", s.email, " exists elsewhere"));
  }

 private:
  std::unique_ptr<pb::Profiles::Stub> stub_;
};

}  // namespace

int main(int argc, char** argv) {
  sb::core::ParseFlags(argc, argv, "Seeds the demo tenant into the profiles service.");
  Seeder seeder(sb::core::MakeChannel(absl::GetFlag(FLAGS_profiles_addr)));

  // The operator.
  {
    pb::CreateUserRequest req;
    auto* u = req.mutable_user();
    u->set_first_name("Olivia");
    u->set_last_name("Operator");
    u->set_email("operator@switchboard.local");
    u->set_security_email("operator@switchboard.local");
    u->set_password("Sw1tchboard!Op");
    u->set_role(pb::OPERATOR);
    u->set_language("en");
    pb::User out;
    absl::Status st = seeder.Call(&pb::Profiles::Stub::CreateUser, req, &out);
    if (!st.ok() && st.code() != absl::StatusCode::kAlreadyExists) {
      std::cerr << "seed: operator: " << st << "\n";
      return 1;
    }
  }
  auto tenant = seeder.EnsureTenant();
  if (!tenant.ok()) {
    std::cerr << "seed: tenant: " << tenant.status() << "\n";
    return 1;
  }
  std::string sip_lines;
  for (const auto& s : kPeople) {
    bool created = false;
    auto user = seeder.EnsureUser(tenant->id(), s, &created);
    if (!user.ok()) {
      std::cerr << "seed: " << s.email << ": " << user.status() << "\n";
      return 1;
    }
    if (created && s.pin[0] != '\0') {
      pb::ChangePinRequest pin;
      pin.set_user_id(user->id());
      pin.set_new_pin(s.pin);
      pb::Empty empty;
      absl::Status st = seeder.Call(&pb::Profiles::Stub::ChangeVoicemailPin, pin, &empty);
      if (!st.ok()) std::cerr << "seed: voicemail PIN of " << s.email << ": " << st << "\n";
    }
    if (s.role != pb::USER) continue;
    pb::ListDevicesRequest list;
    list.set_user_id(user->id());
    pb::ListDevicesResponse devices;
    absl::Status st = seeder.Call(&pb::Profiles::Stub::ListDevices, list, &devices);
    if (!st.ok()) {
      std::cerr << "seed: devices of " << s.email << ": " << st << "\n";
      return 1;
    }
    if (devices.items_size() > 0) continue;
    pb::CreateDeviceRequest req;
    req.set_user_id(user->id());
    req.mutable_device()->set_kind(pb::SOFTPHONE);
    req.mutable_device()->set_name(absl::StrCat(s.first, "'s softphone"));
    pb::Device device;
    st = seeder.Call(&pb::Profiles::Stub::CreateDevice, req, &device);
    if (!st.ok()) {
      std::cerr << "seed: softphone of " << s.email << ": " << st << "\n";
      return 1;
    }
    absl::StrAppend(&sip_lines, s.first, " ", s.last, " (ext ", s.extension, ", ", s.number, "): username ",
                    device.sip_username(), "  password ", device.sip_password(), "  domain ",
                    device.sip_domain(), "\n");
  }
  const std::string out = absl::GetFlag(FLAGS_credentials_out);
  if (!sip_lines.empty() && !out.empty()) {
    std::ofstream f(out, std::ios::app);
    f << sip_lines;
  }
  std::cout << "seed: demo tenant " << tenant->name() << " (" << tenant->id() << ") ready\n";
  if (!sip_lines.empty()) std::cout << sip_lines;
  return 0;
}
