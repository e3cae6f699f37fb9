#include "query/rollup_window.h"

#include <gtest/gtest.h>

#include <limits>

#include "core/civil.h"

namespace stub {
namespace {

constexpr Timestamp kDay = civil::kMicrosPerDay;
constexpr Timestamp kD = 20'000 * kDay;  // a midnight

QueryPlan Grouped(PlanKey key) {
  QueryPlan p;
  p.key = key;
  return p;
}

TEST(RollupWindowTest, AnswersGroupedSpendTotalsByNameAndDay) {
  for (PlanKey key :
       {PlanKey::kNone, PlanKey::kAgent, PlanKey::kVendor, PlanKey::kCategory, PlanKey::kDay}) {
    QueryPlan p = Grouped(key);
    p.restrict_agents = true;
    p.agents = {"a"};
    p.vendors = {"v"};
    p.categories = {"c"};
    const auto w = RollupWindowOf(p);
    ASSERT_TRUE(w.has_value()) << static_cast<int>(key);
    EXPECT_EQ(*w, RollupWindow{});  // unbounded, no edges
  }
}

TEST(RollupWindowTest, LeavesEverythingElseToTheEntries) {
  for (PlanKey key : {PlanKey::kUser, PlanKey::kReason, PlanKey::kSession, PlanKey::kIntent}) {
    EXPECT_FALSE(RollupWindowOf(Grouped(key)).has_value()) << static_cast<int>(key);
  }
  QueryPlan denied = Grouped(PlanKey::kNone);
  denied.status = QueryStatus::kDenied;
  EXPECT_FALSE(RollupWindowOf(denied).has_value());
  QueryPlan list = Grouped(PlanKey::kNone);
  list.list = true;
  EXPECT_FALSE(RollupWindowOf(list).has_value());
  QueryPlan users = Grouped(PlanKey::kNone);
  users.users = {"u"};
  EXPECT_FALSE(RollupWindowOf(users).has_value());
  QueryPlan sessions = Grouped(PlanKey::kNone);
  sessions.sessions = {"s"};
  EXPECT_FALSE(RollupWindowOf(sessions).has_value());
  QueryPlan intent = Grouped(PlanKey::kNone);
  intent.intent_lower = "x";
  EXPECT_FALSE(RollupWindowOf(intent).has_value());
}

TEST(RollupWindowTest, WholeDaysFromTheRollupEdgesFromTheEntries) {
  QueryPlan p = Grouped(PlanKey::kAgent);
  p.from = kD;
  p.to = kD + 31 * kDay;
  auto w = RollupWindowOf(p);
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(w->from_day, 20'000);
  EXPECT_EQ(w->to_day, 20'031);
  EXPECT_GE(w->head_from, w->head_to);  // no edges
  EXPECT_GE(w->tail_from, w->tail_to);

  p.from = kD + 5;
  p.to = kD + 3 * kDay + 7;
  w = RollupWindowOf(p);
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(w->from_day, 20'001);
  EXPECT_EQ(w->to_day, 20'003);
  EXPECT_EQ(w->head_from, kD + 5);
  EXPECT_EQ(w->head_to, kD + kDay);
  EXPECT_EQ(w->tail_from, kD + 3 * kDay);
  EXPECT_EQ(w->tail_to, kD + 3 * kDay + 7);

  QueryPlan open_from = Grouped(PlanKey::kNone);
  open_from.to = kD + 1;
  w = RollupWindowOf(open_from);
  ASSERT_TRUE(w.has_value());
  EXPECT_FALSE(w->from_day.has_value());
  EXPECT_EQ(w->to_day, 20'000);
  EXPECT_EQ(w->tail_from, kD);
  EXPECT_EQ(w->tail_to, kD + 1);
}

TEST(RollupWindowTest, NoWholeDayOrBoundsNearTheEpochReadTheEntries) {
  QueryPlan p = Grouped(PlanKey::kNone);
  p.from = kD + 1;
  p.to = kD + kDay - 1;
  EXPECT_FALSE(RollupWindowOf(p).has_value());
  p.from = kD + 1;
  p.to = kD + 2 * kDay - 1;  // [D+1, D+2d-1): no whole day inside
  EXPECT_FALSE(RollupWindowOf(p).has_value());
  QueryPlan epoch = Grouped(PlanKey::kNone);
  epoch.from = 0;
  EXPECT_FALSE(RollupWindowOf(epoch).has_value());
  epoch.from = -kDay;
  EXPECT_FALSE(RollupWindowOf(epoch).has_value());
  QueryPlan early_to = Grouped(PlanKey::kNone);
  early_to.to = kDay - 1;
  EXPECT_FALSE(RollupWindowOf(early_to).has_value());
  QueryPlan huge = Grouped(PlanKey::kNone);
  huge.from = std::numeric_limits<Timestamp>::max() - 1;
  EXPECT_FALSE(RollupWindowOf(huge).has_value());
}

}  // namespace
}  // namespace stub
