#pragma once
// Fakes of profiles and of the routing store for the unit tests of the
// decision path: in memory, counting every round trip.
#include <atomic>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/notification.h"
#include "core/status.h"
#include "numbering/numbering.h"
#include "services/routing/profiles_client.h"
#include "services/routing/store.h"

namespace sb::routing::testing {

constexpr char kTenant[] = "11111111-1111-1111-1111-111111111111";
constexpr char kAlice[] = "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa";
constexpr char kBruno[] = "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb";

// Profiles as the demo seed leaves them: Alice 4001, Bruno 4002, tenant FR.
class FakeProfiles final : public ProfilesSource {
 public:
  FakeProfiles() {
    tenant_.set_id(kTenant);
    tenant_.set_country("FR");
    tenant_.set_timezone("Europe/Paris");
    tenant_.set_max_concurrent_calls(10);
    AddUser(kAlice, "Alice", "Martin", "4001", "+33222969569", "0222969569");
    AddUser(kBruno, "Bruno", "Durand", "4002", "+33222969570", "0222969570");
  }

  absl::StatusOr<ppb::Tenant> GetTenant(const std::string& id) override {
    SB_RETURN_IF_ERROR(Count());
    if (id != kTenant) return absl::NotFoundError("tenant not found");
    return tenant_;
  }
  absl::StatusOr<ppb::User> GetUser(const std::string& id) override {
    SB_RETURN_IF_ERROR(Count());
    auto it = users_.find(id);
    if (it == users_.end()) return absl::NotFoundError("user not found");
    return it->second;
  }
  absl::StatusOr<ppb::ResolveLineResponse> ResolveLine(const std::string& tenant,
                                                       const std::string& dialed) override {
    SB_RETURN_IF_ERROR(Count());
    for (const auto& [id, u] : users_) {
      const ppb::Line& l = u.lines(0);
      if ((tenant == l.tenant_id() && dialed == l.extension()) || dialed == l.number() ||
          dialed == l.number_e164()) {
        ppb::ResolveLineResponse r;
        *r.mutable_line() = l;
        *r.mutable_user() = u;
        return r;
      }
    }
    return absl::NotFoundError("no line answers to this number");
  }
  absl::StatusOr<std::vector<ppb::Contact>> ListContacts(const std::string&) override {
    SB_RETURN_IF_ERROR(Count());
    return contacts;
  }
  absl::StatusOr<std::vector<ppb::ContactGroup>> ListContactGroups(const std::string&) override {
    SB_RETURN_IF_ERROR(Count());
    return std::vector<ppb::ContactGroup>{};
  }
  absl::StatusOr<std::vector<ppb::User>> ListUsers(const core::Principal&, const std::string&) override {
    SB_RETURN_IF_ERROR(Count());
    std::vector<ppb::User> out;
    for (const auto& [id, u] : users_) out.push_back(u);
    return out;
  }

  std::atomic<int> calls{0};
  bool down = false;
  absl::Notification* gate = nullptr;  // when set, every call waits for it
  std::vector<ppb::Contact> contacts;  // every user's, for these tests

 private:
  absl::Status Count() {
    if (gate != nullptr) gate->WaitForNotification();
    ++calls;
    return down ? absl::UnavailableError("profiles: connection refused") : absl::OkStatus();
  }
  void AddUser(const std::string& id, const std::string& first, const std::string& last,
               const std::string& ext, const std::string& e164, const std::string& national) {
    ppb::User u;
    u.set_id(id);
    u.set_tenant_id(kTenant);
    u.set_first_name(first);
    u.set_last_name(last);
    u.set_extension(ext);
    u.set_number_e164(e164);
    u.set_timezone("Europe/Paris");
    u.add_licences("VOICEMAIL");
    auto* l = u.add_lines();
    l->set_id("line-" + ext);
    l->set_tenant_id(kTenant);
    l->set_user_id(id);
    l->set_extension(ext);
    l->set_number_e164(e164);
    l->set_number(national);
    users_[id] = u;
  }
  ppb::Tenant tenant_;
  absl::flat_hash_map<std::string, ppb::User> users_;
};

// The routing store in memory, counting reads.
class FakeStore final : public Store {
 public:
  absl::StatusOr<rpb::CallSettings> GetCallSettings(const std::string& user_id) override {
    ++loads;
    auto it = settings.find(user_id);
    if (it == settings.end()) return absl::NotFoundError("call settings not found");
    return it->second;
  }
  absl::StatusOr<std::vector<rpb::CallSettings>> ListTenantCallSettings(const std::string&) override {
    std::vector<rpb::CallSettings> out;
    for (const auto& [id, s] : settings) out.push_back(s);
    return out;
  }
  absl::StatusOr<std::vector<rpb::CallSettings>> PutCallSettings(const std::string&,
                                                                 const std::vector<rpb::CallSettings>& in,
                                                                 const Events& events) override {
    for (const auto& s : in) settings[s.user_id()] = s;
    for (const auto& e : events) written_events.push_back(e.type);
    return in;
  }
  absl::StatusOr<std::vector<rpb::Schedule>> ListSchedules(const std::string&, const std::string&) override {
    ++loads;
    return std::vector<rpb::Schedule>{};
  }
  absl::StatusOr<std::vector<rpb::RuleList>> ListRuleLists(const std::string&) override {
    ++loads;
    return std::vector<rpb::RuleList>{};
  }
  absl::StatusOr<rpb::Blacklist> GetBlacklist(const std::string& tenant_id) override {
    ++loads;
    rpb::Blacklist b = blacklist;
    b.set_tenant_id(tenant_id);
    return b;
  }

  // What the decision path never touches.
  absl::StatusOr<std::vector<rpb::Schedule>> InsertSchedule(const rpb::Schedule&,
                                                            const std::optional<rpb::Schedule>&,
                                                            const Events&) override {
    return Unused();
  }
  absl::StatusOr<rpb::Schedule> GetSchedule(const std::string&) override { return Unused(); }
  absl::StatusOr<rpb::Schedule> UpdateSchedule(const rpb::Schedule&, const Events&) override {
    return Unused();
  }
  absl::Status DeleteSchedule(const std::string&, const Events&) override { return Unused(); }
  absl::StatusOr<rpb::RuleList> InsertRuleList(const std::string&, const rpb::RuleList&,
                                               const Events&) override {
    return Unused();
  }
  absl::StatusOr<rpb::RuleList> GetRuleList(const std::string&) override { return Unused(); }
  absl::StatusOr<rpb::RuleList> UpdateRuleList(const rpb::RuleList&, const Events&) override {
    return Unused();
  }
  absl::Status DeleteRuleList(const std::string&, const Events&) override { return Unused(); }
  absl::StatusOr<rpb::Blacklist> SetBlacklistMode(const std::string&, bool, const Events&) override {
    return Unused();
  }
  absl::StatusOr<rpb::BlacklistRule> InsertBlacklistRule(const std::string&, const rpb::BlacklistRule&,
                                                         const Events&) override {
    return Unused();
  }
  absl::Status DeleteBlacklistRule(const std::string&, const std::string&, const Events&) override {
    return Unused();
  }
  absl::Status DeleteAllBlacklistRules(const std::string&, const Events&) override { return Unused(); }
  absl::StatusOr<std::vector<CallLogRecord>> InsertCallLogs(const std::vector<CallLogRecord>&,
                                                            const std::vector<Events>&) override {
    return Unused();
  }
  absl::StatusOr<std::vector<rpb::CallLogEntry>> ListCallLogs(const std::string&, rpb::CallLogEntry::Kind,
                                                              const CallLogCursor&, absl::Time,
                                                              int) override {
    return Unused();
  }
  absl::StatusOr<int64_t> PurgeCallLogs(absl::Time) override { return Unused(); }

  absl::flat_hash_map<std::string, rpb::CallSettings> settings;
  rpb::Blacklist blacklist;
  std::vector<std::string> written_events;
  std::atomic<int> loads{0};

 private:
  static absl::Status Unused() { return absl::InternalError("FakeStore: outside the decision path"); }
};

inline const numbering::Numbering& Numbers() {
  static const numbering::Numbering* n = new numbering::Numbering();
  return *n;
}

}  // namespace sb::routing::testing
