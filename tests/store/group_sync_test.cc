// GroupSync: the bookkeeping behind pipelined durability.
#include "store/group_sync.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

namespace stub {
namespace {

TEST(GroupSyncTest, NothingCommittedNeedsNoSync) {
  GroupSync g;
  int syncs = 0;
  EXPECT_TRUE(g.Wait([&] {
                 ++syncs;
                 return Status::Ok();
               }).ok());
  EXPECT_EQ(syncs, 0);
}

TEST(GroupSyncTest, OneSyncCoversEveryCommitBeforeItAndNoneAfter) {
  GroupSync g;
  int syncs = 0;
  auto sync = [&] {
    ++syncs;
    return Status::Ok();
  };
  g.NoteCommit();
  g.NoteCommit();
  EXPECT_TRUE(g.Wait(sync).ok());
  EXPECT_EQ(syncs, 1);
  EXPECT_TRUE(g.Wait(sync).ok());  // still covered
  EXPECT_EQ(syncs, 1);
  g.NoteCommit();
  EXPECT_TRUE(g.Wait(sync).ok());
  EXPECT_EQ(syncs, 2);
}

// A commit noted while a sync is already running is not covered by it: its
// waiter runs (or waits for) a later sync.
TEST(GroupSyncTest, ACommitDuringASyncNeedsTheNextOne) {
  GroupSync g;
  g.NoteCommit();
  std::promise<void> in_sync, release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> syncs{0};
  std::thread first([&] {
    EXPECT_TRUE(g.Wait([&] {
                   if (syncs.fetch_add(1) == 0) {
                     in_sync.set_value();
                     released.wait();
                   }
                   return Status::Ok();
                 }).ok());
  });
  in_sync.get_future().wait();
  g.NoteCommit();  // after the running sync began
  std::thread second([&] {
    EXPECT_TRUE(g.Wait([&] {
                   syncs.fetch_add(1);
                   return Status::Ok();
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
        g.NoteCommit();
        EXPECT_TRUE(g.Wait([&] {
                       syncs.fetch_add(1);
                       std::this_thread::yield();
                       return Status::Ok();
                     }).ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_GE(syncs.load(), 1);
}

TEST(GroupSyncTest, AFailedFsyncPoisonsEveryLaterWait) {
  GroupSync g;
  g.NoteCommit();
  Status s = g.Wait([] { return Internal("fdatasync: EIO"); });
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  int syncs = 0;
  Status later = g.Wait([&] {
    ++syncs;
    return Status::Ok();
  });
  EXPECT_EQ(later.code(), StatusCode::kInternal);
  EXPECT_EQ(syncs, 0);
}

TEST(GroupSyncTest, ATransientFailureFailsOnlyItsRound) {
  GroupSync g;
  g.NoteCommit();
  EXPECT_EQ(g.Wait([] { return Unavailable("connection lost"); }).code(), StatusCode::kUnavailable);
  int syncs = 0;
  EXPECT_TRUE(g.Wait([&] {
                 ++syncs;
                 return Status::Ok();
               }).ok());
  EXPECT_EQ(syncs, 1);
}

}  // namespace
}  // namespace stub
