#include "core/spend_daily.h"

#include <algorithm>
#include <utility>

#include "core/civil.h"

namespace stub {

bool CountsAsSpend(const Entry& e) {
  return e.kind == EntryKind::kSpend || e.kind == EntryKind::kCapture;
}

std::int64_t SpendDay(Timestamp at) { return at / civil::kMicrosPerDay; }

Status SpendDailyAccumulator::Add(const Entry& e) {
  if (!CountsAsSpend(e)) return Status::Ok();
  return AddRow(SpendDailyRow{.org = e.org,
                              .day = SpendDay(e.created_at),
                              .agent = e.agent,
                              .vendor = e.vendor,
                              .category = e.category,
                              .total = e.amount,
                              .count = 1,
                              .max = e.amount});
}

Status SpendDailyAccumulator::AddRow(const SpendDailyRow& row) {
  Key key{row.org, row.day, row.agent, row.vendor, row.category};
  auto it = rows_.find(key);
  if (it == rows_.end()) {
    rows_.emplace(std::move(key), row);
    return Status::Ok();
  }
  SpendDailyRow& r = it->second;
  STUB_ASSIGN_OR_RETURN(const Micros total, CheckedAdd(r.total, row.total));
  STUB_ASSIGN_OR_RETURN(const Micros count, CheckedAdd(r.count, row.count));
  r.total = total;
  r.count = count;
  r.max = std::max(r.max, row.max);
  return Status::Ok();
}

std::vector<SpendDailyRow> SpendDailyAccumulator::Take() {
  std::vector<SpendDailyRow> out;
  out.reserve(rows_.size());
  for (auto& [key, row] : rows_) out.push_back(std::move(row));
  rows_.clear();
  return out;
}

Result<std::vector<SpendDailyRow>> SpendDailyFromEntries(const std::vector<Entry>& entries) {
  SpendDailyAccumulator acc;
  for (const Entry& e : entries) STUB_RETURN_IF_ERROR(acc.Add(e));
  return acc.Take();
}

void SortSpendDaily(std::vector<SpendDailyRow>& rows) {
  std::sort(rows.begin(), rows.end(), [](const SpendDailyRow& a, const SpendDailyRow& b) {
    return std::tie(a.org, a.day, a.agent, a.vendor, a.category) <
           std::tie(b.org, b.day, b.agent, b.vendor, b.category);
  });
}

}  // namespace stub
