// Store contract cases for the policy engine's storage (see store_contract.h):
// a node row keeps its policy and window counter; the rolling-window log is
// append-only, keyed (org, node, at, seq), and answers "the first row after
// t" with the transaction's own rows and its snapshot; a denial keeps its
// window length.
#include <string>
#include <vector>

#include "store_contract.h"

namespace stub::store_testing {
namespace {

WindowLogRow Log(const std::string& org, const std::string& node, Timestamp at, std::int64_t seq,
                 Micros total, Micros amount) {
  return WindowLogRow{org, node, at, seq, total, amount};
}

TEST_P(StoreContractTest, NodeRowsKeepTheirPolicyAndWindowCounter) {
  NodeRow row = MakeNode("team-a", NodeKind::kTeam);
  Policy policy;
  policy.max_per_spend = 5'000'000;
  policy.windows = {{20'000'000, 3600}, {50'000'000, 86400}};
  policy.vendors.allow = {"*.openai.com", "api.dataco.com"};
  policy.vendors.block = {"evil.example"};
  policy.categories.block = {"gambling"};
  policy.approval_over = 50'000'000;
  policy.velocity = Velocity{.max_spends = 100, .max_amount = 10'000'000, .seconds = 60};
  row.policy = policy;
  row.window = WindowCounter{.amount = 123, .count = 4, .last_at = kT0 + 9};
  NodeRow plain = MakeNode("agent-a");
  STUB_ASSERT_OK(Apply([&](Transaction& t) {
    STUB_RETURN_IF_ERROR(t.PutNode("acme", row));
    return t.PutNode("acme", plain);
  }));
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(auto got, r.GetNode("acme", "team-a"));
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(*got, row);
    STUB_ASSERT_OK_AND_ASSIGN(auto got_plain, r.GetNode("acme", "agent-a"));
    ASSERT_TRUE(got_plain.has_value());
    EXPECT_TRUE(got_plain->policy.empty());
    EXPECT_EQ(got_plain->window, WindowCounter{});
    STUB_ASSERT_OK_AND_ASSIGN(auto all, r.ListNodes("acme"));
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[1], row);
  });
  // Clearing the policy clears it.
  row.policy = Policy{};
  STUB_ASSERT_OK(Apply([&](Transaction& t) { return t.PutNode("acme", row); }));
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(auto got, r.GetNode("acme", "team-a"));
    ASSERT_TRUE(got.has_value());
    EXPECT_TRUE(got->policy.empty());
  });
}

TEST_P(StoreContractTest, WindowLogFindsTheFirstRowAfterAnInstant) {
  STUB_ASSERT_OK(Apply([&](Transaction& t) {
    STUB_RETURN_IF_ERROR(t.AppendWindowLog(Log("acme", "team", kT0 + 10, 1, 100, 100)));
    STUB_RETURN_IF_ERROR(t.AppendWindowLog(Log("acme", "team", kT0 + 20, 2, 300, 200)));
    STUB_RETURN_IF_ERROR(t.AppendWindowLog(Log("acme", "team", kT0 + 20, 3, 600, 300)));
    STUB_RETURN_IF_ERROR(t.AppendWindowLog(Log("acme", "teamb", kT0 + 15, 1, 7, 7)));
    return t.AppendWindowLog(Log("beta", "team", kT0 + 15, 1, 9, 9));
  }));
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(auto first, r.FirstWindowLogAfter("acme", "team", kT0));
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(*first, Log("acme", "team", kT0 + 10, 1, 100, 100));
    STUB_ASSERT_OK_AND_ASSIGN(auto at10, r.FirstWindowLogAfter("acme", "team", kT0 + 10));
    ASSERT_TRUE(at10.has_value());
    EXPECT_EQ(*at10, Log("acme", "team", kT0 + 20, 2, 300, 200));  // at > t, least seq
    STUB_ASSERT_OK_AND_ASSIGN(auto none, r.FirstWindowLogAfter("acme", "team", kT0 + 20));
    EXPECT_FALSE(none.has_value());
    STUB_ASSERT_OK_AND_ASSIGN(auto other, r.FirstWindowLogAfter("acme", "teamb", kT0));
    ASSERT_TRUE(other.has_value());
    EXPECT_EQ(other->total, 7);
    STUB_ASSERT_OK_AND_ASSIGN(auto absent, r.FirstWindowLogAfter("acme", "nobody", kT0));
    EXPECT_FALSE(absent.has_value());
  });
}

TEST_P(StoreContractTest, WindowLogSeesOwnRowsAndIsAppendOnly) {
  STUB_ASSERT_OK_AND_ASSIGN(auto t, store().Begin());
  STUB_ASSERT_OK(t->AppendWindowLog(Log("acme", "team", kT0 + 5, 1, 50, 50)));
  STUB_ASSERT_OK_AND_ASSIGN(auto own, t->FirstWindowLogAfter("acme", "team", kT0));
  ASSERT_TRUE(own.has_value());
  EXPECT_EQ(own->seq, 1);
  t->Rollback();
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(auto gone, r.FirstWindowLogAfter("acme", "team", kT0));
    EXPECT_FALSE(gone.has_value());
  });
  STUB_ASSERT_OK(Apply([&](Transaction& tx) {
    return tx.AppendWindowLog(Log("acme", "team", kT0 + 5, 1, 50, 50));
  }));
  const Status again = Apply(
      [&](Transaction& tx) { return tx.AppendWindowLog(Log("acme", "team", kT0 + 5, 1, 99, 99)); });
  EXPECT_EQ(again.code(), StatusCode::kConflict) << again.ToString();
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(auto kept, r.FirstWindowLogAfter("acme", "team", kT0));
    ASSERT_TRUE(kept.has_value());
    EXPECT_EQ(kept->total, 50);
  });
}

TEST_P(StoreContractTest, DenialsKeepTheirWindowLength) {
  DenialRecord d = MakeDenial("acme", "dn-1", kT0);
  d.denial.reason = DenyReason::kWindowLimit;
  d.denial.used = 900;
  d.denial.window_seconds = 3600;
  STUB_ASSERT_OK(Apply([&](Transaction& t) { return t.InsertDenial(d); }));
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(auto all, r.ListDenials("acme", 10));
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0], d);
  });
}

}  // namespace
}  // namespace stub::store_testing
