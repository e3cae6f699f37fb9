#include "core/window.h"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

namespace stub {
namespace {

// A brute-force oracle: the sum and count of events with at > now − s.
WindowUse Oracle(const std::vector<WindowLogRow>& log, Timestamp now, std::int64_t s) {
  WindowUse u;
  for (const WindowLogRow& r : log) {
    if (r.at > WindowStart(now, s)) {
      u.amount += r.amount;
      u.count += 1;
    }
  }
  return u;
}

std::optional<WindowLogRow> First(const std::vector<WindowLogRow>& log, Timestamp after) {
  for (const WindowLogRow& r : log) {
    if (r.at > after) return r;
  }
  return std::nullopt;
}

TEST(WindowTest, CumulativeCounterAnswersEveryWindowExactly) {
  WindowCounter c;
  std::vector<WindowLogRow> log;
  const Timestamp t0 = 1'000 * kMicrosPerSecond;
  const std::vector<std::pair<Timestamp, Micros>> events = {
      {t0, 100}, {t0 + 5, 200}, {t0 + kMicrosPerSecond, 300}, {t0 + 3 * kMicrosPerSecond, 400}};
  for (auto [at, amount] : events) {
    auto row = CountEvent(c, "acme", "team", amount, at);
    ASSERT_TRUE(row.ok());
    log.push_back(*row);
  }
  EXPECT_EQ(c.amount, 1000);
  EXPECT_EQ(c.count, 4);
  for (Timestamp now = t0; now <= t0 + 5 * kMicrosPerSecond; now += 250'000) {
    for (std::int64_t s : {1, 2, 3, 60}) {
      const WindowUse want = Oracle(log, now, s);
      const WindowUse got = UsedInWindow(c, First(log, WindowStart(now, s)));
      EXPECT_EQ(got.amount, want.amount) << now << " " << s;
      EXPECT_EQ(got.count, want.count) << now << " " << s;
    }
  }
}

TEST(WindowTest, AtIsForcedMonotonicAndOverflowLeavesTheCounter) {
  WindowCounter c;
  auto a = CountEvent(c, "o", "n", 5, 100);
  auto b = CountEvent(c, "o", "n", 5, 90);  // a clock behind: counted at 100
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(b->at, 100);
  EXPECT_EQ(b->seq, 2);
  EXPECT_EQ(b->total, 10);
  const WindowCounter before = c;
  EXPECT_EQ(CountEvent(c, "o", "n", std::numeric_limits<Micros>::max(), 200).status().code(),
            StatusCode::kOutOfRange);
  EXPECT_EQ(c, before);
  EXPECT_EQ(UsedInWindow(c, std::nullopt).amount, 0);
  EXPECT_EQ(WindowStart(std::numeric_limits<Timestamp>::min() + 5, 10),
            std::numeric_limits<Timestamp>::min());
}

}  // namespace
}  // namespace stub
