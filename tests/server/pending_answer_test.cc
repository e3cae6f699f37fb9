#include "server/pending_answer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <string>
#include <thread>
#include <vector>

namespace stub {
namespace {

ApiResponse Answer(int status, std::string body) {
  ApiResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

TEST(PendingAnswerTest, TapsSeeTheAnswerInOrderBeforeTheCallback) {
  PendingAnswer pending;
  std::vector<std::string> seen;
  pending.AddTap(
      [&](const ApiResponse& a) { seen.push_back("metrics " + std::to_string(a.status)); });
  pending.AddTap([&](const ApiResponse& a) { seen.push_back("log " + a.body); });
  pending.OnReady([&](ApiResponse a) { seen.push_back("session " + a.body); });
  EXPECT_TRUE(seen.empty());
  pending.Resolve(Answer(201, "{}"));
  EXPECT_EQ(seen, (std::vector<std::string>{"metrics 201", "log {}", "session {}"}));
}

TEST(PendingAnswerTest, AnAnswerThatArrivedFirstIsTappedAndTakenAtOnce) {
  PendingAnswer pending;
  std::vector<std::string> seen;
  pending.Resolve(Answer(402, "denied"));
  pending.AddTap([&](const ApiResponse& a) { seen.push_back("tap " + a.body); });
  EXPECT_EQ(seen, (std::vector<std::string>{"tap denied"}));
  pending.OnReady([&](ApiResponse a) { seen.push_back("callback " + std::to_string(a.status)); });
  EXPECT_EQ(seen, (std::vector<std::string>{"tap denied", "callback 402"}));
}

TEST(PendingAnswerTest, TheCallbackGetsTheAnswerWhenTapsWereAddedBeforeIt) {
  PendingAnswer pending;
  int taps = 0;
  pending.AddTap([&](const ApiResponse&) { ++taps; });
  pending.Resolve(Answer(201, "x"));
  EXPECT_EQ(taps, 1);  // ran on the resolving thread
  std::string body;
  pending.OnReady([&](ApiResponse a) { body = a.body; });
  EXPECT_EQ(body, "x");
  EXPECT_EQ(taps, 1);
}

// The batcher's syncer resolves the answer while the event loop is still
// registering: here a tap added while the resolving thread runs the first
// one. It must still run, once, before the callback.
TEST(PendingAnswerTest, ATapAddedWhileTheAnswerIsBeingTappedStillRunsBeforeTheCallback) {
  PendingAnswer pending;
  std::promise<void> entered;
  std::promise<void> go;
  std::vector<std::string> seen;  // written by one thread at a time (the promises order them)
  pending.AddTap([&](const ApiResponse&) {
    seen.push_back("first");
    entered.set_value();
    go.get_future().wait();
  });
  std::thread resolver([&] { pending.Resolve(Answer(201, "ok")); });
  entered.get_future().wait();  // the resolver is inside the first tap
  pending.AddTap([&](const ApiResponse& a) { seen.push_back("second " + a.body); });
  std::atomic<int> calls{0};
  pending.OnReady([&](ApiResponse a) {
    seen.push_back("callback " + std::to_string(a.status));
    ++calls;
  });
  go.set_value();
  resolver.join();
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(seen, (std::vector<std::string>{"first", "second ok", "callback 201"}));
}

}  // namespace
}  // namespace stub
