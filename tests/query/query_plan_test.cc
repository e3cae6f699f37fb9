#include "query/query_plan.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

namespace stub {
namespace {

std::vector<Node> Tree() {
  auto node = [](std::string id, NodeKind kind, std::string parent, std::string name) {
    Node n;
    n.id = std::move(id);
    n.kind = kind;
    n.parent = std::move(parent);
    n.name = std::move(name);
    return n;
  };
  return {node("acme", NodeKind::kOrg, "", "Acme"),
          node("eng", NodeKind::kTeam, "acme", "Engineering"),
          node("plat", NodeKind::kTeam, "eng", "Platform"),
          node("mkt", NodeKind::kTeam, "acme", "Marketing"),
          node("a1", NodeKind::kAgent, "eng", "Copilot"),
          node("a2", NodeKind::kAgent, "plat", "CI bot"),
          node("a3", NodeKind::kAgent, "mkt", "Writer")};
}

TEST(QueryPlanTest, TeamsResolveToTheirSubtreesAgents) {
  auto plan = PlanQuery({.teams = {"eng"}}, Tree());
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->restrict_agents);
  EXPECT_EQ(plan->agents, (std::vector<std::string>{"a1", "a2"}));
  plan = PlanQuery({.teams = {"eng"}, .agents = {"a2", "a3"}}, Tree());
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->agents, (std::vector<std::string>{"a2"}));
  plan = PlanQuery({.teams = {"acme"}}, Tree());
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->agents.size(), 3u);
}

TEST(QueryPlanTest, UnknownNamesAreNotFound) {
  EXPECT_EQ(PlanQuery({.teams = {"sales"}}, Tree()).status().reason(), "unknown_name");
  EXPECT_EQ(PlanQuery({.teams = {"a1"}}, Tree()).status().reason(), "unknown_name");
  EXPECT_EQ(PlanQuery({.agents = {"eng"}}, Tree()).status().reason(), "unknown_name");
}

TEST(QueryPlanTest, KeysFormatCalendarBuckets) {
  const std::int64_t day = MakeTimestamp(2026, 11, 3) / (86'400LL * 1'000'000);
  EXPECT_EQ(DayKey(day), "2026-11-03");
  EXPECT_EQ(MonthKey(day), "2026-11");
  EXPECT_EQ(IsoWeekKey(day), "2026-W45");
  // ISO week-years: 2027-01-01 is a Friday, in 2026's week 53.
  EXPECT_EQ(IsoWeekKey(MakeTimestamp(2027, 1, 1) / (86'400LL * 1'000'000)), "2026-W53");
  EXPECT_EQ(IsoWeekKey(MakeTimestamp(2024, 12, 30) / (86'400LL * 1'000'000)), "2025-W01");
}

TEST(QueryPlanTest, FinishFoldsAgentsIntoTeamsOrdersAndLimits) {
  const QuerySpec spec{.group_by = QueryGroup::kTeam, .limit = 2};
  auto plan = PlanQuery(spec, Tree());
  ASSERT_TRUE(plan.ok());
  PlanResult raw;
  raw.groups = {{.key = "a1", .total = 1'000'000, .count = 2, .max = 600'000},
                {.key = "a2", .total = 3, .count = 3, .max = 1},
                {.key = "a3", .total = 999'999, .count = 1, .max = 999'999}};
  auto r = FinishQuery(spec, *plan, raw, Tree());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->groups, 3u);
  EXPECT_TRUE(r->truncated);
  ASSERT_EQ(r->rows.size(), 2u);
  EXPECT_EQ(r->rows[0], (QueryRow{.key = "eng",
                                  .label = "Engineering",
                                  .total = 1'000'000,
                                  .count = 2,
                                  .average = 500'000,
                                  .max = 600'000}));
  EXPECT_EQ(r->rows[1].key, "mkt");
  EXPECT_EQ(r->overall.total, 2'000'002);
  EXPECT_EQ(r->overall.count, 6);
  EXPECT_EQ(r->overall.average, 333'333);  // toward zero
  // By count ascending, ties by key.
  const QuerySpec by_count{.measure = QueryMeasure::kCount,
                           .group_by = QueryGroup::kAgent,
                           .direction = QueryDirection::kAsc};
  raw.groups[2].count = 2;
  r = FinishQuery(by_count, *PlanQuery(by_count, Tree()), raw, Tree());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->rows.size(), 3u);
  EXPECT_EQ(r->rows[0].key, "a1");
  EXPECT_EQ(r->rows[0].label, "Copilot");
  EXPECT_EQ(r->rows[1].key, "a3");
  EXPECT_EQ(r->rows[2].key, "a2");
}

TEST(QueryPlanTest, OnlyAFigurePastInt64RefusesItsQuestion) {
  constexpr Micros kMax = std::numeric_limits<Micros>::max();
  PlanResult raw;
  raw.groups = {{.key = "a1", .total = WideMicros{kMax} - 5, .count = 2, .max = kMax / 2},
                {.key = "a2", .total = 5, .count = 1, .max = 5}};
  const QuerySpec by_agent{.group_by = QueryGroup::kAgent};
  auto fits = FinishQuery(by_agent, *PlanQuery(by_agent, Tree()), raw, Tree());
  ASSERT_TRUE(fits.ok()) << fits.status().ToString();
  EXPECT_EQ(fits->overall.total, kMax);  // exactly at the edge
  raw.groups[1].total = 6;
  auto over = FinishQuery(by_agent, *PlanQuery(by_agent, Tree()), raw, Tree());
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(over.status().reason(), "amount_overflow");
}

TEST(QueryPlanTest, FinishFoldsDaysIntoWeeksAndMonths) {
  const std::int64_t d = MakeTimestamp(2026, 10, 31) / (86'400LL * 1'000'000);
  PlanResult raw;
  raw.groups = {{.day = d, .total = 5, .count = 1, .max = 5},
                {.day = d + 1, .total = 7, .count = 1, .max = 7},
                {.day = d + 2, .total = 11, .count = 1, .max = 11}};
  const QuerySpec months{.group_by = QueryGroup::kMonth,
                         .order_by = QueryOrderBy::kKey,
                         .direction = QueryDirection::kAsc};
  auto r = FinishQuery(months, *PlanQuery(months, Tree()), raw, Tree());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->rows.size(), 2u);
  EXPECT_EQ(r->rows[0].key, "2026-10");
  EXPECT_EQ(r->rows[0].total, 5);
  EXPECT_EQ(r->rows[1].key, "2026-11");
  EXPECT_EQ(r->rows[1].total, 18);
  const QuerySpec weeks{.group_by = QueryGroup::kWeek,
                        .order_by = QueryOrderBy::kKey,
                        .direction = QueryDirection::kAsc};
  r = FinishQuery(weeks, *PlanQuery(weeks, Tree()), raw, Tree());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->rows.size(), 2u);  // Sat 31 Oct + Sun 1 Nov, then Mon 2 Nov
  EXPECT_EQ(r->rows[0].key, "2026-W44");
  EXPECT_EQ(r->rows[0].total, 12);
  EXPECT_EQ(r->rows[1].key, "2026-W45");
}

TEST(QueryPlanTest, EmptyTotalsAnswerZero) {
  const QuerySpec spec;
  auto r = FinishQuery(spec, *PlanQuery(spec, Tree()), PlanResult{}, Tree());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->rows.size(), 1u);
  EXPECT_EQ(r->rows[0].total, 0);
  EXPECT_EQ(r->rows[0].count, 0);
}

TEST(QueryPlanTest, EvaluateSumsPastInt64Exactly) {
  Entry e;
  e.kind = EntryKind::kSpend;
  e.amount = std::numeric_limits<Micros>::max();
  const QuerySpec spec;
  auto r = EvaluatePlan(*PlanQuery(spec, Tree()), {e, e}, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->groups.size(), 1u);
  EXPECT_TRUE(r->groups[0].total == WideMicros{e.amount} * 2);
  EXPECT_EQ(r->groups[0].count, 2);
}

}  // namespace
}  // namespace stub
