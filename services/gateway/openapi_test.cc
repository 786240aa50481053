#include "services/gateway/openapi.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <catch2/catch.hpp>
#include <functional>
#include <set>
#include <string>

#include "gateway_test.pb.h"

namespace sb::gateway {
namespace {

namespace pb = ::google::protobuf;
using switchboard::gateway::testing::Device;
using switchboard::gateway::testing::ListDevicesResponse;

HttpResponse Ok(HttpRequest&) { return {}; }

Router DocumentedRouter() {
  Router router;
  RouteDoc create;
  create.summary = "Add a device";
  create.tag = "devices";
  create.request = Device::descriptor();
  create.response = Device::descriptor();
  create.roles = {"ADMIN", "OPERATOR"};
  create.success_status = 201;
  create.extra_statuses = {409};
  router.Add("POST", "/v1/users/{user_id}/devices", Ok, create);

  RouteDoc list;
  list.summary = "List devices";
  list.tag = "devices";
  list.response = ListDevicesResponse::descriptor();
  list.query = {{"page_size", "integer", "At most this many items.", false, {}},
                {"kind", "string", "", false, {"SOFTPHONE", "DESK_PHONE"}}};
  router.Add("GET", "/v1/users/{user_id}/devices", Ok, list);

  RouteDoc remove;
  remove.summary = "Remove a device";
  remove.tag = "devices";
  router.Add("DELETE", "/v1/users/{user_id}/devices/{device_id}", Ok, remove);

  RouteDoc health;
  health.summary = "Health of the gateway and its backends";
  health.auth = false;
  health.response = pb::Struct::descriptor();
  router.Add("GET", "/v1/health", Ok, health);

  RouteDoc content;
  content.summary = "A message's audio";
  content.response_content_type = "audio/wav";
  router.Add("GET", "/v1/messages/{message_id}/content", Ok, content);

  RouteDoc greeting;
  greeting.summary = "Upload a greeting";
  greeting.request_content_type = "audio/wav";
  greeting.max_body_bytes = 5 << 20;
  router.Add("PUT", "/v1/users/{user_id}/greeting", Ok, greeting);
  return router;
}

const pb::Value& At(const pb::Value& v, std::initializer_list<std::string> path) {
  static const pb::Value kMissing;
  const pb::Value* cur = &v;
  for (const std::string& key : path) {
    const auto& fields = cur->struct_value().fields();
    auto it = fields.find(key);
    if (it == fields.end()) {
      UNSCOPED_INFO("missing key " << key);
      return kMissing;
    }
    cur = &it->second;
  }
  return *cur;
}

pb::Value Parse(const std::string& json) {
  pb::Value doc;
  auto st = pb::util::JsonStringToMessage(json, &doc);
  INFO(std::string(st.message()));
  REQUIRE(st.ok());
  REQUIRE(doc.has_struct_value());
  return doc;
}

std::string Schema(const std::string& name) { return "#/components/schemas/" + name; }

TEST_CASE("the document is valid OpenAPI-shaped JSON with every route") {
  std::string json = BuildOpenApi(DocumentedRouter(), {.title = "Test", .version = "1.2"});
  pb::Value doc = Parse(json);
  CHECK(At(doc, {"openapi"}).string_value() == "3.0.3");
  CHECK(At(doc, {"info", "title"}).string_value() == "Test");
  CHECK(At(doc, {"info", "version"}).string_value() == "1.2");
  CHECK(At(doc, {"components", "securitySchemes", "bearerAuth", "scheme"}).string_value() ==
        "bearer");
  CHECK(At(doc, {"security"}).list_value().values(0).struct_value().fields().count("bearerAuth"));

  const auto& paths = At(doc, {"paths"}).struct_value().fields();
  CHECK(paths.size() == 5);
  CHECK(At(doc, {"paths", "/v1/users/{user_id}/devices"}).struct_value().fields().size() == 2);

  const pb::Value& create = At(doc, {"paths", "/v1/users/{user_id}/devices", "post"});
  CHECK(At(create, {"operationId"}).string_value() == "postV1UsersByUserIdDevices");
  CHECK(At(create, {"summary"}).string_value() == "Add a device");
  CHECK(At(create, {"tags"}).list_value().values(0).string_value() == "devices");
  CHECK(At(create, {"x-roles"}).list_value().values_size() == 2);
  CHECK(At(create, {"description"}).string_value() == "Roles: ADMIN, OPERATOR.");
  const pb::Value& param = At(create, {"parameters"}).list_value().values(0);
  CHECK(At(param, {"name"}).string_value() == "user_id");
  CHECK(At(param, {"in"}).string_value() == "path");
  CHECK(At(param, {"required"}).bool_value());
  CHECK(
      At(create, {"requestBody", "content", "application/json", "schema", "$ref"}).string_value() ==
      Schema("switchboard.gateway.testing.Device"));
  CHECK(At(create, {"responses", "201", "content", "application/json", "schema", "$ref"})
            .string_value() == Schema("switchboard.gateway.testing.Device"));
  std::set<std::string> statuses;
  for (const auto& [status, _] : At(create, {"responses"}).struct_value().fields()) {
    statuses.insert(status);
  }
  CHECK(statuses ==
        std::set<std::string>{"201", "400", "401", "403", "404", "409", "413", "500", "503"});
  CHECK(At(create, {"responses", "409", "$ref"}).string_value() ==
        "#/components/responses/Conflict");
  CHECK(!At(create, {}).struct_value().fields().count("security"));

  const pb::Value& list = At(doc, {"paths", "/v1/users/{user_id}/devices", "get"});
  const auto& params = At(list, {"parameters"}).list_value();
  REQUIRE(params.values_size() == 3);
  CHECK(At(params.values(1), {"name"}).string_value() == "page_size");
  CHECK(At(params.values(1), {"in"}).string_value() == "query");
  CHECK(At(params.values(1), {"schema", "type"}).string_value() == "integer");
  CHECK(At(params.values(2), {"schema", "enum"}).list_value().values(1).string_value() ==
        "DESK_PHONE");
  CHECK(!At(list, {}).struct_value().fields().count("requestBody"));

  const pb::Value& remove = At(doc, {"paths", "/v1/users/{user_id}/devices/{device_id}", "delete"});
  CHECK(At(remove, {"responses", "204", "description"}).string_value() == "No content");
  CHECK(!At(remove, {"responses", "204"}).struct_value().fields().count("content"));
  CHECK(At(remove, {"parameters"}).list_value().values_size() == 2);

  const pb::Value& health = At(doc, {"paths", "/v1/health", "get"});
  CHECK(At(health, {"security"}).list_value().values_size() == 0);
  CHECK(At(health, {"security"}).has_list_value());
  CHECK(!At(health, {"responses"}).struct_value().fields().count("401"));
  CHECK(At(health, {"responses", "200", "content", "application/json", "schema", "type"})
            .string_value() == "object");

  const pb::Value& content = At(doc, {"paths", "/v1/messages/{message_id}/content", "get"});
  CHECK(At(content, {"responses", "200", "content", "audio/wav", "schema", "format"})
            .string_value() == "binary");

  const pb::Value& greeting = At(doc, {"paths", "/v1/users/{user_id}/greeting", "put"});
  CHECK(At(greeting, {"requestBody", "content", "audio/wav", "schema", "format"}).string_value() ==
        "binary");
  CHECK(At(greeting, {"requestBody", "description"}).string_value() == "At most 5242880 bytes.");
  CHECK(At(greeting, {"responses"}).struct_value().fields().count("413"));

  const pb::Value& error = At(doc, {"components", "schemas", "Error", "properties", "error"});
  CHECK(At(error, {"properties", "code", "enum"}).list_value().values_size() == 16);
  CHECK(At(error, {"properties", "field", "type"}).string_value() == "string");
  CHECK(At(doc,
           {"components", "responses", "NotFound", "content", "application/json", "schema", "$ref"})
            .string_value() == Schema("Error"));
}

TEST_CASE("schemas follow protobuf's JSON mapping") {
  pb::Value doc = Parse(BuildOpenApi(DocumentedRouter(), {}));
  const pb::Value& device =
      At(doc, {"components", "schemas", "switchboard.gateway.testing.Device"});
  CHECK(At(device, {"type"}).string_value() == "object");
  auto prop = [&](const std::string& name) -> const pb::Value& {
    return At(device, {"properties", name});
  };
  CHECK(prop("id").struct_value().fields().at("type").string_value() == "string");
  CHECK(At(prop("quota_bytes"), {"type"}).string_value() == "string");
  CHECK(At(prop("quota_bytes"), {"format"}).string_value() == "int64");
  CHECK(At(prop("line_count"), {"type"}).string_value() == "integer");
  CHECK(At(prop("line_count"), {"minimum"}).number_value() == 0);
  CHECK(At(prop("volume"), {"type"}).string_value() == "number");
  CHECK(At(prop("photo"), {"format"}).string_value() == "byte");
  CHECK(At(prop("kind"), {"$ref"}).string_value() ==
        Schema("switchboard.gateway.testing.DeviceKind"));
  CHECK(At(prop("tags"), {"type"}).string_value() == "array");
  CHECK(At(prop("tags"), {"items", "type"}).string_value() == "string");
  CHECK(At(prop("counters"), {"type"}).string_value() == "object");
  CHECK(At(prop("counters"), {"additionalProperties", "type"}).string_value() == "integer");
  CHECK(At(prop("rules_by_name"), {"additionalProperties", "$ref"}).string_value() ==
        Schema("switchboard.gateway.testing.ForwardRule"));
  CHECK(At(prop("rules"), {"items", "$ref"}).string_value() ==
        Schema("switchboard.gateway.testing.ForwardRule"));
  CHECK(At(prop("forward"), {"$ref"}).string_value() ==
        Schema("switchboard.gateway.testing.ForwardRule"));
  CHECK(At(prop("created_at"), {"format"}).string_value() == "date-time");
  CHECK(At(prop("ring_time"), {"type"}).string_value() == "string");
  CHECK(At(prop("update_mask"), {"type"}).string_value() == "string");
  CHECK(At(prop("metadata"), {"type"}).string_value() == "object");
  CHECK(At(prop("metadata"), {"additionalProperties"}).bool_value());
  CHECK(At(prop("nickname"), {"type"}).string_value() == "string");
  CHECK(At(prop("nickname"), {"nullable"}).bool_value());
  CHECK(At(prop("max_bytes"), {"type"}).string_value() == "string");  // Int64Value
  CHECK(At(prop("max_bytes"), {"nullable"}).bool_value());
  CHECK(At(prop("sidecar"), {"$ref"}).string_value() ==
        Schema("switchboard.gateway.testing.Device"));  // no endless recursion
  CHECK(At(prop("nothing"), {"type"}).string_value() == "object");
  CHECK(At(prop("sip_uri"), {"description"}).string_value() ==
        "At most one of sip_uri, phone_number is set.");
  CHECK(At(prop("priority"), {"type"}).string_value() == "integer");
  CHECK(!At(prop("priority"), {}).struct_value().fields().count("description"));

  const pb::Value& kind =
      At(doc, {"components", "schemas", "switchboard.gateway.testing.DeviceKind"});
  CHECK(At(kind, {"type"}).string_value() == "string");
  CHECK(At(kind, {"enum"}).list_value().values(1).string_value() == "SOFTPHONE");

  const pb::Value& list =
      At(doc, {"components", "schemas", "switchboard.gateway.testing.ListDevicesResponse"});
  CHECK(At(list, {"properties", "items", "items", "$ref"}).string_value() ==
        Schema("switchboard.gateway.testing.Device"));
}

TEST_CASE("every $ref resolves and the output is stable") {
  Router router = DocumentedRouter();
  std::string json = BuildOpenApi(router, {});
  CHECK(json == BuildOpenApi(router, {}));
  pb::Value doc = Parse(json);
  std::set<std::string> refs;
  std::function<void(const pb::Value&)> walk = [&](const pb::Value& v) {
    if (v.has_struct_value()) {
      for (const auto& [key, child] : v.struct_value().fields()) {
        if (key == "$ref") refs.insert(child.string_value());
        walk(child);
      }
    } else if (v.has_list_value()) {
      for (const auto& child : v.list_value().values()) walk(child);
    }
  };
  walk(doc);
  CHECK(refs.size() >= 8);
  for (const std::string& ref : refs) {
    INFO(ref);
    REQUIRE(ref.rfind("#/components/", 0) == 0);
    std::string rest = ref.substr(sizeof("#/components/") - 1);
    size_t slash = rest.find('/');
    CHECK(
        At(doc, {"components", rest.substr(0, slash), rest.substr(slash + 1)}).has_struct_value());
  }
}

TEST_CASE("comments in the .proto become descriptions when descriptors carry them") {
  // Generated code drops source info; rebuild the test file's descriptors
  // with comments, as a descriptor set made with --include_source_info has.
  pb::FileDescriptorProto file;
  Device::descriptor()->file()->CopyTo(&file);
  int device_index = -1;
  for (int i = 0; i < file.message_type_size(); ++i) {
    if (file.message_type(i).name() == "Device") device_index = i;
  }
  REQUIRE(device_index >= 0);
  auto* info = file.mutable_source_code_info();
  auto* on_message = info->add_location();
  on_message->add_path(4);  // FileDescriptorProto.message_type
  on_message->add_path(device_index);
  on_message->add_span(0), on_message->add_span(0), on_message->add_span(0);
  on_message->set_leading_comments(" A phone or softphone of a user.\n");
  auto* on_field = info->add_location();
  on_field->add_path(4);
  on_field->add_path(device_index);
  on_field->add_path(2);  // DescriptorProto.field
  on_field->add_path(2);  // the third field: name
  on_field->add_span(0), on_field->add_span(0), on_field->add_span(0);
  on_field->set_leading_comments(" Shown in the portal's device list.\n \"quoted\"\n");
  auto* on_forward = info->add_location();
  on_forward->add_path(4);
  on_forward->add_path(device_index);
  on_forward->add_path(2);
  on_forward->add_path(10);  // forward: a message field
  on_forward->add_span(0), on_forward->add_span(0), on_forward->add_span(0);
  on_forward->set_trailing_comments(" Forward rule.");

  pb::DescriptorPool pool;
  for (int i = 0; i < Device::descriptor()->file()->dependency_count(); ++i) {
    pb::FileDescriptorProto dependency;  // the well-known types, which import nothing
    Device::descriptor()->file()->dependency(i)->CopyTo(&dependency);
    REQUIRE(pool.BuildFile(dependency) != nullptr);
  }
  const pb::FileDescriptor* built = pool.BuildFile(file);
  REQUIRE(built != nullptr);
  const pb::Descriptor* device = pool.FindMessageTypeByName("switchboard.gateway.testing.Device");
  REQUIRE(device != nullptr);
  REQUIRE(device->field(2)->name() == "name");
  REQUIRE(device->field(10)->name() == "forward");

  Router router;
  RouteDoc doc;
  doc.request = device;
  router.Add("POST", "/v1/devices", Ok, doc);
  pb::Value api = Parse(BuildOpenApi(router, {}));
  const pb::Value& schema =
      At(api, {"components", "schemas", "switchboard.gateway.testing.Device"});
  CHECK(At(schema, {"description"}).string_value() == "A phone or softphone of a user.");
  CHECK(At(schema, {"properties", "name", "description"}).string_value() ==
        "Shown in the portal's device list.\n\"quoted\"");
  // A $ref cannot carry a description in OpenAPI 3.0: it is wrapped.
  CHECK(At(schema, {"properties", "forward", "description"}).string_value() == "Forward rule.");
  CHECK(At(schema, {"properties", "forward", "allOf"})
            .list_value()
            .values(0)
            .struct_value()
            .fields()
            .at("$ref")
            .string_value() == Schema("switchboard.gateway.testing.ForwardRule"));
  CHECK(!At(schema, {"properties", "id"}).struct_value().fields().count("description"));
}

}  // namespace
}  // namespace sb::gateway
