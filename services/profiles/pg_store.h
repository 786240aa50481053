#pragma once
// The profiles store on PostgreSQL (schema `profiles`). libpqxx lives only here.
#include <memory>

#include "pg/pool.h"
#include "services/profiles/store.h"

namespace sb::profiles {

class PgStore final : public Store {
 public:
  explicit PgStore(pg::Pool* pool);

  absl::StatusOr<pb::Tenant> InsertTenant(const pb::Tenant& tenant, const Events& events) override;
  absl::StatusOr<pb::Tenant> GetTenant(const std::string& id) override;
  absl::StatusOr<std::vector<pb::Tenant>> ListTenants(const Page& page) override;
  absl::StatusOr<pb::Tenant> UpdateTenant(const pb::Tenant& tenant, const Events& events) override;
  absl::Status DeleteTenant(const std::string& id, const Events& events) override;

  absl::StatusOr<pb::User> InsertUser(const pb::User& user, const std::string& password_hash,
                                      const std::optional<pb::Line>& primary_line,
                                      const Events& events) override;
  absl::StatusOr<pb::User> GetUser(const std::string& id) override;
  absl::StatusOr<std::vector<pb::User>> ListUsers(const std::string& tenant_id,
                                                  const Page& page) override;
  absl::StatusOr<pb::User> UpdateUser(const pb::User& user, const Events& events) override;
  absl::Status DeleteUser(const std::string& id, const Events& events) override;
  absl::StatusOr<LoginRecord> FindLogin(const std::string& email,
                                        const std::string& number_e164) override;
  absl::Status RecordSignIn(const std::string& user_id, absl::Time at) override;
  absl::StatusOr<UserSecrets> GetSecrets(const std::string& user_id) override;
  absl::Status SetSecret(const std::string& user_id, SecretKind kind, const std::string& hash,
                         const Events& events) override;
  absl::Status SetPhoto(const std::string& user_id, const std::string& content_type,
                        const std::string& data) override;
  absl::StatusOr<pb::Photo> GetPhoto(const std::string& user_id) override;

  absl::Status InsertToken(const std::string& token_hash, const std::string& purpose,
                           const std::string& user_id, const std::string& value,
                           absl::Time expires_at, const Events& events) override;
  absl::StatusOr<ConsumedToken> ConsumeToken(const std::string& token_hash,
                                             const std::string& purpose, absl::Time now) override;
  absl::StatusOr<ConsumedToken> FindToken(const std::string& token_hash, const std::string& purpose,
                                          absl::Time now) override;

  absl::StatusOr<pb::Line> InsertLine(const pb::Line& line, const Events& events) override;
  absl::StatusOr<pb::Line> GetLine(const std::string& id) override;
  absl::StatusOr<std::vector<pb::Line>> ListLines(const std::string& tenant_id,
                                                  const std::string& user_id,
                                                  const Page& page) override;
  absl::StatusOr<pb::Line> UpdateLine(const pb::Line& line, const Events& events) override;
  absl::Status DeleteLine(const std::string& id, const Events& events) override;
  absl::StatusOr<pb::Line> FindLineByExtension(const std::string& tenant_id,
                                               const std::string& extension) override;
  absl::StatusOr<pb::Line> FindLineByNumber(const std::string& number_e164) override;

  absl::StatusOr<pb::Device> InsertDevice(const pb::Device& device, const std::string& ha1_md5,
                                          const std::string& ha1_sha256,
                                          const Events& events) override;
  absl::StatusOr<pb::Device> GetDevice(const std::string& id) override;
  absl::StatusOr<std::vector<pb::Device>> ListDevices(const std::string& tenant_id,
                                                      const std::string& user_id,
                                                      const Page& page) override;
  absl::StatusOr<pb::Device> UpdateDevice(const pb::Device& device, const Events& events) override;
  absl::Status SetDeviceHa1(const std::string& id, const std::string& ha1_md5,
                            const std::string& ha1_sha256, const Events& events) override;
  absl::Status DeleteDevice(const std::string& id, const Events& events) override;
  absl::StatusOr<DeviceSecrets> FindDeviceBySipUsername(const std::string& sip_username) override;

  absl::StatusOr<pb::Contact> InsertContact(const std::string& tenant_id, const pb::Contact& contact,
                                            const Events& events) override;
  absl::StatusOr<pb::Contact> GetContact(const std::string& id) override;
  absl::StatusOr<std::vector<pb::Contact>> ListContacts(const std::string& user_id,
                                                        const std::string& query,
                                                        const std::string& group_id,
                                                        const Page& page) override;
  absl::StatusOr<pb::Contact> UpdateContact(const pb::Contact& contact, const Events& events) override;
  absl::Status DeleteContact(const std::string& id, const Events& events) override;
  absl::StatusOr<pb::ContactGroup> InsertGroup(const std::string& tenant_id,
                                               const pb::ContactGroup& group,
                                               const Events& events) override;
  absl::StatusOr<pb::ContactGroup> GetGroup(const std::string& id) override;
  absl::StatusOr<std::vector<pb::ContactGroup>> ListGroups(const std::string& user_id,
                                                           const Page& page) override;
  absl::StatusOr<pb::ContactGroup> UpdateGroup(const pb::ContactGroup& group,
                                               const Events& events) override;
  absl::Status DeleteGroup(const std::string& id, const Events& events) override;

  absl::StatusOr<std::vector<pb::DirectoryEntry>> SearchDirectory(const std::string& tenant_id,
                                                                  const std::string& query,
                                                                  const Page& page) override;
  absl::StatusOr<std::vector<pb::SpeedDial>> ListSpeedDials(const std::string& user_id) override;
  absl::StatusOr<pb::SpeedDial> UpsertSpeedDial(const std::string& user_id,
                                                const pb::SpeedDial& speed_dial) override;
  absl::Status DeleteSpeedDial(const std::string& user_id, const std::string& code) override;

 private:
  pg::Pool* pool_;
};

}  // namespace sb::profiles
