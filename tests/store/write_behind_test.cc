#include "store/write_behind.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

namespace stub {
namespace {

TEST(WriteBehindTest, RunsEveryTaskInOrderBeforeWaitReturns) {
  WriteBehind wb;
  std::vector<int> ran;  // touched by the worker, read after Wait
  for (int i = 0; i < 1'000; ++i) {
    wb.Push([&ran, i] {
      ran.push_back(i);
      return Status::Ok();
    });
  }
  EXPECT_TRUE(wb.Wait().ok());
  ASSERT_EQ(ran.size(), 1'000u);
  for (int i = 0; i < 1'000; ++i) ASSERT_EQ(ran[static_cast<std::size_t>(i)], i);
  // Fewer tasks than wake the worker on their own: Wait runs them.
  wb.Push([&ran] {
    ran.push_back(-1);
    return Status::Ok();
  });
  EXPECT_TRUE(wb.Wait().ok());
  EXPECT_EQ(ran.back(), -1);
  EXPECT_TRUE(wb.Wait().ok());  // nothing queued
}

TEST(WriteBehindTest, TheFirstFailureWinsAndLaterTasksAreSkipped) {
  WriteBehind wb;
  std::atomic<int> ran{0};
  for (int i = 0; i < 100; ++i) {
    wb.Push([&ran, i]() -> Status {
      ran.fetch_add(1);
      if (i == 10) return Conflict("first");
      if (i == 20) return Internal("second");
      return Status::Ok();
    });
  }
  Status s = wb.Wait();
  EXPECT_EQ(s.code(), StatusCode::kConflict);
  EXPECT_EQ(s.message(), "first");
  EXPECT_EQ(ran.load(), 11);
  // Reported once; the next round starts clean.
  wb.Push([] { return Status::Ok(); });
  EXPECT_TRUE(wb.Wait().ok());
}

// Task 0 is running (and will fail) when Reset is called: every task after
// it is either still queued (dropped) or skipped after the failure, so exactly
// one ran; the failure is forgotten and the worker takes new tasks.
TEST(WriteBehindTest, ResetDropsQueuedTasksAndForgetsTheFailure) {
  WriteBehind wb;
  std::promise<void> started;
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::atomic<int> ran{0};
  for (int i = 0; i < 32; ++i) {
    wb.Push([&ran, &started, gate, i]() -> Status {
      if (i == 0) {
        started.set_value();
        gate.wait();
      }
      ran.fetch_add(1);
      return i == 0 ? Internal("failed") : Status::Ok();
    });
  }
  started.get_future().wait();
  // Reset waits for the running task, so another thread lets it finish.
  std::thread opener([&] { release.set_value(); });
  wb.Reset();
  opener.join();
  EXPECT_EQ(ran.load(), 1);
  EXPECT_TRUE(wb.Wait().ok());  // the failure was forgotten
  wb.Push([&ran] {
    ran.fetch_add(1);
    return Status::Ok();
  });
  EXPECT_TRUE(wb.Wait().ok());
  EXPECT_EQ(ran.load(), 2);
}

}  // namespace
}  // namespace stub
