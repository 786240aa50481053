#pragma once
// The storage the profiles logic needs. Records are the protobuf messages of
// the API (they are the domain's vocabulary); secrets never leave the store
// except through the methods that need them (Authenticate, digest auth).
//
// Every mutating method takes the events that describe the change: the store
// writes them to the outbox in the same transaction, so an acknowledged change
// always gets its notification (see outbox.h).
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "switchboard/profiles/v1/profiles.pb.h"

namespace sb::profiles {

namespace pb = ::switchboard::profiles::v1;

struct OutboxEvent {
  std::string topic;      // "profile", "security"
  std::string type;       // "security.password_changed"
  std::string tenant_id;
  std::string payload;    // serialized events.v1 message
};
using Events = std::vector<OutboxEvent>;

// One page of a keyset-paginated list: rows after `after_id`, ordered by id.
struct Page {
  std::string after_id;
  int limit = 50;
};

struct UserSecrets {
  std::string password_hash;
  std::string voicemail_pin_hash;
  std::string call_pin_hash;
};

struct LoginRecord {
  pb::User user;
  std::string password_hash;
};

struct DeviceSecrets {
  pb::Device device;
  std::string ha1_md5;
  std::string ha1_sha256;
};

enum class SecretKind { kPassword, kVoicemailPin, kCallPin };

class Store {
 public:
  virtual ~Store() = default;

  // Tenants.
  virtual absl::StatusOr<pb::Tenant> InsertTenant(const pb::Tenant& tenant, const Events& events) = 0;
  virtual absl::StatusOr<pb::Tenant> GetTenant(const std::string& id) = 0;
  virtual absl::StatusOr<std::vector<pb::Tenant>> ListTenants(const Page& page) = 0;
  virtual absl::StatusOr<pb::Tenant> UpdateTenant(const pb::Tenant& tenant, const Events& events) = 0;
  virtual absl::Status DeleteTenant(const std::string& id, const Events& events) = 0;

  // Users. A user is returned with its lines; the primary line's number and
  // extension are copied into the user's own fields.
  virtual absl::StatusOr<pb::User> InsertUser(const pb::User& user, const std::string& password_hash,
                                              const std::optional<pb::Line>& primary_line,
                                              const Events& events) = 0;
  virtual absl::StatusOr<pb::User> GetUser(const std::string& id) = 0;
  virtual absl::StatusOr<std::vector<pb::User>> ListUsers(const std::string& tenant_id,
                                                          const Page& page) = 0;
  // Writes every profile field of `user` (not secrets, not lines).
  virtual absl::StatusOr<pb::User> UpdateUser(const pb::User& user, const Events& events) = 0;
  virtual absl::Status DeleteUser(const std::string& id, const Events& events) = 0;
  // The user signing in with an e-mail or a number in E.164.
  virtual absl::StatusOr<LoginRecord> FindLogin(const std::string& email,
                                                const std::string& number_e164) = 0;
  virtual absl::Status RecordSignIn(const std::string& user_id, absl::Time at) = 0;
  virtual absl::StatusOr<UserSecrets> GetSecrets(const std::string& user_id) = 0;
  virtual absl::Status SetSecret(const std::string& user_id, SecretKind kind, const std::string& hash,
                                 const Events& events) = 0;
  virtual absl::Status SetPhoto(const std::string& user_id, const std::string& content_type,
                                const std::string& data) = 0;
  virtual absl::StatusOr<pb::Photo> GetPhoto(const std::string& user_id) = 0;

  // Single-use tokens, stored by hash. Consume marks it used and returns the
  // user id and the value kept with it; NOT_FOUND when unknown, used or expired.
  virtual absl::Status InsertToken(const std::string& token_hash, const std::string& purpose,
                                   const std::string& user_id, const std::string& value,
                                   absl::Time expires_at, const Events& events) = 0;
  struct ConsumedToken {
    std::string user_id;
    std::string value;
  };
  virtual absl::StatusOr<ConsumedToken> ConsumeToken(const std::string& token_hash,
                                                     const std::string& purpose, absl::Time now) = 0;
  // The same answer as ConsumeToken, without using the token up.
  virtual absl::StatusOr<ConsumedToken> FindToken(const std::string& token_hash, const std::string& purpose,
                                                  absl::Time now) = 0;

  // Lines.
  virtual absl::StatusOr<pb::Line> InsertLine(const pb::Line& line, const Events& events) = 0;
  virtual absl::StatusOr<pb::Line> GetLine(const std::string& id) = 0;
  virtual absl::StatusOr<std::vector<pb::Line>> ListLines(const std::string& tenant_id,
                                                          const std::string& user_id,
                                                          const Page& page) = 0;
  virtual absl::StatusOr<pb::Line> UpdateLine(const pb::Line& line, const Events& events) = 0;
  virtual absl::Status DeleteLine(const std::string& id, const Events& events) = 0;
  virtual absl::StatusOr<pb::Line> FindLineByExtension(const std::string& tenant_id,
                                                       const std::string& extension) = 0;
  virtual absl::StatusOr<pb::Line> FindLineByNumber(const std::string& number_e164) = 0;

  // Devices.
  virtual absl::StatusOr<pb::Device> InsertDevice(const pb::Device& device, const std::string& ha1_md5,
                                                  const std::string& ha1_sha256,
                                                  const Events& events) = 0;
  virtual absl::StatusOr<pb::Device> GetDevice(const std::string& id) = 0;
  virtual absl::StatusOr<std::vector<pb::Device>> ListDevices(const std::string& tenant_id,
                                                              const std::string& user_id,
                                                              const Page& page) = 0;
  virtual absl::StatusOr<pb::Device> UpdateDevice(const pb::Device& device, const Events& events) = 0;
  virtual absl::Status SetDeviceHa1(const std::string& id, const std::string& ha1_md5,
                                    const std::string& ha1_sha256, const Events& events) = 0;
  virtual absl::Status DeleteDevice(const std::string& id, const Events& events) = 0;
  virtual absl::StatusOr<DeviceSecrets> FindDeviceBySipUsername(const std::string& sip_username) = 0;

  // Contacts and groups.
  virtual absl::StatusOr<pb::Contact> InsertContact(const std::string& tenant_id,
                                                    const pb::Contact& contact,
                                                    const Events& events) = 0;
  virtual absl::StatusOr<pb::Contact> GetContact(const std::string& id) = 0;
  virtual absl::StatusOr<std::vector<pb::Contact>> ListContacts(const std::string& user_id,
                                                                const std::string& query,
                                                                const std::string& group_id,
                                                                const Page& page) = 0;
  virtual absl::StatusOr<pb::Contact> UpdateContact(const pb::Contact& contact,
                                                    const Events& events) = 0;
  virtual absl::Status DeleteContact(const std::string& id, const Events& events) = 0;
  virtual absl::StatusOr<pb::ContactGroup> InsertGroup(const std::string& tenant_id,
                                                       const pb::ContactGroup& group,
                                                       const Events& events) = 0;
  virtual absl::StatusOr<pb::ContactGroup> GetGroup(const std::string& id) = 0;
  virtual absl::StatusOr<std::vector<pb::ContactGroup>> ListGroups(const std::string& user_id,
                                                                   const Page& page) = 0;
  virtual absl::StatusOr<pb::ContactGroup> UpdateGroup(const pb::ContactGroup& group,
                                                       const Events& events) = 0;
  virtual absl::Status DeleteGroup(const std::string& id, const Events& events) = 0;

  // Directory and speed dials.
  virtual absl::StatusOr<std::vector<pb::DirectoryEntry>> SearchDirectory(const std::string& tenant_id,
                                                                          const std::string& query,
                                                                          const Page& page) = 0;
  virtual absl::StatusOr<std::vector<pb::SpeedDial>> ListSpeedDials(const std::string& user_id) = 0;
  virtual absl::StatusOr<pb::SpeedDial> UpsertSpeedDial(const std::string& user_id,
                                                        const pb::SpeedDial& speed_dial) = 0;
  virtual absl::Status DeleteSpeedDial(const std::string& user_id, const std::string& code) = 0;
};

}  // namespace sb::profiles
