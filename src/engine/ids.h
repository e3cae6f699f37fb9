// Identifiers for spends, holds, denials, keys and events: a kind prefix and
// hex digits ("sp_3f9a…"). Unguessable and unique without coordination: the
// random bits come from OpenSSL's CSPRNG (RAND_bytes), drawn in blocks per
// thread so that an id costs a copy, not a call; a forked child never reuses
// its parent's unspent block.
#pragma once

#include <string>
#include <string_view>

#include "core/time_util.h"

namespace stub {

// A kind prefix and 96 random bits: "key_" + 24 hex digits. For ids that are
// not stored in time order (API keys, request ids, run names).
// Thread-safe. Aborts the process if the CSPRNG fails (it cannot be seeded):
// an id that may repeat or be guessed is never handed out.
std::string NewId(std::string_view prefix);

// A time-ordered id (core/time_ordered_id.h): a kind prefix, the
// millisecond of `now` and 64 random bits, "sp_" + 12 + 16 hex digits. A
// spend's id must be made from its entry's created_at (AppendToChain checks).
// Requires now >= 0. Thread-safe; aborts like NewId if the CSPRNG fails.
std::string NewTimeOrderedId(std::string_view prefix, Timestamp now);

}  // namespace stub
