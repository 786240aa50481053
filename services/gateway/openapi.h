#pragma once
// The OpenAPI 3.0.3 document served at /v1/openapi.json, generated from the
// router's routes and the protobuf descriptors of their bodies, so that the
// document cannot drift from what the gateway accepts and answers.
//
// Schemas follow protobuf's JSON mapping as the gateway prints it: proto field
// names, 64-bit integers as strings, enums as their value names, Timestamp as
// an RFC 3339 string, maps as objects. Comments in the .proto become
// descriptions when the descriptors carry source info (generated code does
// not; a descriptor set built with --include_source_info does).
#include <string>
#include <vector>

#include "services/gateway/router.h"

namespace sb::gateway {

struct OpenApiInfo {
  std::string title = "Switchboard portal API";
  std::string version = "1";
  std::string description;
  std::vector<std::string> servers;  // base URLs, e.g. "https://portal.example.com"
};

// Compact JSON. Built once at start-up: the cost is in the descriptors' walk.
std::string BuildOpenApi(const Router& router, const OpenApiInfo& info);

}  // namespace sb::gateway
