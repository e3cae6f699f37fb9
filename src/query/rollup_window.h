// Which plans the daily spend rollup (core/spend_daily.h) answers, and how:
// a grouped plan over approved spends whose only filters are agents
// (teams resolve to agents), vendors, categories and a time range, grouped
// by none, agent, vendor, category or day (team, week and month fold from
// agent and day), reads whole UTC days from the rollup and the partial days
// at the range's edges from the entries — exactly the figures of the
// entries alone, since the rollup sums the same entries by the same day.
//
// Everything else (lists, denials, users, sessions, intent text, grouping by
// user) reads the entries only.
//
// Pure; no I/O; thread-safe.
#pragma once

#include <cstdint>
#include <optional>

#include "core/time_util.h"
#include "query/query_plan.h"

namespace stub {

struct RollupWindow {
  // Rollup days [from_day, to_day); absent = unbounded on that side.
  std::optional<std::int64_t> from_day;
  std::optional<std::int64_t> to_day;
  // Entries with created_at in [head_from, head_to) (before the first whole
  // day) and [tail_from, tail_to) (after the last); empty when from >= to.
  Timestamp head_from = 0;
  Timestamp head_to = 0;
  Timestamp tail_from = 0;
  Timestamp tail_to = 0;
  bool operator==(const RollupWindow&) const = default;
};

// The window of a plan the rollup can answer; nullopt when it cannot (see
// above), when the range holds no whole day, or when a bound is at or
// before 1970-01-01T00:00:00Z (day numbers truncate toward zero there, so a
// day is not [d, d + 1) days).
std::optional<RollupWindow> RollupWindowOf(const QueryPlan& plan);

}  // namespace stub
