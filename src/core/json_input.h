// Bounded, strict JSON input: the one parser for every JSON document Stub
// reads from outside (HTTP request bodies, CLI flags, upstream answers).
//
// Its bounds hold during the parse, before anything walks the result:
//   - at most `max_bytes` of input (checked before the first byte is read);
//   - nesting at most `max_depth` arrays and objects (a top-level object is
//     depth 1), so the returned DOM is at most that deep and the recursive
//     walks nlohmann/json does on it (dump(), ==, copies) are bounded;
//   - every string, keys included, at most `max_string_bytes` of UTF-8;
//   - no key twice in one object (`{"amount":"1","amount":"9.5"}` is refused,
//     not read as either);
//   - no NUL (U+0000) in any string, unless `allow_nul`: text fields end up
//     in SQL text columns, where PostgreSQL refuses NUL;
//   - strict RFC 8259 grammar and valid UTF-8 (nlohmann/json's lexer);
//     non-finite numbers (1e999) are refused.
// The parse itself is iterative (nlohmann's SAX parser and an explicit stack
// here): a 100,000-deep document costs one failed push, not 100,000 frames.
//
// Errors (kInvalidArgument unless noted), by reason:
//   payload_too_large (kResourceExhausted) — more than max_bytes;
//   invalid_json    — grammar, UTF-8, depth, duplicate key, number range;
//   invalid_request — a string over max_string_bytes or holding NUL; the
//                     message names the field (the nearest key).
// Pure; thread-safe.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string_view>

#include "core/status.h"

namespace stub {

inline constexpr std::size_t kMaxJsonBytes = 1024 * 1024;  // a request body (API.md)
inline constexpr std::size_t kMaxJsonDepth = 64;
inline constexpr std::size_t kMaxJsonStringBytes = 64 * 1024;  // a whole receipt at most

struct JsonLimits {
  std::size_t max_bytes = kMaxJsonBytes;
  std::size_t max_depth = kMaxJsonDepth;
  std::size_t max_string_bytes = kMaxJsonStringBytes;
  bool allow_nul = false;
};

// Parses `text` as one JSON document within `limits` (see above).
Result<nlohmann::json> ParseBoundedJson(std::string_view text, const JsonLimits& limits = {});

}  // namespace stub
