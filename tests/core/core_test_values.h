// Constants and helpers that several core tests share. Each is defined once
// here, so the test files also compile together as one translation unit (the
// CI presets' unity build).
#pragma once

#include <cstddef>
#include <limits>

#include "core/civil.h"
#include "core/money.h"
#include "core/period.h"
#include "core/time_util.h"

namespace stub::core_testing {

inline constexpr Micros kMax = std::numeric_limits<Micros>::max();
inline constexpr Micros kMin = std::numeric_limits<Micros>::min();
inline constexpr Micros kUnit = kMicrosPerUnit;
inline constexpr Timestamp kDay = civil::kMicrosPerDay;

// The index of `p` in the per-period arrays (balances, bucket starts).
constexpr std::size_t I(Period p) { return static_cast<std::size_t>(p); }

}  // namespace stub::core_testing
