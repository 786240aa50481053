#include "services/gateway/json.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "core/logging.h"
#include "core/status.h"

namespace sb::gateway {
namespace {

namespace pb = ::google::protobuf;

// ---------------------------------------------------------------------------
// Turning protobuf's JSON parse errors into messages that name the field.
//
// protobuf 3.21 reports (verified in json_test.cc against the real parser):
//   syntax:        "Unexpected token.\n<context>\n^"
//   unknown field: "foo: Cannot find field." / "(forward) bogus: Cannot find field."
//   bad value:     "(forward.after_s): invalid value \"abc\" for type TYPE_INT32"
//   oneof clash:   ": invalid value oneof field 'target' is already set. Cannot set 'b' for type
//   oneof"
// Locations index maps and wrappers by their wire shape ("counters[0].value",
// "nickname.value"); the client knows neither, so they are folded away.

std::string_view Std(absl::string_view s) { return std::string_view(s.data(), s.size()); }

bool IsWrapper(const pb::Descriptor* d) {
  if (d == nullptr || d->file()->name() != "google/protobuf/wrappers.proto") return false;
  return d->field_count() == 1 && d->field(0)->name() == "value";
}

// A location resolved against the message descriptor.
struct Location {
  std::string path;                           // as the client wrote it: "rules[1].after_s"
  const pb::FieldDescriptor* leaf = nullptr;  // null when a name did not resolve
  bool element = false;                       // `leaf` is repeated and the location is one element
  const pb::Descriptor* message = nullptr;    // the message the location ends in, if any
};

Location Resolve(const pb::Descriptor* root, absl::string_view raw) {
  Location loc;
  loc.message = root;
  const pb::Descriptor* current = root;
  const pb::FieldDescriptor* map_field = nullptr;  // just stepped into a map entry by index
  for (absl::string_view token : absl::StrSplit(raw, '.', absl::SkipEmpty())) {
    if (map_field != nullptr) {
      // "counters[0].value": the entry's key or value, not a field the client wrote.
      const pb::Descriptor* entry = map_field->message_type();
      const pb::FieldDescriptor* f = entry->FindFieldByName(std::string(token));
      map_field = nullptr;
      if (f != nullptr) {
        loc.leaf = f;
        loc.element = false;
        current = f->message_type();
        loc.message = current;
        continue;
      }
    }
    if (IsWrapper(current) && token == "value") {
      loc.leaf = current->field(0);
      loc.element = false;
      current = nullptr;
      loc.message = nullptr;
      continue;
    }
    absl::string_view name = token;
    absl::string_view index;
    if (size_t bracket = token.find('['); bracket != absl::string_view::npos) {
      name = token.substr(0, bracket);
      index = token.substr(bracket);
    }
    const pb::FieldDescriptor* f =
        current == nullptr ? nullptr : current->FindFieldByName(std::string(name));
    if (!loc.path.empty()) loc.path.push_back('.');
    if (f == nullptr) {
      absl::StrAppend(&loc.path, token);
      loc.leaf = nullptr;
      current = nullptr;
      loc.message = nullptr;
      continue;
    }
    absl::StrAppend(&loc.path, name);
    loc.leaf = f;
    loc.element = false;
    if (f->is_map()) {
      if (!index.empty()) map_field = f;
      current = nullptr;
    } else {
      if (f->is_repeated() && !index.empty()) {
        absl::StrAppend(&loc.path, index);
        loc.element = true;
      }
      current = f->message_type();
    }
    loc.message = current;
  }
  return loc;
}

std::string ExpectedValue(const pb::FieldDescriptor* f, bool element);

std::string ExpectedScalar(const pb::FieldDescriptor* f) {
  switch (f->type()) {
    case pb::FieldDescriptor::TYPE_STRING:
      return "a string";
    case pb::FieldDescriptor::TYPE_BOOL:
      return "true or false";
    case pb::FieldDescriptor::TYPE_INT32:
    case pb::FieldDescriptor::TYPE_SINT32:
    case pb::FieldDescriptor::TYPE_SFIXED32:
      return "a 32-bit integer";
    case pb::FieldDescriptor::TYPE_UINT32:
    case pb::FieldDescriptor::TYPE_FIXED32:
      return "a non-negative 32-bit integer";
    case pb::FieldDescriptor::TYPE_INT64:
    case pb::FieldDescriptor::TYPE_SINT64:
    case pb::FieldDescriptor::TYPE_SFIXED64:
      return "a 64-bit integer (a number or a string of digits)";
    case pb::FieldDescriptor::TYPE_UINT64:
    case pb::FieldDescriptor::TYPE_FIXED64:
      return "a non-negative 64-bit integer (a number or a string of digits)";
    case pb::FieldDescriptor::TYPE_DOUBLE:
    case pb::FieldDescriptor::TYPE_FLOAT:
      return "a number";
    case pb::FieldDescriptor::TYPE_BYTES:
      return "base64-encoded bytes";
    case pb::FieldDescriptor::TYPE_ENUM: {
      std::vector<std::string> names;
      const pb::EnumDescriptor* e = f->enum_type();
      for (int i = 0; i < e->value_count() && i < 32; ++i) names.push_back(e->value(i)->name());
      return absl::StrCat("one of ", absl::StrJoin(names, ", "));
    }
    case pb::FieldDescriptor::TYPE_MESSAGE:
    case pb::FieldDescriptor::TYPE_GROUP: {
      const pb::Descriptor* m = f->message_type();
      const std::string& name = m->full_name();
      if (name == "google.protobuf.Timestamp") {
        return "an RFC 3339 timestamp such as \"2024-05-01T09:30:00Z\"";
      }
      if (name == "google.protobuf.Duration") return "a duration in seconds such as \"1.5s\"";
      if (name == "google.protobuf.FieldMask") return "a comma-separated list of field names";
      if (name == "google.protobuf.Value") return "any JSON value";
      if (name == "google.protobuf.ListValue") return "an array";
      if (IsWrapper(m)) return ExpectedValue(m->field(0), false) + " or null";
      return "a JSON object";
    }
  }
  return "a valid value";
}

std::string ExpectedValue(const pb::FieldDescriptor* f, bool element) {
  if (f->is_map()) return "a JSON object";
  if (f->is_repeated() && !element) return absl::StrCat("an array of ", ExpectedScalar(f));
  return ExpectedScalar(f);
}

std::string Truncated(absl::string_view s) {
  constexpr size_t kMax = 80;
  if (s.size() <= kMax) return std::string(s);
  return absl::StrCat(s.substr(0, kMax), "…");
}

// "Unexpected token.\n}\n^" → "malformed JSON: unexpected token".
absl::Status Malformed(absl::string_view detail) {
  absl::string_view line = detail.substr(0, detail.find('\n'));
  line = absl::StripAsciiWhitespace(line);
  while (!line.empty() && line.back() == '.') line.remove_suffix(1);
  std::string text(line.empty() ? "syntax error" : line);
  text[0] = absl::ascii_tolower(static_cast<unsigned char>(text[0]));
  return absl::InvalidArgumentError(absl::StrCat("malformed JSON: ", text));
}

// "oneof field 'target' is already set. Cannot set 'b'" at `loc`.
absl::Status OneofClash(const Location& loc, absl::string_view detail) {
  std::string oneof, second;
  size_t a = detail.find("oneof field '");
  if (a != absl::string_view::npos) {
    a += sizeof("oneof field '") - 1;
    oneof = std::string(detail.substr(a, detail.find('\'', a) - a));
  }
  size_t b = detail.find("Cannot set '");
  if (b != absl::string_view::npos) {
    b += sizeof("Cannot set '") - 1;
    second = std::string(detail.substr(b, detail.find('\'', b) - b));
  }
  std::string field = loc.path.empty() ? second : absl::StrCat(loc.path, ".", second);
  std::vector<std::string> members;
  const pb::Descriptor* m = loc.message;
  if (m != nullptr) {
    for (int i = 0; i < m->oneof_decl_count(); ++i) {
      const pb::OneofDescriptor* o = m->oneof_decl(i);
      if (o->name() != oneof) continue;
      for (int j = 0; j < o->field_count(); ++j) members.push_back(o->field(j)->name());
    }
  }
  std::string message =
      members.empty() ? absl::StrCat("only one field of '", oneof, "' may be set")
                      : absl::StrCat("only one of ", absl::StrJoin(members, ", "), " may be set");
  return sb::core::InvalidField(field, message);
}

absl::Status TranslateParseError(const pb::Descriptor* root, absl::string_view error) {
  constexpr absl::string_view kUnknown = ": Cannot find field.";
  if (absl::EndsWith(error, kUnknown)) {
    absl::string_view rest = error.substr(0, error.size() - kUnknown.size());
    absl::string_view parent, name = rest;
    if (absl::StartsWith(rest, "(")) {
      if (size_t end = rest.find(") "); end != absl::string_view::npos) {
        parent = rest.substr(1, end - 1);
        name = rest.substr(end + 2);
      }
    }
    std::string path = Resolve(root, parent).path;
    std::string field = path.empty() ? std::string(name) : absl::StrCat(path, ".", name);
    return sb::core::InvalidField(field, absl::StrCat("unknown field '", Truncated(field), "'"));
  }

  absl::string_view raw_location, detail;
  if (absl::StartsWith(error, "(")) {
    size_t end = error.find("): ");
    if (end == absl::string_view::npos) return Malformed(error);
    raw_location = error.substr(1, end - 1);
    detail = error.substr(end + 3);
  } else if (absl::StartsWith(error, ": ")) {
    detail = error.substr(2);
  } else {
    return Malformed(error);
  }

  Location loc = Resolve(root, raw_location);
  if (absl::StrContains(detail, "oneof field '")) return OneofClash(loc, detail);
  if (absl::StartsWith(detail, "Root element must be a message")) {
    return absl::InvalidArgumentError("request body must be a JSON object");
  }
  if (loc.path.empty()) return absl::InvalidArgumentError(std::string(detail));

  // "invalid value \"abc\" for type TYPE_INT32": keep the value the client
  // sent unless it is protobuf's own prose (well-known types).
  std::string value;
  constexpr absl::string_view kInvalid = "invalid value ";
  if (absl::StartsWith(detail, kInvalid)) {
    absl::string_view v = detail.substr(kInvalid.size());
    if (size_t for_type = v.rfind(" for type "); for_type != absl::string_view::npos) {
      v = v.substr(0, for_type);
      if (!absl::StrContains(v, "Field '")) value = Truncated(v);
    }
  }
  std::string message = value.empty() ? absl::StrCat("invalid value for ", loc.path)
                                      : absl::StrCat("invalid value ", value, " for ", loc.path);
  if (loc.leaf != nullptr) {
    absl::StrAppend(&message, ": expected ", ExpectedValue(loc.leaf, loc.element));
  }
  return sb::core::InvalidField(loc.path, message);
}

std::string CodeName(absl::StatusCode code) {
  std::string name = absl::StatusCodeToString(code);
  return name.empty() ? "UNKNOWN" : name;
}

}  // namespace

absl::Status ParseJsonBody(std::string_view body, pb::Message* out, JsonBodyOptions options) {
  out->Clear();
  absl::string_view trimmed =
      absl::StripAsciiWhitespace(absl::string_view(body.data(), body.size()));
  if (trimmed.empty()) {
    if (options.allow_empty) return absl::OkStatus();
    return absl::InvalidArgumentError("request body is empty: expected a JSON object");
  }
  if (trimmed.front() != '{')
    return absl::InvalidArgumentError("request body must be a JSON object");

  pb::util::JsonParseOptions parse_options;
  parse_options.ignore_unknown_fields = false;
  auto status =
      pb::util::JsonStringToMessage(pb::StringPiece(body.data(), body.size()), out, parse_options);
  if (status.ok()) return absl::OkStatus();
  out->Clear();
  std::string error(status.message().data(), status.message().size());
  return TranslateParseError(out->GetDescriptor(), error);
}

absl::StatusOr<std::string> MessageToJson(const pb::Message& message) {
  pb::util::JsonPrintOptions options;
  options.add_whitespace = false;
  options.always_print_primitive_fields = true;
  options.always_print_enums_as_ints = false;
  options.preserve_proto_field_names = true;
  std::string out;
  auto status = pb::util::MessageToJsonString(message, &out, options);
  if (!status.ok()) {
    return absl::InternalError(absl::StrCat("cannot print ", message.GetDescriptor()->full_name(),
                                            " as JSON: ", std::string(status.message())));
  }
  return out;
}

std::string ToJson(const pb::Message& message) {
  absl::StatusOr<std::string> json = MessageToJson(message);
  if (json.ok()) return *std::move(json);
  sb::core::Logger("http")->error("{}", Std(json.status().message()));
  return "{}";
}

HttpResponse JsonResponse(int status, const pb::Message& message) {
  absl::StatusOr<std::string> json = MessageToJson(message);
  if (!json.ok()) {
    sb::core::Logger("http")->error("{}", Std(json.status().message()));
    return ErrorResponse(absl::InternalError("internal error"));
  }
  HttpResponse response;
  response.status = status;
  response.body = *std::move(json);
  return response;
}

int HttpStatusFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kFailedPrecondition:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kCancelled:
      return 499;  // nginx's "client closed request", as grpc-gateway uses it
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}

HttpResponse ErrorResponse(const absl::Status& status, int http_status_override) {
  absl::Status st = status;
  if (st.ok()) {
    sb::core::Logger("http")->error("ErrorResponse called with an OK status");
    st = absl::InternalError("internal error");
  }
  HttpResponse response;
  response.status = http_status_override > 0 ? http_status_override : HttpStatusFor(st.code());
  std::string code = CodeName(st.code());
  absl::string_view message = st.message();
  std::string fallback;
  if (message.empty()) {
    fallback = absl::AsciiStrToLower(code);
    absl::StrReplaceAll({{"_", " "}}, &fallback);
    message = fallback;
  }
  std::string& body = response.body;
  body.reserve(64 + message.size());
  body.append(R"({"error":{"code":)");
  AppendJsonString(&body, code);
  body.append(R"(,"message":)");
  AppendJsonString(&body, Std(message));
  if (response.status < 500) {
    if (std::string field = sb::core::FieldOf(st); !field.empty()) {
      body.append(R"(,"field":)");
      AppendJsonString(&body, field);
    }
  }
  body.append("}}");
  return response;
}

void AppendJsonString(std::string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  out->push_back('"');
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c < 0x80) {
      switch (c) {
        case '"':
          out->append("\\\"");
          break;
        case '\\':
          out->append("\\\\");
          break;
        case '\b':
          out->append("\\b");
          break;
        case '\f':
          out->append("\\f");
          break;
        case '\n':
          out->append("\\n");
          break;
        case '\r':
          out->append("\\r");
          break;
        case '\t':
          out->append("\\t");
          break;
        default:
          if (c < 0x20) {
            out->append("\\u00");
            out->push_back(kHex[c >> 4]);
            out->push_back(kHex[c & 0xF]);
          } else {
            out->push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    // A well-formed sequence (RFC 3629: no overlongs, no surrogates, at most
    // U+10FFFF) is copied; anything else becomes one U+FFFD per bad byte.
    size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    }
    bool valid = len > 0 && i + len <= n;
    for (size_t k = 1; valid && k < len; ++k) {
      unsigned char cc = p[i + k];
      unsigned char min = k == 1 ? lo : 0x80, max = k == 1 ? hi : 0xBF;
      valid = cc >= min && cc <= max;
    }
    if (valid) {
      out->append(s.data() + i, len);
      i += len;
    } else {
      out->append(kReplacement);
      ++i;
    }
  }
  out->push_back('"');
}

}  // namespace sb::gateway
