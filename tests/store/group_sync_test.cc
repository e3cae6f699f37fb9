// GroupSync: the bookkeeping behind pipelined durability — tickets, marks,
// shared syncs, and which commits a sync connection can vouch for.
#include "store/group_sync.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <thread>
#include <vector>

namespace stub {
namespace {

// A commit that returned OK: its ticket taken before, noted after.
std::uint64_t CommitOne(GroupSync& g) {
  const std::uint64_t ticket = g.Ticket();
  g.NoteCommit(ticket);
  return ticket;
}

// A sync that succeeds on a connection born at `birth`, counting its calls.
struct CountingSync {
  int calls = 0;
  std::uint64_t birth = 0;
  Result<std::uint64_t> operator()() {
    ++calls;
    return birth;
  }
};

TEST(GroupSyncTest, NothingCommittedNeedsNoSync) {
  GroupSync g;
  CountingSync sync;
  EXPECT_TRUE(g.Wait(0, std::ref(sync)).ok());
  EXPECT_EQ(sync.calls, 0);
}

TEST(GroupSyncTest, TicketsIncreaseAndTheMarkIsTheLastOne) {
  GroupSync g;
  EXPECT_EQ(g.Mark(), 0u);
  EXPECT_EQ(g.Ticket(), 1u);
  EXPECT_EQ(g.Ticket(), 2u);
  EXPECT_EQ(g.Mark(), 2u);
}

TEST(GroupSyncTest, OneSyncCoversEveryCommitBeforeItAndNoneAfter) {
  GroupSync g;
  CountingSync sync;
  CommitOne(g);
  CommitOne(g);
  EXPECT_TRUE(g.Wait(0, std::ref(sync)).ok());
  EXPECT_EQ(sync.calls, 1);
  EXPECT_TRUE(g.Wait(0, std::ref(sync)).ok());  // still covered
  EXPECT_EQ(sync.calls, 1);
  CommitOne(g);
  EXPECT_TRUE(g.Wait(0, std::ref(sync)).ok());
  EXPECT_EQ(sync.calls, 2);
}

// Commits at or before the mark are not the caller's concern.
TEST(GroupSyncTest, CommitsBeforeTheMarkNeedNoSync) {
  GroupSync g;
  CountingSync sync;
  CommitOne(g);
  CommitOne(g);
  const std::uint64_t mark = g.Mark();
  EXPECT_EQ(mark, 2u);
  EXPECT_TRUE(g.Wait(mark, std::ref(sync)).ok());
  EXPECT_EQ(sync.calls, 0);
  CommitOne(g);
  EXPECT_TRUE(g.Wait(mark, std::ref(sync)).ok());
  EXPECT_EQ(sync.calls, 1);
}

// A ticket taken but not (yet) noted — a commit in flight, or one that
// failed — does not hold anyone up.
TEST(GroupSyncTest, ATicketNeverNotedNeedsNoSync) {
  GroupSync g;
  CountingSync sync;
  (void)g.Ticket();
  EXPECT_TRUE(g.Wait(0, std::ref(sync)).ok());
  EXPECT_EQ(sync.calls, 0);
}

// A commit noted while a sync is already running is not covered by it: its
// waiter runs (or waits for) a later sync.
TEST(GroupSyncTest, ACommitDuringASyncNeedsTheNextOne) {
  GroupSync g;
  CommitOne(g);
  std::promise<void> in_sync, release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> syncs{0};
  std::thread first([&] {
    EXPECT_TRUE(g.Wait(0, [&]() -> Result<std::uint64_t> {
                   if (syncs.fetch_add(1) == 0) {
                     in_sync.set_value();
                     released.wait();
                   }
                   return std::uint64_t{0};
                 }).ok());
  });
  in_sync.get_future().wait();
  const std::uint64_t mark = g.Mark();
  CommitOne(g);  // after the running sync began
  std::thread second([&] {
    EXPECT_TRUE(g.Wait(mark, [&]() -> Result<std::uint64_t> {
                   syncs.fetch_add(1);
                   return std::uint64_t{0};
                 }).ok());
  });
  release.set_value();
  first.join();
  second.join();
  EXPECT_EQ(syncs.load(), 2);
}

// Every waiter returns OK (run under the sanitizers for the data races).
TEST(GroupSyncTest, ConcurrentWaitersAllReturn) {
  GroupSync g;
  std::atomic<int> syncs{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        const std::uint64_t mark = g.Mark();
        CommitOne(g);
        EXPECT_TRUE(g.Wait(mark, [&]() -> Result<std::uint64_t> {
                       syncs.fetch_add(1);
                       std::this_thread::yield();
                       return std::uint64_t{0};
                     }).ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_GE(syncs.load(), 1);
  EXPECT_LE(syncs.load(), 800);
}

TEST(GroupSyncTest, AFailedFsyncPoisonsEveryLaterWait) {
  GroupSync g;
  CommitOne(g);
  Status s = g.Wait(0, []() -> Result<std::uint64_t> { return Internal("fdatasync: EIO"); });
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_EQ(s.message(), "fdatasync: EIO");
  CountingSync sync;
  Status later = g.Wait(g.Mark(), std::ref(sync));
  EXPECT_EQ(later.code(), StatusCode::kInternal);
  EXPECT_EQ(sync.calls, 0);
}

// A failed sync on a connection that is still the oldest (birth 0: e.g. a
// timeout, then success on the same connection) fails its round only.
TEST(GroupSyncTest, ATransientFailureFailsOnlyItsRound) {
  GroupSync g;
  CommitOne(g);
  Status failed =
      g.Wait(0, []() -> Result<std::uint64_t> { return Unavailable("connection lost"); });
  EXPECT_EQ(failed.code(), StatusCode::kUnavailable);
  EXPECT_EQ(failed.message(), "connection lost");
  CountingSync sync;
  EXPECT_TRUE(g.Wait(0, std::ref(sync)).ok());
  EXPECT_EQ(sync.calls, 1);
}

// The server crashed after commits 1 and 2 returned, before a sync proved
// them: the old sync connection fails, the next sync runs on a connection
// born after them (birth 2), which cannot vouch for them. Both are in doubt
// for every caller whose mark precedes them; a later commit is durable.
TEST(GroupSyncTest, CommitsBeforeANewSyncConnectionAreInDoubt) {
  GroupSync g;
  const std::uint64_t mark0 = g.Mark();
  CommitOne(g);
  const std::uint64_t mark1 = g.Mark();
  CommitOne(g);
  EXPECT_EQ(
      g.Wait(mark0, []() -> Result<std::uint64_t> { return Unavailable("server closed"); }).code(),
      StatusCode::kUnavailable);
  CountingSync reborn{.calls = 0, .birth = g.Mark()};  // reconnected: birth 2
  Status s = g.Wait(mark0, std::ref(reborn));
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.reason(), "durability_in_doubt");
  EXPECT_EQ(reborn.calls, 1);
  // Decided for good: no further sync, the same answer.
  EXPECT_EQ(g.Wait(mark1, std::ref(reborn)).reason(), "durability_in_doubt");
  EXPECT_EQ(reborn.calls, 1);
  // Nothing after mark 2 is in doubt.
  const std::uint64_t mark2 = g.Mark();
  EXPECT_TRUE(g.Wait(mark2, std::ref(reborn)).ok());
  CommitOne(g);  // ticket 3 > birth 2: executed while the new connection was open
  EXPECT_TRUE(g.Wait(mark2, std::ref(reborn)).ok());
  EXPECT_EQ(reborn.calls, 2);
  // A caller from before the crash still hears "in doubt".
  EXPECT_EQ(g.Wait(mark0, std::ref(reborn)).reason(), "durability_in_doubt");
}

// The ticket comes before the commit: a commit whose ticket was taken before
// the sync connection opened, but which returned (and was noted) after, may
// have been executed by the server that crashed — in doubt.
TEST(GroupSyncTest, ATicketTakenBeforeTheBirthIsInDoubtEvenIfNotedAfter) {
  GroupSync g;
  const std::uint64_t ticket = g.Ticket();
  CountingSync reborn{.calls = 0, .birth = g.Mark()};  // connected now: birth 1
  g.NoteCommit(ticket);
  EXPECT_EQ(g.Wait(0, std::ref(reborn)).reason(), "durability_in_doubt");
  EXPECT_EQ(reborn.calls, 1);
}

// A round that began before a waiter's call and fails does not fail that
// waiter: its commit was not covered; it runs the next round itself.
TEST(GroupSyncTest, AFailedRoundFailsOnlyTheWaitersItCovered) {
  GroupSync g;
  CommitOne(g);
  std::promise<void> in_sync, release;
  std::shared_future<void> released = release.get_future().share();
  std::thread first([&] {
    Status s = g.Wait(0, [&]() -> Result<std::uint64_t> {
      in_sync.set_value();
      released.wait();
      return Unavailable("connection lost");
    });
    EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  });
  in_sync.get_future().wait();
  const std::uint64_t mark = g.Mark();
  CommitOne(g);
  std::promise<Status> second_result;
  std::atomic<int> second_syncs{0};
  std::thread second([&] {
    second_result.set_value(g.Wait(mark, [&]() -> Result<std::uint64_t> {
      second_syncs.fetch_add(1);
      return std::uint64_t{0};  // the same, oldest connection
    }));
  });
  // Let the second waiter block on the running round, then fail that round.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  release.set_value();
  first.join();
  second.join();
  EXPECT_TRUE(second_result.get_future().get().ok());
  EXPECT_EQ(second_syncs.load(), 1);
}

// Past kMaxInDoubt in-doubt tickets the oldest fold into a floor: callers
// with an old mark hear "in doubt", later ones are unaffected.
TEST(GroupSyncTest, InDoubtTicketsAreBounded) {
  GroupSync g;
  const std::uint64_t n = GroupSync::kMaxInDoubt + 10;
  for (std::uint64_t i = 0; i < n; ++i) CommitOne(g);
  CountingSync reborn{.calls = 0, .birth = g.Mark()};
  EXPECT_EQ(g.Wait(0, std::ref(reborn)).reason(), "durability_in_doubt");
  EXPECT_EQ(g.Wait(n - 1, std::ref(reborn)).reason(), "durability_in_doubt");
  EXPECT_TRUE(g.Wait(n, std::ref(reborn)).ok());
  CommitOne(g);
  EXPECT_TRUE(g.Wait(n, std::ref(reborn)).ok());
  EXPECT_EQ(reborn.calls, 2);
}

}  // namespace
}  // namespace stub
