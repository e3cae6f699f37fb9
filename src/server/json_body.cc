#include "server/json_body.h"

#include <utility>

#include "core/canonical_json.h"
#include "core/json_input.h"
#include "core/text_limits.h"

namespace stub {
namespace {

Status WrongType(std::string_view name, std::string_view want) {
  return InvalidArgument("'" + std::string(name) + "' must be " + std::string(want),
                         "invalid_request");
}

const Json* Field(const Json& obj, std::string_view name) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

Result<Micros> Amount(const Json& obj, std::string_view name, bool positive) {
  const Json* f = Field(obj, name);
  const std::string what = "'" + std::string(name) + "'";
  if (f == nullptr) return InvalidArgument(what + " is required", "invalid_amount");
  if (!f->is_string()) {
    return InvalidArgument(what + " must be a decimal string such as \"0.25\", not a JSON " +
                               std::string(f->type_name()),
                           "invalid_amount");
  }
  const auto& text = f->get_ref<const std::string&>();
  auto parsed = positive ? ParsePositiveAmount(text) : ParseAmount(text);
  if (!parsed.ok()) {
    return InvalidArgument(what + ": " + parsed.status().message(), "invalid_amount");
  }
  return *parsed;
}

}  // namespace

Result<Json> ParseJsonObject(std::string_view body, bool empty_ok) {
  if (body.empty() && empty_ok) return Json::object();
  STUB_ASSIGN_OR_RETURN(Json j, ParseBoundedJson(body));
  if (!j.is_object()) return InvalidArgument("the body must be a JSON object", "invalid_request");
  return j;
}

Result<std::optional<std::string>> OptionalString(const Json& obj, std::string_view name) {
  const Json* f = Field(obj, name);
  if (f == nullptr) return std::optional<std::string>();
  if (!f->is_string()) return WrongType(name, "a string");
  return std::optional<std::string>(f->get<std::string>());
}

Result<std::optional<std::string>> OptionalText(const Json& obj, std::string_view name,
                                                std::size_t max_bytes) {
  STUB_ASSIGN_OR_RETURN(auto v, OptionalString(obj, name));
  if (v) STUB_RETURN_IF_ERROR(CheckTextField(name, *v, max_bytes));
  return v;
}

Result<std::string> RequiredString(const Json& obj, std::string_view name) {
  STUB_ASSIGN_OR_RETURN(auto v, OptionalString(obj, name));
  if (!v || v->empty()) {
    return InvalidArgument("'" + std::string(name) + "' is required", "invalid_request");
  }
  return std::move(*v);
}

Result<Micros> RequiredAmount(const Json& obj, std::string_view name) {
  return Amount(obj, name, /*positive=*/true);
}

Result<Micros> RequiredNonNegativeAmount(const Json& obj, std::string_view name) {
  return Amount(obj, name, /*positive=*/false);
}

Result<std::optional<std::int64_t>> OptionalInt(const Json& obj, std::string_view name,
                                                std::int64_t min, std::int64_t max) {
  const Json* f = Field(obj, name);
  if (f == nullptr) return std::optional<std::int64_t>();
  const std::string range = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  if (f->is_number_unsigned()) {
    const auto v = f->get<std::uint64_t>();
    if (v > static_cast<std::uint64_t>(max)) return WrongType(name, range);
    return std::optional<std::int64_t>(static_cast<std::int64_t>(v));
  }
  if (!f->is_number_integer()) return WrongType(name, range);
  const auto v = f->get<std::int64_t>();
  if (v < min || v > max) return WrongType(name, range);
  return std::optional<std::int64_t>(v);
}

Result<std::optional<bool>> OptionalBool(const Json& obj, std::string_view name) {
  const Json* f = Field(obj, name);
  if (f == nullptr) return std::optional<bool>();
  if (!f->is_boolean()) return WrongType(name, "true or false");
  return std::optional<bool>(f->get<bool>());
}

Result<std::string> OptionalReceipt(const Json& obj, std::string_view name) {
  const Json* f = Field(obj, name);
  if (f == nullptr) return std::string();
  if (!f->is_object()) return WrongType(name, "a JSON object");
  return CanonicalizeReceipt(f->dump());
}

std::string DumpJson(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace stub
