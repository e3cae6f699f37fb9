// Entry time never goes backwards within an org (core/org.h EntryClock): a
// server whose clock is behind, or steps back, decides and books at the org's
// last entry time, so a period another server already rolled over is never
// treated as empty again.
#include <gtest/gtest.h>

#include "engine/engine.h"
#include "engine_fixture.h"
#include "store/memory/memory_store.h"

namespace stub {
namespace {

using testing::Amt;
using testing::ExpectVerifies;
using testing::MakeSpend;
using testing::MakeTree;

// 2026-11-29T00:00:05Z: five seconds into a new day.
constexpr Timestamp kNov29 = 1795910405LL * kMicrosPerSecond;

class EntryClockTest : public ::testing::Test {
 protected:
  EntryClockTest() : clock_(kNov29), engine_(store_, clock_) {}

  Timestamp HeadAt() {
    auto org = engine_.GetOrg("acme");
    EXPECT_TRUE(org.ok() && org->has_value());
    return org.ok() && org->has_value() ? (*org)->head_at : 0;
  }

  MemoryStore store_;
  ManualClock clock_;
  Engine engine_;
};

TEST_F(EntryClockTest, ASlowClockDoesNotReopenTheDayAnotherServerClosed) {
  MakeTree(engine_, {}, {}, {{Amt("10"), Period::kDay}});
  auto first = engine_.Spend(MakeSpend("mkt-1", "8", "k1"));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->outcome.status, OutcomeStatus::kApproved);
  EXPECT_EQ(HeadAt(), kNov29);

  // This server's clock is 10 s behind: still the previous day by its own
  // reckoning, whose bucket would be empty.
  clock_.Set(kNov29 - 10 * kMicrosPerSecond);
  auto second = engine_.Spend(MakeSpend("mkt-1", "5", "k2"));
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  ASSERT_EQ(second->outcome.status, OutcomeStatus::kDenied);
  ASSERT_TRUE(second->outcome.denial.has_value());
  EXPECT_EQ(second->outcome.denial->reason, DenyReason::kBudgetExceeded);
  EXPECT_EQ(second->outcome.denial->node, "mkt-1");

  // What still fits today is approved, and booked at the org's time.
  auto third = engine_.Spend(MakeSpend("mkt-1", "2", "k3"));
  ASSERT_TRUE(third.ok());
  ASSERT_EQ(third->outcome.status, OutcomeStatus::kApproved);
  ASSERT_TRUE(third->outcome.effective_remaining.has_value());
  EXPECT_EQ(*third->outcome.effective_remaining, 0);
  EXPECT_EQ(HeadAt(), kNov29);
  ExpectVerifies(engine_);
}

TEST_F(EntryClockTest, EntryTimesAreNonDecreasingAlongTheChain) {
  MakeTree(engine_, {}, {}, {});
  const std::uint64_t base = testing::HeadSeq(engine_);
  const Timestamp steps[] = {0, -3, 5, -60, 1, -1};
  int key = 0;
  for (Timestamp step : steps) {
    clock_.Advance(step * kMicrosPerSecond);
    auto r = engine_.Spend(MakeSpend("mkt-1", "0.01", "k" + std::to_string(++key)));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->outcome.status, OutcomeStatus::kApproved);
    auto hold = engine_.Hold(
        {MakeSpend("mkt-1", "0.01", "h" + std::to_string(key)), 60 * kMicrosPerSecond});
    ASSERT_TRUE(hold.ok()) << hold.status().ToString();
  }
  auto txn = store_.Begin();
  ASSERT_TRUE(txn.ok());
  auto entries = (*txn)->ListEntries("acme", 0, 1000);
  ASSERT_TRUE(entries.ok()) << entries.status().ToString();
  ASSERT_EQ(entries->size(), base + 2 * std::size(steps));
  Timestamp last = 0;
  for (const Entry& e : *entries) {
    EXPECT_GE(e.created_at, last) << "seq " << e.seq;
    last = e.created_at;
  }
  // The clock peaked at kNov29 + 2 s and ended 60 s behind it; the chain
  // stayed at the peak.
  EXPECT_EQ(last, kNov29 + 2 * kMicrosPerSecond);
  EXPECT_EQ(HeadAt(), last);
  ExpectVerifies(engine_);
}

}  // namespace
}  // namespace stub
