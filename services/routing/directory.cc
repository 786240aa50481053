#include "services/routing/directory.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "core/logging.h"
#include "core/status.h"

namespace sb::routing {
namespace {

std::string DigitsOnly(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (absl::ascii_isdigit(c) || (c == '+' && out.empty())) out += c;
  }
  return out;
}

}  // namespace

std::string DisplayName(const ppb::User& u) {
  std::string name =
      absl::StrCat(u.first_name(), u.first_name().empty() || u.last_name().empty() ? "" : " ", u.last_name());
  return name;
}

std::string DisplayName(const ppb::Contact& c) {
  std::string name =
      absl::StrCat(c.first_name(), c.first_name().empty() || c.last_name().empty() ? "" : " ", c.last_name());
  if (name.empty()) name = c.nickname();
  if (name.empty()) name = c.organization();
  return name;
}

ContactBook BuildContactBook(const std::vector<ppb::Contact>& contacts,
                             const std::vector<ppb::ContactGroup>& groups) {
  ContactBook book;
  absl::flat_hash_map<std::string, std::string> parent;
  for (const auto& g : groups) {
    parent[g.id()] = g.parent_id();
    book.group_members[g.id()];  // a known group with no member matches nobody
  }
  for (const auto& c : contacts) {
    auto& numbers = book.contact_numbers[c.id()];
    const std::string name = DisplayName(c);
    for (const auto& n : c.numbers()) {
      const std::string key = n.number_e164().empty() ? DigitsOnly(n.number()) : n.number_e164();
      if (key.empty()) continue;
      numbers.push_back(key);
      if (name.empty()) continue;
      book.names.try_emplace(key, name);
      if (!n.number().empty()) book.names.try_emplace(DigitsOnly(n.number()), name);
    }
    // A member of a group is a member of every group above it.
    for (const auto& gid : c.group_ids()) {
      absl::flat_hash_set<std::string> seen;
      for (std::string g = gid; !g.empty() && seen.insert(g).second;) {
        book.group_members[g].push_back(c.id());
        auto it = parent.find(g);
        g = it == parent.end() ? "" : it->second;
      }
    }
  }
  return book;
}

Directory::Directory(ProfilesSource* source, const numbering::Numbering* numbering, DirectoryConfig config,
                     std::function<absl::Time()> clock)
    : source_(source),
      numbering_(numbering),
      config_(config),
      clock_(std::move(clock)),
      tenants_(config.max_entries),
      users_(config.max_entries),
      resolved_(config.max_entries),
      contacts_(config.max_entries) {}

std::string Directory::ResolveKey(const std::string& tenant_id, const std::string& dialed) {
  return absl::StrCat(tenant_id, "\x1f", dialed);
}

std::shared_ptr<const ppb::Tenant> Directory::PeekTenant(const std::string& id) {
  return tenants_.Get(id, clock_());
}
std::shared_ptr<const ppb::User> Directory::PeekUser(const std::string& id) {
  return users_.Get(id, clock_());
}
std::shared_ptr<const Resolved> Directory::PeekResolve(const std::string& tenant_id,
                                                       const std::string& dialed) {
  return resolved_.Get(ResolveKey(tenant_id, dialed), clock_());
}
std::shared_ptr<const ContactBook> Directory::PeekContacts(const std::string& user_id) {
  return contacts_.Get(user_id, clock_());
}

absl::StatusOr<std::shared_ptr<const ppb::Tenant>> Directory::Tenant(const std::string& id) {
  bool hit = false;
  auto out = tenants_.GetOrLoad(
      id, clock_(), config_.ttl,
      [&]() -> absl::StatusOr<std::shared_ptr<const ppb::Tenant>> {
        fetches_.fetch_add(1, std::memory_order_relaxed);
        SB_ASSIGN_OR_RETURN(ppb::Tenant t, source_->GetTenant(id));
        return std::make_shared<const ppb::Tenant>(std::move(t));
      },
      &hit);
  if (hit) Hit();
  return out;
}

absl::StatusOr<std::shared_ptr<const ppb::User>> Directory::User(const std::string& id) {
  bool hit = false;
  auto out = users_.GetOrLoad(
      id, clock_(), config_.ttl,
      [&]() -> absl::StatusOr<std::shared_ptr<const ppb::User>> {
        fetches_.fetch_add(1, std::memory_order_relaxed);
        SB_ASSIGN_OR_RETURN(ppb::User u, source_->GetUser(id));
        return std::make_shared<const ppb::User>(std::move(u));
      },
      &hit);
  if (hit) Hit();
  return out;
}

absl::StatusOr<std::shared_ptr<const Resolved>> Directory::Resolve(const std::string& tenant_id,
                                                                   const std::string& dialed) {
  bool hit = false;
  auto out = resolved_.GetOrLoad(
      ResolveKey(tenant_id, dialed), clock_(), config_.ttl,
      [&]() -> absl::StatusOr<std::shared_ptr<const Resolved>> {
        auto user_ticket = users_.Begin();
        fetches_.fetch_add(1, std::memory_order_relaxed);
        auto resp = source_->ResolveLine(tenant_id, dialed);
        auto value = std::make_shared<Resolved>();
        if (resp.ok()) {
          value->line = resp->line();
          // The owner comes with the answer: one round trip less later.
          if (resp->has_user() && !resp->user().id().empty()) {
            users_.Put(resp->user().id(), std::make_shared<const ppb::User>(resp->user()), clock_(),
                       config_.ttl, user_ticket);
          }
        } else if (resp.status().code() != absl::StatusCode::kNotFound &&
                   resp.status().code() != absl::StatusCode::kInvalidArgument) {
          return resp.status();  // profiles unavailable: don't remember "nothing"
        }
        return std::shared_ptr<const Resolved>(std::move(value));
      },
      &hit);
  if (hit) Hit();
  return out;
}

absl::StatusOr<std::shared_ptr<const ContactBook>> Directory::Contacts(const std::string& user_id) {
  bool hit = false;
  auto out = contacts_.GetOrLoad(
      user_id, clock_(), config_.ttl,
      [&]() -> absl::StatusOr<std::shared_ptr<const ContactBook>> {
        fetches_.fetch_add(1, std::memory_order_relaxed);
        SB_ASSIGN_OR_RETURN(auto contacts, source_->ListContacts(user_id));
        SB_ASSIGN_OR_RETURN(auto groups, source_->ListContactGroups(user_id));
        return std::make_shared<const ContactBook>(BuildContactBook(contacts, groups));
      },
      &hit);
  if (hit) Hit();
  return out;
}

std::string Directory::NameFor(const std::string& user_id, const std::string& number) {
  if (number.empty()) return "";
  if (auto book = Contacts(user_id); book.ok()) {
    const auto& names = (*book)->names;
    if (auto it = names.find(number); it != names.end()) return it->second;
    if (auto it = names.find(DigitsOnly(number)); it != names.end()) return it->second;
    // The contact may be stored in E.164 and the number presented nationally.
    auto user = User(user_id);
    if (user.ok()) {
      if (auto tenant = Tenant((*user)->tenant_id()); tenant.ok() && numbering_ != nullptr) {
        if (auto n = numbering_->Normalize(number, (*tenant)->country()); n.ok()) {
          if (auto it = names.find(n->e164); it != names.end()) return it->second;
        }
      }
    }
  }
  auto user = User(user_id);
  if (!user.ok()) return "";
  auto resolved = Resolve((*user)->tenant_id(), number);
  if (!resolved.ok() || !(*resolved)->line) return "";
  const ppb::Line& line = *(*resolved)->line;
  if (!line.user_id().empty()) {
    if (auto owner = User(line.user_id()); owner.ok()) return DisplayName(**owner);
  }
  return line.label();
}

void Directory::OnProfileEvent(const std::string& type, const ::switchboard::events::v1::ProfileChanged& c) {
  auto log = core::Logger("cache");
  log->debug("invalidating after {} (tenant={} user={})", type, c.tenant_id(), c.user_id());
  if (type == "profile.contacts_changed") {
    contacts_.Erase(c.user_id());
  } else if (type == "profile.user_updated") {
    users_.Erase(c.user_id());
  } else if (type == "profile.user_created" || type == "profile.user_deleted") {
    users_.Erase(c.user_id());
    contacts_.Erase(c.user_id());
    resolved_.Clear();  // answers (and "nothing answers") may have changed
  } else if (type.rfind("profile.line_", 0) == 0) {
    if (!c.user_id().empty()) users_.Erase(c.user_id());  // its lines changed
    resolved_.Clear();
  } else if (type.rfind("profile.tenant_", 0) == 0) {
    tenants_.Erase(c.tenant_id());
    resolved_.Clear();  // a country change reads numbers differently
  } else if (type.rfind("profile.device_", 0) == 0) {
    // Devices are the edge's concern: nothing cached here depends on them.
  } else {
    log->info("unknown profile event {}: dropping every cached profile", type);
    Clear();
  }
}

void Directory::Clear() {
  tenants_.Clear();
  users_.Clear();
  resolved_.Clear();
  contacts_.Clear();
}

DirectoryStats Directory::Stats() const {
  return {hits_.load(std::memory_order_relaxed), fetches_.load(std::memory_order_relaxed)};
}

}  // namespace sb::routing
