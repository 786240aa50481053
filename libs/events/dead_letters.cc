#include "events/dead_letters.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/status.h"

namespace sb::events {
namespace {

// Dead-letter bookkeeping lives beside the original fields; the prefix keeps
// the two apart.
constexpr std::string_view kPrefix = "dead.";
constexpr int kDeadStreamMaxLen = 100000;

bool IsBookkeeping(const std::string& field) { return field.starts_with(kPrefix); }

// An XRANGE entry: [id, [field, value, ...]].
absl::Status FlattenEntry(const redis::Reply& entry, std::string* id,
                          std::vector<std::string>* fields) {
  if (entry.kind != redis::Reply::Kind::kArray || entry.elements.size() != 2 ||
      entry.elements[1].kind != redis::Reply::Kind::kArray) {
    return absl::InternalError("malformed stream entry in XRANGE reply");
  }
  *id = entry.elements[0].str;
  fields->clear();
  for (const redis::Reply& f : entry.elements[1].elements) fields->push_back(f.str);
  return absl::OkStatus();
}

DeadLetter ParseDeadLetter(std::string id, const std::vector<std::string>& fields) {
  DeadLetter dead;
  dead.dead_stream_id = std::move(id);
  std::vector<std::string> original;
  for (size_t i = 0; i + 1 < fields.size(); i += 2) {
    const std::string& field = fields[i];
    const std::string& value = fields[i + 1];
    if (!IsBookkeeping(field)) {
      original.push_back(field);
      original.push_back(value);
      continue;
    }
    const std::string_view name = std::string_view(field).substr(kPrefix.size());
    int64_t micros = 0;
    if (name == "stream_id") dead.original_stream_id = value;
    if (name == "group") dead.group = value;
    if (name == "consumer") dead.consumer = value;
    if (name == "error") dead.error = value;
    if (name == "deliveries") absl::SimpleAtoi(value, &dead.deliveries);
    if (name == "at" && absl::SimpleAtoi(value, &micros))
      dead.dead_at = absl::FromUnixMicros(micros);
  }
  absl::StatusOr<Event> event = internal::DecodeFields(original);
  if (event.ok()) {
    dead.event = *std::move(event);
  } else {
    // Keep whatever the malformed entry had, for the operator to look at.
    for (size_t i = 0; i + 1 < original.size(); i += 2) {
      if (original[i] == "id") dead.event.id = original[i + 1];
      if (original[i] == "type") dead.event.type = original[i + 1];
      if (original[i] == "tenant") dead.event.tenant_id = original[i + 1];
      if (original[i] == "payload") dead.event.payload = original[i + 1];
    }
  }
  return dead;
}

}  // namespace

absl::StatusOr<std::vector<DeadLetter>> ListDeadLetters(redis::Client& client,
                                                        std::string_view topic, int limit) {
  SB_RETURN_IF_ERROR(ValidateTopic(topic));
  if (limit < 1 || limit > 10000) {
    return absl::InvalidArgumentError("dead letter limit must be between 1 and 10000");
  }
  SB_ASSIGN_OR_RETURN(redis::Reply reply, client.Command({"XRANGE", DeadLetterStreamName(topic),
                                                          "-", "+", "COUNT", absl::StrCat(limit)}));
  std::vector<DeadLetter> out;
  std::string id;
  std::vector<std::string> fields;
  for (const redis::Reply& entry : reply.elements) {
    SB_RETURN_IF_ERROR(FlattenEntry(entry, &id, &fields));
    out.push_back(ParseDeadLetter(id, fields));
  }
  return out;
}

absl::StatusOr<std::string> Replay(redis::Client& client, std::string_view topic,
                                   std::string_view dead_stream_id_view) {
  SB_RETURN_IF_ERROR(ValidateTopic(topic));
  const std::string dead_stream = DeadLetterStreamName(topic);
  const std::string dead_stream_id(dead_stream_id_view);
  if (dead_stream_id.empty()) return absl::InvalidArgumentError("dead letter id is empty");
  SB_ASSIGN_OR_RETURN(redis::Reply reply,
                      client.Command({"XRANGE", dead_stream, dead_stream_id, dead_stream_id}));
  if (reply.elements.empty()) {
    return absl::NotFoundError(
        absl::StrCat("no dead letter ", dead_stream_id, " in ", dead_stream));
  }
  std::string id;
  std::vector<std::string> fields;
  SB_RETURN_IF_ERROR(FlattenEntry(reply.elements[0], &id, &fields));

  std::vector<std::string> argv = {"XADD", StreamName(topic),           "MAXLEN",
                                   "~",    absl::StrCat(kStreamMaxLen), "*"};
  for (size_t i = 0; i + 1 < fields.size(); i += 2) {
    if (IsBookkeeping(fields[i])) continue;
    argv.push_back(fields[i]);
    argv.push_back(fields[i + 1]);
  }
  if (argv.size() == 6) {
    return absl::FailedPreconditionError(
        absl::StrCat("dead letter ", dead_stream_id, " holds no event fields to replay"));
  }
  // Not atomic across the two streams (they may live on different cluster
  // nodes): a crash between the two leaves the dead letter in place, and a
  // second replay publishes a duplicate — which consumers absorb by id.
  SB_ASSIGN_OR_RETURN(redis::Reply added, client.Command(argv));
  SB_RETURN_IF_ERROR(client.Command({"XDEL", dead_stream, dead_stream_id}).status());
  return added.str;
}

namespace internal {

absl::Status WriteDeadLetter(redis::Client& client, std::string_view topic,
                             const std::vector<std::string>& original_fields,
                             const DeadLetterInfo& info) {
  std::vector<std::string> argv = {"XADD", DeadLetterStreamName(topic),     "MAXLEN",
                                   "~",    absl::StrCat(kDeadStreamMaxLen), "*"};
  for (size_t i = 0; i + 1 < original_fields.size(); i += 2) {
    if (IsBookkeeping(original_fields[i])) continue;
    argv.push_back(original_fields[i]);
    argv.push_back(original_fields[i + 1]);
  }
  const std::string p(kPrefix);
  for (auto [name, value] : std::initializer_list<std::pair<const char*, std::string>>{
           {"stream_id", info.original_stream_id},
           {"group", info.group},
           {"consumer", info.consumer},
           {"error", info.error},
           {"deliveries", absl::StrCat(info.deliveries)},
           {"at", absl::StrCat(absl::ToUnixMicros(info.dead_at))}}) {
    argv.push_back(p + name);
    argv.push_back(std::move(value));
  }
  return client.Command(argv).status();
}

}  // namespace internal
}  // namespace sb::events
