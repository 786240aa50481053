#pragma once
// Where message audio, fax documents and greetings live. The interface lets
// an operator move blobs to object storage later; PgBlobStore keeps them in
// PostgreSQL bytea (voicemail.blobs), the default (ARCHITECTURE.md "Data").
// Thread-safe.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pg/pool.h"

namespace sb::voicemail {

struct Blob {
  std::string content_type;
  std::string data;
};

class BlobStore {
 public:
  virtual ~BlobStore() = default;
  // Returns the new blob's id.
  virtual absl::StatusOr<std::string> Put(const std::string& tenant_id, const std::string& content_type,
                                          std::span<const uint8_t> data) = 0;
  // NOT_FOUND for an unknown id.
  virtual absl::StatusOr<Blob> Get(const std::string& id) = 0;
  // Unknown ids are ignored.
  virtual absl::Status Delete(const std::vector<std::string>& ids) = 0;
};

class PgBlobStore final : public BlobStore {
 public:
  explicit PgBlobStore(pg::Pool* pool) : pool_(pool) {}
  absl::StatusOr<std::string> Put(const std::string& tenant_id, const std::string& content_type,
                                  std::span<const uint8_t> data) override;
  absl::StatusOr<Blob> Get(const std::string& id) override;
  absl::Status Delete(const std::vector<std::string>& ids) override;

 private:
  pg::Pool* pool_;
};

}  // namespace sb::voicemail
