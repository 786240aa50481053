#pragma once
// JSON bodies of the portal API. Messages go through protobuf's own JSON
// mapping (field names as in the .proto, enums by name, 64-bit integers as
// strings, Timestamp as RFC 3339), so the wire format follows the .proto and
// nothing is hand-written per resource. Every failure answers the one error
// body: {"error":{"code":"INVALID_ARGUMENT","message":"…","field":"…"}}.
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/gateway/http_server.h"

namespace google::protobuf {
class Message;
}  // namespace google::protobuf

namespace sb::gateway {

struct JsonBodyOptions {
  // Whether an empty body (or only whitespace) stands for "{}": true for
  // requests whose every field is optional (a POST that triggers an action).
  bool allow_empty = false;
};

// Parses a request body into `out` (cleared first). Every failure is
// INVALID_ARGUMENT with a message for a person, and names the field
// (sb::core::FieldOf) when one is at fault:
//   malformed JSON        "malformed JSON: unexpected token"
//   not an object         "request body must be a JSON object"
//   unknown field         field "forward.bogus", "unknown field 'forward.bogus'"
//   wrong type or value   field "forward.after_s", "invalid value \"abc\" for
//                         forward.after_s: expected a 32-bit integer"
absl::Status ParseJsonBody(std::string_view body, google::protobuf::Message* out,
                           JsonBodyOptions options = {});

// The message as JSON: proto field names, every primitive field printed
// (defaults included), enums as names.
absl::StatusOr<std::string> MessageToJson(const google::protobuf::Message& message);
// The same; a failure (possible only with an Any of an unknown type) is
// logged and gives "{}".
std::string ToJson(const google::protobuf::Message& message);

// `message` as the JSON body, or a logged 500 if it cannot be printed.
HttpResponse JsonResponse(int status, const google::protobuf::Message& message);

// The HTTP status for a canonical code: INVALID_ARGUMENT, OUT_OF_RANGE and
// FAILED_PRECONDITION 400, UNAUTHENTICATED 401, PERMISSION_DENIED 403,
// NOT_FOUND 404, ALREADY_EXISTS and ABORTED 409, RESOURCE_EXHAUSTED 429,
// CANCELLED 499, UNIMPLEMENTED 501, UNAVAILABLE 503, DEADLINE_EXCEEDED 504,
// the rest 500.
int HttpStatusFor(absl::StatusCode code);

// The error body for `status`, with the HTTP status from its code unless
// `http_status_override` is given (e.g. 403 for the first-sign-in gate, which
// is FAILED_PRECONDITION). The field is included when the status names one
// and the answer is not a 5xx; a 5xx carries only the code and message.
HttpResponse ErrorResponse(const absl::Status& status, int http_status_override = 0);

// Appends `s` as a quoted JSON string. Invalid UTF-8 becomes U+FFFD, so the
// result is valid JSON whatever the bytes (client input echoed in errors).
void AppendJsonString(std::string* out, std::string_view s);

}  // namespace sb::gateway
