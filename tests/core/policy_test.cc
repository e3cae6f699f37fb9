// Policy values and the pure policy rules: normalisation, inheritance along
// the chain (strictest wins, a block anywhere wins), exact reasons and nodes.
#include "core/policy.h"

#include <gtest/gtest.h>

#include <vector>

namespace stub {
namespace {

constexpr Micros kOne = 1'000'000;

Policy Normalized(Policy p) {
  Status s = NormalizePolicy(p);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return p;
}

TEST(PolicyTest, NormalisesListsAndWindows) {
  Policy p;
  p.vendors.allow = {"https://API.OpenAI.com/v1", "*.Anthropic.com", "api.openai.com"};
  p.vendors.block = {"Evil.Example."};
  p.categories.allow = {"LLM", "data", "llm"};
  p.windows = {{20 * kOne, 3600}, {5 * kOne, 60}, {20 * kOne, 3600}};
  p = Normalized(p);
  EXPECT_EQ(p.vendors.allow, (std::vector<std::string>{"*.anthropic.com", "api.openai.com"}));
  EXPECT_EQ(p.vendors.block, (std::vector<std::string>{"evil.example"}));
  EXPECT_EQ(p.categories.allow, (std::vector<std::string>{"data", "llm"}));
  EXPECT_EQ(p.windows, (std::vector<RollingWindow>{{5 * kOne, 60}, {20 * kOne, 3600}}));
}

TEST(PolicyTest, RefusesBadValuesNamingTheField) {
  auto refused = [](Policy p, std::string_view field, std::string_view reason) {
    Status s = NormalizePolicy(p);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << field;
    EXPECT_EQ(s.reason(), reason) << s.ToString();
    EXPECT_NE(s.message().find(field), std::string::npos) << s.message();
  };
  refused({.max_per_spend = 0}, "max_per_spend", "invalid_amount");
  refused({.approval_over = -1}, "approval_over", "invalid_amount");
  refused({.windows = {{kOne, 0}}}, "windows[].seconds", "invalid_request");
  refused({.windows = {{0, 60}}}, "windows[].amount", "invalid_amount");
  refused({.windows = {{kOne, kMaxPolicySeconds + 1}}}, "windows[].seconds", "invalid_request");
  refused({.vendors = {.allow = {"api.openai.com@"}}}, "vendors.allow", "invalid_request");
  refused({.vendors = {.block = {"*"}}}, "vendors.block", "invalid_request");
  refused({.categories = {.block = {"bad category"}}}, "categories.block", "invalid_request");
  refused({.velocity = Velocity{.seconds = 60}}, "velocity", "invalid_request");
  refused({.velocity = Velocity{.max_spends = 5, .seconds = 0}}, "velocity.seconds",
          "invalid_request");
  Policy many;
  many.windows.assign(kMaxPolicyWindows + 1, {kOne, 60});
  for (std::size_t i = 0; i < many.windows.size(); ++i) {
    many.windows[i].seconds = static_cast<std::int64_t>(i + 1);
  }
  refused(many, "windows", "invalid_request");
}

class PolicyChainTest : public ::testing::Test {
 protected:
  // agent-1 → marketing → acme
  std::vector<PolicyLink> Chain() {
    return {{"agent-1", &agent_}, {"marketing", &team_}, {"acme", &org_}};
  }
  std::optional<Denial> Check(Micros amount, std::string_view vendor,
                              std::string_view category = "llm") {
    agent_ = Normalized(agent_);
    team_ = Normalized(team_);
    org_ = Normalized(org_);
    return CheckListsAndPerSpend(Chain(), amount, vendor, category);
  }
  Policy agent_, team_, org_;
};

TEST_F(PolicyChainTest, NoPoliciesAllowEverything) {
  EXPECT_FALSE(Check(1'000 * kOne, "anything.example", "whatever").has_value());
  EXPECT_FALSE(ApprovalThreshold(Chain()).has_value());
}

TEST_F(PolicyChainTest, ABlockAnywhereOnThePathWins) {
  org_.vendors.block = {"evil.example"};
  agent_.vendors.allow = {"evil.example", "api.openai.com"};
  auto d = Check(kOne, "evil.example");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->reason, DenyReason::kVendorBlocked);
  EXPECT_EQ(d->node, "acme");
  EXPECT_FALSE(Check(kOne, "api.openai.com"));
}

TEST_F(PolicyChainTest, EveryAllowListOnThePathMustMatch) {
  org_.vendors.allow = {"*.openai.com", "api.anthropic.com"};
  team_.vendors.allow = {"api.openai.com"};
  EXPECT_FALSE(Check(kOne, "api.openai.com"));
  auto d = Check(kOne, "api.anthropic.com");  // the org allows it, marketing does not
  ASSERT_TRUE(d);
  EXPECT_EQ(d->reason, DenyReason::kVendorNotAllowed);
  EXPECT_EQ(d->node, "marketing");
  for (std::string_view attack :
       {"api.openai.com.evil.net", "evilapi.openai.com", "evil.net", "openai.com"}) {
    auto a = Check(kOne, attack);
    ASSERT_TRUE(a) << attack;
    EXPECT_EQ(a->reason, DenyReason::kVendorNotAllowed) << attack;
  }
}

TEST_F(PolicyChainTest, CategoriesBlockAndAllow) {
  team_.categories.block = {"gambling"};
  org_.categories.allow = {"llm", "data"};
  auto blocked = Check(kOne, "api.openai.com", "gambling");
  ASSERT_TRUE(blocked);
  EXPECT_EQ(blocked->reason, DenyReason::kCategoryBlocked);
  EXPECT_EQ(blocked->node, "marketing");
  auto not_allowed = Check(kOne, "api.openai.com", "compute");
  ASSERT_TRUE(not_allowed);
  EXPECT_EQ(not_allowed->reason, DenyReason::kCategoryBlocked);
  EXPECT_EQ(not_allowed->node, "acme");
  EXPECT_FALSE(Check(kOne, "api.openai.com", "data"));
}

TEST_F(PolicyChainTest, TheLeastPerSpendMaximumApplies) {
  org_.max_per_spend = 5 * kOne;
  team_.max_per_spend = 2 * kOne;
  agent_.max_per_spend = 3 * kOne;
  EXPECT_FALSE(Check(2 * kOne, "api.openai.com"));
  auto d = Check(2 * kOne + 1, "api.openai.com");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->reason, DenyReason::kPerSpendLimit);
  EXPECT_EQ(d->node, "marketing");
  EXPECT_EQ(d->limit, 2 * kOne);
  EXPECT_EQ(d->message, "a spend of 2.000001 is over the per-spend maximum of 2 set by marketing");
}

TEST_F(PolicyChainTest, ListsComeBeforeThePerSpendMaximum) {
  org_.max_per_spend = kOne;
  team_.vendors.block = {"evil.example"};
  auto d = Check(10 * kOne, "evil.example");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->reason, DenyReason::kVendorBlocked);
}

TEST_F(PolicyChainTest, TheLeastApprovalThresholdApplies) {
  org_.approval_over = 50 * kOne;
  agent_.approval_over = 50 * kOne;
  team_.approval_over = 80 * kOne;
  (void)Check(kOne, "x.example");  // normalise
  auto rule = ApprovalThreshold(Chain());
  ASSERT_TRUE(rule);
  EXPECT_EQ(rule->over, 50 * kOne);
  EXPECT_EQ(rule->node, "agent-1");  // ties: nearest the agent
}

}  // namespace
}  // namespace stub
