// MemoryStore: the Store contract (plain snapshot isolation and serializable
// mode) plus what only the memory store promises: serializable read
// validation, early insert conflicts, hooks, on_commit, pruning, latency
// injection, tampering.
#include "store/memory/memory_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "store_contract.h"

namespace stub {
namespace {

using store_testing::Apply;
using store_testing::kT0;
using store_testing::MakeDenial;
using store_testing::MakeEntry;
using store_testing::MakeHold;
using store_testing::MakeIdempotency;
using store_testing::MakeNode;
using store_testing::MakeOrg;
using store_testing::StoreContractTest;
using store_testing::StoreFactory;
using store_testing::StoreFactoryName;

MemoryStore::Options Serializable(bool on) {
  MemoryStore::Options options;
  options.serializable = on;
  return options;
}

INSTANTIATE_TEST_SUITE_P(
    Memory, StoreContractTest,
    ::testing::Values(StoreFactory{"Plain", [] { return std::make_unique<MemoryStore>(); }},
                      StoreFactory{
                          "Serializable",
                          [] { return std::make_unique<MemoryStore>(Serializable(true)); }}),
    StoreFactoryName);

TEST(MemoryStoreTest, KindIsMemory) {
  MemoryStore store;
  EXPECT_EQ(store.Kind(), "memory");
}

// Write skew: both read x and y, each writes a different one. Snapshot
// isolation lets both commit; serializable mode refuses the second.
TEST(MemoryStoreTest, WriteSkewCommitsUnderSnapshotIsolationAndConflictsWhenSerializable) {
  for (bool serializable : {false, true}) {
    SCOPED_TRACE(serializable ? "serializable" : "snapshot isolation");
    MemoryStore store(Serializable(serializable));
    STUB_ASSERT_OK(Apply(store, [](Transaction& t) {
      STUB_RETURN_IF_ERROR(t.PutNode("acme", MakeNode("x")));
      return t.PutNode("acme", MakeNode("y"));
    }));
    BEGIN(t1, store);
    BEGIN(t2, store);
    for (Transaction* t : {t1.get(), t2.get()}) {
      STUB_ASSERT_OK_AND_ASSIGN(auto x, t->GetNode("acme", "x"));
      STUB_ASSERT_OK_AND_ASSIGN(auto y, t->GetNode("acme", "y"));
      ASSERT_TRUE(x.has_value() && y.has_value());
    }
    NodeRow x = MakeNode("x");
    x.node.frozen = true;
    NodeRow y = MakeNode("y");
    y.node.frozen = true;
    STUB_ASSERT_OK(t1->PutNode("acme", x));
    STUB_ASSERT_OK(t2->PutNode("acme", y));
    STUB_ASSERT_OK(t1->Commit());
    Status second = t2->Commit();
    BEGIN(r, store);
    STUB_ASSERT_OK_AND_ASSIGN(auto final_y, r->GetNode("acme", "y"));
    ASSERT_TRUE(final_y.has_value());
    if (serializable) {
      EXPECT_EQ(second.code(), StatusCode::kConflict) << second.ToString();
      EXPECT_FALSE(final_y->node.frozen);
      EXPECT_EQ(store.GetStats().conflicts, 1u);
    } else {
      STUB_EXPECT_OK(second);
      EXPECT_TRUE(final_y->node.frozen);
      EXPECT_EQ(store.GetStats().conflicts, 0u);
    }
  }
}

// Serializable mode validates every kind of read against a concurrent write
// that changes its answer: T1 reads, T2 commits a change into what T1 read, T1
// writes an unrelated row and commits. Plain mode commits T1 every time.
TEST(MemoryStoreTest, SerializableModeCatchesPhantomsInEveryKindOfRead) {
  struct Case {
    std::string name;
    std::function<void(Transaction&)> read;     // T1's read
    std::function<Status(Transaction&)> write;  // T2's commit
  };
  auto expect_ok = [](auto result) { EXPECT_TRUE(result.ok()); };
  const std::vector<Case> cases = {
      {"ListEntries then an append into the scanned range",
       [&](Transaction& t) { expect_ok(t.ListEntries("acme", 0, 100)); },
       [](Transaction& t) { return t.AppendEntry(MakeEntry("acme", 3)); }},
      {"ListNodes then a new node", [&](Transaction& t) { expect_ok(t.ListNodes("acme")); },
       [](Transaction& t) { return t.PutNode("acme", MakeNode("new")); }},
      {"GetNode of an absent node then its insert",
       [&](Transaction& t) { expect_ok(t.GetNode("acme", "ghost")); },
       [](Transaction& t) { return t.PutNode("acme", MakeNode("ghost")); }},
      {"GetIdempotency of an absent key then its insert",
       [&](Transaction& t) { expect_ok(t.GetIdempotency("acme", "k")); },
       [](Transaction& t) { return t.PutIdempotency(MakeIdempotency("acme", "k")); }},
      {"GetOrg then an update", [&](Transaction& t) { expect_ok(t.GetOrg("acme")); },
       [](Transaction& t) {
         OrgRow o = MakeOrg("acme");
         o.kill_switch = true;
         return t.PutOrg(o);
       }},
      {"ListOrgs then a new org", [&](Transaction& t) { expect_ok(t.ListOrgs()); },
       [](Transaction& t) { return t.PutOrg(MakeOrg("beta")); }},
      {"GetHold then an update", [&](Transaction& t) { expect_ok(t.GetHold("acme", "h1")); },
       [](Transaction& t) {
         return t.PutHold(MakeHold("acme", "h1", kT0 + 100, HoldStatus::kVoided));
       }},
      {"NextHoldExpiry then an earlier hold",
       [&](Transaction& t) { expect_ok(t.NextHoldExpiry("acme")); },
       [](Transaction& t) { return t.PutHold(MakeHold("acme", "h0", kT0 + 50)); }},
      {"ListDueHolds then a hold leaving the range",
       [&](Transaction& t) { expect_ok(t.ListDueHolds("acme", kT0 + 1'000, 10)); },
       [](Transaction& t) {
         return t.PutHold(MakeHold("acme", "h1", kT0 + 100, HoldStatus::kCaptured));
       }},
      {"ListDenials then a new denial",
       [&](Transaction& t) { expect_ok(t.ListDenials("acme", 10)); },
       [](Transaction& t) { return t.InsertDenial(MakeDenial("acme", "d2", kT0)); }},
  };
  for (const Case& c : cases) {
    for (bool serializable : {false, true}) {
      SCOPED_TRACE(c.name + (serializable ? " (serializable)" : " (plain)"));
      MemoryStore store(Serializable(serializable));
      STUB_ASSERT_OK(Apply(store, [](Transaction& t) {
        STUB_RETURN_IF_ERROR(t.PutOrg(MakeOrg("acme")));
        STUB_RETURN_IF_ERROR(t.PutNode("acme", MakeNode("a")));
        STUB_RETURN_IF_ERROR(t.AppendEntry(MakeEntry("acme", 1)));
        STUB_RETURN_IF_ERROR(t.AppendEntry(MakeEntry("acme", 2)));
        STUB_RETURN_IF_ERROR(t.PutHold(MakeHold("acme", "h1", kT0 + 100)));
        return t.InsertDenial(MakeDenial("acme", "d1", kT0));
      }));
      BEGIN(t1, store);
      c.read(*t1);
      STUB_ASSERT_OK(t1->PutNode("acme", MakeNode("unrelated")));
      STUB_ASSERT_OK(Apply(store, c.write));
      Status s = t1->Commit();
      if (serializable) {
        EXPECT_EQ(s.code(), StatusCode::kConflict) << s.ToString();
      } else {
        STUB_EXPECT_OK(s);
      }
    }
  }
}

// Reads that a concurrent write does not affect never conflict, even in
// serializable mode: a range read up to its limit, other orgs, other keys.
TEST(MemoryStoreTest, SerializableModeValidatesOnlyWhatWasRead) {
  MemoryStore store(Serializable(true));
  STUB_ASSERT_OK(Apply(store, [](Transaction& t) {
    for (std::uint64_t seq = 1; seq <= 5; ++seq) {
      STUB_RETURN_IF_ERROR(t.AppendEntry(MakeEntry("acme", seq)));
    }
    STUB_RETURN_IF_ERROR(t.PutHold(MakeHold("acme", "h1", kT0 + 100)));
    return t.PutNode("acme", MakeNode("a"));
  }));
  BEGIN(t1, store);
  STUB_ASSERT_OK_AND_ASSIGN(auto page, t1->ListEntries("acme", 0, 2));
  ASSERT_EQ(page.size(), 2u);
  STUB_ASSERT_OK_AND_ASSIGN(auto nodes, t1->ListNodes("acme"));
  STUB_ASSERT_OK_AND_ASSIGN(auto due, t1->ListDueHolds("acme", kT0 + 150, 10));
  ASSERT_EQ(due.size(), 1u);
  STUB_ASSERT_OK_AND_ASSIGN(auto k, t1->GetIdempotency("acme", "k1"));
  STUB_ASSERT_OK(t1->PutNode("acme", MakeNode("b")));

  STUB_ASSERT_OK(Apply(store, [](Transaction& t) {
    STUB_RETURN_IF_ERROR(t.AppendEntry(MakeEntry("acme", 6)));           // past the page
    STUB_RETURN_IF_ERROR(t.PutNode("acme2", MakeNode("x")));             // another org
    STUB_RETURN_IF_ERROR(t.PutHold(MakeHold("acme", "h2", kT0 + 200)));  // due later
    STUB_RETURN_IF_ERROR(t.PutIdempotency(MakeIdempotency("acme", "k2")));
    return t.InsertDenial(MakeDenial("acme", "d", kT0));  // never read
  }));
  STUB_EXPECT_OK(t1->Commit());
}

// A window log read (FirstWindowLogAfter) depends on the node's rows from
// the cut-off up to the row it found, or on all of them when it found none:
// serializable mode fails a reader when a concurrent commit lands there, and
// only there (a later row of the node, another node's rows).
TEST(MemoryStoreTest, SerializableModeValidatesWindowLogReadsExactly) {
  auto row = [](std::string node, Timestamp at, std::int64_t seq) {
    return WindowLogRow{"acme", std::move(node), at, seq, 100 * seq, 100};
  };
  struct Case {
    std::string name;
    std::string node;  // T1 reads the first row of `node` after kT0 + 15
    WindowLogRow write;
    bool conflicts;
  };
  const std::vector<Case> cases = {
      {"a row before the one found", "team", row("team", kT0 + 16, 9), true},
      {"a row of a node that had none after the cut-off", "idle", row("idle", kT0 + 40, 2), true},
      {"a row after the one found", "team", row("team", kT0 + 30, 3), false},
      {"a row at the cut-off (not after it)", "idle", row("idle", kT0 + 15, 3), false},
      {"another node's row", "team", row("teamb", kT0 + 16, 1), false},
      {"a row of a node sorting after one that had none", "idle", row("team2", kT0 + 16, 1), false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    MemoryStore store(Serializable(true));
    STUB_ASSERT_OK(Apply(store, [&](Transaction& t) {
      STUB_RETURN_IF_ERROR(t.AppendWindowLog(row("team", kT0 + 10, 1)));
      STUB_RETURN_IF_ERROR(t.AppendWindowLog(row("team", kT0 + 20, 2)));
      return t.AppendWindowLog(row("idle", kT0 + 5, 1));
    }));
    BEGIN(t1, store);
    STUB_ASSERT_OK_AND_ASSIGN(auto first, t1->FirstWindowLogAfter("acme", c.node, kT0 + 15));
    EXPECT_EQ(first.has_value(), c.node == "team");
    STUB_ASSERT_OK(t1->PutNode("acme", MakeNode("unrelated")));
    STUB_ASSERT_OK(Apply(store, [&](Transaction& t) { return t.AppendWindowLog(c.write); }));
    const Status s = t1->Commit();
    if (c.conflicts) {
      EXPECT_EQ(s.code(), StatusCode::kConflict) << s.ToString();
    } else {
      STUB_EXPECT_OK(s);
    }
  }
}

TEST(MemoryStoreTest, InsertOnlyWritesConflictAtTheCallWhenTheKeyIsVisible) {
  MemoryStore store;
  STUB_ASSERT_OK(Apply(store, [](Transaction& t) {
    STUB_RETURN_IF_ERROR(t.AppendEntry(MakeEntry("acme", 1)));
    STUB_RETURN_IF_ERROR(t.PutIdempotency(MakeIdempotency("acme", "k")));
    return t.InsertDenial(MakeDenial("acme", "d", kT0));
  }));
  BEGIN(t, store);
  EXPECT_EQ(t->AppendEntry(MakeEntry("acme", 1)).code(), StatusCode::kConflict);
  EXPECT_EQ(t->PutIdempotency(MakeIdempotency("acme", "k")).code(), StatusCode::kConflict);
  EXPECT_EQ(t->InsertDenial(MakeDenial("acme", "d", kT0)).code(), StatusCode::kAlreadyExists);
  // Twice in one transaction.
  STUB_ASSERT_OK(t->AppendEntry(MakeEntry("acme", 2)));
  EXPECT_EQ(t->AppendEntry(MakeEntry("acme", 2)).code(), StatusCode::kConflict);
  STUB_ASSERT_OK(t->PutIdempotency(MakeIdempotency("acme", "k2")));
  EXPECT_EQ(t->PutIdempotency(MakeIdempotency("acme", "k2")).code(), StatusCode::kConflict);
  EXPECT_EQ(store.GetStats().conflicts, 4u);
}

// Neither insert is visible to the other: both calls succeed, the second
// commit conflicts (first committer wins on the new key).
TEST(MemoryStoreTest, RacingInsertsOfOneKeyConflictAtTheSecondCommit) {
  MemoryStore store;
  BEGIN(t1, store);
  BEGIN(t2, store);
  STUB_ASSERT_OK(t1->PutIdempotency(MakeIdempotency("acme", "k", "one")));
  STUB_ASSERT_OK(t2->PutIdempotency(MakeIdempotency("acme", "k", "two")));
  STUB_ASSERT_OK(t1->AppendEntry(MakeEntry("acme", 1)));
  STUB_ASSERT_OK(t2->AppendEntry(MakeEntry("acme", 1)));
  STUB_ASSERT_OK(t2->Commit());
  EXPECT_EQ(t1->Commit().code(), StatusCode::kConflict);
  BEGIN(r, store);
  STUB_ASSERT_OK_AND_ASSIGN(auto rec, r->GetIdempotency("acme", "k"));
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(rec->fingerprint, "two");
}

TEST(MemoryStoreTest, ReadOnlyTransactionRefusesEveryWrite) {
  for (bool serializable : {false, true}) {
    MemoryStore store(Serializable(serializable));
    STUB_ASSERT_OK(Apply(store, [](Transaction& t) { return t.PutOrg(MakeOrg("acme")); }));
    BEGIN(r, store, {.read_only = true});
    STUB_ASSERT_OK_AND_ASSIGN(auto org, r->GetOrg("acme"));
    STUB_ASSERT_OK_AND_ASSIGN(auto nodes, r->ListNodes("acme"));
    EXPECT_EQ(r->PutOrg(MakeOrg("acme")).code(), StatusCode::kFailedPrecondition);
    EXPECT_EQ(r->PutNode("acme", MakeNode("a")).code(), StatusCode::kFailedPrecondition);
    EXPECT_EQ(r->AppendEntry(MakeEntry("acme", 1)).code(), StatusCode::kFailedPrecondition);
    EXPECT_EQ(r->PutIdempotency(MakeIdempotency("acme", "k")).code(),
              StatusCode::kFailedPrecondition);
    EXPECT_EQ(r->PutHold(MakeHold("acme", "h", kT0)).code(), StatusCode::kFailedPrecondition);
    EXPECT_EQ(r->InsertDenial(MakeDenial("acme", "d", kT0)).code(),
              StatusCode::kFailedPrecondition);
    // What it read changes; its commit still cannot conflict.
    OrgRow changed = MakeOrg("acme");
    changed.kill_switch = true;
    STUB_ASSERT_OK(Apply(store, [&](Transaction& t) {
      STUB_RETURN_IF_ERROR(t.PutNode("acme", MakeNode("a")));
      return t.PutOrg(changed);
    }));
    STUB_EXPECT_OK(r->Commit());
    EXPECT_EQ(store.GetStats().conflicts, 0u);
  }
}

TEST(MemoryStoreTest, FinishedTransactionsFailWithFailedPrecondition) {
  MemoryStore store;
  BEGIN(committed, store);
  STUB_ASSERT_OK(committed->PutOrg(MakeOrg("acme")));
  STUB_ASSERT_OK(committed->Commit());
  BEGIN(rolled_back, store);
  rolled_back->Rollback();
  BEGIN(loser, store);
  BEGIN(winner, store);
  STUB_ASSERT_OK(loser->PutOrg(MakeOrg("acme")));
  STUB_ASSERT_OK(winner->PutOrg(MakeOrg("acme")));
  STUB_ASSERT_OK(winner->Commit());
  ASSERT_EQ(loser->Commit().code(), StatusCode::kConflict);
  for (Transaction* t : {committed.get(), rolled_back.get(), loser.get()}) {
    EXPECT_EQ(t->GetOrg("acme").status().code(), StatusCode::kFailedPrecondition);
    EXPECT_EQ(t->ListEntries("acme", 0, 1).status().code(), StatusCode::kFailedPrecondition);
    EXPECT_EQ(t->PutOrg(MakeOrg("acme")).code(), StatusCode::kFailedPrecondition);
    EXPECT_EQ(t->Commit().code(), StatusCode::kFailedPrecondition);
    t->Rollback();
  }
}

TEST(MemoryStoreTest, StatsCountCommitsConflictsAndVersions) {
  MemoryStore store;
  EXPECT_EQ(store.GetStats().commits, 0u);
  STUB_ASSERT_OK(Apply(store, [](Transaction& t) {
    STUB_RETURN_IF_ERROR(t.PutOrg(MakeOrg("acme")));
    return t.PutNode("acme", MakeNode("a"));
  }));
  BEGIN(t1, store);
  BEGIN(t2, store);
  STUB_ASSERT_OK(t1->PutOrg(MakeOrg("acme")));
  STUB_ASSERT_OK(t2->PutOrg(MakeOrg("acme")));
  STUB_ASSERT_OK(t1->Commit());
  EXPECT_EQ(t2->Commit().code(), StatusCode::kConflict);
  BEGIN(empty, store);
  STUB_ASSERT_OK(empty->Commit());  // nothing written: not a commit
  const auto stats = store.GetStats();
  EXPECT_EQ(stats.commits, 2u);
  EXPECT_EQ(stats.conflicts, 1u);
  // The org row still holds the version t2's snapshot could see: pruning
  // happens when a row is written, and t2 was open when t1 wrote it.
  EXPECT_EQ(stats.versions, 3u);
  STUB_ASSERT_OK(Apply(store, [](Transaction& t) { return t.PutOrg(MakeOrg("acme")); }));
  EXPECT_EQ(store.GetStats().versions, 2u);
  EXPECT_EQ(store.GetStats().commits, 3u);
}

TEST(MemoryStoreTest, HooksFireInOrderWithTheTransactionId) {
  std::vector<std::pair<HookPoint, std::uint64_t>> log;
  MemoryStore::Options options;
  options.hook = [&](HookPoint p, std::uint64_t id) { log.emplace_back(p, id); };
  MemoryStore store(std::move(options));

  BEGIN(t1, store);
  STUB_ASSERT_OK_AND_ASSIGN(auto org, t1->GetOrg("acme"));
  STUB_ASSERT_OK(t1->PutOrg(MakeOrg("acme")));
  STUB_ASSERT_OK_AND_ASSIGN(auto nodes, t1->ListNodes("acme"));
  STUB_ASSERT_OK(t1->Commit());
  ASSERT_EQ(log.size(), 6u);
  const std::uint64_t id1 = log[0].second;
  using P = std::pair<HookPoint, std::uint64_t>;
  EXPECT_EQ(log, (std::vector<P>{{HookPoint::kBegin, id1},
                                 {HookPoint::kRead, id1},
                                 {HookPoint::kWrite, id1},
                                 {HookPoint::kRead, id1},
                                 {HookPoint::kBeforeCommit, id1},
                                 {HookPoint::kAfterCommit, id1}}));

  // Calls on a finished transaction fire nothing; Rollback fires nothing.
  log.clear();
  EXPECT_FALSE(t1->GetOrg("acme").ok());
  EXPECT_FALSE(t1->Commit().ok());
  BEGIN(t2, store);
  t2->Rollback();
  ASSERT_EQ(log.size(), 1u);
  const std::uint64_t id2 = log[0].second;
  EXPECT_GT(id2, id1);

  // A failed commit still fires kAfterCommit; a failed write still fires
  // kWrite; ids keep increasing.
  log.clear();
  BEGIN(loser, store);
  BEGIN(winner, store, {.read_only = true});
  STUB_ASSERT_OK(loser->PutOrg(MakeOrg("acme")));
  EXPECT_FALSE(winner->PutOrg(MakeOrg("acme")).ok());
  STUB_ASSERT_OK(winner->Commit());
  STUB_ASSERT_OK(Apply(store, [](Transaction& t) { return t.PutOrg(MakeOrg("acme")); }));
  EXPECT_EQ(loser->Commit().code(), StatusCode::kConflict);
  ASSERT_EQ(log.size(), 12u);
  const std::uint64_t l = log[0].second;
  const std::uint64_t w = log[1].second;
  const std::uint64_t a = log[6].second;
  EXPECT_GT(l, id2);
  EXPECT_GT(w, l);
  EXPECT_GT(a, w);
  EXPECT_EQ(log, (std::vector<P>{{HookPoint::kBegin, l},
                                 {HookPoint::kBegin, w},
                                 {HookPoint::kWrite, l},
                                 {HookPoint::kWrite, w},
                                 {HookPoint::kBeforeCommit, w},
                                 {HookPoint::kAfterCommit, w},
                                 {HookPoint::kBegin, a},
                                 {HookPoint::kWrite, a},
                                 {HookPoint::kBeforeCommit, a},
                                 {HookPoint::kAfterCommit, a},
                                 {HookPoint::kBeforeCommit, l},
                                 {HookPoint::kAfterCommit, l}}));
}

// on_commit sees every successful commit, in commit order, with exactly its
// write set, and nothing for conflicted, read-only or empty transactions.
TEST(MemoryStoreTest, OnCommitSeesEveryCommitInOrderWithItsWriteSet) {
  struct Seen {
    std::uint64_t ts;
    std::vector<OrgRow> orgs;
    std::vector<std::pair<std::string, NodeRow>> nodes;
    std::vector<Entry> entries;
    std::vector<Hold> holds;
    std::vector<IdempotencyRecord> idempotency;
    std::vector<DenialRecord> denials;
  };
  std::vector<Seen> seen;
  MemoryStore::Options options;
  options.on_commit = [&](const CommitRecord& r) {
    Seen s{r.commit_ts, {}, {}, {}, {}, {}, {}};
    for (const auto* o : r.orgs) s.orgs.push_back(*o);
    EXPECT_EQ(r.nodes.size(), r.node_orgs.size());
    for (std::size_t i = 0; i < r.nodes.size(); ++i) {
      s.nodes.emplace_back(std::string(r.node_orgs[i]), *r.nodes[i]);
    }
    for (const auto* e : r.entries) s.entries.push_back(*e);
    for (const auto* h : r.holds) s.holds.push_back(*h);
    for (const auto* i : r.idempotency) s.idempotency.push_back(*i);
    for (const auto* d : r.denials) s.denials.push_back(*d);
    seen.push_back(std::move(s));
  };
  MemoryStore store(std::move(options));

  const OrgRow acme = MakeOrg("acme");
  const NodeRow a = MakeNode("a");
  const NodeRow b = MakeNode("b");
  STUB_ASSERT_OK(Apply(store, [&](Transaction& t) {
    STUB_RETURN_IF_ERROR(t.PutOrg(acme));
    STUB_RETURN_IF_ERROR(t.PutNode("acme", a));
    return t.PutNode("beta", b);
  }));
  // Not seen: a conflicted, a read-only and an empty transaction.
  BEGIN(loser, store);
  STUB_ASSERT_OK(loser->PutNode("acme", a));
  NodeRow a2 = a;
  a2.version = 2;
  const Entry e1 = MakeEntry("acme", 1);
  const Hold h1 = MakeHold("acme", "h1", kT0 + 10);
  const IdempotencyRecord k1 = MakeIdempotency("acme", "k1");
  const DenialRecord d1 = MakeDenial("acme", "d1", kT0);
  STUB_ASSERT_OK(Apply(store, [&](Transaction& t) {
    STUB_RETURN_IF_ERROR(t.AppendEntry(e1));
    STUB_RETURN_IF_ERROR(t.PutNode("acme", a));
    STUB_RETURN_IF_ERROR(t.PutHold(h1));
    STUB_RETURN_IF_ERROR(t.PutIdempotency(k1));
    STUB_RETURN_IF_ERROR(t.InsertDenial(d1));
    return t.PutNode("acme", a2);  // the last write of a row wins
  }));
  EXPECT_EQ(loser->Commit().code(), StatusCode::kConflict);
  BEGIN(ro, store, {.read_only = true});
  STUB_ASSERT_OK(ro->Commit());
  BEGIN(empty, store);
  STUB_ASSERT_OK(empty->Commit());
  STUB_ASSERT_OK(Apply(store, [&](Transaction& t) { return t.PutOrg(MakeOrg("zeta")); }));

  ASSERT_EQ(seen.size(), 3u);
  EXPECT_LT(seen[0].ts, seen[1].ts);
  EXPECT_LT(seen[1].ts, seen[2].ts);
  EXPECT_EQ(seen[0].orgs, std::vector<OrgRow>{acme});
  EXPECT_EQ(seen[0].nodes,
            (std::vector<std::pair<std::string, NodeRow>>{{"acme", a}, {"beta", b}}));
  EXPECT_TRUE(seen[0].entries.empty());
  EXPECT_TRUE(seen[1].orgs.empty());
  EXPECT_EQ(seen[1].nodes, (std::vector<std::pair<std::string, NodeRow>>{{"acme", a2}}));
  EXPECT_EQ(seen[1].entries, std::vector<Entry>{e1});
  EXPECT_EQ(seen[1].holds, std::vector<Hold>{h1});
  EXPECT_EQ(seen[1].idempotency, std::vector<IdempotencyRecord>{k1});
  EXPECT_EQ(seen[1].denials, std::vector<DenialRecord>{d1});
  EXPECT_EQ(seen[2].orgs, std::vector<OrgRow>{MakeOrg("zeta")});
  EXPECT_TRUE(seen[2].nodes.empty());
}

// Under concurrency on_commit sees each committed state in order: the counter
// goes up by exactly one per commit.
TEST(MemoryStoreTest, OnCommitSeesConcurrentCommitsInCommitOrder) {
  std::uint64_t last_seq = 0;  // guarded by the store's commit lock
  std::uint64_t last_ts = 0;
  int commits_seen = 0;
  int out_of_order = 0;
  MemoryStore::Options options;
  options.on_commit = [&](const CommitRecord& r) {
    if (r.orgs.size() != 1 || r.orgs[0]->head_seq != last_seq + 1 || r.commit_ts <= last_ts) {
      ++out_of_order;
    }
    last_seq = r.orgs.empty() ? last_seq : r.orgs[0]->head_seq;
    last_ts = r.commit_ts;
    ++commits_seen;
  };
  MemoryStore store(std::move(options));
  STUB_ASSERT_OK(Apply(store, [](Transaction& t) {
    OrgRow o = MakeOrg("acme");
    o.head_seq = 1;
    return t.PutOrg(o);
  }));
  constexpr int kThreads = 4;
  constexpr int kEach = 50;
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      for (int done = 0; done < kEach;) {
        Status s = Apply(store, [](Transaction& t) -> Status {
          STUB_ASSIGN_OR_RETURN(auto org, t.GetOrg("acme"));
          if (!org) return Internal("org vanished");
          ++org->head_seq;
          return t.PutOrg(*org);
        });
        if (s.ok()) ++done;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(out_of_order, 0);
  EXPECT_EQ(commits_seen, 1 + kThreads * kEach);
  EXPECT_EQ(last_seq, 1u + kThreads * kEach);
  EXPECT_EQ(store.GetStats().commits, 1u + kThreads * kEach);
}

// Old versions go as soon as no open snapshot can see them: a chain holds at
// most one version per open snapshot plus the newest.
TEST(MemoryStoreTest, PruningKeepsTheVersionCountBounded) {
  MemoryStore store;
  auto update = [&](std::uint64_t i) {
    return Apply(store, [i](Transaction& t) {
      OrgRow o = MakeOrg("acme");
      o.head_seq = i;
      NodeRow n = MakeNode("a");
      n.version = i;
      STUB_RETURN_IF_ERROR(t.PutOrg(o));
      return t.PutNode("acme", n);
    });
  };
  STUB_ASSERT_OK(update(0));
  EXPECT_EQ(store.GetStats().versions, 2u);
  for (std::uint64_t i = 1; i <= 1'000; ++i) {
    STUB_ASSERT_OK(update(i));
    ASSERT_EQ(store.GetStats().versions, 2u) << "after commit " << i;
  }

  // A long-lived reader keeps exactly the versions it can see.
  BEGIN(reader, store, {.read_only = true});
  for (std::uint64_t i = 1'001; i <= 2'000; ++i) {
    STUB_ASSERT_OK(update(i));
    ASSERT_EQ(store.GetStats().versions, 4u) << "after commit " << i;
  }
  BEGIN(reader2, store, {.read_only = true});
  for (std::uint64_t i = 2'001; i <= 2'100; ++i) STUB_ASSERT_OK(update(i));
  EXPECT_EQ(store.GetStats().versions, 6u);
  STUB_ASSERT_OK_AND_ASSIGN(auto old, reader->GetNode("acme", "a"));
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(old->version, 1'000u);
  STUB_ASSERT_OK_AND_ASSIGN(auto mid, reader2->GetOrg("acme"));
  ASSERT_TRUE(mid.has_value());
  EXPECT_EQ(mid->head_seq, 2'000u);
  reader->Rollback();
  reader2->Rollback();
  STUB_ASSERT_OK(update(2'101));
  EXPECT_EQ(store.GetStats().versions, 2u);

  // Pending-hold index entries go once the hold resolves.
  STUB_ASSERT_OK(
      Apply(store, [](Transaction& t) { return t.PutHold(MakeHold("acme", "h", kT0 + 10)); }));
  EXPECT_EQ(store.GetStats().versions, 4u);  // + hold + its index entry
  STUB_ASSERT_OK(Apply(store, [](Transaction& t) {
    return t.PutHold(MakeHold("acme", "h", kT0 + 20));  // moved: old index key dropped
  }));
  EXPECT_EQ(store.GetStats().versions, 4u);
  STUB_ASSERT_OK(Apply(store, [](Transaction& t) {
    return t.PutHold(MakeHold("acme", "h", kT0 + 20, HoldStatus::kCaptured));
  }));
  EXPECT_EQ(store.GetStats().versions, 3u);
}

TEST(MemoryStoreTest, LatencyIsInjectedBeforeEachCallAndBeforeCommit) {
  MemoryStore store;
  constexpr auto kOp = std::chrono::milliseconds(3);
  constexpr auto kCommit = std::chrono::milliseconds(5);
  const auto start = std::chrono::steady_clock::now();
  BEGIN(t, store, {.op_latency = kOp, .commit_latency = kCommit});
  STUB_ASSERT_OK_AND_ASSIGN(auto org, t->GetOrg("acme"));
  STUB_ASSERT_OK_AND_ASSIGN(auto nodes, t->ListNodes("acme"));
  STUB_ASSERT_OK(t->PutOrg(MakeOrg("acme")));
  STUB_ASSERT_OK(t->Commit());
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, 3 * kOp + kCommit);  // a lower bound only
}

TEST(MemoryStoreTest, TamperingRewritesTheJournalForNewSnapshots) {
  MemoryStore store;
  STUB_ASSERT_OK(Apply(store, [](Transaction& t) {
    for (std::uint64_t seq = 1; seq <= 4; ++seq) {
      STUB_RETURN_IF_ERROR(t.AppendEntry(MakeEntry("acme", seq, 100)));
    }
    return t.AppendEntry(MakeEntry("beta", 1, 100));
  }));
  std::vector<std::uint64_t> seen_seqs;
  store.TamperWithJournalForTesting("acme", [&](std::vector<Entry>& entries) {
    for (const auto& e : entries) seen_seqs.push_back(e.seq);
    entries[1].amount = 999;             // edit seq 2
    entries.erase(entries.begin() + 2);  // delete seq 3
    entries[2].seq = 7;                  // renumber seq 4 as 7
    std::swap(entries[0], entries[1]);   // reorder (keys follow the seqs)
  });
  EXPECT_EQ(seen_seqs, (std::vector<std::uint64_t>{1, 2, 3, 4}));
  BEGIN(r, store);
  STUB_ASSERT_OK_AND_ASSIGN(auto entries, r->ListEntries("acme", 0, 10));
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0], MakeEntry("acme", 1, 100));
  EXPECT_EQ(entries[1].seq, 2u);
  EXPECT_EQ(entries[1].amount, 999);
  EXPECT_EQ(entries[2].seq, 7u);
  STUB_ASSERT_OK_AND_ASSIGN(auto other, r->ListEntries("beta", 0, 10));
  EXPECT_EQ(other, std::vector<Entry>{MakeEntry("beta", 1, 100)});
  // The deleted seq is free again; the renumbered one is taken.
  STUB_EXPECT_OK(Apply(store, [](Transaction& t) { return t.AppendEntry(MakeEntry("acme", 3)); }));
  EXPECT_EQ(Apply(store, [](Transaction& t) { return t.AppendEntry(MakeEntry("acme", 7)); }).code(),
            StatusCode::kConflict);
}

// More writes than WriteSet's linear-search threshold: lookups, overwrites and
// ordered scans go through its index.
TEST(MemoryStoreTest, LargeTransactionsReadTheirWritesInOrder) {
  MemoryStore store;
  STUB_ASSERT_OK(Apply(store, [](Transaction& t) {
    for (int i = 0; i < 50; i += 2) {
      STUB_RETURN_IF_ERROR(t.PutNode("acme", MakeNode("n" + std::to_string(100 + i))));
    }
    return Status::Ok();
  }));
  BEGIN(t, store);
  for (int i = 199; i >= 0; --i) {
    NodeRow n = MakeNode("n" + std::to_string(100 + i));
    n.version = static_cast<std::uint64_t>(i);
    STUB_ASSERT_OK(t->PutNode("acme", n));
    STUB_ASSERT_OK_AND_ASSIGN(auto back, t->GetNode("acme", n.node.id));
    ASSERT_EQ(back, n);
  }
  NodeRow again = MakeNode("n150");
  again.version = 9'999;
  STUB_ASSERT_OK(t->PutNode("acme", again));
  for (std::uint64_t seq = 300; seq >= 1; --seq) {
    STUB_ASSERT_OK(t->AppendEntry(MakeEntry("acme", seq)));
  }
  STUB_ASSERT_OK_AND_ASSIGN(auto nodes, t->ListNodes("acme"));
  ASSERT_EQ(nodes.size(), 200u);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    EXPECT_EQ(nodes[i].node.id, "n" + std::to_string(100 + i));
    EXPECT_EQ(nodes[i].version, i == 50 ? 9'999u : i);
  }
  STUB_ASSERT_OK_AND_ASSIGN(auto page, t->ListEntries("acme", 100, 3));
  ASSERT_EQ(page.size(), 3u);
  EXPECT_EQ(page[0].seq, 101u);
  EXPECT_EQ(page[2].seq, 103u);
  STUB_ASSERT_OK(t->Commit());
  BEGIN(r, store);
  STUB_ASSERT_OK_AND_ASSIGN(auto committed, r->ListNodes("acme"));
  EXPECT_EQ(committed, nodes);
  STUB_ASSERT_OK_AND_ASSIGN(auto all, r->ListEntries("acme", 0, 1'000));
  EXPECT_EQ(all.size(), 300u);
}

}  // namespace
}  // namespace stub
