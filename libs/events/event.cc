#include "events/event.h"

#include <cstdint>

#include "absl/random/random.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace sb::events {

absl::Status ValidateTopic(std::string_view topic) {
  bool ok = !topic.empty() && topic.size() <= 64;
  for (char c : topic) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-');
  }
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        "event topic '", std::string(topic), "' must be 1-64 characters of a-z, 0-9, _ and -"));
  }
  return absl::OkStatus();
}

std::string StreamName(std::string_view topic) {
  return absl::StrCat("events.", std::string(topic));
}

std::string DeadLetterStreamName(std::string_view topic) {
  return absl::StrCat("events.", std::string(topic), ".dead");
}

std::string NewEventId() {
  absl::BitGen gen;
  return absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(gen), absl::Uniform<uint64_t>(gen));
}

namespace internal {

std::vector<std::string> EncodeFields(const Event& event) {
  return {"id",      event.id,
          "type",    event.type,
          "tenant",  event.tenant_id,
          "payload", event.payload,
          "at",      absl::StrCat(absl::ToUnixMicros(event.occurred_at))};
}

absl::StatusOr<Event> DecodeFields(const std::vector<std::string>& flat) {
  if (flat.size() % 2 != 0) return absl::InvalidArgumentError("odd number of stream fields");
  Event event;
  bool has_at = false;
  for (size_t i = 0; i + 1 < flat.size(); i += 2) {
    const std::string& field = flat[i];
    const std::string& value = flat[i + 1];
    if (field == "id") {
      event.id = value;
    } else if (field == "type") {
      event.type = value;
    } else if (field == "tenant") {
      event.tenant_id = value;
    } else if (field == "payload") {
      event.payload = value;
    } else if (field == "at") {
      int64_t micros = 0;
      if (!absl::SimpleAtoi(value, &micros)) {
        return absl::InvalidArgumentError("field 'at' is not a number of microseconds");
      }
      event.occurred_at = absl::FromUnixMicros(micros);
      has_at = true;
    }
  }
  if (event.id.empty()) return absl::InvalidArgumentError("field 'id' is missing");
  if (event.type.empty()) return absl::InvalidArgumentError("field 'type' is missing");
  if (!has_at) return absl::InvalidArgumentError("field 'at' is missing");
  return event;
}

bool ParseEntry(const redis::Reply& reply, std::string* id, std::vector<std::string>* fields) {
  if (reply.kind != redis::Reply::Kind::kArray || reply.elements.size() != 2) return false;
  const redis::Reply& values = reply.elements[1];
  if (values.kind != redis::Reply::Kind::kArray) return false;
  *id = reply.elements[0].str;
  fields->clear();
  fields->reserve(values.elements.size());
  for (const redis::Reply& v : values.elements) fields->push_back(v.str);
  return true;
}

}  // namespace internal
}  // namespace sb::events
