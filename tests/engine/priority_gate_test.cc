#include "engine/priority_gate.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>
#include <utility>

namespace stub {
namespace {

TEST(PriorityGateTest, AwaitClearReturnsAtOnceWhenNoPassIsHeld) {
  PriorityGate gate;
  gate.AwaitClear();
  { PriorityGate::Pass pass = gate.Enter(); }
  gate.AwaitClear();  // the pass has left
}

// The waiter checks that every pass had been released before it got through.
// (If the waiter is slow to reach AwaitClear the test proves less, never fails
// wrongly.)
TEST(PriorityGateTest, AwaitClearWaitsUntilEveryPassHasLeft) {
  PriorityGate gate;
  std::atomic<int> released{0};
  std::optional<PriorityGate::Pass> first(gate.Enter());
  std::optional<PriorityGate::Pass> second(gate.Enter());
  std::atomic<int> seen{-1};
  std::thread waiter([&] {
    gate.AwaitClear();
    seen.store(released.load());
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  released.fetch_add(1);
  first.reset();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(seen.load(), -1) << "the waiter passed while a pass was still held";
  released.fetch_add(1);
  second.reset();
  waiter.join();
  EXPECT_EQ(seen.load(), 2);
}

TEST(PriorityGateTest, AMovedPassLeavesOnce) {
  PriorityGate gate;
  std::optional<PriorityGate::Pass> moved;
  {
    PriorityGate::Pass pass = gate.Enter();
    moved.emplace(std::move(pass));
  }  // the moved-from pass leaves nothing
  std::atomic<bool> through{false};
  std::thread waiter([&] {
    gate.AwaitClear();
    through.store(true);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(through.load());
  moved.reset();
  waiter.join();
  EXPECT_TRUE(through.load());
  // And the count is back at zero, not below: a new pass blocks again.
  std::optional<PriorityGate::Pass> again(gate.Enter());
  std::atomic<bool> second_through{false};
  std::thread second([&] {
    gate.AwaitClear();
    second_through.store(true);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(second_through.load());
  again.reset();
  second.join();
  EXPECT_TRUE(second_through.load());
}

}  // namespace
}  // namespace stub
