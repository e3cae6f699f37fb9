// The policy and safety engine on every store: lists, per-spend maximum,
// rolling windows, velocity breaker, freeze, kill-switch, inheritance and
// strictest-wins, and the audit trail of every change. Exact reason codes,
// nodes and amounts; single spends and batches.
#include "core/policy.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/approval.h"
#include "core/config_change.h"
#include "engine/engine.h"
#include "engine_fixture.h"
#include "store_under_test.h"

namespace stub {
namespace {

using testing::Amt;
using testing::ExpectVerifies;
using testing::MakeSpend;
using testing::MakeTree;
using testing::StoreUnderTest;
using testing::TestStore;

constexpr Timestamp kT0 = 1795860000LL * kMicrosPerSecond;  // 2026-11-28T10:00:00Z
constexpr Timestamp kSec = kMicrosPerSecond;

class PolicyTest : public ::testing::TestWithParam<TestStore> {
 protected:
  PolicyTest() : sut_(GetParam()), clock_(kT0) {}

  void SetUp() override {
    ASSERT_TRUE(sut_.ok());
    engine_ = std::make_unique<Engine>(sut_.store(), clock_);
    MakeTree(*engine_, {}, {}, {}, {"mkt-1", "mkt-2"});
  }

  void Put(std::string_view node, Policy p) {
    auto r = engine_->PutPolicy("acme", node, std::move(p), "key_admin");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  Outcome Spend(const char* agent, const char* amount, const std::string& key,
                const char* vendor = "api.dataco.com", const char* category = "data") {
    SpendRequest r = MakeSpend(agent, amount, key);
    r.vendor = vendor;
    r.category = category;
    auto result = engine_->Spend(r);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? result->outcome : Outcome{};
  }

  void ExpectDenied(const Outcome& o, DenyReason reason, std::string_view node, Micros limit = 0,
                    Micros used = 0, std::int64_t window_seconds = 0) {
    ASSERT_EQ(o.status, OutcomeStatus::kDenied);
    ASSERT_TRUE(o.denial.has_value());
    EXPECT_EQ(DenyReasonName(o.denial->reason), DenyReasonName(reason)) << o.denial->message;
    EXPECT_EQ(o.denial->node, node);
    EXPECT_EQ(o.denial->limit, limit);
    EXPECT_EQ(o.denial->used, used);
    EXPECT_EQ(o.denial->window_seconds, window_seconds);
    EXPECT_FALSE(o.denial->message.empty());
  }

  std::vector<Entry> Journal() {
    auto txn = sut_.store().Begin({.read_only = true});
    EXPECT_TRUE(txn.ok());
    auto entries = (*txn)->ListEntries("acme", 0, 10000);
    EXPECT_TRUE(entries.ok());
    return entries.ok() ? *entries : std::vector<Entry>{};
  }

  std::vector<nlohmann::json> ConfigReceipts(std::string_view action = "") {
    std::vector<nlohmann::json> out;
    for (const Entry& e : Journal()) {
      if (e.kind != EntryKind::kConfig) continue;
      auto j = nlohmann::json::parse(e.receipt);
      if (action.empty() || j["action"] == action) out.push_back(j);
    }
    return out;
  }

  // The denial record of a denied outcome (its id is the record's).
  DenialRecord DenialOf(const Outcome& o) {
    auto txn = sut_.store().Begin({.read_only = true});
    auto denials = (*txn)->ListDenials("acme", 10000);
    EXPECT_TRUE(denials.ok());
    for (const DenialRecord& d : *denials) {
      if (d.id == o.id) return d;
    }
    ADD_FAILURE() << "no denial record " << o.id;
    return DenialRecord{};
  }

  StoreUnderTest sut_;
  ManualClock clock_;
  std::unique_ptr<Engine> engine_;
};

TEST_P(PolicyTest, ListsAndPerSpendWithInheritance) {
  Put("acme", {.vendors = {.block = {"evil.example"}}});
  Put("marketing", {.vendors = {.allow = {"*.openai.com", "api.dataco.com"}},
                    .categories = {.block = {"gambling"}}});
  Put("mkt-1", {.max_per_spend = Amt("1.00")});

  ExpectDenied(Spend("mkt-1", "0.10", "k1", "https://EVIL.example./x"), DenyReason::kVendorBlocked,
               "acme");
  ExpectDenied(Spend("mkt-1", "0.10", "k2", "api.openai.com.evil.net"),
               DenyReason::kVendorNotAllowed, "marketing");
  ExpectDenied(Spend("mkt-1", "0.10", "k3", "evilapi.openai.com.attacker.io"),
               DenyReason::kVendorNotAllowed, "marketing");
  ExpectDenied(Spend("mkt-1", "0.10", "k4", "https://api.openai.com@evil.net/v1"),
               DenyReason::kVendorNotAllowed, "marketing");
  ExpectDenied(Spend("mkt-1", "0.10", "k5", "api.dataco.com", "Gambling"),
               DenyReason::kCategoryBlocked, "marketing");
  ExpectDenied(Spend("mkt-1", "1.50", "k6"), DenyReason::kPerSpendLimit, "mkt-1", Amt("1.00"));
  // The sibling agent is not bound by mkt-1's maximum.
  EXPECT_EQ(Spend("mkt-2", "1.50", "k7").status, OutcomeStatus::kApproved);
  EXPECT_EQ(Spend("mkt-1", "0.10", "k8", "HTTPS://API.OpenAI.com:443/v1/chat").status,
            OutcomeStatus::kApproved);
  EXPECT_EQ(Spend("mkt-1", "1.00", "k9").status, OutcomeStatus::kApproved);

  // Strictest wins: the org's lower maximum binds every agent.
  Put("acme", {.max_per_spend = Amt("0.50"), .vendors = {.block = {"evil.example"}}});
  const Outcome strict = Spend("mkt-1", "0.75", "k10");
  ExpectDenied(strict, DenyReason::kPerSpendLimit, "acme", Amt("0.50"));
  // The denial record carries the same explanation.
  const DenialRecord d = DenialOf(strict);
  EXPECT_EQ(d.denial.reason, DenyReason::kPerSpendLimit);
  EXPECT_EQ(d.denial.node, "acme");
  EXPECT_EQ(d.denial.limit, Amt("0.50"));
  EXPECT_EQ(d.amount, Amt("0.75"));
  // A block anywhere wins over an allow below it.
  Put("mkt-2", {.vendors = {.allow = {"evil.example"}}});
  ExpectDenied(Spend("mkt-2", "0.10", "k11", "evil.example"), DenyReason::kVendorBlocked, "acme");
  ExpectVerifies(*engine_);
}

TEST_P(PolicyTest, RollingWindowIsExactOverTheSubtree) {
  Put("marketing", {.windows = {{Amt("1.00"), 3600}}});
  EXPECT_EQ(Spend("mkt-1", "0.40", "k1").status, OutcomeStatus::kApproved);
  clock_.Advance(1800 * kSec);
  EXPECT_EQ(Spend("mkt-2", "0.40", "k2").status, OutcomeStatus::kApproved);
  const Outcome over = Spend("mkt-1", "0.30", "k3");
  ExpectDenied(over, DenyReason::kWindowLimit, "marketing", Amt("1.00"), Amt("0.80"), 3600);
  EXPECT_EQ(DenialOf(over).denial, *over.denial);
  EXPECT_EQ(Spend("mkt-1", "0.20", "k4").status, OutcomeStatus::kApproved);  // exactly 1.00
  // One microsecond before the first spend leaves the window: still full.
  clock_.Set(kT0 + 3600 * kSec - 1);
  ExpectDenied(Spend("mkt-1", "0.01", "k5"), DenyReason::kWindowLimit, "marketing", Amt("1.00"),
               Amt("1.00"), 3600);
  clock_.Set(kT0 + 3600 * kSec);  // (now − 3600 s, now]: the first spend is out
  EXPECT_EQ(Spend("mkt-1", "0.40", "k6").status, OutcomeStatus::kApproved);
  ExpectDenied(Spend("mkt-2", "0.01", "k7"), DenyReason::kWindowLimit, "marketing", Amt("1.00"),
               Amt("1.00"), 3600);

  // A hold counts when taken; voiding it does not give the room back.
  clock_.Advance(7200 * kSec);
  HoldRequest hold{MakeSpend("mkt-1", "0.70", "h1"), 60 * kSec};
  auto held = engine_->Hold(hold);
  ASSERT_TRUE(held.ok());
  ASSERT_EQ(held->outcome.status, OutcomeStatus::kHeld);
  ExpectDenied(Spend("mkt-1", "0.40", "k8"), DenyReason::kWindowLimit, "marketing", Amt("1.00"),
               Amt("0.70"), 3600);
  ASSERT_TRUE(engine_->Void("acme", held->outcome.id).ok());
  ExpectDenied(Spend("mkt-1", "0.40", "k9"), DenyReason::kWindowLimit, "marketing", Amt("1.00"),
               Amt("0.70"), 3600);
  EXPECT_EQ(Spend("mkt-1", "0.30", "k10").status, OutcomeStatus::kApproved);
  ExpectVerifies(*engine_);
}

TEST_P(PolicyTest, WindowsInABatchAreDecidedAgainstTheRunningSum) {
  Put("acme", {.windows = {{Amt("1.00"), 60}}});
  std::vector<SpendRequest> batch;
  for (int i = 0; i < 5; ++i) batch.push_back(MakeSpend("mkt-1", "0.30", "b" + std::to_string(i)));
  auto results = engine_->SpendBatch(batch);
  ASSERT_EQ(results.size(), 5u);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(results[static_cast<std::size_t>(i)].ok());
    EXPECT_EQ(results[static_cast<std::size_t>(i)]->outcome.status, OutcomeStatus::kApproved);
  }
  for (int i = 3; i < 5; ++i) {
    ASSERT_TRUE(results[static_cast<std::size_t>(i)].ok());
    ExpectDenied(results[static_cast<std::size_t>(i)]->outcome, DenyReason::kWindowLimit, "acme",
                 Amt("1.00"), Amt("0.90"), 60);
  }
  ExpectVerifies(*engine_);
}

TEST_P(PolicyTest, VelocityBreakerFreezesOnceAndOnlyAnUnfreezeLiftsIt) {
  Put("marketing", {.velocity = Velocity{.max_spends = 3, .seconds = 60}});
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Spend("mkt-1", "0.10", "k" + std::to_string(i)).status, OutcomeStatus::kApproved);
  }
  ExpectDenied(Spend("mkt-1", "0.10", "k3"), DenyReason::kVelocityTripped, "marketing", 3, 3, 60);
  auto row = engine_->GetNode("acme", "mkt-1");
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_TRUE((*row)->node.frozen);
  EXPECT_NE((*row)->node.frozen_reason.find("velocity"), std::string::npos);
  ExpectDenied(Spend("mkt-1", "0.10", "k4"), DenyReason::kAgentFrozen, "mkt-1");
  // The sibling counts its own spends.
  EXPECT_EQ(Spend("mkt-2", "0.10", "k5").status, OutcomeStatus::kApproved);
  // The time passing does not unfreeze; an admin does.
  clock_.Advance(120 * kSec);
  ExpectDenied(Spend("mkt-1", "0.10", "k6"), DenyReason::kAgentFrozen, "mkt-1");
  auto frozen = ConfigReceipts(kActionAgentFrozen);
  ASSERT_EQ(frozen.size(), 1u);
  EXPECT_EQ(frozen[0]["actor"], "system");
  EXPECT_EQ(frozen[0]["node"], "mkt-1");
  ASSERT_TRUE(engine_->SetFrozen("acme", "mkt-1", false, "reviewed", "key_admin").ok());
  EXPECT_EQ(Spend("mkt-1", "0.10", "k7").status, OutcomeStatus::kApproved);
  auto unfrozen = ConfigReceipts(kActionAgentUnfrozen);
  ASSERT_EQ(unfrozen.size(), 1u);
  EXPECT_EQ(unfrozen[0]["actor"], "key_admin");
  EXPECT_EQ(unfrozen[0]["reason"], "reviewed");

  // By amount.
  Put("mkt-2", {.velocity = Velocity{.max_amount = Amt("0.50"), .seconds = 10}});
  EXPECT_EQ(Spend("mkt-2", "0.45", "a1").status, OutcomeStatus::kApproved);
  ExpectDenied(Spend("mkt-2", "0.10", "a2"), DenyReason::kVelocityTripped, "mkt-2", Amt("0.50"),
               Amt("0.45"), 10);
  ExpectVerifies(*engine_);
}

TEST_P(PolicyTest, VelocityInABatchFreezesOnce) {
  Put("acme", {.velocity = Velocity{.max_spends = 2, .seconds = 60}});
  std::vector<SpendRequest> batch;
  for (int i = 0; i < 4; ++i) batch.push_back(MakeSpend("mkt-1", "0.10", "b" + std::to_string(i)));
  auto results = engine_->SpendBatch(batch);
  ASSERT_EQ(results.size(), 4u);
  for (const auto& r : results) ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(results[0]->outcome.status, OutcomeStatus::kApproved);
  EXPECT_EQ(results[1]->outcome.status, OutcomeStatus::kApproved);
  ExpectDenied(results[2]->outcome, DenyReason::kVelocityTripped, "acme", 2, 2, 60);
  ExpectDenied(results[3]->outcome, DenyReason::kAgentFrozen, "mkt-1");
  EXPECT_EQ(ConfigReceipts(kActionAgentFrozen).size(), 1u);
  ExpectVerifies(*engine_);
}

TEST_P(PolicyTest, FreezeAndKillSwitchAreAuditedAndEnforced) {
  ASSERT_TRUE(engine_->SetFrozen("acme", "mkt-1", true, "runaway loop", "key_admin").ok());
  ExpectDenied(Spend("mkt-1", "0.10", "k1"), DenyReason::kAgentFrozen, "mkt-1");
  EXPECT_EQ(Spend("mkt-2", "0.10", "k2").status, OutcomeStatus::kApproved);
  // Freezing again changes nothing and records nothing.
  ASSERT_TRUE(engine_->SetFrozen("acme", "mkt-1", true, "again", "key_admin").ok());
  EXPECT_EQ(ConfigReceipts(kActionAgentFrozen).size(), 1u);
  // A PUT of the agent does not unfreeze it.
  Node agent{.id = "mkt-1", .kind = NodeKind::kAgent, .parent = "marketing"};
  ASSERT_TRUE(engine_->PutNode("acme", agent).ok());
  ExpectDenied(Spend("mkt-1", "0.10", "k3"), DenyReason::kAgentFrozen, "mkt-1");
  EXPECT_EQ(engine_->SetFrozen("acme", "acme", true, "", "key_admin").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(engine_->SetFrozen("acme", "ghost", true, "", "key_admin").status().code(),
            StatusCode::kNotFound);

  auto engaged = engine_->SetKillSwitch("acme", true, "incident 42", "key_admin");
  ASSERT_TRUE(engaged.ok());
  EXPECT_TRUE(engaged->kill_switch);
  ExpectDenied(Spend("mkt-2", "0.10", "k4"), DenyReason::kKillSwitch, "acme");
  HoldRequest hold{MakeSpend("mkt-2", "0.10", "h1"), 60 * kSec};
  auto held = engine_->Hold(hold);
  ASSERT_TRUE(held.ok());
  ExpectDenied(held->outcome, DenyReason::kKillSwitch, "acme");
  ASSERT_TRUE(engine_->SetKillSwitch("acme", false, "", "key_admin").ok());
  EXPECT_EQ(Spend("mkt-2", "0.10", "k5").status, OutcomeStatus::kApproved);

  // Holds taken before the switch: a plain one is not captured while it is
  // engaged; one covering money already gone (a gateway call made) is, so
  // the books record what was spent, exactly.
  auto plain = engine_->Hold({MakeSpend("mkt-2", "0.20", "h2"), 60 * kSec});
  auto made = engine_->Hold(
      {.spend = MakeSpend("mkt-2", "0.30", "h3"), .ttl = 60 * kSec, .capture_on_expiry = true});
  ASSERT_TRUE(plain.ok() && made.ok());
  ASSERT_EQ(plain->outcome.status, OutcomeStatus::kHeld);
  ASSERT_EQ(made->outcome.status, OutcomeStatus::kHeld);
  ASSERT_TRUE(engine_->SetKillSwitch("acme", true, "incident 43", "key_admin").ok());
  EXPECT_EQ(engine_->Capture({.org = "acme", .hold_id = plain->outcome.id, .amount = Amt("0.2")})
                .status()
                .reason(),
            "kill_switch");
  auto booked =
      engine_->Capture({.org = "acme", .hold_id = made->outcome.id, .amount = Amt("0.05")});
  ASSERT_TRUE(booked.ok()) << booked.status().ToString();
  EXPECT_EQ(booked->outcome.status, OutcomeStatus::kApproved);
  EXPECT_EQ(booked->outcome.amount, Amt("0.05"));
  ExpectDenied(Spend("mkt-2", "0.10", "k6"), DenyReason::kKillSwitch, "acme");
  // Voiding either is always allowed: it releases money.
  ASSERT_TRUE(engine_->Void("acme", plain->outcome.id).ok());
  ASSERT_TRUE(engine_->SetKillSwitch("acme", false, "", "key_admin").ok());

  auto ks = ConfigReceipts(kActionKillSwitchEngaged);
  ASSERT_EQ(ks.size(), 2u);
  EXPECT_EQ(ks[0]["reason"], "incident 42");
  EXPECT_EQ(ks[0]["old"], false);
  EXPECT_EQ(ks[0]["new"], true);
  EXPECT_EQ(ConfigReceipts(kActionKillSwitchReleased).size(), 2u);
  ExpectVerifies(*engine_);
}

TEST_P(PolicyTest, EveryPolicyAndLimitChangeIsInTheVerifiedChain) {
  Put("marketing", {.max_per_spend = Amt("2.00")});
  Put("marketing", {.max_per_spend = Amt("2.00")});  // the same: no record
  Put("marketing", {.max_per_spend = Amt("3.00"), .categories = {.allow = {"LLM"}}});
  auto changes = ConfigReceipts(kActionPolicyUpdated);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0]["actor"], "key_admin");
  EXPECT_EQ(changes[0]["node"], "marketing");
  EXPECT_EQ(changes[0]["old"], nlohmann::json::object());
  EXPECT_EQ(changes[0]["new"], nlohmann::json({{"max_per_spend", "2"}}));
  EXPECT_EQ(changes[1]["old"], nlohmann::json({{"max_per_spend", "2"}}));
  EXPECT_EQ(changes[1]["new"]["categories"]["allow"], nlohmann::json({"llm"}));

  Node team{.id = "marketing", .kind = NodeKind::kTeam, .parent = "acme"};
  team.limits = {{Amt("50"), Period::kMonth}};
  ASSERT_TRUE(engine_->PutNode("acme", team, "key_admin").ok());
  auto limits = ConfigReceipts(kActionLimitsUpdated);
  ASSERT_EQ(limits.size(), 1u);
  EXPECT_EQ(limits[0]["old"], nlohmann::json::array());
  EXPECT_EQ(limits[0]["new"], nlohmann::json::parse(R"([{"amount":"50","period":"month"}])"));

  // Config entries move no money and chain like every entry.
  for (const Entry& e : Journal()) {
    if (e.kind != EntryKind::kConfig) continue;
    EXPECT_TRUE(e.lines.empty());
    EXPECT_EQ(e.amount, 0);
    EXPECT_EQ(e.receipt_hash, ReceiptHash(e.receipt));
  }
  auto stored = engine_->GetNode("acme", "marketing");
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->policy->max_per_spend, Amt("3.00"));
  EXPECT_EQ((*stored)->policy->categories.allow, std::vector<std::string>{"llm"});
  // Invalid policies change nothing.
  EXPECT_EQ(
      engine_->PutPolicy("acme", "marketing", {.max_per_spend = 0}, "key_admin").status().code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(engine_->PutPolicy("acme", "ghost", {}, "key_admin").status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(ConfigReceipts(kActionPolicyUpdated).size(), 2u);
  ExpectVerifies(*engine_);
}

TEST_P(PolicyTest, PolicyDenialsComeAfterFreezesAndBeforeTheBudget) {
  Node team{.id = "marketing", .kind = NodeKind::kTeam, .parent = "acme"};
  team.limits = {{Amt("0.50"), Period::kDay}};
  ASSERT_TRUE(engine_->PutNode("acme", team).ok());
  Put("mkt-1", {.max_per_spend = Amt("1.00")});
  ExpectDenied(Spend("mkt-1", "2.00", "k1"), DenyReason::kPerSpendLimit, "mkt-1", Amt("1.00"));
  ASSERT_EQ(Spend("mkt-1", "0.60", "k2").status, OutcomeStatus::kDenied);
  ASSERT_TRUE(engine_->SetFrozen("acme", "mkt-1", true, "x", "key_admin").ok());
  ExpectDenied(Spend("mkt-1", "2.00", "k3"), DenyReason::kAgentFrozen, "mkt-1");
}

TEST_P(PolicyTest, ApprovalsHoldThenCaptureReleaseOrExpire) {
  Node team{.id = "marketing", .kind = NodeKind::kTeam, .parent = "acme"};
  team.limits = {{Amt("100"), Period::kMonth}};
  ASSERT_TRUE(engine_->PutNode("acme", team).ok());
  Put("marketing", {.approval_over = Amt("10.00")});
  Put("acme", {.approval_over = Amt("5.00")});  // the least threshold on the path wins
  EXPECT_EQ(Spend("mkt-1", "5.00", "k0").status, OutcomeStatus::kApproved);
  const Outcome pending = Spend("mkt-1", "6.00", "k1");
  ASSERT_EQ(pending.status, OutcomeStatus::kPendingApproval);
  EXPECT_TRUE(IsApprovalId(pending.id)) << pending.id;
  EXPECT_EQ(pending.expires_at, kT0 + kApprovalTtl);
  auto row = engine_->GetNode("acme", "marketing");
  EXPECT_EQ(CurrentBalance((*row)->balances, Period::kMonth, kT0).held, Amt("6.00"));
  auto listed = engine_->ListApprovals("acme", ApprovalStatus::kPending, 10);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].node, "acme");
  EXPECT_EQ((*listed)[0].over, Amt("5.00"));
  EXPECT_EQ((*listed)[0].amount, Amt("6.00"));
  // Not through the hold paths.
  EXPECT_EQ(engine_->Capture({.org = "acme", .hold_id = pending.id, .amount = Amt("6")})
                .status()
                .reason(),
            "hold_not_pending");
  EXPECT_EQ(engine_->Void("acme", pending.id).status().reason(), "hold_not_pending");
  // Not while the kill-switch is engaged.
  ASSERT_TRUE(engine_->SetKillSwitch("acme", true, "", "key_admin").ok());
  EXPECT_EQ(engine_->DecideApproval("acme", pending.id, true, "", "key_ap").status().reason(),
            "kill_switch");
  ASSERT_TRUE(engine_->SetKillSwitch("acme", false, "", "key_admin").ok());

  auto approved = engine_->DecideApproval("acme", pending.id, true, "ok", "key_ap");
  ASSERT_TRUE(approved.ok()) << approved.status().ToString();
  EXPECT_EQ(approved->approval.status, ApprovalStatus::kApproved);
  EXPECT_EQ(approved->approval.decided_by, "key_ap");
  EXPECT_EQ(approved->spend.status, OutcomeStatus::kApproved);
  EXPECT_EQ(approved->spend.amount, Amt("6.00"));
  row = engine_->GetNode("acme", "marketing");
  EXPECT_EQ(CurrentBalance((*row)->balances, Period::kMonth, kT0).held, 0);
  EXPECT_EQ(CurrentBalance((*row)->balances, Period::kMonth, kT0).spent, Amt("11.00"));
  auto twice = engine_->DecideApproval("acme", pending.id, false, "", "key_ap");
  EXPECT_EQ(twice.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(twice.status().reason(), "approval_not_pending");

  const Outcome second = Spend("mkt-1", "7.00", "k2");
  ASSERT_EQ(second.status, OutcomeStatus::kPendingApproval);
  auto denied = engine_->DecideApproval("acme", second.id, false, "no", "key_ap");
  ASSERT_TRUE(denied.ok());
  EXPECT_EQ(denied->approval.status, ApprovalStatus::kDenied);
  row = engine_->GetNode("acme", "marketing");
  EXPECT_EQ(CurrentBalance((*row)->balances, Period::kMonth, kT0).held, 0);

  // A hold asking to be captured at its expiry (as the LLM gateway's do):
  // over the threshold it is an approval's hold, released when it expires.
  auto third_hold = engine_->Hold({.spend = MakeSpend("mkt-1", "8.00", "k3"),
                                   .ttl = kDefaultHoldTtl,
                                   .capture_on_expiry = true});
  ASSERT_TRUE(third_hold.ok()) << third_hold.status().ToString();
  const Outcome third = third_hold->outcome;
  ASSERT_EQ(third.status, OutcomeStatus::kPendingApproval);
  clock_.Advance(kApprovalTtl);
  auto listed_expired = engine_->ListApprovals("acme", ApprovalStatus::kExpired, 10);
  ASSERT_TRUE(listed_expired.ok());
  ASSERT_EQ(listed_expired->size(), 1u);  // expired as of now, before any sweep
  auto late = engine_->DecideApproval("acme", third.id, true, "", "key_ap");
  EXPECT_EQ(late.status().reason(), "approval_not_pending");
  auto stored = engine_->GetApproval("acme", third.id);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->status, ApprovalStatus::kExpired);
  EXPECT_EQ((*stored)->decided_by, "system");
  row = engine_->GetNode("acme", "marketing");
  EXPECT_EQ(CurrentBalance((*row)->balances, Period::kMonth, clock_.Now()).held, 0);
  EXPECT_EQ(CurrentBalance((*row)->balances, Period::kMonth, kT0).spent, Amt("11.00"));

  auto decided = ConfigReceipts(kActionApprovalDecided);
  ASSERT_EQ(decided.size(), 3u);
  EXPECT_EQ(decided[0]["new"], "approved");
  EXPECT_EQ(decided[1]["new"], "denied");
  EXPECT_EQ(decided[2]["new"], "expired");
  EXPECT_EQ(ConfigReceipts(kActionApprovalRequested).size(), 3u);
  // A replay of the pending request answers the same approval.
  auto replay = engine_->Spend(MakeSpend("mkt-1", "6.00", "k1"));
  ASSERT_TRUE(replay.ok());
  EXPECT_TRUE(replay->replayed);
  EXPECT_EQ(replay->outcome.id, pending.id);
  ExpectVerifies(*engine_);
}

INSTANTIATE_TEST_SUITE_P(Stores, PolicyTest,
                         ::testing::Values(TestStore::kMemory, TestStore::kMemorySerializable,
                                           TestStore::kSqlite, TestStore::kPostgres),
                         testing::TestStoreName);

}  // namespace
}  // namespace stub
