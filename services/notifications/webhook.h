#pragma once
// Webhooks: an event as JSON, POSTed with an HMAC-SHA256 signature so the
// receiver can check it came from the platform and was not altered:
//   POST <url>
//   Content-Type: application/json
//   X-Switchboard-Event: <type>
//   X-Switchboard-Delivery: <delivery id>
//   X-Switchboard-Signature: t=<unix s>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
//   {"id":…,"type":…,"tenant_id":…,"occurred_at":…,"data":{…payload as JSON…}}
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace sb::notifications {

// The body for an event; the payload is decoded by its type (events.proto)
// and rendered with protobuf's JSON mapping (field names as in the proto).
absl::StatusOr<std::string> EventJson(const std::string& event_id, const std::string& type,
                                      const std::string& tenant_id, absl::Time occurred_at,
                                      const std::string& payload);

// OK on 2xx. The URL is checked again first (webhook_target.h) and the POST
// goes to the address that passed; redirects are not followed.
//   FAILED_PRECONDITION  permanent: the URL now names a refused address, or
//                        the receiver answers with a redirect (3xx)
//   UNAVAILABLE          transient: no answer, DNS failure, other statuses
absl::Status PostWebhook(const std::string& url, const std::string& secret, const std::string& delivery_id,
                         const std::string& event_type, const std::string& body, absl::Time now,
                         absl::Duration timeout, bool allow_private);

}  // namespace sb::notifications
