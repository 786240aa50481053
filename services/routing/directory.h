#pragma once
// Profiles data as the decision path needs it, cached: tenants, users, what
// a dialed string reaches, and each callee's contacts. On a warm cache a
// decision makes no profiles round trip.
//
// Freshness: entries are dropped when a `profile.*` event says they changed
// (OnProfileEvent, fed by invalidation.h from events.profile), and expire
// after `ttl` anyway, in case an event is lost (Redis down, a stream
// trimmed). "Nothing answers to this number" is cached too, for `ttl`, so
// that calls to external numbers don't ask profiles each time; any line
// change drops those answers.
//
// Threading: every method may be called from any thread. Get-style methods
// may block on profiles (a deadline bounds it); Peek-style methods never
// block and return null on a miss.
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "numbering/numbering.h"
#include "services/routing/profiles_client.h"
#include "services/routing/ttl_cache.h"
#include "switchboard/events/v1/events.pb.h"

namespace sb::routing {

struct DirectoryConfig {
  absl::Duration ttl = absl::Seconds(30);
  size_t max_entries = 100000;
};

// A subscriber's contacts, in the forms the engine and the call log read.
struct ContactBook {
  // contact id → its numbers (E.164 when known, else the digits).
  absl::flat_hash_map<std::string, std::vector<std::string>> contact_numbers;
  // group id → contact ids of the group and of all its subgroups.
  absl::flat_hash_map<std::string, std::vector<std::string>> group_members;
  // A number (E.164, or national digits) → the contact's display name.
  absl::flat_hash_map<std::string, std::string> names;
};

// What a dialed string reaches: a line of ours, or nothing.
struct Resolved {
  std::optional<ppb::Line> line;
};

struct DirectoryStats {
  int64_t hits = 0;
  int64_t fetches = 0;  // round trips to profiles
};

class Directory {
 public:
  Directory(ProfilesSource* source, const numbering::Numbering* numbering, DirectoryConfig config = {},
            std::function<absl::Time()> clock = absl::Now);

  absl::StatusOr<std::shared_ptr<const ppb::Tenant>> Tenant(const std::string& tenant_id);
  absl::StatusOr<std::shared_ptr<const ppb::User>> User(const std::string& user_id);
  absl::StatusOr<std::shared_ptr<const Resolved>> Resolve(const std::string& tenant_id,
                                                          const std::string& dialed);
  absl::StatusOr<std::shared_ptr<const ContactBook>> Contacts(const std::string& user_id);

  std::shared_ptr<const ppb::Tenant> PeekTenant(const std::string& tenant_id);
  std::shared_ptr<const ppb::User> PeekUser(const std::string& user_id);
  std::shared_ptr<const Resolved> PeekResolve(const std::string& tenant_id, const std::string& dialed);
  std::shared_ptr<const ContactBook> PeekContacts(const std::string& user_id);

  // The name `user_id` knows `number` by: one of its contacts, else the
  // colleague (or line label) the number reaches in its tenant; "" if none.
  // May block.
  std::string NameFor(const std::string& user_id, const std::string& number);

  // Drops what a profile.* event says changed.
  void OnProfileEvent(const std::string& type, const ::switchboard::events::v1::ProfileChanged& change);
  void Clear();

  DirectoryStats Stats() const;

 private:
  static std::string ResolveKey(const std::string& tenant_id, const std::string& dialed);
  void Hit() const { hits_.fetch_add(1, std::memory_order_relaxed); }

  ProfilesSource* source_;
  const numbering::Numbering* numbering_;
  const DirectoryConfig config_;
  std::function<absl::Time()> clock_;

  TtlCache<std::string, ppb::Tenant> tenants_;
  TtlCache<std::string, ppb::User> users_;
  TtlCache<std::string, Resolved> resolved_;
  TtlCache<std::string, ContactBook> contacts_;
  mutable std::atomic<int64_t> hits_{0};
  std::atomic<int64_t> fetches_{0};
};

// "Alice Martin", else the nickname, the organization, or "".
std::string DisplayName(const ppb::User& user);
std::string DisplayName(const ppb::Contact& contact);

// Builds a ContactBook (pure; exposed for tests).
ContactBook BuildContactBook(const std::vector<ppb::Contact>& contacts,
                             const std::vector<ppb::ContactGroup>& groups);

}  // namespace sb::routing
