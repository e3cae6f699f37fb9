#include "core/json_fields.h"

#include <string>

namespace stub {

Status OnlyKeys(const nlohmann::json& j, std::string_view what,
                std::initializer_list<std::string_view> keys) {
  if (!j.is_object()) return InvalidRequest(std::string(what) + " must be an object");
  for (const auto& [key, value] : j.items()) {
    bool known = false;
    for (std::string_view k : keys) known = known || k == key;
    if (!known) {
      return InvalidRequest("unknown field '" + key.substr(0, 64) + "' in " + std::string(what));
    }
  }
  return Status::Ok();
}

Result<Micros> AmountField(const nlohmann::json& j, std::string_view field, bool allow_zero) {
  if (!j.is_string()) {
    return InvalidArgument(std::string(field) + " must be a decimal string such as \"5.00\"",
                           "invalid_amount");
  }
  auto amount =
      allow_zero ? ParseAmount(j.get<std::string>()) : ParsePositiveAmount(j.get<std::string>());
  if (!amount.ok()) {
    return InvalidArgument(std::string(field) + ": " + amount.status().message(), "invalid_amount");
  }
  return *amount;
}

Result<std::int64_t> IntegerField(const nlohmann::json& j, std::string_view field) {
  constexpr std::int64_t kBound = 1'000'000'000'000;
  if (!j.is_number_integer()) return InvalidRequest(std::string(field) + " must be an integer");
  if (j.is_number_unsigned() ? j.get<std::uint64_t>() > static_cast<std::uint64_t>(kBound)
                             : j.get<std::int64_t>() < -kBound) {
    return InvalidRequest(std::string(field) + " is out of range");
  }
  return j.get<std::int64_t>();
}

}  // namespace stub
