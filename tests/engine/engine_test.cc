#include "engine/engine.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/canonical_json.h"
#include "engine/ledger_ops.h"
#include "engine_fixture.h"
#include "store/memory/memory_store.h"

namespace stub {
namespace {

using testing::Amt;
using testing::ExpectVerifies;
using testing::HeadSeq;
using testing::MakeSpend;
using testing::MakeTree;

using testing::kNov28;

class EngineTest : public ::testing::Test {
 protected:
  EngineTest() : clock_(kNov28), engine_(store_, clock_) {}

  Micros Spent(std::string_view node, Period p) {
    auto row = engine_.GetNode("acme", node);
    EXPECT_TRUE(row.ok() && row->has_value());
    return CurrentBalance((*row)->balances, p, clock_.Now()).spent;
  }
  Micros Held(std::string_view node, Period p) {
    auto row = engine_.GetNode("acme", node);
    EXPECT_TRUE(row.ok() && row->has_value());
    return CurrentBalance((*row)->balances, p, clock_.Now()).held;
  }
  MemoryStore store_;
  ManualClock clock_;
  Engine engine_;
};

TEST_F(EngineTest, ClockIsTheOneInTheTest) {
  EXPECT_EQ(FormatRfc3339(kNov28), "2026-11-28T10:00:00Z");
}

TEST_F(EngineTest, ApprovesWithinEveryLimitAndChargesEveryAncestor) {
  MakeTree(engine_, {{Amt("100"), Period::kMonth}}, {{Amt("10"), Period::kDay}},
           {{Amt("5"), Period::kDay}, {Amt("3"), Period::kTotal}});
  const std::uint64_t base = HeadSeq(engine_);  // the limits' config entries
  EXPECT_EQ(base, 3u);
  auto r = engine_.Spend(MakeSpend("mkt-1", "0.25", "k1"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->replayed);
  EXPECT_EQ(r->outcome.status, OutcomeStatus::kApproved);
  EXPECT_EQ(r->outcome.amount, Amt("0.25"));
  EXPECT_EQ(r->outcome.entry_seq, base + 1);
  EXPECT_EQ(r->outcome.entry_hash.size(), 64u);
  ASSERT_TRUE(r->outcome.effective_remaining.has_value());
  EXPECT_EQ(*r->outcome.effective_remaining, Amt("2.75"));  // agent total 3 − 0.25
  ASSERT_TRUE(r->outcome.binding.has_value());
  EXPECT_EQ(r->outcome.binding->node, "mkt-1");
  EXPECT_EQ(r->outcome.binding->period, Period::kTotal);
  EXPECT_EQ(r->outcome.id.rfind("sp_", 0), 0u);

  for (const char* node : {"mkt-1", "marketing", "acme"}) {
    EXPECT_EQ(Spent(node, Period::kDay), Amt("0.25")) << node;
    EXPECT_EQ(Spent(node, Period::kTotal), Amt("0.25")) << node;
    EXPECT_EQ(Spent(node, Period::kMonth), Amt("0.25")) << node;
  }
  ExpectVerifies(engine_);
}

TEST_F(EngineTest, DeniesAtTheBindingLimitAndRecordsTheDenial) {
  MakeTree(engine_, {{Amt("100"), Period::kMonth}}, {{Amt("1"), Period::kDay}},
           {{Amt("5"), Period::kDay}});
  ASSERT_TRUE(engine_.Spend(MakeSpend("mkt-1", "0.8", "k1")).ok());
  auto r = engine_.Spend(MakeSpend("mkt-1", "0.3", "k2"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->outcome.status, OutcomeStatus::kDenied);
  ASSERT_TRUE(r->outcome.denial.has_value());
  EXPECT_EQ(r->outcome.denial->reason, DenyReason::kBudgetExceeded);
  EXPECT_EQ(r->outcome.denial->node, "marketing");
  EXPECT_EQ(r->outcome.denial->period, Period::kDay);
  EXPECT_EQ(r->outcome.denial->limit, Amt("1"));
  EXPECT_EQ(r->outcome.denial->used, Amt("0.8"));
  EXPECT_EQ(r->outcome.id.rfind("dn_", 0), 0u);
  EXPECT_EQ(Spent("marketing", Period::kDay), Amt("0.8"));

  auto txn = store_.Begin({.read_only = true});
  ASSERT_TRUE(txn.ok());
  auto denials = (*txn)->ListDenials("acme", 10);
  ASSERT_TRUE(denials.ok());
  ASSERT_EQ(denials->size(), 1u);
  EXPECT_EQ((*denials)[0].denial.reason, DenyReason::kBudgetExceeded);
  EXPECT_EQ((*denials)[0].amount, Amt("0.3"));
  EXPECT_EQ((*denials)[0].idempotency_key, "k2");
  EXPECT_EQ((*denials)[0].id, r->outcome.id);

  // Exactly what fits is still approved.
  auto fits = engine_.Spend(MakeSpend("mkt-1", "0.2", "k3"));
  ASSERT_TRUE(fits.ok());
  EXPECT_EQ(fits->outcome.status, OutcomeStatus::kApproved);
  EXPECT_EQ(*fits->outcome.effective_remaining, 0);
  ExpectVerifies(engine_);
}

TEST_F(EngineTest, ReplayReturnsTheFirstOutcomeAndReusedKeyIsRefused) {
  MakeTree(engine_, {{Amt("1"), Period::kTotal}}, {}, {});
  auto first = engine_.Spend(MakeSpend("mkt-1", "0.6", "same"));
  ASSERT_TRUE(first.ok());
  auto again = engine_.Spend(MakeSpend("mkt-1", "0.6", "same"));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->outcome, first->outcome);
  EXPECT_EQ(Spent("acme", Period::kTotal), Amt("0.6"));  // one effect

  // A denial is replayed too, even after room appears elsewhere.
  auto denied = engine_.Spend(MakeSpend("mkt-1", "0.5", "d"));
  ASSERT_TRUE(denied.ok());
  ASSERT_EQ(denied->outcome.status, OutcomeStatus::kDenied);
  auto denied_again = engine_.Spend(MakeSpend("mkt-1", "0.5", "d"));
  ASSERT_TRUE(denied_again.ok());
  EXPECT_TRUE(denied_again->replayed);
  EXPECT_EQ(denied_again->outcome, denied->outcome);

  SpendRequest different = MakeSpend("mkt-1", "0.61", "same");
  auto reused = engine_.Spend(different);
  ASSERT_FALSE(reused.ok());
  EXPECT_EQ(reused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(reused.status().reason(), "idempotency_key_reused");
  different = MakeSpend("mkt-1", "0.6", "same");
  different.intent = "something else";
  EXPECT_EQ(engine_.Spend(different).status().reason(), "idempotency_key_reused");
  ExpectVerifies(engine_);
}

TEST_F(EngineTest, RefusesBadRequestsAndChangesNothing) {
  MakeTree(engine_, {{Amt("1"), Period::kTotal}}, {}, {});
  SpendRequest unknown_agent = MakeSpend("nobody", "0.1", "k");
  EXPECT_EQ(engine_.Spend(unknown_agent).status().code(), StatusCode::kNotFound);
  SpendRequest team_as_agent = MakeSpend("marketing", "0.1", "k");
  EXPECT_EQ(engine_.Spend(team_as_agent).status().code(), StatusCode::kNotFound);
  SpendRequest unknown_org = MakeSpend("mkt-1", "0.1", "k", "globex");
  EXPECT_EQ(engine_.Spend(unknown_org).status().code(), StatusCode::kNotFound);
  SpendRequest zero = MakeSpend("mkt-1", "0", "k");
  EXPECT_EQ(engine_.Spend(zero).status().reason(), "invalid_amount");
  SpendRequest negative = MakeSpend("mkt-1", "0.1", "k");
  negative.amount = -1;
  EXPECT_EQ(engine_.Spend(negative).status().reason(), "invalid_amount");
  SpendRequest no_key = MakeSpend("mkt-1", "0.1", "");
  EXPECT_EQ(engine_.Spend(no_key).status().reason(), "invalid_request");
  SpendRequest long_key = MakeSpend("mkt-1", "0.1", std::string(256, 'k'));
  EXPECT_EQ(engine_.Spend(long_key).status().reason(), "invalid_request");
  SpendRequest no_vendor = MakeSpend("mkt-1", "0.1", "k");
  no_vendor.vendor.clear();
  EXPECT_EQ(engine_.Spend(no_vendor).status().reason(), "invalid_request");
  for (const char* vendor : {"evil com", "api..openai.com", "*.openai.com", "https://"}) {
    SpendRequest bad_vendor = MakeSpend("mkt-1", "0.1", "k");
    bad_vendor.vendor = vendor;
    EXPECT_EQ(engine_.Spend(bad_vendor).status().reason(), "invalid_request") << vendor;
    EXPECT_EQ(engine_.SpendBatch(std::vector{bad_vendor})[0].status().reason(), "invalid_request")
        << vendor;
  }

  auto report = engine_.Verify("acme");
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->entries, HeadSeq(engine_));  // the tree's limit changes only
  {
    auto read = store_.Begin({.read_only = true});
    ASSERT_TRUE(read.ok());
    auto entries = (*read)->ListEntries("acme", 0, 100);
    ASSERT_TRUE(entries.ok());
    for (const Entry& e : *entries) EXPECT_EQ(e.kind, EntryKind::kConfig);
  }
  EXPECT_EQ(Spent("acme", Period::kTotal), 0);
  auto txn = store_.Begin({.read_only = true});
  EXPECT_EQ((*txn)->ListDenials("acme", 10)->size(), 0u);
}

// Vendors are booked in one normal form whatever way the caller wrote them,
// so a replay written differently is still the same request.
TEST_F(EngineTest, VendorsAreNormalisedBeforeTheyAreBooked) {
  MakeTree(engine_, {}, {}, {});
  SpendRequest url = MakeSpend("mkt-1", "0.1", "k1");
  url.vendor = "HTTPS://API.OpenAI.com:443/v1/chat";
  auto first = engine_.Spend(url);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  SpendRequest plain = MakeSpend("mkt-1", "0.1", "k1");
  plain.vendor = "api.openai.com.";
  auto replay = engine_.Spend(plain);
  ASSERT_TRUE(replay.ok());
  EXPECT_TRUE(replay->replayed);
  SpendRequest batched = MakeSpend("mkt-1", "0.1", "k2");
  batched.vendor = "Bücher.example";
  ASSERT_TRUE(engine_.SpendBatch(std::vector{batched})[0].ok());
  auto txn = store_.Begin({.read_only = true});
  auto entries = (*txn)->ListEntries("acme", 0, 10);
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0].vendor, "api.openai.com");
  EXPECT_EQ((*entries)[1].vendor, "xn--bcher-kva.example");
  ExpectVerifies(engine_);
}

TEST_F(EngineTest, ANewPeriodStartsAtZeroWithoutAResetJob) {
  MakeTree(engine_, {}, {{Amt("1"), Period::kMonth}}, {});
  clock_.Set(MakeTimestamp(2026, 11, 30, 23, 59, 59));
  ASSERT_EQ(engine_.Spend(MakeSpend("mkt-1", "1", "nov")).value().outcome.status,
            OutcomeStatus::kApproved);
  EXPECT_EQ(engine_.Spend(MakeSpend("mkt-1", "0.01", "nov2")).value().outcome.status,
            OutcomeStatus::kDenied);
  clock_.Set(MakeTimestamp(2026, 12, 1));
  auto dec = engine_.Spend(MakeSpend("mkt-1", "1", "dec"));
  ASSERT_TRUE(dec.ok());
  EXPECT_EQ(dec->outcome.status, OutcomeStatus::kApproved);
  EXPECT_EQ(Spent("marketing", Period::kMonth), Amt("1"));
  EXPECT_EQ(Spent("marketing", Period::kTotal), Amt("2"));
  ExpectVerifies(engine_);
}

TEST_F(EngineTest, HoldReservesThenCaptureBooksAtMostTheHeldAmount) {
  MakeTree(engine_, {{Amt("1"), Period::kTotal}}, {}, {});
  HoldRequest hold{MakeSpend("mkt-1", "0.7", "h1"), 60 * kMicrosPerSecond};
  auto held = engine_.Hold(hold);
  ASSERT_TRUE(held.ok());
  EXPECT_EQ(held->outcome.status, OutcomeStatus::kHeld);
  EXPECT_EQ(held->outcome.expires_at, kNov28 + 60 * kMicrosPerSecond);
  EXPECT_EQ(held->outcome.id.rfind("hd_", 0), 0u);
  EXPECT_EQ(Held("acme", Period::kTotal), Amt("0.7"));
  EXPECT_EQ(*held->outcome.effective_remaining, Amt("0.3"));

  // The hold counts against the budget while pending.
  EXPECT_EQ(engine_.Spend(MakeSpend("mkt-1", "0.4", "s1")).value().outcome.status,
            OutcomeStatus::kDenied);

  const std::string id = held->outcome.id;
  auto too_much = engine_.Capture({"acme", id, Amt("0.71"), ""});
  EXPECT_EQ(too_much.status().reason(), "capture_exceeds_hold");

  auto receipt = CanonicalizeReceipt(R"({"tx":"0xabc","network":"base"})");
  ASSERT_TRUE(receipt.ok());
  auto captured = engine_.Capture({"acme", id, Amt("0.5"), *receipt});
  ASSERT_TRUE(captured.ok()) << captured.status().ToString();
  EXPECT_EQ(captured->outcome.status, OutcomeStatus::kApproved);
  EXPECT_EQ(captured->outcome.amount, Amt("0.5"));
  EXPECT_EQ(*captured->outcome.effective_remaining, Amt("0.5"));
  EXPECT_EQ(Held("acme", Period::kTotal), 0);
  EXPECT_EQ(Spent("acme", Period::kTotal), Amt("0.5"));

  auto twice = engine_.Capture({"acme", id, Amt("0.1"), ""});
  EXPECT_EQ(twice.status().reason(), "hold_not_pending");
  EXPECT_EQ(engine_.Void("acme", id).status().reason(), "hold_not_pending");

  auto stored = engine_.GetHold("acme", id);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->status, HoldStatus::kCaptured);
  EXPECT_EQ((*stored)->captured, Amt("0.5"));
  EXPECT_EQ((*stored)->spend_id, captured->outcome.id);
  ExpectVerifies(engine_);
}

TEST_F(EngineTest, VoidReleasesTheReservationOnce) {
  MakeTree(engine_, {{Amt("1"), Period::kTotal}}, {}, {});
  auto held = engine_.Hold({MakeSpend("mkt-1", "1", "h1"), 60 * kMicrosPerSecond});
  ASSERT_TRUE(held.ok());
  auto voided = engine_.Void("acme", held->outcome.id);
  ASSERT_TRUE(voided.ok());
  EXPECT_EQ(voided->status, HoldStatus::kVoided);
  EXPECT_EQ(Held("acme", Period::kTotal), 0);
  EXPECT_EQ(engine_.Void("acme", held->outcome.id).status().reason(), "hold_not_pending");
  EXPECT_EQ(engine_.Capture({"acme", held->outcome.id, Amt("1"), ""}).status().reason(),
            "hold_not_pending");
  EXPECT_EQ(engine_.Void("acme", "hd_missing").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(engine_.Spend(MakeSpend("mkt-1", "1", "s")).value().outcome.status,
            OutcomeStatus::kApproved);
  ExpectVerifies(engine_);
}

TEST_F(EngineTest, AnExpiredHoldStopsCountingBeforeAnySweeperRuns) {
  MakeTree(engine_, {{Amt("1"), Period::kTotal}}, {}, {});
  const std::uint64_t base = HeadSeq(engine_);
  auto held = engine_.Hold({MakeSpend("mkt-1", "0.9", "h1"), 10 * kMicrosPerSecond});
  ASSERT_TRUE(held.ok());
  EXPECT_EQ(engine_.Spend(MakeSpend("mkt-1", "0.5", "s1")).value().outcome.status,
            OutcomeStatus::kDenied);

  clock_.Advance(10 * kMicrosPerSecond);  // exactly at expiry: due
  EXPECT_EQ(engine_.Capture({"acme", held->outcome.id, Amt("0.1"), ""}).status().reason(),
            "hold_not_pending");
  auto after = engine_.Spend(MakeSpend("mkt-1", "0.5", "s2"));
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->outcome.status, OutcomeStatus::kApproved);
  auto stored = engine_.GetHold("acme", held->outcome.id);
  EXPECT_EQ((*stored)->status, HoldStatus::kExpired);
  EXPECT_EQ(Held("acme", Period::kTotal), 0);
  EXPECT_EQ(Spent("acme", Period::kTotal), Amt("0.5"));

  // The expiry is in the journal: hold, expire, spend.
  auto txn = store_.Begin({.read_only = true});
  auto entries = (*txn)->ListEntries("acme", base, 10);
  ASSERT_EQ(entries->size(), 3u);
  EXPECT_EQ((*entries)[0].kind, EntryKind::kHold);
  EXPECT_EQ((*entries)[1].kind, EntryKind::kExpire);
  EXPECT_EQ((*entries)[1].released, Amt("0.9"));
  EXPECT_EQ((*entries)[2].kind, EntryKind::kSpend);
  ExpectVerifies(engine_);
}

// A hold whose money may be gone already (the LLM gateway's) is booked in
// full at its expiry when its real cost never arrived — by the sweeper or by
// the next spend that would count it, whichever comes first.
TEST_F(EngineTest, AHoldCapturedOnExpiryIsBookedInFullWhenItsTimeIsUp) {
  MakeTree(engine_, {{Amt("1"), Period::kTotal}}, {}, {});
  const std::uint64_t base = HeadSeq(engine_);
  auto held = engine_.Hold({.spend = MakeSpend("mkt-1", "0.6", "h1"),
                            .ttl = 10 * kMicrosPerSecond,
                            .capture_on_expiry = true});
  ASSERT_TRUE(held.ok()) << held.status().ToString();
  auto plain =
      engine_.Hold({.spend = MakeSpend("mkt-1", "0.3", "h2"), .ttl = 20 * kMicrosPerSecond});
  ASSERT_TRUE(plain.ok());
  auto stored = engine_.GetHold("acme", held->outcome.id);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_TRUE((*stored)->capture_on_expiry);

  clock_.Advance(10 * kMicrosPerSecond);
  // The first hold is spent now, the second still held.
  auto over = engine_.Spend(MakeSpend("mkt-1", "0.5", "s1"));
  ASSERT_TRUE(over.ok());
  EXPECT_EQ(over->outcome.status, OutcomeStatus::kDenied);
  EXPECT_EQ(over->outcome.denial->used, Amt("0.9"));
  EXPECT_EQ(Spent("acme", Period::kTotal), Amt("0.6"));
  EXPECT_EQ(Held("acme", Period::kTotal), Amt("0.3"));
  stored = engine_.GetHold("acme", held->outcome.id);
  EXPECT_EQ((*stored)->status, HoldStatus::kCaptured);
  EXPECT_EQ((*stored)->captured, Amt("0.6"));
  EXPECT_FALSE((*stored)->spend_id.empty());

  auto txn = store_.Begin({.read_only = true});
  auto entries = (*txn)->ListEntries("acme", base, 10);
  ASSERT_EQ(entries->size(), 3u);  // hold, hold, capture (the denial is no entry)
  EXPECT_EQ((*entries)[2].kind, EntryKind::kCapture);
  EXPECT_EQ((*entries)[2].ref, (*stored)->spend_id);
  EXPECT_EQ((*entries)[2].amount, Amt("0.6"));
  EXPECT_EQ((*entries)[2].receipt, kSettledAtExpiryReceipt);
  // A plain hold still just expires.
  clock_.Advance(10 * kMicrosPerSecond);
  EXPECT_EQ(*engine_.ExpireDueHolds("acme"), 1u);
  EXPECT_EQ((*engine_.GetHold("acme", plain->outcome.id))->status, HoldStatus::kExpired);
  EXPECT_EQ(Spent("acme", Period::kTotal), Amt("0.6"));
  // A capture that comes too late is refused: the hold is settled.
  EXPECT_EQ(engine_.Capture({"acme", held->outcome.id, Amt("0.1"), ""}).status().reason(),
            "hold_not_pending");
  ExpectVerifies(engine_);
}

TEST_F(EngineTest, SweeperExpiresDueHoldsAndOnlyThose) {
  MakeTree(engine_, {{Amt("10"), Period::kTotal}}, {}, {});
  ASSERT_TRUE(engine_.Hold({MakeSpend("mkt-1", "1", "a"), 5 * kMicrosPerSecond}).ok());
  ASSERT_TRUE(engine_.Hold({MakeSpend("mkt-1", "2", "b"), 20 * kMicrosPerSecond}).ok());
  clock_.Advance(6 * kMicrosPerSecond);
  auto swept = engine_.ExpireDueHolds("acme");
  ASSERT_TRUE(swept.ok());
  EXPECT_EQ(*swept, 1u);
  EXPECT_EQ(Held("acme", Period::kTotal), Amt("2"));
  EXPECT_EQ(*engine_.ExpireDueHolds("acme"), 0u);
  clock_.Advance(20 * kMicrosPerSecond);
  EXPECT_EQ(*engine_.ExpireDueHolds("acme"), 1u);
  EXPECT_EQ(Held("acme", Period::kTotal), 0);
  auto org = engine_.GetOrg("acme");
  EXPECT_EQ((*org)->next_hold_expiry, std::numeric_limits<Timestamp>::max());
  ExpectVerifies(engine_);
}

TEST_F(EngineTest, CaptureCountsInThePeriodItsHoldReserved) {
  MakeTree(engine_, {}, {{Amt("1"), Period::kMonth}}, {});
  clock_.Set(MakeTimestamp(2026, 11, 30, 23, 59, 0));
  auto held = engine_.Hold({MakeSpend("mkt-1", "1", "h"), 600 * kMicrosPerSecond});
  ASSERT_TRUE(held.ok());
  clock_.Set(MakeTimestamp(2026, 12, 1, 0, 1, 0));
  // December starts empty; November's hold does not count against it.
  ASSERT_EQ(engine_.Spend(MakeSpend("mkt-1", "1", "dec")).value().outcome.status,
            OutcomeStatus::kApproved);
  // The capture lands in November, where its reservation was, so December's
  // limit is not broken by it.
  ASSERT_TRUE(engine_.Capture({"acme", held->outcome.id, Amt("1"), ""}).ok());
  EXPECT_EQ(Spent("marketing", Period::kMonth), Amt("1"));
  EXPECT_EQ(Spent("marketing", Period::kTotal), Amt("2"));
  ExpectVerifies(engine_);
}

TEST_F(EngineTest, ABatchDecidesEachRequestAgainstTheRunningBalances) {
  MakeTree(engine_, {{Amt("1"), Period::kTotal}}, {}, {}, {"mkt-1", "mkt-2"});
  const std::uint64_t base = HeadSeq(engine_);
  std::vector<SpendRequest> batch = {
      MakeSpend("mkt-1", "0.4", "b1"), MakeSpend("mkt-2", "0.4", "b2"),
      MakeSpend("mkt-1", "0.4", "b3"),  // 1.2 > 1: denied, the others go on
      MakeSpend("ghost", "0.1", "b4"),  // unknown agent: an error for this one alone
      MakeSpend("mkt-2", "0.2", "b5"),  // exactly fills the budget
      MakeSpend("mkt-1", "0.4", "b1"),  // same key and body as the first: a replay
      MakeSpend("mkt-1", "0.5", "b2"),  // same key, different body: refused
  };
  auto results = engine_.SpendBatch(batch);
  ASSERT_EQ(results.size(), batch.size());
  ASSERT_TRUE(results[0].ok());
  EXPECT_EQ(results[0]->outcome.status, OutcomeStatus::kApproved);
  EXPECT_EQ(*results[0]->outcome.effective_remaining, Amt("0.6"));
  EXPECT_EQ(results[1]->outcome.status, OutcomeStatus::kApproved);
  EXPECT_EQ(*results[1]->outcome.effective_remaining, Amt("0.2"));
  EXPECT_EQ(results[2]->outcome.status, OutcomeStatus::kDenied);
  EXPECT_EQ(results[2]->outcome.denial->used, Amt("0.8"));
  EXPECT_EQ(results[3].status().code(), StatusCode::kNotFound);
  EXPECT_EQ(results[4]->outcome.status, OutcomeStatus::kApproved);
  EXPECT_EQ(*results[4]->outcome.effective_remaining, 0);
  ASSERT_TRUE(results[5].ok());
  EXPECT_TRUE(results[5]->replayed);
  EXPECT_EQ(results[5]->outcome, results[0]->outcome);
  EXPECT_EQ(results[6].status().reason(), "idempotency_key_reused");
  // Consecutive chain positions, one commit.
  EXPECT_EQ(results[0]->outcome.entry_seq, base + 1);
  EXPECT_EQ(results[1]->outcome.entry_seq, base + 2);
  EXPECT_EQ(results[4]->outcome.entry_seq, base + 3);
  EXPECT_EQ(Spent("acme", Period::kTotal), Amt("1"));
  EXPECT_EQ(store_.GetStats().commits, 6u);  // org, root limits, team, 2 agents; the batch
  ExpectVerifies(engine_);
}

TEST_F(EngineTest, ABatchMixesSpendsHoldsAndCapturesInOneTransaction) {
  MakeTree(engine_, {{Amt("1"), Period::kTotal}}, {}, {}, {"mkt-1", "mkt-2"});
  auto earlier = engine_.Hold({.spend = MakeSpend("mkt-1", "0.5", "h0")});
  ASSERT_TRUE(earlier.ok()) << earlier.status().ToString();
  const std::string held_id = earlier->outcome.id;
  const std::uint64_t base = HeadSeq(engine_);
  const std::uint64_t commits = store_.GetStats().commits;
  auto receipt = CanonicalizeReceipt(R"({"model":"m","output_tokens":7})");
  ASSERT_TRUE(receipt.ok());
  std::vector<MoneyRequest> batch = {
      // Needs 0.6 with 0.5 held: denied until the capture below frees 0.3.
      HoldRequest{.spend = MakeSpend("mkt-2", "0.6", "h1")},
      CaptureRequest{.org = "acme", .hold_id = held_id, .amount = Amt("0.2"), .receipt = *receipt},
      HoldRequest{.spend = MakeSpend("mkt-2", "0.6", "h2")},  // 0.2 spent + 0.6 held = 0.8
      MakeSpend("mkt-1", "0.2", "s1"),                        // exactly fills the budget
      CaptureRequest{.org = "acme", .hold_id = held_id, .amount = Amt("0.1")},  // captured already
      CaptureRequest{.org = "acme", .hold_id = "hd_nope", .amount = Amt("0.1")},
  };
  auto results = engine_.ApplyBatch(batch);
  ASSERT_EQ(results.size(), batch.size());
  ASSERT_TRUE(results[0].ok());
  EXPECT_EQ(results[0]->outcome.status, OutcomeStatus::kDenied);
  ASSERT_TRUE(results[1].ok()) << results[1].status().ToString();
  EXPECT_EQ(results[1]->outcome.status, OutcomeStatus::kApproved);
  EXPECT_EQ(results[1]->outcome.amount, Amt("0.2"));
  EXPECT_EQ(results[1]->outcome.entry_seq, base + 1);
  ASSERT_TRUE(results[2].ok());
  EXPECT_EQ(results[2]->outcome.status, OutcomeStatus::kHeld);
  EXPECT_EQ(results[2]->outcome.entry_seq, base + 2);
  ASSERT_TRUE(results[3].ok());
  EXPECT_EQ(results[3]->outcome.status, OutcomeStatus::kApproved);
  EXPECT_EQ(*results[3]->outcome.effective_remaining, 0);
  EXPECT_EQ(results[4].status().reason(), "hold_not_pending");
  EXPECT_EQ(results[5].status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_.GetStats().commits, commits + 1);
  EXPECT_EQ(Spent("acme", Period::kTotal), Amt("0.4"));
  EXPECT_EQ(Held("acme", Period::kTotal), Amt("0.6"));
  // The capture's receipt was digested before the transaction, as by Capture.
  auto hold = engine_.GetHold("acme", held_id);
  ASSERT_TRUE(hold.ok() && hold->has_value());
  EXPECT_EQ((*hold)->status, HoldStatus::kCaptured);
  EXPECT_EQ((*hold)->captured, Amt("0.2"));
  ExpectVerifies(engine_);
}

TEST_F(EngineTest, ReceiptsAreStoredAndBoundToTheChain) {
  MakeTree(engine_, {}, {}, {});
  auto receipt = CanonicalizeReceipt(R"({"tx": "0xabc", "amount": "250000", "network": "base"})");
  ASSERT_TRUE(receipt.ok());
  SpendRequest spend = MakeSpend("mkt-1", "0.25", "r1");
  spend.receipt = *receipt;
  ASSERT_TRUE(engine_.Spend(spend).ok());
  auto txn = store_.Begin({.read_only = true});
  auto entries = (*txn)->ListEntries("acme", 0, 10);
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].receipt, R"({"amount":"250000","network":"base","tx":"0xabc"})");
  EXPECT_EQ((*entries)[0].receipt_hash, ReceiptHash(*receipt));
  ExpectVerifies(engine_);

  store_.TamperWithJournalForTesting(
      "acme", [](std::vector<Entry>& e) { e[0].receipt = R"({"tx":"0xdef"})"; });
  auto report = engine_.Verify("acme");
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->problems.size(), 1u);
  EXPECT_EQ(report->problems[0].code, "receipt_mismatch");
  EXPECT_EQ(report->problems[0].seq, 1u);
}

TEST_F(EngineTest, TreeAdministrationIsValidated) {
  MakeTree(engine_, {}, {}, {});
  EXPECT_EQ(engine_.CreateOrg("acme", "again").status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(engine_.CreateOrg("Bad Id", "x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(engine_.CreateOrg("ok", "x", "dollars").status().code(), StatusCode::kInvalidArgument);
  Node orphan{.id = "x", .kind = NodeKind::kTeam, .parent = "nope"};
  EXPECT_EQ(engine_.PutNode("acme", orphan).status().code(), StatusCode::kNotFound);
  Node under_agent{.id = "y", .kind = NodeKind::kAgent, .parent = "mkt-1"};
  EXPECT_EQ(engine_.PutNode("acme", under_agent).status().code(), StatusCode::kInvalidArgument);
  Node kind_change{.id = "mkt-1", .kind = NodeKind::kTeam, .parent = "acme"};
  EXPECT_EQ(engine_.PutNode("acme", kind_change).status().code(), StatusCode::kInvalidArgument);
  Node sub{.id = "growth", .kind = NodeKind::kTeam, .parent = "marketing"};
  ASSERT_TRUE(engine_.PutNode("acme", sub).ok());
  Node cycle{.id = "marketing", .kind = NodeKind::kTeam, .parent = "growth"};
  EXPECT_EQ(engine_.PutNode("acme", cycle).status().code(), StatusCode::kInvalidArgument);
  Node root_elsewhere{.id = "other", .kind = NodeKind::kOrg};
  EXPECT_EQ(engine_.PutNode("acme", root_elsewhere).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(EngineTest, LimitChangesKeepBalances) {
  MakeTree(engine_, {}, {{Amt("1"), Period::kDay}}, {});
  ASSERT_TRUE(engine_.Spend(MakeSpend("mkt-1", "0.9", "a")).ok());
  Node team{.id = "marketing", .kind = NodeKind::kTeam, .parent = "acme", .name = "Marketing"};
  team.limits = {{Amt("2"), Period::kDay}};
  ASSERT_TRUE(engine_.PutNode("acme", team).ok());
  EXPECT_EQ(Spent("marketing", Period::kDay), Amt("0.9"));
  EXPECT_EQ(engine_.Spend(MakeSpend("mkt-1", "1.2", "b")).value().outcome.status,
            OutcomeStatus::kDenied);
  EXPECT_EQ(engine_.Spend(MakeSpend("mkt-1", "1.1", "c")).value().outcome.status,
            OutcomeStatus::kApproved);
  ExpectVerifies(engine_);
}

TEST_F(EngineTest, VerifyReportsTamperingWithStoredHistory) {
  MakeTree(engine_, {{Amt("10"), Period::kTotal}}, {}, {});
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(engine_.Spend(MakeSpend("mkt-1", "0.5", "k" + std::to_string(i))).ok());
  }
  ExpectVerifies(engine_);
  store_.TamperWithJournalForTesting("acme", [](std::vector<Entry>& entries) {
    entries[1].lines[0].amount += 1;  // edit an amount
    entries[1].lines[1].amount -= 1;  // …keeping the entry balanced
  });
  auto report = engine_.Verify("acme");
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->ok);
  const auto has = [&](std::string_view code, std::uint64_t seq) {
    return std::any_of(report->problems.begin(), report->problems.end(),
                       [&](const Problem& p) { return p.code == code && p.seq == seq; });
  };
  EXPECT_TRUE(has("hash_mismatch", 2));
  EXPECT_TRUE(has("lines_disagree", 2));
  // Later entries still chain to the stored (now wrong) hash, so only seq 2
  // is reported for the hash; the balances no longer match the journal.
  EXPECT_FALSE(has("hash_mismatch", 3));

  store_.TamperWithJournalForTesting(
      "acme", [](std::vector<Entry>& entries) { entries.erase(entries.begin() + 2); });
  report = engine_.Verify("acme");
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(has("seq_gap", 4));
  EXPECT_TRUE(has("prev_hash_mismatch", 4));
  EXPECT_TRUE(std::any_of(report->problems.begin(), report->problems.end(),
                          [](const Problem& p) { return p.code == "balance_mismatch"; }));
}

}  // namespace
}  // namespace stub
