#include "core/window.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace stub {

WindowUse UsedInWindow(const WindowCounter& counter, const std::optional<WindowLogRow>& first) {
  return UsedInWindow(counter, first ? &*first : nullptr);
}

WindowUse UsedInWindow(const WindowCounter& counter, const WindowLogRow* first) {
  if (first == nullptr) return {};
  WindowUse use;
  use.amount = counter.amount - (first->total - first->amount);
  use.count = counter.count - (first->seq - 1);
  return use;
}

Result<WindowLogRow> CountEvent(WindowCounter& counter, std::string org, std::string node,
                                Micros amount, Timestamp now) {
  STUB_ASSIGN_OR_RETURN(const Micros total, CheckedAdd(counter.amount, amount));
  if (counter.count == std::numeric_limits<std::int64_t>::max()) {
    return OutOfRange("window counter overflow");
  }
  counter.amount = total;
  counter.count += 1;
  counter.last_at = std::max(now, counter.last_at);
  WindowLogRow row;
  row.org = std::move(org);
  row.node = std::move(node);
  row.at = counter.last_at;
  row.seq = counter.count;
  row.total = total;
  row.amount = amount;
  return row;
}

Timestamp WindowStart(Timestamp now, std::int64_t seconds) {
  const Timestamp span = seconds * kMicrosPerSecond;
  return now < std::numeric_limits<Timestamp>::min() + span ? std::numeric_limits<Timestamp>::min()
                                                            : now - span;
}

}  // namespace stub
