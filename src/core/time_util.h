// Timestamps: int64 microseconds since the Unix epoch, UTC. The core never
// reads a clock; callers pass `now` in.
//
// All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace stub {

using Timestamp = std::int64_t;  // µs since 1970-01-01T00:00:00Z

inline constexpr Timestamp kMicrosPerSecond = 1'000'000;

// Builds a timestamp from a UTC civil date and time. Requires valid fields.
Timestamp MakeTimestamp(int year, unsigned month, unsigned day, unsigned hour = 0,
                        unsigned minute = 0, unsigned second = 0);

// RFC 3339 in UTC: "2026-11-28T10:00:00Z", with ".ffffff" only when the
// timestamp has sub-second micros.
std::string FormatRfc3339(Timestamp t);

// Parses RFC 3339 ("Z" or a "+hh:mm"/"-hh:mm" offset; up to 6 fractional
// digits). Errors: kInvalidArgument, reason "invalid_request".
Result<Timestamp> ParseRfc3339(std::string_view text);

}  // namespace stub
