// The shape of time-ordered ledger ids (spends, holds, approvals, denials):
// a kind prefix, '_', the millisecond of the moment the id was made (12 hex
// digits, 48 bits) and 64 random bits (16 hex digits), in the manner of
// UUIDv7: "sp_019ad1b2c3d4" + "e5f6a7b8c9d0e1f2".
//
// Ids made later sort later to the millisecond, so an index over them grows
// at its right edge; and the millisecond names where in the journal's time
// index an entry is, so a spend is found by its id without an index of its
// own (store.h GetSpendEntry). The engine makes a spend's id from the same
// instant as the entry's created_at (engine/ids.h NewTimeOrderedId).
//
// Pure functions; thread-safe.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "core/time_util.h"

namespace stub {

inline constexpr std::size_t kTimeOrderedIdRandomBytes = 8;
// The length of a spend's time-ordered id ("sp_" + 28 hex digits). Spend ids
// made before ids were time-ordered are "sp_" + 24 hex digits.
inline constexpr std::size_t kTimeOrderedSpendIdLength = 3 + 12 + 2 * kTimeOrderedIdRandomBytes;

// `prefix` + '_' + the millisecond of `now` + the random bytes in hex.
// Requires now >= 0.
std::string FormatTimeOrderedId(std::string_view prefix, Timestamp now,
                                const std::array<unsigned char, kTimeOrderedIdRandomBytes>& random);

// The first microsecond of the millisecond a spend id ("sp_…") carries, or
// nullopt when `id` is not a time-ordered spend id (an older random id, or
// any other string).
std::optional<Timestamp> TimeOrderedSpendIdStart(std::string_view id);

}  // namespace stub
