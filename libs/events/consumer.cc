#include "events/consumer.h"

#include <unistd.h>

#include <algorithm>
#include <exception>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "core/logging.h"
#include "core/status.h"
#include "events/dead_letters.h"

namespace sb::events {
namespace {

// Extra time, beyond the server-side BLOCK, to wait for XREADGROUP's reply.
constexpr absl::Duration kReplyMargin = absl::Seconds(5);

std::shared_ptr<spdlog::logger> Log() { return core::Logger("events"); }

std::string DefaultConsumerName() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') {
    return absl::StrCat("consumer-", getpid());
  }
  return absl::StrCat(host, "-", getpid());
}

ConsumerConfig WithDefaults(ConsumerConfig config) {
  if (config.consumer.empty()) config.consumer = DefaultConsumerName();
  return config;
}

absl::Status Validate(const ConsumerConfig& c) {
  if (c.group.empty()) return absl::InvalidArgumentError("consumer group must not be empty");
  if (c.topics.empty()) return absl::InvalidArgumentError("consumer needs at least one topic");
  absl::flat_hash_set<std::string> seen;
  for (const std::string& topic : c.topics) {
    SB_RETURN_IF_ERROR(ValidateTopic(topic));
    if (!seen.insert(topic).second) {
      return absl::InvalidArgumentError(absl::StrCat("topic '", topic, "' is listed twice"));
    }
  }
  if (c.block_timeout < absl::Milliseconds(1)) {
    return absl::InvalidArgumentError("block_timeout must be at least 1ms");
  }
  if (c.batch_size < 1 || c.batch_size > 10000) {
    return absl::InvalidArgumentError("batch_size must be between 1 and 10000");
  }
  if (c.max_deliveries < 1) return absl::InvalidArgumentError("max_deliveries must be at least 1");
  if (c.retry_backoff < absl::Milliseconds(1) || c.max_retry_backoff < c.retry_backoff) {
    return absl::InvalidArgumentError(
        "retry_backoff must be at least 1ms and max_retry_backoff at least retry_backoff");
  }
  if (c.reclaim_interval < absl::ZeroDuration() || c.error_backoff <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("reclaim_interval and error_backoff must not be negative");
  }
  return absl::OkStatus();
}

std::string Millis(absl::Duration d) { return absl::StrCat(absl::ToInt64Milliseconds(d)); }

}  // namespace

struct Consumer::Acks {
  absl::flat_hash_map<std::string, std::vector<std::string>> by_topic;
  void Add(const Entry& entry) { by_topic[entry.topic].push_back(entry.stream_id); }
};

Consumer::Consumer(redis::Client& client, ConsumerConfig config)
    : client_(client),
      config_(WithDefaults(std::move(config))),
      config_status_(Validate(config_)) {}

void Consumer::Stop() {
  absl::MutexLock lock(&mu_);
  stopping_ = true;
}

bool Consumer::stopping() const {
  absl::MutexLock lock(&mu_);
  return stopping_;
}

absl::Status Consumer::EnsureGroups() {
  SB_RETURN_IF_ERROR(config_status_);
  for (const std::string& topic : config_.topics) {
    absl::StatusOr<redis::Reply> created =
        client_.Command({"XGROUP", "CREATE", StreamName(topic), config_.group, "$", "MKSTREAM"});
    if (!created.ok() && redis::RedisErrorCode(created.status()) != "BUSYGROUP") {
      return created.status();
    }
  }
  groups_ready_ = true;
  return absl::OkStatus();
}

absl::Status Consumer::Run(const Handler& handler) {
  SB_RETURN_IF_ERROR(config_status_);
  Log()->info("consumer {} of group {} started", config_.consumer, config_.group);
  while (!stopping()) {
    absl::StatusOr<int> handled = ProcessOnce(handler);
    if (handled.ok()) continue;
    Log()->warn("consumer {} of group {}: {}; retrying in {}", config_.consumer, config_.group,
                handled.status().ToString(), absl::FormatDuration(config_.error_backoff));
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), config_.error_backoff);
  }
  Log()->info("consumer {} of group {} stopped", config_.consumer, config_.group);
  return absl::OkStatus();
}

absl::StatusOr<int> Consumer::ProcessOnce(const Handler& handler) {
  SB_RETURN_IF_ERROR(config_status_);
  if (!groups_ready_) SB_RETURN_IF_ERROR(EnsureGroups());
  int handled = 0;
  const absl::Time now = absl::Now();
  if (now - last_reclaim_ >= config_.reclaim_interval) {
    last_reclaim_ = now;
    SB_ASSIGN_OR_RETURN(handled, Reclaim(handler));
  }
  SB_ASSIGN_OR_RETURN(int fresh, ReadNew(handler));
  return handled + fresh;
}

absl::StatusOr<int> Consumer::ReadNew(const Handler& handler) {
  std::vector<std::string> argv = {"XREADGROUP",  "GROUP",
                                   config_.group, config_.consumer,
                                   "COUNT",       absl::StrCat(config_.batch_size),
                                   "BLOCK",       Millis(config_.block_timeout),
                                   "STREAMS"};
  for (const std::string& topic : config_.topics) argv.push_back(StreamName(topic));
  for (size_t i = 0; i < config_.topics.size(); ++i) argv.push_back(">");

  absl::StatusOr<redis::Reply> reply = client_.Command(argv, config_.block_timeout + kReplyMargin);
  if (!reply.ok()) {
    // The stream or group was deleted under us: recreate on the next round.
    if (redis::RedisErrorCode(reply.status()) == "NOGROUP") groups_ready_ = false;
    return reply.status();
  }
  if (reply->is_nil()) return 0;  // nothing new within block_timeout

  Acks acks;
  int handled = 0;
  Entry entry;
  for (const redis::Reply& stream : reply->elements) {
    if (stream.elements.size() != 2) continue;
    // "events.<topic>" → "<topic>"
    constexpr std::string_view kPrefix = "events.";
    const std::string& name = stream.elements[0].str;
    if (!name.starts_with(kPrefix)) continue;
    entry.topic = name.substr(kPrefix.size());
    for (const redis::Reply& raw : stream.elements[1].elements) {
      if (stopping()) break;  // the rest stays pending and is redelivered
      if (!internal::ParseEntry(raw, &entry.stream_id, &entry.fields)) continue;
      entry.deliveries = 1;
      if (Deliver(entry, handler, acks)) ++handled;
    }
  }
  SB_RETURN_IF_ERROR(Ack(acks));
  return handled;
}

absl::StatusOr<int> Consumer::Reclaim(const Handler& handler) {
  Acks acks;
  int handled = 0;
  absl::Status status;
  for (const std::string& topic : config_.topics) {
    absl::StatusOr<int> n = ReclaimTopic(topic, handler, acks);
    if (!n.ok()) {
      status = n.status();
      break;
    }
    handled += *n;
  }
  // Acknowledge what was handled even if a later topic failed.
  absl::Status acked = Ack(acks);
  if (!status.ok()) return status;
  if (!acked.ok()) return acked;
  return handled;
}

absl::StatusOr<int> Consumer::ReclaimTopic(const std::string& topic, const Handler& handler,
                                           Acks& acks) {
  const std::string stream = StreamName(topic);
  std::string& cursor = pending_cursor_[topic];
  if (cursor.empty()) cursor = "-";
  // Entries of the whole group idle for at least the first backoff; each one
  // is then held to its own, longer backoff below.
  absl::StatusOr<redis::Reply> pending =
      client_.Command({"XPENDING", stream, config_.group, "IDLE", Millis(config_.retry_backoff),
                       cursor, "+", absl::StrCat(config_.batch_size)});
  if (!pending.ok()) {
    if (redis::RedisErrorCode(pending.status()) == "NOGROUP") groups_ready_ = false;
    return pending.status();
  }
  const std::vector<redis::Reply>& rows = pending->elements;
  const bool full_page =
      static_cast<int>(rows.size()) >= config_.batch_size && !rows.back().elements.empty();
  cursor = full_page ? absl::StrCat("(", rows.back().elements[0].str) : "-";

  struct Candidate {
    std::string id;
    int deliveries;
    absl::Duration min_idle;
  };
  std::vector<Candidate> due;
  for (const redis::Reply& row : rows) {
    // [id, consumer, idle ms, deliveries]
    if (row.elements.size() != 4) continue;
    const int deliveries = static_cast<int>(row.elements[3].integer);
    const absl::Duration idle = absl::Milliseconds(row.elements[2].integer);
    const absl::Duration min_idle = BackoffFor(deliveries);
    if (idle >= min_idle) due.push_back({row.elements[0].str, deliveries, min_idle});
  }
  if (due.empty()) return 0;

  // XCLAIM only takes entries still idle for min_idle, so when consumers
  // race for the same entry exactly one wins it.
  std::vector<std::vector<std::string>> claims;
  claims.reserve(due.size());
  for (const Candidate& c : due) {
    claims.push_back({"XCLAIM", stream, config_.group, config_.consumer, Millis(c.min_idle), c.id});
  }
  SB_ASSIGN_OR_RETURN(std::vector<redis::Reply> claimed, client_.Pipeline(claims));

  int handled = 0;
  Entry entry;
  entry.topic = topic;
  for (size_t i = 0; i < due.size() && i < claimed.size(); ++i) {
    if (stopping()) break;
    // Empty when another consumer claimed it first or the entry was trimmed.
    if (claimed[i].elements.empty() ||
        !internal::ParseEntry(claimed[i].elements[0], &entry.stream_id, &entry.fields)) {
      continue;
    }
    if (due[i].deliveries >= config_.max_deliveries) {
      entry.deliveries = due[i].deliveries;  // this claim is not a delivery to a handler
      DeadLetter(entry,
                 absl::StrCat("delivered ", due[i].deliveries,
                              " times without an acknowledgement (did its consumer crash or "
                              "hang while handling it?)"),
                 acks);
      continue;
    }
    entry.deliveries = due[i].deliveries + 1;
    if (Deliver(entry, handler, acks)) ++handled;
  }
  return handled;
}

bool Consumer::Deliver(const Entry& entry, const Handler& handler, Acks& acks) {
  absl::StatusOr<Event> event = internal::DecodeFields(entry.fields);
  if (!event.ok()) {
    DeadLetter(entry, absl::StrCat("not a valid event: ", event.status().message()), acks);
    return false;
  }
  event->delivery_count = entry.deliveries;
  event->stream_id = entry.stream_id;
  event->topic = entry.topic;

  absl::Status status;
  try {
    status = handler(*event);
  } catch (const std::exception& e) {
    status = absl::InternalError(absl::StrCat("handler threw: ", e.what()));
  } catch (...) {
    status = absl::InternalError("handler threw a non-standard exception");
  }
  if (status.ok()) {
    acks.Add(entry);
    return true;
  }
  if (entry.deliveries >= config_.max_deliveries) {
    DeadLetter(entry, status.ToString(), acks);
  } else {
    Log()->warn("group {}: event {} ({}, tenant {}) failed on delivery {} of {}; retry in {}: {}",
                config_.group, event->id, event->type, event->tenant_id, entry.deliveries,
                config_.max_deliveries, absl::FormatDuration(BackoffFor(entry.deliveries)),
                status.ToString());
  }
  return true;
}

void Consumer::DeadLetter(const Entry& entry, const std::string& error, Acks& acks) {
  internal::DeadLetterInfo info;
  info.original_stream_id = entry.stream_id;
  info.group = config_.group;
  info.consumer = config_.consumer;
  info.error = error;
  info.deliveries = entry.deliveries;
  info.dead_at = absl::Now();
  absl::Status written = internal::WriteDeadLetter(client_, entry.topic, entry.fields, info);
  if (!written.ok()) {
    // Left pending: a later reclaim finds it over max_deliveries and tries again.
    Log()->error("group {}: cannot dead-letter entry {} of {}: {}", config_.group, entry.stream_id,
                 StreamName(entry.topic), written.ToString());
    return;
  }
  Log()->warn("group {}: entry {} of {} dead-lettered (deliveries: {}): {}", config_.group,
              entry.stream_id, StreamName(entry.topic), entry.deliveries, error);
  acks.Add(entry);
}

absl::Status Consumer::Ack(const Acks& acks) {
  std::vector<std::vector<std::string>> commands;
  for (const auto& [topic, ids] : acks.by_topic) {
    std::vector<std::string> argv = {"XACK", StreamName(topic), config_.group};
    argv.insert(argv.end(), ids.begin(), ids.end());
    commands.push_back(std::move(argv));
  }
  if (commands.empty()) return absl::OkStatus();
  // If this fails the entries stay pending and are delivered again: the
  // at-least-once half of the contract.
  return client_.Pipeline(commands).status();
}

absl::Duration Consumer::BackoffFor(int deliveries) const {
  absl::Duration backoff = config_.retry_backoff;
  for (int i = 1; i < deliveries && backoff < config_.max_retry_backoff; ++i) backoff *= 2;
  return std::min(backoff, config_.max_retry_backoff);
}

}  // namespace sb::events
