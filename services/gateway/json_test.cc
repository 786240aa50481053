#include "services/gateway/json.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <catch2/catch.hpp>
#include <string>

#include "absl/strings/match.h"
#include "core/status.h"
#include "gateway_test.pb.h"

namespace sb::gateway {
namespace {

using switchboard::gateway::testing::Device;

// Whether `text` is valid JSON, by protobuf's strict-enough parser.
bool ValidJson(const std::string& text, google::protobuf::Value* out = nullptr) {
  google::protobuf::Value value;
  bool ok = google::protobuf::util::JsonStringToMessage(text, &value).ok();
  if (out != nullptr) *out = value;
  return ok;
}

TEST_CASE("a well-formed body parses with protobuf's JSON mapping") {
  Device d;
  REQUIRE(
      ParseJsonBody(R"({"kind":"SOFTPHONE","quota_bytes":"1099511627776","forward":{"after_s":36},
                           "tags":["a","b"],"counters":{"x":1},"created_at":"2024-05-01T09:30:00Z",
                           "nickname":"desk"})",
                    &d)
          .ok());
  CHECK(d.kind() == switchboard::gateway::testing::SOFTPHONE);
  CHECK(d.quota_bytes() == 1099511627776);
  CHECK(d.forward().after_s() == 36);
  CHECK(d.tags_size() == 2);
  CHECK(d.counters().at("x") == 1);
  CHECK(d.created_at().seconds() == 1714555800);
  CHECK(d.nickname().value() == "desk");

  // lowerCamelCase names are accepted too (protobuf's mapping), 64-bit as numbers.
  REQUIRE(ParseJsonBody(R"({"quotaBytes": 5, "lineCount": 2})", &d).ok());
  CHECK(d.quota_bytes() == 5);
  CHECK(d.line_count() == 2);
  CHECK(d.kind() == 0);  // cleared first
}

TEST_CASE("an empty body is {} only when the route allows it") {
  Device d;
  for (const char* body : {"", "  \r\n\t"}) {
    absl::Status st = ParseJsonBody(body, &d);
    CHECK(st.code() == absl::StatusCode::kInvalidArgument);
    CHECK(st.message() == "request body is empty: expected a JSON object");
    CHECK(ParseJsonBody(body, &d, {.allow_empty = true}).ok());
  }
}

TEST_CASE("a body that is not a JSON object is refused") {
  Device d;
  for (const char* body : {"[]", "5", "\"x\"", "null", "true", "not json", "[{\"id\":1}]"}) {
    INFO(body);
    absl::Status st = ParseJsonBody(body, &d);
    CHECK(st.code() == absl::StatusCode::kInvalidArgument);
    CHECK(st.message() == "request body must be a JSON object");
    CHECK(sb::core::FieldOf(st).empty());
  }
}

TEST_CASE("malformed JSON says so") {
  Device d;
  struct Case {
    std::string body;
    std::string message;
  };
  const Case cases[] = {
      {"{", "malformed JSON: unexpected end of string"},
      {R"({"id": })", "malformed JSON: unexpected token"},
      {R"({"id": "a" "b"})", "malformed JSON: expected , or } after key:value pair"},
      {R"({} x)", "malformed JSON: parsing terminated before end of input"},
      {"{\"id\": \"\xff\"}", "malformed JSON: encountered non UTF-8 code points"},
      {R"({"id": "\ud800"})", "malformed JSON: missing low surrogate"},
  };
  for (const Case& c : cases) {
    INFO(c.body);
    absl::Status st = ParseJsonBody(c.body, &d);
    CHECK(st.code() == absl::StatusCode::kInvalidArgument);
    CHECK(absl::StartsWith(st.message(), c.message));
    CHECK(st.message().find('\n') == absl::string_view::npos);
    CHECK(sb::core::FieldOf(st).empty());
  }
}

TEST_CASE("an unknown field is named, with its path") {
  Device d;
  struct Case {
    const char* body;
    const char* field;
  };
  const Case cases[] = {
      {R"({"foo": 1})", "foo"},
      {R"({"forward": {"bogus": true}})", "forward.bogus"},
      {R"({"rules": [{"enabled": true}, {"x": 1}]})", "rules[1].x"},
      {R"({"sidecar": {"sidecar": {"forward": {"x": 1}}}})", "sidecar.sidecar.forward.x"},
      {R"({"a b": 1})", "a b"},
  };
  for (const Case& c : cases) {
    INFO(c.body);
    absl::Status st = ParseJsonBody(c.body, &d);
    CHECK(st.code() == absl::StatusCode::kInvalidArgument);
    CHECK(sb::core::FieldOf(st) == c.field);
    CHECK(st.message() == "unknown field '" + std::string(c.field) + "'");
  }
}

TEST_CASE("a value of the wrong type names the field and what was expected") {
  Device d;
  struct Case {
    const char* body;
    const char* field;
    const char* message;
  };
  const Case cases[] = {
      {R"({"forward": {"after_s": "abc"}})", "forward.after_s",
       R"(invalid value "abc" for forward.after_s: expected a 32-bit integer)"},
      {R"({"forward": {"after_s": 1.5}})", "forward.after_s",
       "invalid value 1.5 for forward.after_s: expected a 32-bit integer"},
      {R"({"forward": {"enabled": 1}})", "forward.enabled",
       "invalid value 1 for forward.enabled: expected true or false"},
      {R"({"id": 5})", "id", "invalid value 5 for id: expected a string"},
      {R"({"quota_bytes": "x"})", "quota_bytes",
       R"(invalid value "x" for quota_bytes: expected a 64-bit integer (a number or a string of digits))"},
      {R"({"line_count": -1})", "line_count",
       "invalid value -1 for line_count: expected a non-negative 32-bit integer"},
      {R"({"tags": [1]})", "tags[0]", "invalid value 1 for tags[0]: expected a string"},
      {R"({"rules": [{"after_s": "z"}]})", "rules[0].after_s",
       R"(invalid value "z" for rules[0].after_s: expected a 32-bit integer)"},
      // Maps and wrappers are reported by protobuf through their wire shape
      // ("counters[0].value"); the client wrote neither index nor "value".
      {R"({"counters": {"a": "b"}})", "counters",
       R"(invalid value "b" for counters: expected a 32-bit integer)"},
      {R"({"rules_by_name": {"k": {"after_s": "z"}}})", "rules_by_name.after_s",
       R"(invalid value "z" for rules_by_name.after_s: expected a 32-bit integer)"},
      {R"({"nickname": 5})", "nickname", "invalid value 5 for nickname: expected a string"},
      {R"({"kind": "NOPE"})", "kind",
       R"(invalid value "NOPE" for kind: expected one of DEVICE_KIND_UNSPECIFIED, SOFTPHONE, DESK_PHONE)"},
      {R"({"created_at": "yesterday"})", "created_at",
       R"(invalid value for created_at: expected an RFC 3339 timestamp such as "2024-05-01T09:30:00Z")"},
      {R"({"ring_time": "5"})", "ring_time",
       R"(invalid value for ring_time: expected a duration in seconds such as "1.5s")"},
      {R"({"forward": 5})", "forward", "invalid value 5 for forward: expected a JSON object"},
      {R"({"volume": "loud"})", "volume", R"(invalid value "loud" for volume: expected a number)"},
      {R"({"photo": "!!"})", "photo",
       R"(invalid value "!!" for photo: expected base64-encoded bytes)"},
  };
  for (const Case& c : cases) {
    INFO(c.body);
    absl::Status st = ParseJsonBody(c.body, &d);
    CHECK(st.code() == absl::StatusCode::kInvalidArgument);
    CHECK(sb::core::FieldOf(st) == c.field);
    CHECK(st.message() == c.message);
  }
}

TEST_CASE("two members of one oneof are refused, naming the second") {
  Device d;
  absl::Status st = ParseJsonBody(R"({"sip_uri": "sip:a@b", "phone_number": "0612345678"})", &d);
  CHECK(st.code() == absl::StatusCode::kInvalidArgument);
  CHECK(sb::core::FieldOf(st) == "phone_number");
  CHECK(st.message() == "only one of sip_uri, phone_number may be set");
}

TEST_CASE("messages print with proto names, every primitive, enums by name") {
  Device d;
  d.set_kind(switchboard::gateway::testing::DESK_PHONE);
  d.set_quota_bytes(5);
  d.mutable_forward()->set_after_s(24);
  std::string json = ToJson(d);
  CHECK(json.find(R"("kind":"DESK_PHONE")") != std::string::npos);
  CHECK(json.find(R"("quota_bytes":"5")") != std::string::npos);
  CHECK(json.find(R"("line_count":0)") != std::string::npos);
  CHECK(json.find(R"("forward":{"enabled":false,"number":"","after_s":24})") != std::string::npos);
  CHECK(json.find(R"("rules_by_name":{})") != std::string::npos);
  CHECK(json.find("quotaBytes") == std::string::npos);

  Device back;
  REQUIRE(ParseJsonBody(json, &back).ok());
  CHECK(back.SerializeAsString() == d.SerializeAsString());

  HttpResponse r = JsonResponse(201, d);
  CHECK(r.status == 201);
  CHECK(r.content_type == "application/json");
  CHECK(r.body == json);
}

TEST_CASE("canonical codes map to HTTP statuses") {
  const std::pair<absl::StatusCode, int> table[] = {
      {absl::StatusCode::kInvalidArgument, 400},
      {absl::StatusCode::kOutOfRange, 400},
      {absl::StatusCode::kFailedPrecondition, 400},
      {absl::StatusCode::kUnauthenticated, 401},
      {absl::StatusCode::kPermissionDenied, 403},
      {absl::StatusCode::kNotFound, 404},
      {absl::StatusCode::kAlreadyExists, 409},
      {absl::StatusCode::kAborted, 409},
      {absl::StatusCode::kResourceExhausted, 429},
      {absl::StatusCode::kCancelled, 499},
      {absl::StatusCode::kUnknown, 500},
      {absl::StatusCode::kInternal, 500},
      {absl::StatusCode::kDataLoss, 500},
      {absl::StatusCode::kUnimplemented, 501},
      {absl::StatusCode::kUnavailable, 503},
      {absl::StatusCode::kDeadlineExceeded, 504},
  };
  for (const auto& [code, http] : table) {
    INFO(absl::StatusCodeToString(code));
    CHECK(HttpStatusFor(code) == http);
    HttpResponse r = ErrorResponse(absl::Status(code, "x"));
    CHECK(r.status == http);
    CHECK(r.body ==
          R"({"error":{"code":")" + absl::StatusCodeToString(code) + R"(","message":"x"}})");
  }
}

TEST_CASE("the error body carries code, message and field") {
  HttpResponse r = ErrorResponse(
      sb::core::InvalidField("forward_no_answer.after_s", "must be between 6 and 3600"));
  CHECK(r.status == 400);
  CHECK(r.content_type == "application/json");
  CHECK(
      r.body ==
      R"({"error":{"code":"INVALID_ARGUMENT","message":"must be between 6 and 3600","field":"forward_no_answer.after_s"}})");

  // The first-sign-in gate: FAILED_PRECONDITION, answered 403.
  r = ErrorResponse(absl::FailedPreconditionError("set a security e-mail first"), 403);
  CHECK(r.status == 403);
  CHECK(r.body ==
        R"({"error":{"code":"FAILED_PRECONDITION","message":"set a security e-mail first"}})");

  // A 5xx carries the message only.
  r = ErrorResponse(sb::core::WithField(absl::InternalError("boom"), "secret_column"));
  CHECK(r.status == 500);
  CHECK(r.body == R"({"error":{"code":"INTERNAL","message":"boom"}})");

  r = ErrorResponse(absl::NotFoundError(""));
  CHECK(r.body == R"({"error":{"code":"NOT_FOUND","message":"not found"}})");

  r = ErrorResponse(absl::OkStatus());
  CHECK(r.status == 500);
}

TEST_CASE("error bodies stay valid JSON whatever the message holds") {
  const std::string nasty[] = {
      "quote \" backslash \\ slash /",
      "newline \n tab \t cr \r nul " + std::string(1, '\0') + " bell \x07 del \x7f",
      "unknown field '\xff\xfe'",
      "overlong \xc0\xaf, surrogate \xed\xa0\x80, past max \xf4\x90\x80\x80, cut \xe2\x82",
      "fine: é € 😀 \u2028",
  };
  for (const std::string& message : nasty) {
    HttpResponse r = ErrorResponse(sb::core::InvalidField(message, message));
    google::protobuf::Value v;
    INFO(r.body);
    REQUIRE(ValidJson(r.body, &v));
    const auto& error = v.struct_value().fields().at("error").struct_value().fields();
    const std::string& got = error.at("message").string_value();
    if (message.rfind("fine", 0) == 0 || message.rfind("quote", 0) == 0 ||
        message.rfind("newline", 0) == 0) {
      CHECK(got == message);  // valid UTF-8 survives byte for byte
    } else {
      CHECK(got.find("\xEF\xBF\xBD") != std::string::npos);
    }
    CHECK(error.at("field").string_value() == got);
  }
}

TEST_CASE("AppendJsonString escapes exactly what JSON requires") {
  const std::pair<std::string, std::string> table[] = {
      {"", R"("")"},
      {"plain", R"("plain")"},
      {"a\"b\\c", R"("a\"b\\c")"},
      {"\b\f\n\r\t", R"("\b\f\n\r\t")"},
      {std::string("\x01\x1f", 2), R"("\u0001\u001f")"},
      {std::string(1, '\0'), R"("\u0000")"},
      {"é€😀", "\"é€😀\""},
      {"\xff", "\"\xEF\xBF\xBD\""},
      {"a\xe2\x82", "\"a\xEF\xBF\xBD\xEF\xBF\xBD\""},
      {"\xed\xa0\x80", "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\""},
  };
  for (const auto& [in, want] : table) {
    std::string out;
    AppendJsonString(&out, in);
    CHECK(out == want);
  }
}

}  // namespace
}  // namespace sb::gateway
