// Length caps of the text fields clients send, and the one check that
// enforces them. Caps are in bytes of UTF-8. Every text field is also refused
// when it holds a NUL (U+0000): text ends up in SQL text columns, where
// PostgreSQL refuses NUL and would fail a whole group-committed batch.
//
// Pure; thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/status.h"

namespace stub {

inline constexpr std::size_t kMaxIdTextBytes = 64;       // agent, team, org, hold, key ids
inline constexpr std::size_t kMaxVendorTextBytes = 253;  // as the caller wrote it
inline constexpr std::size_t kMaxCategoryTextBytes = 64;
inline constexpr std::size_t kMaxSessionTextBytes = 256;
inline constexpr std::size_t kMaxUserTextBytes = 256;
inline constexpr std::size_t kMaxIntentTextBytes = 1024;
inline constexpr std::size_t kMaxNameTextBytes = 256;     // display names of orgs, nodes, keys
inline constexpr std::size_t kMaxReasonTextBytes = 1024;  // freeze, kill-switch, approval notes

// OK when `value` is at most `max_bytes` long and holds no NUL; else
// kInvalidArgument "invalid_request" naming `field` and the cap, e.g.
// "'intent' is longer than 1024 bytes".
Status CheckTextField(std::string_view field, std::string_view value, std::size_t max_bytes);

// Whether `name` is a slug that may name an admin-made object in a URL path
// (a provider, a wallet): 1–64 of [a-z0-9_-], starting with a letter or digit.
bool IsSlug(std::string_view name);

}  // namespace stub
