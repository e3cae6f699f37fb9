// Budget periods and their calendar buckets (UTC; ISO 8601 weeks, Monday
// first). A bucket is identified by its start timestamp, derived from the
// spend's own timestamp, so a new period starts at zero with no reset job.
//
// All functions are pure and thread-safe.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "core/time_util.h"

namespace stub {

enum class Period : std::uint8_t { kDay = 0, kWeek, kMonth, kQuarter, kYear, kTotal };

inline constexpr std::size_t kPeriodCount = 6;
inline constexpr std::array<Period, kPeriodCount> kAllPeriods = {
    Period::kDay, Period::kWeek, Period::kMonth, Period::kQuarter, Period::kYear, Period::kTotal};

// "day" | "week" | "month" | "quarter" | "year" | "total".
std::string_view PeriodName(Period p);
std::optional<Period> ParsePeriod(std::string_view name);

// Start of the bucket of `p` that contains `t`. kTotal has one bucket,
// starting at 0 (the epoch) — it never rolls over.
Timestamp BucketStart(Period p, Timestamp t);

// The start of the bucket containing `t` of every period, indexed by Period:
// compute once, use for every node a spend touches.
using BucketStarts = std::array<Timestamp, kPeriodCount>;
BucketStarts AllBucketStarts(Timestamp t);

// First instant after the bucket that contains `t`; for kTotal, INT64_MAX.
Timestamp BucketEnd(Period p, Timestamp t);

// Human label of the bucket containing `t`: "2026-11-28", "2026-W48",
// "2026-11", "2026-Q4", "2026", "total".
std::string BucketLabel(Period p, Timestamp t);

}  // namespace stub
