// Reading the fields of a parsed JSON request body (core/json_input.h) the
// same way everywhere: unknown keys refused, amounts as decimal strings,
// integers bounded. Errors name the field.
//
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string_view>

#include "core/money.h"
#include "core/status.h"

namespace stub {

// OK when `j` is an object whose keys are all in `keys`; else
// kInvalidArgument "invalid_request" naming `what` (and the unknown key).
Status OnlyKeys(const nlohmann::json& j, std::string_view what,
                std::initializer_list<std::string_view> keys);

// A money amount written as a decimal string ("5.00"). Errors:
// kInvalidArgument "invalid_amount" for a JSON number, a malformed string, or
// zero unless `allow_zero`.
Result<Micros> AmountField(const nlohmann::json& j, std::string_view field,
                           bool allow_zero = false);

// An integer in [-10^12, 10^12]. Errors: kInvalidArgument "invalid_request".
Result<std::int64_t> IntegerField(const nlohmann::json& j, std::string_view field);

}  // namespace stub
