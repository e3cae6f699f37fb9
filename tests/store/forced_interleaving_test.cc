#include "store/forced_interleaving.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "store/memory/memory_store.h"
#include "store_contract.h"

namespace stub {
namespace {

using store_testing::MakeOrg;
using Step = ForcedInterleaving::Step;

struct Observed {
  std::string actor;
  HookPoint point;
  std::uint64_t txn;
};

struct RaceResult {
  std::vector<Observed> log;  // the steps as consumed, in order
  std::uint64_t a_read = 0;   // the counter each transaction read
  std::uint64_t b_read = 0;
  StatusCode a_commit = StatusCode::kInternal;
  StatusCode b_commit = StatusCode::kInternal;
  std::uint64_t final_value = 0;
  bool done = false;
};

// Two threads, actors "A" and "B", each run one read-modify-write of the org
// row's counter under `script`.
RaceResult RunIncrementRace(const std::vector<Step>& script) {
  RaceResult result;
  ForcedInterleaving fi(script, ForcedInterleaving::kDefaultTimeout,
                        [&](std::size_t, const Step& step, std::uint64_t txn) {
                          result.log.push_back({step.actor, step.point, txn});
                        });
  MemoryStore::Options options;
  options.hook = [&fi](HookPoint p, std::uint64_t id) { fi.OnHook(p, id); };
  MemoryStore store(std::move(options));
  {
    // No actor on this thread: the script does not apply.
    auto seed = store.Begin();
    EXPECT_TRUE(seed.ok());
    EXPECT_TRUE((*seed)->PutOrg(MakeOrg("acme")).ok());
    EXPECT_TRUE((*seed)->Commit().ok());
  }
  auto increment = [&](const char* actor, std::uint64_t* read, StatusCode* commit) {
    ForcedInterleaving::ActorScope scope(fi, actor);
    auto txn = store.Begin();
    ASSERT_TRUE(txn.ok());
    auto org = (*txn)->GetOrg("acme");
    ASSERT_TRUE(org.ok() && org->has_value());
    OrgRow row = **org;
    *read = row.head_seq++;
    ASSERT_TRUE((*txn)->PutOrg(row).ok());
    *commit = (*txn)->Commit().code();
  };
  std::thread a(increment, "A", &result.a_read, &result.a_commit);
  std::thread b(increment, "B", &result.b_read, &result.b_commit);
  a.join();
  b.join();
  result.done = fi.Done();
  auto r = store.Begin({.read_only = true});
  EXPECT_TRUE(r.ok());
  auto org = (*r)->GetOrg("acme");
  EXPECT_TRUE(org.ok() && org->has_value());
  result.final_value = (**org).head_seq;
  return result;
}

std::vector<std::pair<std::string, HookPoint>> Steps(const std::vector<Observed>& log) {
  std::vector<std::pair<std::string, HookPoint>> out;
  for (const auto& o : log) out.emplace_back(o.actor, o.point);
  return out;
}

std::vector<std::pair<std::string, HookPoint>> Steps(const std::vector<Step>& script) {
  std::vector<std::pair<std::string, HookPoint>> out;
  for (const auto& s : script) out.emplace_back(s.actor, s.point);
  return out;
}

// Every step of both transactions is scripted, so the log is the script and
// each actor's steps carry its own transaction's id.
void ExpectLogFollowsScript(const RaceResult& r, const std::vector<Step>& script) {
  EXPECT_TRUE(r.done);
  ASSERT_EQ(Steps(r.log), Steps(script));
  std::uint64_t a_txn = 0;
  std::uint64_t b_txn = 0;
  for (const auto& o : r.log) {
    std::uint64_t& id = o.actor == "A" ? a_txn : b_txn;
    if (id == 0) id = o.txn;
    EXPECT_EQ(o.txn, id) << o.actor << " at " << HookPointName(o.point);
  }
  EXPECT_NE(a_txn, b_txn);
}

TEST(ForcedInterleavingTest, ForcesTheScriptedOrderAcrossTwoThreadsEveryTime) {
  // Both begin and read; A commits before B writes: B loses.
  const std::vector<Step> a_wins = {
      {"A", HookPoint::kBegin},       {"B", HookPoint::kBegin}, {"A", HookPoint::kRead},
      {"B", HookPoint::kRead},        {"A", HookPoint::kWrite}, {"A", HookPoint::kBeforeCommit},
      {"A", HookPoint::kAfterCommit}, {"B", HookPoint::kWrite}, {"B", HookPoint::kBeforeCommit},
      {"B", HookPoint::kAfterCommit}};
  // The mirror image: B commits first, A loses.
  const std::vector<Step> b_wins = {
      {"A", HookPoint::kBegin},        {"B", HookPoint::kBegin},
      {"B", HookPoint::kRead},         {"B", HookPoint::kWrite},
      {"B", HookPoint::kBeforeCommit}, {"B", HookPoint::kAfterCommit},
      {"A", HookPoint::kRead},         {"A", HookPoint::kWrite},
      {"A", HookPoint::kBeforeCommit}, {"A", HookPoint::kAfterCommit}};
  for (int rep = 0; rep < 50; ++rep) {
    SCOPED_TRACE("repetition " + std::to_string(rep));
    RaceResult r1 = RunIncrementRace(a_wins);
    ExpectLogFollowsScript(r1, a_wins);
    EXPECT_EQ(r1.a_read, 0u);
    EXPECT_EQ(r1.b_read, 0u);
    EXPECT_EQ(r1.a_commit, StatusCode::kOk);
    EXPECT_EQ(r1.b_commit, StatusCode::kConflict);
    EXPECT_EQ(r1.final_value, 1u);

    RaceResult r2 = RunIncrementRace(b_wins);
    ExpectLogFollowsScript(r2, b_wins);
    EXPECT_EQ(r2.a_read, 0u);  // A's snapshot predates B's commit
    EXPECT_EQ(r2.b_read, 0u);
    EXPECT_EQ(r2.a_commit, StatusCode::kConflict);
    EXPECT_EQ(r2.b_commit, StatusCode::kOk);
    EXPECT_EQ(r2.final_value, 1u);
    if (::testing::Test::HasFailure()) break;
  }
}

// A script may name only some points: unscripted hook calls, threads without
// an actor and actors with no steps left pass straight through.
TEST(ForcedInterleavingTest, UnscriptedCallsPassThrough) {
  // B's commit must wait for A's first read; nothing else is ordered.
  const std::vector<Step> script = {{"A", HookPoint::kRead}, {"B", HookPoint::kBeforeCommit}};
  std::vector<std::string> log;
  ForcedInterleaving fi(script, ForcedInterleaving::kDefaultTimeout,
                        [&](std::size_t i, const Step& s, std::uint64_t) {
                          log.push_back(std::to_string(i) + ":" + s.actor);
                        });
  MemoryStore::Options options;
  options.hook = [&fi](HookPoint p, std::uint64_t id) { fi.OnHook(p, id); };
  MemoryStore store(std::move(options));
  EXPECT_FALSE(fi.Done());

  // This thread has no actor: nothing blocks it.
  {
    auto t = store.Begin();
    ASSERT_TRUE(t.ok());
    ASSERT_TRUE((*t)->GetOrg("acme").ok());
    ASSERT_TRUE((*t)->Commit().ok());
  }
  EXPECT_EQ(fi.consumed(), 0u);

  std::thread b([&] {
    ForcedInterleaving::ActorScope scope(fi, "B");
    auto t = store.Begin();  // unscripted: passes
    ASSERT_TRUE(t.ok());
    ASSERT_TRUE((*t)->PutOrg(MakeOrg("b")).ok());  // unscripted: passes
    ASSERT_TRUE((*t)->Commit().ok());              // waits for A's read
  });
  std::thread a([&] {
    ForcedInterleaving::ActorScope scope(fi, "A");
    auto t = store.Begin();
    ASSERT_TRUE(t.ok());
    ASSERT_TRUE((*t)->GetOrg("acme").ok());  // step 0
    ASSERT_TRUE((*t)->GetOrg("acme").ok());  // A has no steps left
    ASSERT_TRUE((*t)->Commit().ok());
  });
  a.join();
  b.join();
  EXPECT_TRUE(fi.Done());
  EXPECT_EQ(log, (std::vector<std::string>{"0:A", "1:B"}));

  // Another ForcedInterleaving's actor is not this one's.
  ForcedInterleaving other({{"A", HookPoint::kBegin}});
  ForcedInterleaving::ActorScope scope(other, "A");
  fi.OnHook(HookPoint::kBegin, 0);  // returns at once
  EXPECT_FALSE(other.Done());
  other.OnHook(HookPoint::kBegin, 0);
  EXPECT_TRUE(other.Done());
}

TEST(ForcedInterleavingTest, ScopesNestAndRestore) {
  ForcedInterleaving fi({{"inner", HookPoint::kRead}, {"outer", HookPoint::kRead}});
  {
    ForcedInterleaving::ActorScope outer(fi, "outer");
    {
      ForcedInterleaving::ActorScope inner(fi, "inner");
      fi.OnHook(HookPoint::kRead, 1);
    }
    fi.OnHook(HookPoint::kRead, 2);
  }
  EXPECT_TRUE(fi.Done());
}

// A script that cannot complete aborts loudly, naming the stuck step, instead
// of hanging the test.
TEST(ForcedInterleavingDeathTest, AStuckScriptAbortsWithAMessage) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        // B never runs, so A waits for B's step forever.
        ForcedInterleaving fi({{"B", HookPoint::kBegin}, {"A", HookPoint::kBegin}},
                              std::chrono::milliseconds(100));
        MemoryStore::Options options;
        options.hook = [&fi](HookPoint p, std::uint64_t id) { fi.OnHook(p, id); };
        MemoryStore store(std::move(options));
        ForcedInterleaving::ActorScope scope(fi, "A");
        auto txn = store.Begin();
      },
      "ForcedInterleaving: stuck .* actor 'A' \\(txn 1\\) waits at step #1 \\{A, begin\\}, "
      "but the script still waits for step #0 \\{B, begin\\}");
}

}  // namespace
}  // namespace stub
