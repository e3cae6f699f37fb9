#include "core/decision.h"

#include <gtest/gtest.h>

#include <deque>
#include <limits>
#include <string>

#include "core/time_util.h"
#include "core_test_values.h"

namespace stub {
namespace {

using core_testing::kMax;
using core_testing::kUnit;

using core_testing::I;

// An agent → team → org chain with editable nodes and balances.
class DecideTest : public ::testing::Test {
 protected:
  void SetUp() override {
    agent_.id = "bot";
    agent_.kind = NodeKind::kAgent;
    agent_.parent = "marketing";
    team_.id = "marketing";
    team_.kind = NodeKind::kTeam;
    team_.parent = "acme";
    org_.id = "acme";
    org_.kind = NodeKind::kOrg;
  }

  // Stores (spent, held) in the bucket of `period` containing now_.
  static void Use(NodeBalances& b, Period p, Micros spent, Micros held, Timestamp at) {
    b[I(p)] = BucketBalance{BucketStart(p, at), spent, held};
  }

  Decision Run(Micros amount, bool kill_switch = false) {
    DecisionInput in;
    in.chain = {{&agent_, &agent_bal_}, {&team_, &team_bal_}, {&org_, &org_bal_}};
    in.kill_switch = kill_switch;
    in.amount = amount;
    in.now = now_;
    return Decide(in);
  }

  Timestamp now_ = MakeTimestamp(2026, 11, 28, 10);
  Node agent_, team_, org_;
  NodeBalances agent_bal_{}, team_bal_{}, org_bal_{};
};

TEST(DenyReasonTest, Names) {
  const std::pair<DenyReason, const char*> names[] = {
      {DenyReason::kBudgetExceeded, "budget_exceeded"},
      {DenyReason::kPerSpendLimit, "per_spend_limit"},
      {DenyReason::kWindowLimit, "window_limit"},
      {DenyReason::kVendorBlocked, "vendor_blocked"},
      {DenyReason::kVendorNotAllowed, "vendor_not_allowed"},
      {DenyReason::kCategoryBlocked, "category_blocked"},
      {DenyReason::kAgentFrozen, "agent_frozen"},
      {DenyReason::kKillSwitch, "kill_switch"},
      {DenyReason::kVelocityTripped, "velocity_tripped"},
      {DenyReason::kContention, "contention"},
  };
  for (const auto& [reason, name] : names) {
    EXPECT_EQ(DenyReasonName(reason), name);
    EXPECT_EQ(ParseDenyReason(name), reason);
  }
  EXPECT_EQ(ParseDenyReason("Budget_Exceeded"), std::nullopt);
}

TEST_F(DecideTest, UnlimitedChainApprovesWithNoRemaining) {
  Use(agent_bal_, Period::kMonth, kMax / 2, kMax / 2, now_);
  Decision d = Run(5 * kUnit);
  ASSERT_TRUE(d.approved());
  EXPECT_FALSE(d.denial.has_value());
  EXPECT_EQ(d.approval->effective_remaining, std::nullopt);
  EXPECT_EQ(d.approval->binding, std::nullopt);
}

TEST_F(DecideTest, KillSwitchBeatsFrozenAndBudget) {
  agent_.frozen = true;
  team_.frozen = true;
  team_.limits = {{0, Period::kMonth}};
  Decision d = Run(kUnit, /*kill_switch=*/true);
  ASSERT_FALSE(d.approved());
  ASSERT_TRUE(d.denial.has_value());
  EXPECT_EQ(d.denial->reason, DenyReason::kKillSwitch);
  EXPECT_EQ(d.denial->node, "acme");
  EXPECT_EQ(d.denial->period, std::nullopt);
  EXPECT_FALSE(d.denial->message.empty());
}

TEST_F(DecideTest, FrozenBeatsBudgetNearestFirst) {
  team_.frozen = true;
  team_.frozen_reason = "quarterly review";
  org_.frozen = true;
  agent_.limits = {{0, Period::kDay}};
  Decision d = Run(kUnit);
  ASSERT_TRUE(d.denial.has_value());
  EXPECT_EQ(d.denial->reason, DenyReason::kAgentFrozen);
  EXPECT_EQ(d.denial->node, "marketing");
  EXPECT_EQ(d.denial->message, "team marketing is frozen: quarterly review");

  agent_.frozen = true;
  d = Run(kUnit);
  ASSERT_TRUE(d.denial.has_value());
  EXPECT_EQ(d.denial->reason, DenyReason::kAgentFrozen);
  EXPECT_EQ(d.denial->node, "bot");
  EXPECT_EQ(d.denial->message, "agent bot is frozen");
  EXPECT_EQ(d.denial->limit, 0);
  EXPECT_EQ(d.denial->used, 0);
}

TEST_F(DecideTest, BudgetExceededReportsTheLimit) {
  team_.limits = {{100 * kUnit, Period::kMonth}};
  Use(team_bal_, Period::kMonth, 99'650'000, 250'000, now_);  // 99.9 used
  Decision d = Run(250'000);
  ASSERT_TRUE(d.denial.has_value());
  EXPECT_EQ(*d.denial, (Denial{DenyReason::kBudgetExceeded, "marketing", Period::kMonth,
                               100 * kUnit, 99'900'000,
                               "team marketing's month limit of 100 is exhausted: 99.9 used, "
                               "0.25 requested"}));
  // 0.1 still fits exactly: remaining 0.
  d = Run(100'000);
  ASSERT_TRUE(d.approved());
  EXPECT_EQ(d.approval->effective_remaining, 0);
  EXPECT_EQ(d.approval->binding, (Binding{"marketing", Period::kMonth}));
}

TEST_F(DecideTest, HeldCounts) {
  org_.limits = {{100 * kUnit, Period::kTotal}};
  Use(org_bal_, Period::kTotal, 50 * kUnit, 45 * kUnit, now_);
  Decision d = Run(6 * kUnit);
  ASSERT_TRUE(d.denial.has_value());
  EXPECT_EQ(d.denial->node, "acme");
  EXPECT_EQ(d.denial->period, Period::kTotal);
  EXPECT_EQ(d.denial->used, 95 * kUnit);
  EXPECT_EQ(d.denial->message, "org acme's total limit of 100 is exhausted: 95 used, 6 requested");
  d = Run(5 * kUnit);
  ASSERT_TRUE(d.approved());
  EXPECT_EQ(d.approval->effective_remaining, 0);
}

TEST_F(DecideTest, BindingIsTheLeastRemainingAmongExceeded) {
  agent_.limits = {{1 * kUnit, Period::kDay}};    // used 0.9 → −0.4 after 0.5
  team_.limits = {{10 * kUnit, Period::kMonth}};  // used 9.8 → −0.3
  org_.limits = {{100 * kUnit, Period::kTotal}};  // used 100.5 → −1.0
  Use(agent_bal_, Period::kDay, 900'000, 0, now_);
  Use(team_bal_, Period::kMonth, 9'800'000, 0, now_);
  Use(org_bal_, Period::kTotal, 100'500'000, 0, now_);
  Decision d = Run(500'000);
  ASSERT_TRUE(d.denial.has_value());
  EXPECT_EQ(d.denial->node, "acme");
  EXPECT_EQ(d.denial->period, Period::kTotal);
  EXPECT_EQ(d.denial->limit, 100 * kUnit);
  EXPECT_EQ(d.denial->used, 100'500'000);

  Use(org_bal_, Period::kTotal, 0, 0, now_);
  d = Run(500'000);
  ASSERT_TRUE(d.denial.has_value());
  EXPECT_EQ(d.denial->node, "bot");
  EXPECT_EQ(d.denial->period, Period::kDay);
  EXPECT_EQ(d.denial->used, 900'000);
}

TEST_F(DecideTest, TiesGoToTheNearestNodeThenTheShorterPeriod) {
  // Agent and team both end 0.5 short: the agent (nearest) binds.
  agent_.limits = {{2 * kUnit, Period::kMonth}};
  team_.limits = {{3 * kUnit, Period::kDay}};
  Use(agent_bal_, Period::kMonth, 2 * kUnit, 0, now_);
  Use(team_bal_, Period::kDay, 3 * kUnit, 0, now_);
  Decision d = Run(500'000);
  ASSERT_TRUE(d.denial.has_value());
  EXPECT_EQ(d.denial->node, "bot");
  EXPECT_EQ(d.denial->period, Period::kMonth);

  // Within one node, limits listed longest first: the shorter period binds.
  agent_.limits = {
      {5 * kUnit, Period::kYear}, {4 * kUnit, Period::kMonth}, {3 * kUnit, Period::kWeek}};
  Use(agent_bal_, Period::kYear, 5 * kUnit, 0, now_);
  Use(agent_bal_, Period::kMonth, 4 * kUnit, 0, now_);
  Use(agent_bal_, Period::kWeek, 3 * kUnit, 0, now_);
  d = Run(500'000);
  ASSERT_TRUE(d.denial.has_value());
  EXPECT_EQ(d.denial->node, "bot");
  EXPECT_EQ(d.denial->period, Period::kWeek);

  // The same ties decide the binding limit of an approval.
  Use(agent_bal_, Period::kYear, 2 * kUnit, 0, now_);
  Use(agent_bal_, Period::kMonth, kUnit, 0, now_);
  Use(agent_bal_, Period::kWeek, 0, 0, now_);
  Use(team_bal_, Period::kDay, 0, 0, now_);
  d = Run(kUnit);  // every agent limit leaves 2; the team leaves 2 as well
  ASSERT_TRUE(d.approved());
  EXPECT_EQ(d.approval->effective_remaining, 2 * kUnit);
  EXPECT_EQ(d.approval->binding, (Binding{"bot", Period::kWeek}));
}

TEST_F(DecideTest, SeveralLimitsPerNode) {
  agent_.limits = {{5 * kUnit, Period::kDay}, {50 * kUnit, Period::kMonth}};
  Use(agent_bal_, Period::kDay, 1 * kUnit, 0, now_);
  Use(agent_bal_, Period::kMonth, 49 * kUnit, 0, now_);
  Decision d = Run(2 * kUnit);  // day: 2 left; month: −1
  ASSERT_TRUE(d.denial.has_value());
  EXPECT_EQ(d.denial->period, Period::kMonth);
  EXPECT_EQ(d.denial->limit, 50 * kUnit);
  d = Run(kUnit);  // day: 3 left; month: 0 left
  ASSERT_TRUE(d.approved());
  EXPECT_EQ(d.approval->effective_remaining, 0);
  EXPECT_EQ(d.approval->binding, (Binding{"bot", Period::kMonth}));
}

TEST_F(DecideTest, StaleBucketCountsAsZero) {
  team_.limits = {{100 * kUnit, Period::kMonth}, {20 * kUnit, Period::kDay}};
  // Everything was used up last month / yesterday.
  Use(team_bal_, Period::kMonth, 100 * kUnit, 0, MakeTimestamp(2026, 10, 31, 23));
  Use(team_bal_, Period::kDay, 20 * kUnit, 0, MakeTimestamp(2026, 11, 27, 23));
  Decision d = Run(15 * kUnit);
  ASSERT_TRUE(d.approved());
  EXPECT_EQ(d.approval->effective_remaining, 5 * kUnit);
  EXPECT_EQ(d.approval->binding, (Binding{"marketing", Period::kDay}));
  // A bucket newer than now (a clock behind the stored state) is not counted either.
  Use(team_bal_, Period::kDay, 20 * kUnit, 0, MakeTimestamp(2026, 11, 29, 1));
  EXPECT_TRUE(Run(15 * kUnit).approved());
}

TEST_F(DecideTest, ZeroLimitRefusesEverything) {
  agent_.limits = {{0, Period::kTotal}};
  Decision d = Run(1);
  ASSERT_TRUE(d.denial.has_value());
  EXPECT_EQ(d.denial->message,
            "agent bot's total limit of 0 is exhausted: 0 used, 0.000001 requested");
}

TEST_F(DecideTest, HugeFiguresDoNotOverflow) {
  org_.limits = {{kMax, Period::kYear}};
  Use(org_bal_, Period::kYear, kMax, kMax, now_);  // used overflows int64
  Decision d = Run(kMax);
  ASSERT_TRUE(d.denial.has_value());
  EXPECT_EQ(d.denial->reason, DenyReason::kBudgetExceeded);
  EXPECT_EQ(d.denial->used, kMax);  // saturated for display

  Use(org_bal_, Period::kYear, 0, 0, now_);
  d = Run(kMax);  // exactly fits
  ASSERT_TRUE(d.approved());
  EXPECT_EQ(d.approval->effective_remaining, 0);
  d = Run(1);
  ASSERT_TRUE(d.approved());
  EXPECT_EQ(d.approval->effective_remaining, kMax - 1);

  agent_.limits = {{kMax, Period::kDay}};
  Use(agent_bal_, Period::kDay, kMax - 1, 0, now_);
  d = Run(2);  // used + amount overflows int64: exceeded, not wrapped
  ASSERT_TRUE(d.denial.has_value());
  EXPECT_EQ(d.denial->node, "bot");
}

TEST_F(DecideTest, EffectiveRemainingIsTheMinimumOverThePath) {
  agent_.limits = {{10 * kUnit, Period::kDay}};
  team_.limits = {{100 * kUnit, Period::kMonth}};
  org_.limits = {{1000 * kUnit, Period::kYear}};
  Use(agent_bal_, Period::kDay, 2 * kUnit, 0, now_);        // 10 − 2 − 1 = 7
  Use(team_bal_, Period::kMonth, 93 * kUnit, kUnit, now_);  // 100 − 94 − 1 = 5
  Use(org_bal_, Period::kYear, 500 * kUnit, 0, now_);       // 499
  Decision d = Run(kUnit);
  ASSERT_TRUE(d.approved());
  EXPECT_EQ(d.approval->effective_remaining, 5 * kUnit);
  EXPECT_EQ(d.approval->binding, (Binding{"marketing", Period::kMonth}));
}

}  // namespace
}  // namespace stub

namespace stub {
namespace {

class RemainingTest : public DecideTest {};

TEST_F(RemainingTest, ReportsTheLeastRoomAndItsLimitWithNothingRequested) {
  std::vector<ChainLink> chain = {{&agent_, &agent_bal_}, {&team_, &team_bal_}, {&org_, &org_bal_}};
  EXPECT_FALSE(Remaining(chain, now_).effective_remaining.has_value());  // no limits: unlimited

  team_.limits = {{10 * kUnit, Period::kDay}};
  org_.limits = {{100 * kUnit, Period::kMonth}};
  Use(team_bal_, Period::kDay, 7 * kUnit, 1 * kUnit, now_);
  Approval a = Remaining(chain, now_);
  ASSERT_TRUE(a.effective_remaining.has_value());
  EXPECT_EQ(*a.effective_remaining, 2 * kUnit);
  ASSERT_TRUE(a.binding.has_value());
  EXPECT_EQ(a.binding->node, "marketing");
  EXPECT_EQ(a.binding->period, Period::kDay);

  // Tomorrow the day bucket is fresh: the team has its whole 10 again.
  a = Remaining(chain, now_ + 86'400 * kMicrosPerSecond);
  EXPECT_EQ(*a.effective_remaining, 10 * kUnit);

  // An exceeded limit (e.g. lowered below what was used) shows as negative.
  team_.limits = {{5 * kUnit, Period::kDay}};
  EXPECT_EQ(*Remaining(chain, now_).effective_remaining, -3 * kUnit);
}

}  // namespace
}  // namespace stub
