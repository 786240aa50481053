#include "events/tail.h"

#include "absl/strings/str_cat.h"
#include "core/logging.h"

namespace sb::events {

void Tail::Run(const Handler& handler, const std::function<void()>& on_gap) {
  auto log = core::Logger("events");
  // Where each stream ends now: only what is published from now on. A
  // concrete id, not XREAD's "$": "$" means "the end at the time of this
  // read", so what is published between two reads of a quiet topic would be
  // skipped. A stream that doesn't exist yet is read from its beginning.
  std::vector<std::string> last(topics_.size());
  bool failing = false;
  auto resolve_start = [&]() -> bool {
    for (size_t i = 0; i < topics_.size(); ++i) {
      if (!last[i].empty()) continue;
      auto r = client_.Command({"XREVRANGE", StreamName(topics_[i]), "+", "-", "COUNT", "1"});
      if (!r.ok()) {
        if (!failing) log->warn("tailing events failed (caches expire by time meanwhile): {}", r.status().message());
        failing = true;
        return false;
      }
      std::string id;
      std::vector<std::string> fields;
      last[i] = !r->elements.empty() && internal::ParseEntry(r->elements[0], &id, &fields) ? id : "0-0";
    }
    return true;
  };
  while (!stop_.HasBeenNotified()) {
    if (!resolve_start()) {
      if (on_gap) on_gap();
      stop_.WaitForNotificationWithTimeout(absl::Milliseconds(500));
      continue;
    }
    std::vector<std::string> cmd = {"XREAD", "COUNT", "500", "BLOCK",
                                    absl::StrCat(absl::ToInt64Milliseconds(block_)), "STREAMS"};
    for (const auto& t : topics_) cmd.push_back(StreamName(t));
    for (const auto& id : last) cmd.push_back(id);
    auto reply = client_.Command(cmd, block_ + absl::Seconds(2));
    if (!reply.ok()) {
      if (!failing) log->warn("tailing events failed (caches expire by time meanwhile): {}", reply.status().message());
      failing = true;
      if (on_gap) on_gap();
      stop_.WaitForNotificationWithTimeout(absl::Milliseconds(500));
      continue;
    }
    failing = false;
    if (reply->is_nil()) continue;  // nothing new within `block_`
    for (const redis::Reply& stream : reply->elements) {
      if (stream.elements.size() != 2) continue;
      size_t index = 0;
      for (; index < topics_.size(); ++index) {
        if (StreamName(topics_[index]) == stream.elements[0].str) break;
      }
      if (index == topics_.size()) continue;
      for (const redis::Reply& entry : stream.elements[1].elements) {
        std::string id;
        std::vector<std::string> fields;
        if (!internal::ParseEntry(entry, &id, &fields)) continue;
        last[index] = id;
        auto event = internal::DecodeFields(fields);
        if (!event.ok()) continue;
        event->stream_id = id;
        event->topic = topics_[index];
        handler(*event);
      }
    }
  }
}

}  // namespace sb::events
