#include "core/budget.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "core/time_util.h"
#include "core_test_values.h"

namespace stub {
namespace {

constexpr Timestamp kNoBucket = BucketBalance::kNoBucket;
using core_testing::kMax;

using core_testing::I;

Node MakeNode(std::string id, NodeKind kind, std::string parent, std::vector<Limit> limits = {}) {
  Node n;
  n.id = std::move(id);
  n.kind = kind;
  n.parent = std::move(parent);
  n.limits = std::move(limits);
  return n;
}

TEST(NodeKindTest, Names) {
  EXPECT_EQ(NodeKindName(NodeKind::kOrg), "org");
  EXPECT_EQ(NodeKindName(NodeKind::kTeam), "team");
  EXPECT_EQ(NodeKindName(NodeKind::kAgent), "agent");
  for (NodeKind k : {NodeKind::kOrg, NodeKind::kTeam, NodeKind::kAgent}) {
    EXPECT_EQ(ParseNodeKind(NodeKindName(k)), k);
  }
  EXPECT_EQ(ParseNodeKind("Team"), std::nullopt);
  EXPECT_EQ(ParseNodeKind(""), std::nullopt);
}

TEST(IsValidIdTest, Syntax) {
  for (const std::string& ok : {std::string("a"), std::string("0"), std::string("mkt-researcher-1"),
                                std::string("a.b_c-d"), std::string("9lives"), std::string("acme"),
                                std::string(64, 'x'), "a" + std::string(63, '-')}) {
    EXPECT_TRUE(IsValidId(ok)) << ok;
  }
  for (const std::string& bad :
       {std::string(""), std::string("A"), std::string("aB"), std::string("-a"), std::string("_a"),
        std::string(".a"), std::string("a b"), std::string("a/b"), std::string("a:b"),
        std::string(65, 'x'), std::string("caf\xc3\xa9"), std::string("a\0b", 3),
        std::string("a\n")}) {
    EXPECT_FALSE(IsValidId(bad)) << bad;
  }
}

void ExpectInvalidNode(const Node& n, const char* reason = "invalid_request") {
  Status s = ValidateNode(n);
  ASSERT_FALSE(s.ok()) << n.id;
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.reason(), reason);
}

TEST(ValidateNodeTest, AcceptsWellFormedNodes) {
  EXPECT_TRUE(ValidateNode(MakeNode("acme", NodeKind::kOrg, "")).ok());
  EXPECT_TRUE(ValidateNode(MakeNode("mkt", NodeKind::kTeam, "acme",
                                    {{100'000'000, Period::kMonth}, {0, Period::kDay}}))
                  .ok());
  EXPECT_TRUE(ValidateNode(MakeNode("bot", NodeKind::kAgent, "mkt")).ok());
  std::vector<Limit> six;
  for (Period p : kAllPeriods) six.push_back({kMax, p});
  EXPECT_TRUE(ValidateNode(MakeNode("bot", NodeKind::kAgent, "mkt", six)).ok());
}

TEST(ValidateNodeTest, RejectsMalformedNodes) {
  ExpectInvalidNode(MakeNode("Acme", NodeKind::kOrg, ""));
  ExpectInvalidNode(MakeNode("", NodeKind::kOrg, ""));
  ExpectInvalidNode(MakeNode("acme", NodeKind::kOrg, "parent"));
  ExpectInvalidNode(MakeNode("mkt", NodeKind::kTeam, ""));
  ExpectInvalidNode(MakeNode("bot", NodeKind::kAgent, ""));
  ExpectInvalidNode(MakeNode("bot", NodeKind::kAgent, "Bad Parent"));
  ExpectInvalidNode(MakeNode("bot", NodeKind::kAgent, "bot"));
  ExpectInvalidNode(
      MakeNode("mkt", NodeKind::kTeam, "acme", {{1, Period::kMonth}, {2, Period::kMonth}}));
  ExpectInvalidNode(MakeNode("mkt", NodeKind::kTeam, "acme", {{-1, Period::kMonth}}),
                    "invalid_amount");
  ExpectInvalidNode(MakeNode("mkt", NodeKind::kTeam, "acme",
                             std::vector<Limit>(kMaxLimitsPerNode + 1, Limit{1, Period::kDay})));
}

TEST(CurrentBalanceTest, StoredBucketOrZero) {
  const Timestamp now = MakeTimestamp(2026, 11, 28, 10);
  NodeBalances b{};
  // Never used: zero, in the current bucket.
  BucketBalance cur = CurrentBalance(b, Period::kMonth, now);
  EXPECT_EQ(cur, (BucketBalance{MakeTimestamp(2026, 11, 1), 0, 0}));

  b[I(Period::kMonth)] = {MakeTimestamp(2026, 11, 1), 5, 7};
  EXPECT_EQ(CurrentBalance(b, Period::kMonth, now),
            (BucketBalance{MakeTimestamp(2026, 11, 1), 5, 7}));
  // Next month: the stored bucket is older, so the new period starts at zero.
  EXPECT_EQ(CurrentBalance(b, Period::kMonth, MakeTimestamp(2026, 12, 1)),
            (BucketBalance{MakeTimestamp(2026, 12, 1), 0, 0}));
  // kTotal never rolls over.
  b[I(Period::kTotal)] = {0, 11, 13};
  EXPECT_EQ(CurrentBalance(b, Period::kTotal, MakeTimestamp(2099, 1, 1)),
            (BucketBalance{0, 11, 13}));
}

TEST(ApplyDeltaTest, FreshBucketsStartAtTheDelta) {
  const Timestamp at = MakeTimestamp(2026, 11, 28, 10);
  NodeBalances b{};
  ASSERT_TRUE(ApplyDelta(b, at, 250'000, 0).ok());
  for (Period p : kAllPeriods) {
    EXPECT_EQ(b[I(p)], (BucketBalance{BucketStart(p, at), 250'000, 0})) << PeriodName(p);
  }
  ASSERT_TRUE(ApplyDelta(b, at + 1, 0, 1'000'000).ok());
  ASSERT_TRUE(ApplyDelta(b, at + 2, 100'000, -400'000).ok());
  for (Period p : kAllPeriods) {
    EXPECT_EQ(b[I(p)], (BucketBalance{BucketStart(p, at), 350'000, 600'000})) << PeriodName(p);
  }
}

TEST(ApplyDeltaTest, RollsOverOnlyExpiredBuckets) {
  NodeBalances b{};
  const Timestamp nov = MakeTimestamp(2026, 11, 30, 23);
  ASSERT_TRUE(ApplyDelta(b, nov, 10, 0).ok());
  const Timestamp dec = MakeTimestamp(2026, 12, 1, 1);  // same week, quarter, year
  ASSERT_TRUE(ApplyDelta(b, dec, 1, 0).ok());
  EXPECT_EQ(b[I(Period::kDay)], (BucketBalance{MakeTimestamp(2026, 12, 1), 1, 0}));
  EXPECT_EQ(b[I(Period::kWeek)], (BucketBalance{MakeTimestamp(2026, 11, 30), 11, 0}));
  EXPECT_EQ(b[I(Period::kMonth)], (BucketBalance{MakeTimestamp(2026, 12, 1), 1, 0}));
  EXPECT_EQ(b[I(Period::kQuarter)], (BucketBalance{MakeTimestamp(2026, 10, 1), 11, 0}));
  EXPECT_EQ(b[I(Period::kYear)], (BucketBalance{MakeTimestamp(2026, 1, 1), 11, 0}));
  EXPECT_EQ(b[I(Period::kTotal)], (BucketBalance{0, 11, 0}));

  // A late delta for November (e.g. capturing a hold made in November) leaves
  // the newer day and month buckets alone but counts in the shared ones.
  ASSERT_TRUE(ApplyDelta(b, nov, 100, 0).ok());
  EXPECT_EQ(b[I(Period::kDay)], (BucketBalance{MakeTimestamp(2026, 12, 1), 1, 0}));
  EXPECT_EQ(b[I(Period::kMonth)], (BucketBalance{MakeTimestamp(2026, 12, 1), 1, 0}));
  EXPECT_EQ(b[I(Period::kWeek)].spent, 111);
  EXPECT_EQ(b[I(Period::kQuarter)].spent, 111);
  EXPECT_EQ(b[I(Period::kTotal)].spent, 111);
}

TEST(ApplyDeltaTest, OverflowLeavesBalancesUnchanged) {
  const Timestamp at = MakeTimestamp(2026, 11, 28);
  NodeBalances b{};
  ASSERT_TRUE(ApplyDelta(b, at, kMax - 5, 0).ok());
  // Make only the total bucket (checked last) overflow: the day bucket is fresh.
  const NodeBalances before = b;
  Status s = ApplyDelta(b, MakeTimestamp(2027, 1, 1), 6, 0);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOutOfRange);
  EXPECT_EQ(b, before);
  s = ApplyDelta(b, at, 0, kMax);
  EXPECT_TRUE(s.ok()) << s.ToString();
  s = ApplyDelta(b, at, 0, 1);
  EXPECT_EQ(s.code(), StatusCode::kOutOfRange);
}

TEST(ApplyDeltaTest, NegativeFigureIsInternalAndAtomic) {
  const Timestamp at = MakeTimestamp(2026, 11, 28);
  NodeBalances b{};
  ASSERT_TRUE(ApplyDelta(b, at, 0, 500).ok());
  const NodeBalances before = b;
  Status s = ApplyDelta(b, at, 0, -600);  // every bucket would go negative
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_EQ(b, before);
  // The next day, the fresh day bucket would start at −100.
  s = ApplyDelta(b, MakeTimestamp(2026, 11, 29), 0, -100);
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_EQ(b, before);
  // Only the total bucket (checked last) goes negative: the day..year buckets
  // must not have been touched either.
  b[I(Period::kTotal)].held = 100;
  const NodeBalances late = b;
  s = ApplyDelta(b, at, 0, -200);
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_EQ(b, late);
  b = before;
  EXPECT_TRUE(ApplyDelta(b, at, 0, -500).ok());
  for (Period p : kAllPeriods) EXPECT_EQ(b[I(p)].held, 0);
}

TEST(ApplyDeltaTest, NeverUsedBucketIsKNoBucket) {
  NodeBalances b{};
  for (const BucketBalance& bucket : b) EXPECT_EQ(bucket.start, kNoBucket);
}

}  // namespace
}  // namespace stub
