#include "core/period.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>

#include "core/time_util.h"
#include "core_test_values.h"

namespace stub {
namespace {

using core_testing::kDay;
constexpr Timestamp kMaxTs = std::numeric_limits<Timestamp>::max();
constexpr Timestamp kMinTs = std::numeric_limits<Timestamp>::min();

Timestamp T(int y, unsigned mo, unsigned d, unsigned h = 0, unsigned mi = 0, unsigned s = 0) {
  return MakeTimestamp(y, mo, d, h, mi, s);
}

TEST(PeriodTest, NamesRoundTrip) {
  EXPECT_EQ(PeriodName(Period::kDay), "day");
  EXPECT_EQ(PeriodName(Period::kWeek), "week");
  EXPECT_EQ(PeriodName(Period::kMonth), "month");
  EXPECT_EQ(PeriodName(Period::kQuarter), "quarter");
  EXPECT_EQ(PeriodName(Period::kYear), "year");
  EXPECT_EQ(PeriodName(Period::kTotal), "total");
  for (Period p : kAllPeriods) EXPECT_EQ(ParsePeriod(PeriodName(p)), p);
  EXPECT_EQ(ParsePeriod("Month"), std::nullopt);
  EXPECT_EQ(ParsePeriod("months"), std::nullopt);
  EXPECT_EQ(ParsePeriod(""), std::nullopt);
}

TEST(PeriodTest, MonthEndBoundary) {
  const Timestamp last = T(2026, 1, 31, 23, 59, 59) + 999'999;  // 2026-01-31T23:59:59.999999
  const Timestamp next = T(2026, 2, 1);
  EXPECT_EQ(next - last, 1);
  EXPECT_EQ(BucketStart(Period::kMonth, last), T(2026, 1, 1));
  EXPECT_EQ(BucketEnd(Period::kMonth, last), next);
  EXPECT_EQ(BucketLabel(Period::kMonth, last), "2026-01");
  EXPECT_EQ(BucketStart(Period::kMonth, next), next);
  EXPECT_EQ(BucketEnd(Period::kMonth, next), T(2026, 3, 1));
  EXPECT_EQ(BucketLabel(Period::kMonth, next), "2026-02");
  EXPECT_EQ(BucketStart(Period::kDay, last), T(2026, 1, 31));
  EXPECT_EQ(BucketStart(Period::kDay, next), next);
  EXPECT_EQ(BucketLabel(Period::kDay, last), "2026-01-31");
  EXPECT_EQ(BucketLabel(Period::kDay, next), "2026-02-01");
  // Same quarter and year on both sides.
  EXPECT_EQ(BucketStart(Period::kQuarter, last), BucketStart(Period::kQuarter, next));
  EXPECT_EQ(BucketStart(Period::kYear, last), BucketStart(Period::kYear, next));
  // 2026-01-31 is a Saturday and 2026-02-01 a Sunday: the same ISO week.
  EXPECT_EQ(BucketStart(Period::kWeek, last), T(2026, 1, 26));
  EXPECT_EQ(BucketStart(Period::kWeek, next), T(2026, 1, 26));
  EXPECT_EQ(BucketLabel(Period::kWeek, next), "2026-W05");
}

TEST(PeriodTest, LeapDay) {
  const Timestamp leap = T(2024, 2, 29, 12);
  EXPECT_EQ(BucketLabel(Period::kDay, leap), "2024-02-29");
  EXPECT_EQ(BucketStart(Period::kDay, leap), T(2024, 2, 29));
  EXPECT_EQ(BucketEnd(Period::kDay, leap), T(2024, 3, 1));
  EXPECT_EQ(BucketLabel(Period::kMonth, leap), "2024-02");
  EXPECT_EQ(BucketStart(Period::kMonth, leap), T(2024, 2, 1));
  EXPECT_EQ(BucketEnd(Period::kMonth, leap), T(2024, 3, 1));
  EXPECT_EQ(BucketEnd(Period::kMonth, leap) - BucketStart(Period::kMonth, leap), 29 * kDay);
  EXPECT_EQ(BucketLabel(Period::kQuarter, leap), "2024-Q1");
  EXPECT_EQ(BucketStart(Period::kQuarter, leap), T(2024, 1, 1));
  EXPECT_EQ(BucketEnd(Period::kQuarter, leap), T(2024, 4, 1));
  EXPECT_EQ(BucketLabel(Period::kWeek, leap), "2024-W09");  // Thursday
  EXPECT_EQ(BucketStart(Period::kWeek, leap), T(2024, 2, 26));
  EXPECT_EQ(BucketEnd(Period::kWeek, leap), T(2024, 3, 4));
  EXPECT_EQ(BucketEnd(Period::kYear, leap) - BucketStart(Period::kYear, leap), 366 * kDay);
  // February of a non-leap year, and of century years.
  EXPECT_EQ(BucketEnd(Period::kMonth, T(2026, 2, 10)), T(2026, 3, 1));
  EXPECT_EQ(BucketEnd(Period::kMonth, T(1900, 2, 10)), T(1900, 3, 1));
  EXPECT_EQ(BucketEnd(Period::kMonth, T(1900, 2, 10)) - T(1900, 2, 1), 28 * kDay);
  EXPECT_EQ(BucketEnd(Period::kMonth, T(2000, 2, 10)) - T(2000, 2, 1), 29 * kDay);
}

TEST(PeriodTest, IsoWeekSpanningYears) {
  // 2026-01-01 is a Thursday: it is in 2026-W01, which starts 2025-12-29.
  EXPECT_EQ(BucketLabel(Period::kWeek, T(2026, 1, 1)), "2026-W01");
  EXPECT_EQ(BucketStart(Period::kWeek, T(2026, 1, 1)), T(2025, 12, 29));
  EXPECT_EQ(BucketEnd(Period::kWeek, T(2026, 1, 1)), T(2026, 1, 5));
  EXPECT_EQ(BucketLabel(Period::kWeek, T(2025, 12, 29)), "2026-W01");
  EXPECT_EQ(BucketLabel(Period::kWeek, T(2025, 12, 28, 23, 59, 59)), "2025-W52");
  EXPECT_EQ(BucketLabel(Period::kWeek, T(2026, 1, 4, 23, 59, 59)), "2026-W01");  // Sunday
  // 2026-12-31 is a Thursday: 2026-W53. 2027-01-01 (Friday) belongs to it too.
  EXPECT_EQ(BucketLabel(Period::kWeek, T(2026, 12, 31)), "2026-W53");
  EXPECT_EQ(BucketLabel(Period::kWeek, T(2027, 1, 1)), "2026-W53");
  EXPECT_EQ(BucketLabel(Period::kWeek, T(2027, 1, 3, 23, 59, 59)), "2026-W53");
  EXPECT_EQ(BucketStart(Period::kWeek, T(2027, 1, 1)), T(2026, 12, 28));
  EXPECT_EQ(BucketLabel(Period::kWeek, T(2027, 1, 4)), "2027-W01");
  EXPECT_EQ(BucketLabel(Period::kWeek, T(2026, 12, 27)), "2026-W52");
  // 2021-01-03 is a Sunday: 2020-W53, starting 2020-12-28.
  EXPECT_EQ(BucketLabel(Period::kWeek, T(2021, 1, 3, 12)), "2020-W53");
  EXPECT_EQ(BucketStart(Period::kWeek, T(2021, 1, 3, 12)), T(2020, 12, 28));
  EXPECT_EQ(BucketLabel(Period::kWeek, T(2021, 1, 4)), "2021-W01");
  // The contract's own example.
  EXPECT_EQ(BucketLabel(Period::kWeek, T(2026, 11, 28, 10)), "2026-W48");
  EXPECT_EQ(BucketStart(Period::kWeek, T(2026, 11, 28, 10)), T(2026, 11, 23));
}

TEST(PeriodTest, WeekStartsOnMonday) {
  const Timestamp monday = T(2026, 11, 23);
  for (int d = 0; d < 7; ++d) {
    const Timestamp t = monday + d * kDay + 5;
    EXPECT_EQ(BucketStart(Period::kWeek, t), monday) << d;
    EXPECT_EQ(BucketEnd(Period::kWeek, t), monday + 7 * kDay) << d;
  }
  EXPECT_EQ(BucketStart(Period::kWeek, monday - 1), monday - 7 * kDay);
}

TEST(PeriodTest, YearAndQuarterBoundaries) {
  const Timestamp last = T(2026, 12, 31, 23, 59, 59) + 999'999;
  const Timestamp next = T(2027, 1, 1);
  EXPECT_EQ(BucketLabel(Period::kYear, last), "2026");
  EXPECT_EQ(BucketLabel(Period::kYear, next), "2027");
  EXPECT_EQ(BucketStart(Period::kYear, last), T(2026, 1, 1));
  EXPECT_EQ(BucketEnd(Period::kYear, last), next);
  EXPECT_EQ(BucketLabel(Period::kQuarter, last), "2026-Q4");
  EXPECT_EQ(BucketLabel(Period::kQuarter, next), "2027-Q1");
  EXPECT_EQ(BucketStart(Period::kQuarter, last), T(2026, 10, 1));
  EXPECT_EQ(BucketEnd(Period::kQuarter, last), next);

  struct Case {
    unsigned month;
    const char* label;
    unsigned first;
  };
  for (const Case& c :
       {Case{1, "2026-Q1", 1}, Case{2, "2026-Q1", 1}, Case{3, "2026-Q1", 1}, Case{4, "2026-Q2", 4},
        Case{5, "2026-Q2", 4}, Case{6, "2026-Q2", 4}, Case{7, "2026-Q3", 7}, Case{8, "2026-Q3", 7},
        Case{9, "2026-Q3", 7}, Case{10, "2026-Q4", 10}, Case{11, "2026-Q4", 10},
        Case{12, "2026-Q4", 10}}) {
    const Timestamp t = T(2026, c.month, 15);
    EXPECT_EQ(BucketLabel(Period::kQuarter, t), c.label) << c.month;
    EXPECT_EQ(BucketStart(Period::kQuarter, t), T(2026, c.first, 1)) << c.month;
  }
  // Quarter edges, to the microsecond.
  EXPECT_EQ(BucketLabel(Period::kQuarter, T(2026, 4, 1) - 1), "2026-Q1");
  EXPECT_EQ(BucketLabel(Period::kQuarter, T(2026, 4, 1)), "2026-Q2");
  EXPECT_EQ(BucketEnd(Period::kQuarter, T(2026, 4, 1) - 1), T(2026, 4, 1));
  EXPECT_EQ(BucketLabel(Period::kQuarter, T(2026, 7, 1) - 1), "2026-Q2");
  EXPECT_EQ(BucketLabel(Period::kQuarter, T(2026, 10, 1)), "2026-Q4");
}

TEST(PeriodTest, DayBoundary) {
  const Timestamp midnight = T(2026, 11, 28);
  EXPECT_EQ(BucketStart(Period::kDay, midnight - 1), midnight - kDay);
  EXPECT_EQ(BucketEnd(Period::kDay, midnight - 1), midnight);
  EXPECT_EQ(BucketStart(Period::kDay, midnight), midnight);
  EXPECT_EQ(BucketEnd(Period::kDay, midnight), midnight + kDay);
  EXPECT_EQ(BucketLabel(Period::kDay, midnight - 1), "2026-11-27");
  EXPECT_EQ(BucketLabel(Period::kDay, midnight), "2026-11-28");
}

TEST(PeriodTest, Total) {
  for (Timestamp t : {Timestamp{0}, T(2026, 11, 28), Timestamp{-1}, kMaxTs, kMinTs}) {
    EXPECT_EQ(BucketStart(Period::kTotal, t), 0);
    EXPECT_EQ(BucketEnd(Period::kTotal, t), kMaxTs);
    EXPECT_EQ(BucketLabel(Period::kTotal, t), "total");
  }
}

TEST(PeriodTest, Labels) {
  const Timestamp t = T(2026, 11, 28, 10);
  EXPECT_EQ(BucketLabel(Period::kDay, t), "2026-11-28");
  EXPECT_EQ(BucketLabel(Period::kWeek, t), "2026-W48");
  EXPECT_EQ(BucketLabel(Period::kMonth, t), "2026-11");
  EXPECT_EQ(BucketLabel(Period::kQuarter, t), "2026-Q4");
  EXPECT_EQ(BucketLabel(Period::kYear, t), "2026");
  EXPECT_EQ(BucketLabel(Period::kTotal, t), "total");
  EXPECT_EQ(BucketLabel(Period::kDay, T(5, 3, 7)), "0005-03-07");
  EXPECT_EQ(BucketLabel(Period::kYear, T(10000, 1, 1)), "10000");
}

TEST(PeriodTest, NegativeTimestampsUseFloorDivision) {
  // -1 µs is 1969-12-31T23:59:59.999999, a Wednesday in ISO week 1970-W01.
  EXPECT_EQ(BucketStart(Period::kDay, -1), -kDay);
  EXPECT_EQ(BucketEnd(Period::kDay, -1), 0);
  EXPECT_EQ(BucketLabel(Period::kDay, -1), "1969-12-31");
  EXPECT_EQ(BucketStart(Period::kMonth, -1), T(1969, 12, 1));
  EXPECT_EQ(BucketLabel(Period::kMonth, -1), "1969-12");
  EXPECT_EQ(BucketStart(Period::kQuarter, -1), T(1969, 10, 1));
  EXPECT_EQ(BucketLabel(Period::kQuarter, -1), "1969-Q4");
  EXPECT_EQ(BucketStart(Period::kYear, -1), T(1969, 1, 1));
  EXPECT_EQ(BucketEnd(Period::kYear, -1), 0);
  EXPECT_EQ(BucketStart(Period::kWeek, -1), T(1969, 12, 29));
  EXPECT_EQ(BucketLabel(Period::kWeek, -1), "1970-W01");
  EXPECT_EQ(BucketStart(Period::kDay, -kDay), -kDay);
  EXPECT_EQ(BucketStart(Period::kDay, -kDay - 1), -2 * kDay);
  EXPECT_EQ(BucketStart(Period::kDay, 0), 0);
  EXPECT_EQ(BucketLabel(Period::kDay, T(1900, 3, 1)), "1900-03-01");
  EXPECT_EQ(BucketLabel(Period::kWeek, T(1900, 3, 1)), "1900-W09");
  EXPECT_EQ(BucketLabel(Period::kYear, T(-1, 6, 1)), "-0001");
}

TEST(PeriodTest, ExtremeTimestampsSaturateWithoutOverflow) {
  for (Period p : kAllPeriods) {
    for (Timestamp t : {kMaxTs, kMaxTs - 1, kMinTs, kMinTs + 1}) {
      const Timestamp start = BucketStart(p, t);
      const Timestamp end = BucketEnd(p, t);
      EXPECT_NE(start, kMinTs) << PeriodName(p);  // never the kNoBucket sentinel
      EXPECT_LE(start, end);
      EXPECT_FALSE(BucketLabel(p, t).empty());
    }
    EXPECT_EQ(BucketEnd(p, kMaxTs), kMaxTs) << PeriodName(p);
  }
  EXPECT_EQ(BucketLabel(Period::kYear, kMaxTs), "294247");
  EXPECT_EQ(BucketLabel(Period::kDay, kMaxTs), "294247-01-10");
  EXPECT_EQ(BucketLabel(Period::kDay, kMinTs), "-290308-12-21");
}

// Cross-checks bucketing against <chrono>'s calendar over many centuries.
TEST(PeriodTest, AgreesWithChronoCalendar) {
  using namespace std::chrono;
  for (std::int64_t n = -800'000; n <= 800'000; n += 13) {
    const sys_days day{days{n}};
    const year_month_day ymd{day};
    const Timestamp t = n * kDay + 12'345'678;
    const auto micros = [](sys_days d) { return Timestamp{d.time_since_epoch().count()} * kDay; };
    ASSERT_EQ(BucketStart(Period::kDay, t), n * kDay);
    ASSERT_EQ(BucketStart(Period::kMonth, t), micros(sys_days{ymd.year() / ymd.month() / 1}));
    ASSERT_EQ(BucketEnd(Period::kMonth, t),
              micros(sys_days{(ymd.year() / ymd.month() / 1) + months{1}}));
    ASSERT_EQ(BucketStart(Period::kYear, t), micros(sys_days{ymd.year() / January / 1}));
    const unsigned q_first = (static_cast<unsigned>(ymd.month()) - 1) / 3 * 3 + 1;
    ASSERT_EQ(BucketStart(Period::kQuarter, t), micros(sys_days{ymd.year() / month{q_first} / 1}));
    const sys_days monday = day - (weekday{day} - Monday);
    ASSERT_EQ(BucketStart(Period::kWeek, t), micros(monday));
    ASSERT_EQ(BucketEnd(Period::kWeek, t), micros(monday + days{7}));
    // ISO week label: the year of the week's Thursday, and the week number.
    const year_month_day thursday{monday + days{3}};
    const sys_days jan1{thursday.year() / January / 1};
    const auto week = ((monday + days{3}) - jan1).count() / 7 + 1;
    char expect[32];
    std::snprintf(expect, sizeof(expect), "%04d-W%02d", static_cast<int>(thursday.year()),
                  static_cast<int>(week));
    if (static_cast<int>(thursday.year()) >= 0) {
      ASSERT_EQ(BucketLabel(Period::kWeek, t), expect) << n;
    }
  }
}

}  // namespace
}  // namespace stub
