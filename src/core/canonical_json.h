// Canonical JSON for receipts and request fingerprints: object keys sorted by
// their UTF-8 bytes, no insignificant whitespace, numbers in a stable form
// (integers as integers; other numbers as the shortest round-trip IEEE-754
// double, as RFC 8785 does), strings with minimal escaping. Two documents that
// differ only in key order or whitespace have the same canonical bytes.
//
// Pure; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/status.h"

namespace stub {

inline constexpr std::size_t kMaxReceiptBytes = 64 * 1024;

// Parses `text` (strict JSON, valid UTF-8, no duplicate keys, nesting at most
// kMaxJsonDepth; any input, the parse is iterative) and returns its canonical
// form. Errors: kInvalidArgument, reason "invalid_json".
Result<std::string> CanonicalizeJson(std::string_view text);

// As CanonicalizeJson, and additionally requires a JSON object whose
// canonical text is at most kMaxReceiptBytes (input over kMaxJsonBytes is
// refused unread). Errors: kInvalidArgument, reason "invalid_request" (not an
// object, too large) or "invalid_json".
Result<std::string> CanonicalizeReceipt(std::string_view text);

// Appends `s` as a JSON string literal (quoted, escaped) to `out`.
// Requires valid UTF-8 for a valid JSON result.
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace stub
