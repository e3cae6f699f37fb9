#include "query/rollup_window.h"

#include <limits>

#include "core/civil.h"

namespace stub {

std::optional<RollupWindow> RollupWindowOf(const QueryPlan& plan) {
  if (plan.status != QueryStatus::kApproved || plan.list || !plan.users.empty() ||
      !plan.sessions.empty() || !plan.intent_lower.empty()) {
    return std::nullopt;
  }
  switch (plan.key) {
    case PlanKey::kNone:
    case PlanKey::kAgent:
    case PlanKey::kVendor:
    case PlanKey::kCategory:
    case PlanKey::kDay:
      break;
    default:
      return std::nullopt;
  }
  constexpr std::int64_t kDay = civil::kMicrosPerDay;
  constexpr Timestamp kMin = std::numeric_limits<Timestamp>::min();
  constexpr Timestamp kMax = std::numeric_limits<Timestamp>::max();
  RollupWindow w;
  if (plan.from != kMin) {
    if (plan.from <= 0 || plan.from > kMax - kDay) return std::nullopt;
    const std::int64_t first = (plan.from + kDay - 1) / kDay;  // first whole day
    w.from_day = first;
    w.head_from = plan.from;
    w.head_to = first * kDay;
  }
  if (plan.to != kMax) {
    if (plan.to < kDay) return std::nullopt;
    const std::int64_t end = plan.to / kDay;  // one past the last whole day
    w.to_day = end;
    w.tail_from = end * kDay;
    w.tail_to = plan.to;
  }
  if (w.from_day && w.to_day && *w.from_day >= *w.to_day) return std::nullopt;
  return w;
}

}  // namespace stub
