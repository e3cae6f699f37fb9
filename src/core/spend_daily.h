// The daily spend rollup: per (org, UTC day, agent, vendor, category), the
// total, count and largest amount of the journal's money-spent entries (kind
// spend and capture, by amount — what a question with status approved
// counts; core/journal.h). A store keeps it exact in the same transaction as
// the entries it summarizes (store.h AppendEntry), so questions over days
// read a few rows per day instead of every spend.
//
// day = created_at / kMicrosPerDay, truncated toward zero: the day number a
// question groups by (query_plan.h PlanKey::kDay).
//
// Pure; no I/O. SpendDailyAccumulator is not thread-safe (one per
// transaction); the functions are.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "core/journal.h"
#include "core/money.h"
#include "core/status.h"

namespace stub {

struct SpendDailyRow {
  std::string org;
  std::int64_t day = 0;
  std::string agent;
  std::string vendor;
  std::string category;
  Micros total = 0;
  std::int64_t count = 0;
  Micros max = 0;
  bool operator==(const SpendDailyRow&) const = default;
};

// True for the entries the rollup (and a question's status approved) counts.
bool CountsAsSpend(const Entry& e);

// The rollup day of an instant.
std::int64_t SpendDay(Timestamp at);

// Sums entries into rollup rows, one per distinct key.
class SpendDailyAccumulator {
 public:
  // Adds `e` if CountsAsSpend(e); other entries are ignored. Errors:
  // kOutOfRange ("amount_overflow") if a total overflows (nothing added).
  Status Add(const Entry& e);
  // Adds a row's figures to its key (merging partial rollups). Errors as Add.
  Status AddRow(const SpendDailyRow& row);
  bool empty() const { return rows_.empty(); }
  std::size_t size() const { return rows_.size(); }
  // The rows ordered by (org, day, agent, vendor, category); leaves the
  // accumulator empty.
  std::vector<SpendDailyRow> Take();

 private:
  using Key = std::tuple<std::string, std::int64_t, std::string, std::string, std::string>;
  std::map<Key, SpendDailyRow> rows_;
};

// The rollup of `entries` (any order), ordered as Take. Errors as Add.
Result<std::vector<SpendDailyRow>> SpendDailyFromEntries(const std::vector<Entry>& entries);

// Orders rows as Take does (stores may return them in another order).
void SortSpendDaily(std::vector<SpendDailyRow>& rows);

}  // namespace stub
