#include "services/voicemail/blob_store.h"

#include "absl/strings/str_cat.h"

namespace sb::voicemail {

absl::StatusOr<std::string> PgBlobStore::Put(const std::string& tenant_id, const std::string& content_type,
                                             std::span<const uint8_t> data) {
  std::string id;
  absl::Status st = pool_->Transact([&](pqxx::work& w) -> absl::Status {
    pqxx::binarystring bytes(data.data(), data.size());
    auto r = w.exec_params(
        "INSERT INTO blobs (tenant_id, content_type, size_bytes, data) VALUES ($1, $2, $3, $4) "
        "RETURNING id::text",
        tenant_id, content_type, static_cast<int64_t>(data.size()), bytes);
    id = r[0][0].as<std::string>();
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return id;
}

absl::StatusOr<Blob> PgBlobStore::Get(const std::string& id) {
  Blob blob;
  absl::Status st = pool_->Query([&](pqxx::nontransaction& w) -> absl::Status {
    auto r = w.exec_params("SELECT content_type, data FROM blobs WHERE id::text = $1", id);
    if (r.empty()) return absl::NotFoundError(absl::StrCat("blob ", id, " not found"));
    blob.content_type = r[0][0].as<std::string>();
    pqxx::binarystring bytes(r[0][1]);
    blob.data = bytes.str();
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return blob;
}

absl::Status PgBlobStore::Delete(const std::vector<std::string>& ids) {
  if (ids.empty()) return absl::OkStatus();
  return pool_->Transact([&](pqxx::work& w) -> absl::Status {
    for (const auto& id : ids) w.exec_params("DELETE FROM blobs WHERE id::text = $1", id);
    return absl::OkStatus();
  });
}

}  // namespace sb::voicemail
