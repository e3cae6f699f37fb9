// Strict reading of JSON request bodies. Every body is parsed by the bounded
// parser (core/json_input.h: size, depth, string length, duplicate keys, NUL
// checked during the parse). Every error is a Status whose reason is the
// contract's error code:
//   invalid_json     — not JSON, not valid UTF-8, nested deeper than 64, a
//                      duplicate key
//   invalid_request  — not an object, a field of the wrong type, a required
//                      field missing or empty, a string over 64 KiB or
//                      holding NUL (U+0000)
//   payload_too_large — a body over 1 MiB
//   invalid_amount   — an amount that is not a JSON string holding a positive
//                      decimal with at most 6 fractional digits that fits
// Unknown fields are ignored. Pure; thread-safe.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/money.h"
#include "core/status.h"

namespace stub {

using Json = nlohmann::json;

// Parses `body` as a JSON object with ParseBoundedJson's default limits. An
// empty body is an empty object when `empty_ok`. The result is at most
// kMaxJsonDepth deep, so recursive walks over it are bounded.
Result<Json> ParseJsonObject(std::string_view body, bool empty_ok = false);

// The string field `name`: nullopt when absent (or null); kInvalidArgument
// "invalid_request" when present with another type.
Result<std::optional<std::string>> OptionalString(const Json& obj, std::string_view name);
// As OptionalString, and at most `max_bytes` long (core/text_limits.h):
// longer is invalid_request naming the field and the cap.
Result<std::optional<std::string>> OptionalText(const Json& obj, std::string_view name,
                                                std::size_t max_bytes);
// As OptionalString, but absent or "" is an error.
Result<std::string> RequiredString(const Json& obj, std::string_view name);
// A positive amount (see above); absent is "invalid_amount" too.
Result<Micros> RequiredAmount(const Json& obj, std::string_view name);
// A non-negative amount (limits).
Result<Micros> RequiredNonNegativeAmount(const Json& obj, std::string_view name);
// An integer field in [min, max]; nullopt when absent.
Result<std::optional<std::int64_t>> OptionalInt(const Json& obj, std::string_view name,
                                                std::int64_t min, std::int64_t max);
// A boolean field; nullopt when absent.
Result<std::optional<bool>> OptionalBool(const Json& obj, std::string_view name);
// The canonical text of the object field `name` (a receipt), "" when absent.
// Errors: invalid_request when not an object or larger than 64 KiB (canonical).
Result<std::string> OptionalReceipt(const Json& obj, std::string_view name);

// Serializes a response object; never throws (invalid UTF-8 is replaced).
std::string DumpJson(const Json& j);

}  // namespace stub
