#include "mcp/arg_schema.h"

#include <string>

namespace stub::mcp {
namespace {

bool HasType(const nlohmann::json& value, const std::string& type) {
  if (type == "string") return value.is_string();
  if (type == "integer") return value.is_number_integer();
  if (type == "object") return value.is_object();
  if (type == "boolean") return value.is_boolean();
  return false;
}

Status CheckValue(const std::string& name, const nlohmann::json& schema,
                  const nlohmann::json& value) {
  const std::string type = schema.value("type", "");
  if (!HasType(value, type)) {
    return InvalidRequest("argument '" + name + "' must be of type " + type);
  }
  if (const auto e = schema.find("enum"); e != schema.end()) {
    bool found = false;
    for (const nlohmann::json& allowed : *e) found = found || allowed == value;
    if (!found) return InvalidRequest("argument '" + name + "' must be one of " + e->dump());
  }
  if (value.is_string()) {
    const std::size_t size = value.get_ref<const std::string&>().size();
    if (schema.contains("minLength") && size < schema["minLength"].get<std::size_t>()) {
      return InvalidRequest("argument '" + name + "' must not be empty");
    }
    if (schema.contains("maxLength") && size > schema["maxLength"].get<std::size_t>()) {
      return InvalidRequest("argument '" + name + "' is longer than " + schema["maxLength"].dump() +
                            " characters");
    }
  }
  if (value.is_number_integer()) {
    const auto v = value.get<std::int64_t>();
    if (schema.contains("minimum") && v < schema["minimum"].get<std::int64_t>()) {
      return InvalidRequest("argument '" + name + "' must be at least " + schema["minimum"].dump());
    }
    if (schema.contains("maximum") && v > schema["maximum"].get<std::int64_t>()) {
      return InvalidRequest("argument '" + name + "' must be at most " + schema["maximum"].dump());
    }
  }
  return Status::Ok();
}

}  // namespace

Status CheckArguments(const nlohmann::json& schema, const nlohmann::json& arguments) {
  if (!arguments.is_object()) return InvalidRequest("the arguments must be a JSON object");
  const nlohmann::json& properties = schema.at("properties");
  for (const auto& [name, value] : arguments.items()) {
    const auto p = properties.find(name);
    if (value.is_null() && p != properties.end()) continue;  // null: as if absent
    if (p == properties.end()) return InvalidRequest("unknown argument '" + name + "'");
    STUB_RETURN_IF_ERROR(CheckValue(name, *p, value));
  }
  if (const auto required = schema.find("required"); required != schema.end()) {
    for (const nlohmann::json& name : *required) {
      const auto a = arguments.find(name.get<std::string>());
      if (a == arguments.end() || a->is_null()) {
        return InvalidRequest("argument '" + name.get<std::string>() + "' is required");
      }
    }
  }
  return Status::Ok();
}

}  // namespace stub::mcp
