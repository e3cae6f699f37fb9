#include "core/spend_daily.h"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "core/civil.h"
#include "core_test_values.h"

namespace stub {
namespace {

using core_testing::kDay;

Entry E(EntryKind kind, const std::string& agent, Micros amount, Timestamp at,
        const std::string& org = "acme") {
  Entry e;
  e.org = org;
  e.kind = kind;
  e.agent = agent;
  e.vendor = "api.example.com";
  e.category = "data";
  e.amount = amount;
  e.created_at = at;
  return e;
}

TEST(SpendDailyTest, CountsSpendsAndCapturesOnly) {
  EXPECT_TRUE(CountsAsSpend(E(EntryKind::kSpend, "a", 1, 0)));
  EXPECT_TRUE(CountsAsSpend(E(EntryKind::kCapture, "a", 1, 0)));
  EXPECT_FALSE(CountsAsSpend(E(EntryKind::kHold, "a", 1, 0)));
  EXPECT_FALSE(CountsAsSpend(E(EntryKind::kVoid, "a", 0, 0)));
  EXPECT_FALSE(CountsAsSpend(E(EntryKind::kExpire, "a", 0, 0)));
  EXPECT_FALSE(CountsAsSpend(E(EntryKind::kConfig, "a", 0, 0)));
}

TEST(SpendDailyTest, DayIsTheTruncatedDayNumber) {
  EXPECT_EQ(SpendDay(0), 0);
  EXPECT_EQ(SpendDay(kDay - 1), 0);
  EXPECT_EQ(SpendDay(kDay), 1);
  EXPECT_EQ(SpendDay(20'000 * kDay + 5), 20'000);
}

TEST(SpendDailyTest, SumsPerKeyInKeyOrder) {
  const Timestamp d = 20'000 * kDay;
  auto rows = SpendDailyFromEntries({
      E(EntryKind::kSpend, "b", 300, d + 1),
      E(EntryKind::kCapture, "a", 200, d + kDay - 1),
      E(EntryKind::kSpend, "a", 700, d),
      E(EntryKind::kHold, "a", 9'999, d),
      E(EntryKind::kSpend, "a", 50, d + kDay),
      E(EntryKind::kSpend, "a", 5, d, "other"),
  });
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  const std::vector<SpendDailyRow> want = {
      {"acme", 20'000, "a", "api.example.com", "data", 900, 2, 700},
      {"acme", 20'000, "b", "api.example.com", "data", 300, 1, 300},
      {"acme", 20'001, "a", "api.example.com", "data", 50, 1, 50},
      {"other", 20'000, "a", "api.example.com", "data", 5, 1, 5},
  };
  EXPECT_EQ(*rows, want);
}

TEST(SpendDailyTest, OverflowIsOutOfRangeAndAddsNothing) {
  SpendDailyAccumulator acc;
  const Micros big = std::numeric_limits<Micros>::max() - 10;
  ASSERT_TRUE(acc.Add(E(EntryKind::kSpend, "a", big, 0)).ok());
  const Status s = acc.Add(E(EntryKind::kSpend, "a", 11, 1));
  EXPECT_EQ(s.code(), StatusCode::kOutOfRange);
  const std::vector<SpendDailyRow> rows = acc.Take();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].total, big);
  EXPECT_EQ(rows[0].count, 1);
  EXPECT_TRUE(acc.empty());
}

TEST(SpendDailyTest, AddRowMergesPartialRollups) {
  SpendDailyAccumulator acc;
  ASSERT_TRUE(acc.AddRow({"acme", 3, "a", "v", "c", 100, 2, 60}).ok());
  ASSERT_TRUE(acc.AddRow({"acme", 3, "a", "v", "c", 40, 1, 40}).ok());
  ASSERT_TRUE(acc.AddRow({"acme", 2, "a", "v", "c", 1, 1, 1}).ok());
  const std::vector<SpendDailyRow> want = {{"acme", 2, "a", "v", "c", 1, 1, 1},
                                           {"acme", 3, "a", "v", "c", 140, 3, 60}};
  EXPECT_EQ(acc.Take(), want);
}

}  // namespace
}  // namespace stub
