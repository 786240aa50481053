#include "services/gateway/openapi.h"

#include <google/protobuf/descriptor.h>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <variant>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/gateway/json.h"

namespace sb::gateway {
namespace {

namespace pb = ::google::protobuf;

// A JSON value whose objects keep their keys in insertion order, so that the
// document reads top-down (openapi, info, paths, components) and is the same
// bytes from one start to the next.
class Json {
 public:
  Json() = default;                                  // null
  Json(bool b) : v_(b) {}                            // NOLINT: literal-like
  Json(int v) : v_(static_cast<int64_t>(v)) {}       // NOLINT
  Json(int64_t v) : v_(v) {}                         // NOLINT
  Json(std::string s) : v_(std::move(s)) {}          // NOLINT
  Json(const char* s) : v_(std::string(s)) {}        // NOLINT
  Json(absl::string_view s) : v_(std::string(s)) {}  // NOLINT

  static Json Object() {
    Json j;
    j.v_ = Members();
    return j;
  }
  static Json Array(std::vector<Json> items = {}) {
    Json j;
    j.v_ = std::move(items);
    return j;
  }
  static Json Strings(const std::vector<std::string>& items) {
    std::vector<Json> out(items.begin(), items.end());
    return Array(std::move(out));
  }

  // Object member, created (null) when absent; turns a null into an object.
  Json& operator[](absl::string_view key) {
    if (std::holds_alternative<std::monostate>(v_)) v_ = Members();
    auto& members = std::get<Members>(v_);
    for (auto& [k, v] : members) {
      if (k == key) return v;
    }
    members.emplace_back(std::string(key), Json());
    return members.back().second;
  }
  bool Has(absl::string_view key) const {
    const auto* members = std::get_if<Members>(&v_);
    if (members == nullptr) return false;
    for (const auto& [k, v] : *members) {
      if (k == key) return true;
    }
    return false;
  }
  void Push(Json item) {
    if (std::holds_alternative<std::monostate>(v_)) v_ = std::vector<Json>();
    std::get<std::vector<Json>>(v_).push_back(std::move(item));
  }

  void Write(std::string* out) const {
    struct Writer {
      std::string* out;
      void operator()(std::monostate) const { out->append("null"); }
      void operator()(bool b) const { out->append(b ? "true" : "false"); }
      void operator()(int64_t n) const { absl::StrAppend(out, n); }
      void operator()(const std::string& s) const { AppendJsonString(out, s); }
      void operator()(const std::vector<Json>& items) const {
        out->push_back('[');
        for (size_t i = 0; i < items.size(); ++i) {
          if (i > 0) out->push_back(',');
          items[i].Write(out);
        }
        out->push_back(']');
      }
      void operator()(const Members& members) const {
        out->push_back('{');
        for (size_t i = 0; i < members.size(); ++i) {
          if (i > 0) out->push_back(',');
          AppendJsonString(out, members[i].first);
          out->push_back(':');
          members[i].second.Write(out);
        }
        out->push_back('}');
      }
    };
    std::visit(Writer{out}, v_);
  }

 private:
  using Members = std::vector<std::pair<std::string, Json>>;
  std::variant<std::monostate, bool, int64_t, std::string, std::vector<Json>, Members> v_;
};

Json Ref(absl::string_view kind, absl::string_view name) {
  Json j = Json::Object();
  j["$ref"] = absl::StrCat("#/components/", kind, "/", name);
  return j;
}

// Leading comment, else trailing; "" without source info.
template <typename D>
std::string Comment(const D* d) {
  pb::SourceLocation loc;
  if (!d->GetSourceLocation(&loc)) return "";
  const std::string& text =
      loc.leading_comments.empty() ? loc.trailing_comments : loc.leading_comments;
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  std::vector<absl::string_view> kept;
  for (absl::string_view line : lines) kept.push_back(absl::StripAsciiWhitespace(line));
  while (!kept.empty() && kept.back().empty()) kept.pop_back();
  return absl::StrJoin(kept, "\n");
}

bool IsWrapper(const pb::Descriptor* d) {
  return d->file()->name() == "google/protobuf/wrappers.proto" && d->field_count() == 1;
}

bool IsEmpty(const pb::Descriptor* d) { return d->full_name() == "google.protobuf.Empty"; }

class SchemaBuilder {
 public:
  // A schema for a message used as a body or a field: a $ref to a component,
  // or inline for the well-known types, which have a JSON form of their own.
  Json MessageSchema(const pb::Descriptor* d) {
    if (auto wk = WellKnown(d); wk.has_value()) return *std::move(wk);
    const std::string& name = d->full_name();
    if (!schemas_.count(name)) {
      // Placeholder first: a message that contains itself refers to its own
      // component instead of recursing.
      schemas_[name] = Json();
      Json schema = Json::Object();
      schema["type"] = "object";
      if (std::string c = Comment(d); !c.empty()) schema["description"] = c;
      Json& props = schema["properties"];
      props = Json::Object();
      for (int i = 0; i < d->field_count(); ++i) {
        const pb::FieldDescriptor* f = d->field(i);
        props[f->name()] = FieldSchema(f);
      }
      schemas_[name] = std::move(schema);
    }
    return Ref("schemas", name);
  }

  Json TakeSchemas() {
    Json out = Json::Object();
    for (auto& [name, schema] : schemas_) out[name] = std::move(schema);
    return out;
  }

 private:
  Json FieldSchema(const pb::FieldDescriptor* f) {
    Json schema;
    if (f->is_map()) {
      schema = Json::Object();
      schema["type"] = "object";
      schema["additionalProperties"] = ValueSchema(f->message_type()->map_value());
    } else if (f->is_repeated()) {
      schema = Json::Object();
      schema["type"] = "array";
      schema["items"] = ValueSchema(f);
    } else {
      schema = ValueSchema(f);
    }
    std::string description = Comment(f);
    const pb::OneofDescriptor* oneof = f->real_containing_oneof();
    if (oneof != nullptr) {
      std::vector<std::string> members;
      for (int i = 0; i < oneof->field_count(); ++i) members.push_back(oneof->field(i)->name());
      absl::StrAppend(&description, description.empty() ? "" : "\n", "At most one of ",
                      absl::StrJoin(members, ", "), " is set.");
    }
    if (!description.empty()) {
      // Siblings of a $ref are ignored in OpenAPI 3.0: wrap it to describe it.
      if (schema.Has("$ref")) {
        Json wrapped = Json::Object();
        wrapped["allOf"] = Json::Array({std::move(schema)});
        schema = std::move(wrapped);
      }
      schema["description"] = description;
    }
    return schema;
  }

  Json ValueSchema(const pb::FieldDescriptor* f) {
    Json s = Json::Object();
    switch (f->type()) {
      case pb::FieldDescriptor::TYPE_DOUBLE:
        s["type"] = "number";
        s["format"] = "double";
        break;
      case pb::FieldDescriptor::TYPE_FLOAT:
        s["type"] = "number";
        s["format"] = "float";
        break;
      case pb::FieldDescriptor::TYPE_INT32:
      case pb::FieldDescriptor::TYPE_SINT32:
      case pb::FieldDescriptor::TYPE_SFIXED32:
        s["type"] = "integer";
        s["format"] = "int32";
        break;
      case pb::FieldDescriptor::TYPE_UINT32:
      case pb::FieldDescriptor::TYPE_FIXED32:
        s["type"] = "integer";
        s["format"] = "int64";
        s["minimum"] = 0;
        s["maximum"] = int64_t{4294967295};
        break;
      // proto3 JSON prints 64-bit integers as strings: JavaScript numbers
      // lose precision past 2^53.
      case pb::FieldDescriptor::TYPE_INT64:
      case pb::FieldDescriptor::TYPE_SINT64:
      case pb::FieldDescriptor::TYPE_SFIXED64:
        s["type"] = "string";
        s["format"] = "int64";
        break;
      case pb::FieldDescriptor::TYPE_UINT64:
      case pb::FieldDescriptor::TYPE_FIXED64:
        s["type"] = "string";
        s["format"] = "uint64";
        break;
      case pb::FieldDescriptor::TYPE_BOOL:
        s["type"] = "boolean";
        break;
      case pb::FieldDescriptor::TYPE_STRING:
        s["type"] = "string";
        break;
      case pb::FieldDescriptor::TYPE_BYTES:
        s["type"] = "string";
        s["format"] = "byte";
        break;
      case pb::FieldDescriptor::TYPE_ENUM:
        return EnumSchema(f->enum_type());
      case pb::FieldDescriptor::TYPE_MESSAGE:
      case pb::FieldDescriptor::TYPE_GROUP:
        return MessageSchema(f->message_type());
    }
    return s;
  }

  Json EnumSchema(const pb::EnumDescriptor* e) {
    const std::string& name = e->full_name();
    if (e->full_name() == "google.protobuf.NullValue") {
      Json s = Json::Object();
      s["nullable"] = true;
      s["description"] = "null";
      return s;
    }
    if (!schemas_.count(name)) {
      Json s = Json::Object();
      s["type"] = "string";
      if (std::string c = Comment(e); !c.empty()) s["description"] = c;
      std::vector<std::string> names;
      for (int i = 0; i < e->value_count(); ++i) names.push_back(e->value(i)->name());
      s["enum"] = Json::Strings(names);
      schemas_[name] = std::move(s);
    }
    return Ref("schemas", name);
  }

  std::optional<Json> WellKnown(const pb::Descriptor* d) {
    const std::string& name = d->full_name();
    if (!absl::StartsWith(name, "google.protobuf.")) return std::nullopt;
    Json s = Json::Object();
    if (name == "google.protobuf.Timestamp") {
      s["type"] = "string";
      s["format"] = "date-time";
    } else if (name == "google.protobuf.Duration") {
      s["type"] = "string";
      s["pattern"] = "^-?[0-9]+(\\.[0-9]{1,9})?s$";
      s["description"] = "A duration in seconds with an 's' suffix, e.g. \"1.5s\".";
    } else if (name == "google.protobuf.FieldMask") {
      s["type"] = "string";
      s["description"] = "Comma-separated field names, e.g. \"first_name,email\".";
    } else if (name == "google.protobuf.Struct") {
      s["type"] = "object";
      s["additionalProperties"] = true;
    } else if (name == "google.protobuf.Value") {
      s["nullable"] = true;
      s["description"] = "Any JSON value.";
    } else if (name == "google.protobuf.ListValue") {
      s["type"] = "array";
      s["items"] = Json::Object();
    } else if (name == "google.protobuf.Empty") {
      s["type"] = "object";
    } else if (name == "google.protobuf.Any") {
      s["type"] = "object";
      s["required"] = Json::Strings({"@type"});
      s["properties"]["@type"]["type"] = "string";
      s["additionalProperties"] = true;
    } else if (IsWrapper(d)) {
      s = ValueSchema(d->field(0));
      s["nullable"] = true;
    } else {
      return std::nullopt;
    }
    return s;
  }

  std::map<std::string, Json> schemas_;  // sorted: stable output
};

struct ErrorStatus {
  int status;
  const char* name;
  const char* description;
};

constexpr ErrorStatus kErrorStatuses[] = {
    {400, "BadRequest", "The request is malformed or a field is invalid (see error.field)."},
    {401, "Unauthenticated", "No valid bearer token."},
    {403, "PermissionDenied",
     "The caller's role may not do this, or the first sign-in is not complete "
     "(code FAILED_PRECONDITION)."},
    {404, "NotFound", "No such resource, or it is outside the caller's reach."},
    {405, "MethodNotAllowed", "The path exists under other methods (see Allow)."},
    {409, "Conflict", "The resource already exists or changed concurrently."},
    {410, "Gone", "The link has expired."},
    {413, "PayloadTooLarge", "The request body is over its limit."},
    {415, "UnsupportedMediaType", "The request body is not of the documented type."},
    {429, "TooManyRequests", "Rate limited; see Retry-After."},
    {500, "InternalError", "A bug on the server's side."},
    {501, "NotImplemented", "Not implemented."},
    {503, "Unavailable", "A backend service is unavailable; retry later."},
    {504, "DeadlineExceeded", "A backend service did not answer in time."},
};

const ErrorStatus* FindErrorStatus(int status) {
  for (const ErrorStatus& e : kErrorStatuses) {
    if (e.status == status) return &e;
  }
  return nullptr;
}

std::string ErrorResponseName(int status) {
  const ErrorStatus* e = FindErrorStatus(status);
  return e != nullptr ? e->name : absl::StrCat("Error", status);
}

Json ErrorSchema() {
  std::vector<std::string> codes;
  for (int c = 1; c <= 16; ++c)
    codes.push_back(absl::StatusCodeToString(static_cast<absl::StatusCode>(c)));
  Json s = Json::Object();
  s["type"] = "object";
  s["required"] = Json::Strings({"error"});
  Json& e = s["properties"]["error"];
  e["type"] = "object";
  e["required"] = Json::Strings({"code", "message"});
  e["properties"]["code"]["type"] = "string";
  e["properties"]["code"]["enum"] = Json::Strings(codes);
  e["properties"]["message"]["type"] = "string";
  e["properties"]["field"]["type"] = "string";
  e["properties"]["field"]["description"] =
      "The request field at fault, as a path such as \"forward_no_answer.after_s\".";
  return s;
}

std::string Camel(absl::string_view words) {
  std::string out;
  bool upper = true;
  for (char c : words) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      upper = true;
      continue;
    }
    out.push_back(upper ? absl::ascii_toupper(static_cast<unsigned char>(c)) : c);
    upper = false;
  }
  return out;
}

// "GET /v1/users/{user_id}/devices" → "getV1UsersByUserIdDevices".
std::string OperationId(const Route& route) {
  std::string id = absl::AsciiStrToLower(route.method);
  for (absl::string_view seg : absl::StrSplit(route.pattern, '/', absl::SkipEmpty())) {
    if (absl::ConsumePrefix(&seg, "{")) {
      absl::ConsumeSuffix(&seg, "}");
      absl::StrAppend(&id, "By", Camel(seg));
    } else {
      absl::StrAppend(&id, Camel(seg));
    }
  }
  return id;
}

Json BinarySchema() {
  Json s = Json::Object();
  s["type"] = "string";
  s["format"] = "binary";
  return s;
}

bool IsJson(const std::string& content_type) {
  return absl::StartsWith(content_type, "application/json");
}

Json Operation(const Route& route, SchemaBuilder& schemas, absl::flat_hash_set<std::string>& ids,
               std::set<int>& used_errors) {
  const RouteDoc& doc = route.doc;
  Json op = Json::Object();
  std::string id = doc.operation_id.empty() ? OperationId(route) : doc.operation_id;
  for (int n = 2; ids.contains(id); ++n) id = absl::StrCat(id, "_", n);
  ids.insert(id);
  op["operationId"] = id;
  if (!doc.summary.empty()) op["summary"] = doc.summary;
  std::string description = doc.description;
  if (doc.auth && !doc.roles.empty()) {
    absl::StrAppend(&description, description.empty() ? "" : "\n\n",
                    "Roles: ", absl::StrJoin(doc.roles, ", "), ".");
  }
  if (!description.empty()) op["description"] = description;
  if (!doc.tag.empty()) op["tags"] = Json::Strings({doc.tag});
  if (!doc.roles.empty()) op["x-roles"] = Json::Strings(doc.roles);

  Json params = Json::Array();
  for (const std::string& name : route.params) {
    Json p = Json::Object();
    p["name"] = name;
    p["in"] = "path";
    p["required"] = true;
    p["schema"]["type"] = "string";
    params.Push(std::move(p));
  }
  for (const QueryParam& q : doc.query) {
    Json p = Json::Object();
    p["name"] = q.name;
    p["in"] = "query";
    if (!q.description.empty()) p["description"] = q.description;
    p["required"] = q.required;
    p["schema"]["type"] = q.type.empty() ? "string" : q.type;
    if (!q.enum_values.empty()) p["schema"]["enum"] = Json::Strings(q.enum_values);
    params.Push(std::move(p));
  }
  if (!route.params.empty() || !doc.query.empty()) op["parameters"] = std::move(params);

  bool has_body = false;
  if (doc.request != nullptr && !IsEmpty(doc.request)) {
    has_body = true;
    Json& body = op["requestBody"];
    body["required"] = true;
    body["content"][doc.request_content_type]["schema"] = schemas.MessageSchema(doc.request);
  } else if (!doc.request_content_type.empty() && !IsJson(doc.request_content_type)) {
    has_body = true;
    Json& body = op["requestBody"];
    body["required"] = true;
    body["content"][doc.request_content_type]["schema"] = BinarySchema();
  }
  if (has_body && doc.max_body_bytes > 0) {
    op["requestBody"]["description"] = absl::StrCat("At most ", doc.max_body_bytes, " bytes.");
  }

  Json& responses = op["responses"];
  Json ok = Json::Object();
  int ok_status;
  if (doc.response != nullptr && !IsEmpty(doc.response)) {
    ok_status = doc.success_status > 0 ? doc.success_status : 200;
    ok["description"] = "OK";
    ok["content"][doc.response_content_type]["schema"] = schemas.MessageSchema(doc.response);
  } else if (!doc.response_content_type.empty() && !IsJson(doc.response_content_type)) {
    ok_status = doc.success_status > 0 ? doc.success_status : 200;
    ok["description"] = "OK";
    ok["content"][doc.response_content_type]["schema"] = BinarySchema();
  } else {
    ok_status = doc.success_status > 0 ? doc.success_status : 204;
    ok["description"] = "No content";
  }
  responses[std::to_string(ok_status)] = std::move(ok);

  std::set<int> errors = {500, 503};
  if (has_body || !route.params.empty() || !doc.query.empty()) errors.insert(400);
  if (has_body) errors.insert(413);
  if (doc.auth) errors.insert({401, 403});
  if (!route.params.empty()) errors.insert(404);
  errors.insert(doc.extra_statuses.begin(), doc.extra_statuses.end());
  for (int status : errors) {
    if (status < 400 || status > 599) continue;
    responses[std::to_string(status)] = Ref("responses", ErrorResponseName(status));
    used_errors.insert(status);
  }
  if (!doc.auth) op["security"] = Json::Array();
  return op;
}

}  // namespace

std::string BuildOpenApi(const Router& router, const OpenApiInfo& info) {
  Json doc = Json::Object();
  doc["openapi"] = "3.0.3";
  doc["info"]["title"] = info.title;
  doc["info"]["version"] = info.version;
  if (!info.description.empty()) doc["info"]["description"] = info.description;
  if (!info.servers.empty()) {
    Json servers = Json::Array();
    for (const std::string& url : info.servers) {
      Json s = Json::Object();
      s["url"] = url;
      servers.Push(std::move(s));
    }
    doc["servers"] = std::move(servers);
  }
  Json security = Json::Object();
  security["bearerAuth"] = Json::Array();
  doc["security"] = Json::Array({std::move(security)});

  SchemaBuilder schemas;
  absl::flat_hash_set<std::string> ids;
  std::set<int> used_errors;
  Json& paths = doc["paths"];
  paths = Json::Object();
  for (const Route& route : router.routes()) {
    paths[route.pattern][absl::AsciiStrToLower(route.method)] =
        Operation(route, schemas, ids, used_errors);
  }

  Json& components = doc["components"];
  Json& bearer = components["securitySchemes"]["bearerAuth"];
  bearer["type"] = "http";
  bearer["scheme"] = "bearer";
  bearer["description"] = "The token from POST /v1/sessions.";
  Json all_schemas = schemas.TakeSchemas();
  all_schemas["Error"] = ErrorSchema();
  components["schemas"] = std::move(all_schemas);
  Json& responses = components["responses"];
  responses = Json::Object();
  for (int status : used_errors) {
    const ErrorStatus* e = FindErrorStatus(status);
    Json& r = responses[ErrorResponseName(status)];
    r["description"] = e != nullptr ? e->description : "Error.";
    r["content"]["application/json"]["schema"] = Ref("schemas", "Error");
  }

  std::string out;
  doc.Write(&out);
  return out;
}

}  // namespace sb::gateway
