#include "services/notifications/webhook.h"

#include <curl/curl.h>
#include <google/protobuf/util/json_util.h>

#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/notifications/signing.h"
#include "services/notifications/webhook_target.h"
#include "switchboard/events/v1/events.pb.h"

namespace sb::notifications {
namespace {

namespace epb = ::switchboard::events::v1;

std::unique_ptr<google::protobuf::Message> PayloadFor(const std::string& type) {
  if (absl::StartsWith(type, "security.")) return std::make_unique<epb::SecurityNotice>();
  if (type == "mailbox.changed") return std::make_unique<epb::MailboxChanged>();
  if (type == "mailbox.accessed") return std::make_unique<epb::MailboxAccessed>();
  if (absl::StartsWith(type, "mailbox.message_")) return std::make_unique<epb::MessageDeposited>();
  if (absl::StartsWith(type, "call.")) return std::make_unique<epb::CallLogged>();
  if (absl::StartsWith(type, "profile.")) return std::make_unique<epb::ProfileChanged>();
  if (type == "notify.email_requested") return std::make_unique<epb::EmailRequested>();
  return nullptr;
}

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

}  // namespace

absl::StatusOr<std::string> EventJson(const std::string& event_id, const std::string& type,
                                      const std::string& tenant_id, absl::Time occurred_at,
                                      const std::string& payload) {
  std::string data = "{}";
  if (auto msg = PayloadFor(type)) {
    if (!msg->ParseFromString(payload))
      return absl::InvalidArgumentError("payload does not decode as its type");
    if (type == "security.password_reset_requested" || type == "security.security_email_confirmation") {
      // Single-use secrets stay out of third-party systems.
      static_cast<epb::SecurityNotice*>(msg.get())->clear_reset_token();
    }
    google::protobuf::util::JsonPrintOptions opts;
    opts.preserve_proto_field_names = true;
    data.clear();
    auto st = google::protobuf::util::MessageToJsonString(*msg, &data, opts);
    if (!st.ok()) return absl::InternalError(std::string(st.message()));
  }
  return absl::StrCat(
      "{\"id\":", Quote(event_id), ",\"type\":", Quote(type), ",\"tenant_id\":", Quote(tenant_id),
      ",\"occurred_at\":", Quote(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", occurred_at, absl::UTCTimeZone())),
      ",\"data\":", data, "}");
}

absl::Status PostWebhook(const std::string& url, const std::string& secret, const std::string& delivery_id,
                         const std::string& event_type, const std::string& body, absl::Time now,
                         absl::Duration timeout, bool allow_private) {
  auto target = CheckWebhookUrl(url, allow_private);
  if (!target.ok()) {
    if (target.status().code() == absl::StatusCode::kUnavailable) return target.status();
    return absl::FailedPreconditionError(absl::StrCat("webhook refused: ", target.status().message()));
  }
  CURL* c = curl_easy_init();
  if (c == nullptr) return absl::UnavailableError("libcurl could not be initialised");
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Content-Type: application/json");
  headers = curl_slist_append(headers, absl::StrCat("X-Switchboard-Event: ", event_type).c_str());
  headers = curl_slist_append(headers, absl::StrCat("X-Switchboard-Delivery: ", delivery_id).c_str());
  headers = curl_slist_append(
      headers, absl::StrCat("X-Switchboard-Signature: ", WebhookSignature(secret, body, now)).c_str());
  headers = curl_slist_append(headers, "Expect:");
  char err[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  // Connect to the address just checked, not to a second lookup's answer
  // (DNS rebinding), directly (a proxy would resolve the name itself), and
  // stay there (a redirect could point anywhere).
  const std::string host_entry = target->address.find(':') != std::string::npos
                                     ? absl::StrCat("[", target->address, "]")
                                     : target->address;
  curl_slist* resolve =
      curl_slist_append(nullptr, absl::StrCat(target->host, ":", target->port, ":", host_entry).c_str());
  curl_easy_setopt(c, CURLOPT_RESOLVE, resolve);
  curl_easy_setopt(c, CURLOPT_PROXY, "");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(absl::ToInt64Milliseconds(timeout)));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Discard);
  CURLcode rc = curl_easy_perform(c);
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  char* location_raw = nullptr;
  curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &location_raw);
  const std::string location = location_raw != nullptr ? location_raw : "";
  curl_easy_cleanup(c);
  curl_slist_free_all(headers);
  curl_slist_free_all(resolve);
  if (rc != CURLE_OK)
    return absl::UnavailableError(absl::StrCat("webhook: ", err[0] ? err : curl_easy_strerror(rc)));
  if (code >= 300 && code < 400) {
    // Retrying gets the same redirect: the receiver's URL must be fixed.
    return absl::FailedPreconditionError(absl::StrCat("webhook: HTTP ", code, " redirect to '", location,
                                                      "' not followed; register the final URL"));
  }
  if (code < 200 || code >= 300) return absl::UnavailableError(absl::StrCat("webhook: HTTP ", code));
  return absl::OkStatus();
}

}  // namespace sb::notifications
