// The write-skew demonstration the brief asks for.
//
// Two agents race for the last of a budget: 1.00 total, each asks for 0.60.
// Under snapshot isolation both transactions read the same snapshot (nothing
// spent), both decide "fits", both write. Whether the database notices
// depends entirely on *which rows* they write:
//
//  - append-only design (read SUM of spends, insert a new row): the two
//    inserts are different rows, nothing conflicts, both commit — the budget
//    is overspent by 0.20;
//  - Stub's contended-row design: both spends update the same balance rows
//    (every ancestor, the org row), first committer wins, the loser gets a
//    conflict, retries on the fresh balance, and is denied.
//
// The interleaving is forced, not hoped for: both transactions finish their
// reads before either writes, and B commits before A tries to.
#include <gtest/gtest.h>

#include <thread>

#include "engine/engine.h"
#include "engine_fixture.h"
#include "store/forced_interleaving.h"
#include "store/memory/memory_store.h"

namespace stub {
namespace {

using testing::Amt;
using testing::MakeSpend;

constexpr Timestamp kNow = 1795860000LL * kMicrosPerSecond;

// Both read before either writes; B commits first; then A commits.
std::vector<ForcedInterleaving::Step> BothReadThenBCommitsFirst() {
  return {{"A", HookPoint::kBegin},        {"B", HookPoint::kBegin},
          {"A", HookPoint::kWrite},        {"B", HookPoint::kWrite},
          {"B", HookPoint::kBeforeCommit}, {"B", HookPoint::kAfterCommit},
          {"A", HookPoint::kBeforeCommit}};
}

MemoryStore::Options Hooked(ForcedInterleaving& fi, bool serializable) {
  MemoryStore::Options options;
  options.serializable = serializable;
  options.hook = [&fi](HookPoint p, std::uint64_t id) { fi.OnHook(p, id); };
  return options;
}

void SetUpBudget(Store& store, const Clock& clock) {
  Engine admin(store, clock);
  ASSERT_TRUE(admin.CreateOrg("acme", "Acme").ok());
  ASSERT_TRUE(admin
                  .PutNode("acme", {.id = "acme",
                                    .kind = NodeKind::kOrg,
                                    .limits = {{Amt("1.00"), Period::kTotal}}})
                  .ok());
  ASSERT_TRUE(admin.PutNode("acme", {.id = "t", .kind = NodeKind::kTeam, .parent = "acme"}).ok());
  for (const char* a : {"agent-a", "agent-b"}) {
    ASSERT_TRUE(admin.PutNode("acme", {.id = a, .kind = NodeKind::kAgent, .parent = "t"}).ok());
  }
}

// The UNSAFE design, kept only to show why it is unsafe: decide from the sum
// of the journal, then insert a new row. Returns whether it approved.
Result<bool> AppendOnlySpend(Store& store, Micros amount, Micros budget, std::uint64_t row_id) {
  STUB_ASSIGN_OR_RETURN(auto txn, store.Begin());
  STUB_ASSIGN_OR_RETURN(auto rows, txn->ListEntries("acme", 0, 1'000'000));
  Micros sum = 0;
  for (const Entry& e : rows) sum += e.amount;
  if (sum + amount > budget) return false;
  Entry e;
  e.org = "acme";
  e.seq = row_id;  // its own fresh row: no other transaction writes it
  e.kind = EntryKind::kSpend;
  e.agent = "agent";
  e.vendor = "api.dataco.com";
  e.category = "data";
  e.amount = amount;
  STUB_RETURN_IF_ERROR(BuildLines(e));
  SealEntry(e, kGenesisHash);
  STUB_RETURN_IF_ERROR(txn->AppendEntry(e));
  STUB_RETURN_IF_ERROR(txn->Commit());
  return true;
}

Micros JournalSum(Store& store) {
  auto txn = store.Begin({.read_only = true});
  auto entries = (*txn)->ListEntries("acme", 0, 1'000'000);
  EXPECT_TRUE(entries.ok());
  Micros sum = 0;
  if (entries.ok()) {
    for (const Entry& e : *entries) sum += e.amount;
  }
  return sum;
}

struct AppendOnlyRace {
  Result<bool> a = false;
  Result<bool> b = false;
  Micros journal_sum = 0;
  bool script_done = false;
};

// Agents A and B each try the append-only spend of 0.60 against 1.00, both
// reading before either writes, B committing first.
AppendOnlyRace RaceAppendOnly(bool serializable) {
  ForcedInterleaving fi(BothReadThenBCommitsFirst());
  MemoryStore store(Hooked(fi, serializable));
  AppendOnlyRace race;
  std::thread ta([&] {
    ForcedInterleaving::ActorScope scope(fi, "A");
    race.a = AppendOnlySpend(store, Amt("0.60"), Amt("1.00"), 1001);
  });
  std::thread tb([&] {
    ForcedInterleaving::ActorScope scope(fi, "B");
    race.b = AppendOnlySpend(store, Amt("0.60"), Amt("1.00"), 1002);
  });
  ta.join();
  tb.join();
  race.journal_sum = JournalSum(store);
  race.script_done = fi.Done();
  return race;
}

TEST(WriteSkewTest, AppendOnlyDesignOverspendsUnderSnapshotIsolation) {
  const AppendOnlyRace race = RaceAppendOnly(/*serializable=*/false);
  EXPECT_TRUE(race.script_done);
  ASSERT_TRUE(race.a.ok()) << race.a.status().ToString();
  ASSERT_TRUE(race.b.ok()) << race.b.status().ToString();
  EXPECT_TRUE(*race.a);
  EXPECT_TRUE(*race.b);
  // Both committed: 1.20 spent against a 1.00 budget.
  EXPECT_EQ(race.journal_sum, Amt("1.20"));
}

TEST(WriteSkewTest, SerializableValidationWouldCatchTheAppendOnlyRace) {
  // The same race on a store that validates reads (serializable mode): the
  // phantom insert into A's scanned range makes A's commit conflict.
  const AppendOnlyRace race = RaceAppendOnly(/*serializable=*/true);
  EXPECT_TRUE(race.script_done);
  ASSERT_TRUE(race.b.ok());
  EXPECT_TRUE(*race.b);
  ASSERT_FALSE(race.a.ok());
  EXPECT_EQ(race.a.status().code(), StatusCode::kConflict);
  EXPECT_EQ(race.journal_sum, Amt("0.60"));
}

TEST(WriteSkewTest, ContendedRowDesignConflictsAndStaysWithinBudget) {
  ForcedInterleaving fi(BothReadThenBCommitsFirst());
  MemoryStore store(Hooked(fi, /*serializable=*/false));
  ManualClock clock(kNow);
  {
    // Set up before the script applies: no actor is named on this thread.
    SetUpBudget(store, clock);
  }
  Engine engine(store, clock);
  Result<SpendResult> a = Internal("not run"), b = Internal("not run");
  std::thread ta([&] {
    ForcedInterleaving::ActorScope scope(fi, "A");
    a = engine.Spend(MakeSpend("agent-a", "0.60", "ka"));
  });
  std::thread tb([&] {
    ForcedInterleaving::ActorScope scope(fi, "B");
    b = engine.Spend(MakeSpend("agent-b", "0.60", "kb"));
  });
  ta.join();
  tb.join();
  EXPECT_TRUE(fi.Done());
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok()) << b.status().ToString();

  // B committed first. A's first attempt read the same snapshot and decided
  // "fits", but its commit conflicted on the shared balance rows; its retry
  // saw B's spend and was denied at the org's total limit.
  EXPECT_EQ(b->outcome.status, OutcomeStatus::kApproved);
  EXPECT_EQ(a->outcome.status, OutcomeStatus::kDenied);
  ASSERT_TRUE(a->outcome.denial.has_value());
  EXPECT_EQ(a->outcome.denial->reason, DenyReason::kBudgetExceeded);
  EXPECT_EQ(a->outcome.denial->node, "acme");
  EXPECT_EQ(a->outcome.denial->used, Amt("0.60"));
  EXPECT_EQ(engine.Stats().conflicts, 1u);
  EXPECT_EQ(engine.Stats().retries, 1u);

  EXPECT_EQ(JournalSum(store), Amt("0.60"));
  auto report = engine.Verify("acme");
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok);
}

}  // namespace
}  // namespace stub
