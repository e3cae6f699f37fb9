// Checks a tool's arguments against its input JSON Schema, for the subset of
// JSON Schema the tool table uses: "type" (object, string, integer),
// "properties", "required", "additionalProperties": false, "enum",
// "minLength"/"maxLength" (bytes), "minimum"/"maximum". Nested objects are
// checked for type only (receipts are free-form). A null argument counts as
// absent.
//
// Errors: kInvalidArgument, reason "invalid_request", naming the argument.
// Pure; thread-safe. `arguments` must be bounded in depth (it comes from
// json_rpc's bounded parser).
#pragma once

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace stub::mcp {

Status CheckArguments(const nlohmann::json& schema, const nlohmann::json& arguments);

}  // namespace stub::mcp
