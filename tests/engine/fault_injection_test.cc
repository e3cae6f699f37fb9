// The engine and the group committer over a store that fails, lies and
// stalls (FaultInjectionStore): a caller hears "overloaded" at its deadline
// instead of hanging, a failed commit or sync is never acknowledged, nothing
// partial is left behind, and every acknowledged answer replays identically.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "engine/batcher.h"
#include "engine_fixture.h"
#include "store/fault_injection_store.h"
#include "store/memory/memory_store.h"
#include "test_seed.h"

namespace stub {
namespace {

using testing::Amt;
using testing::ExpectVerifies;
using testing::HeadSeq;
using testing::MakeSpend;
using testing::MakeTree;

constexpr std::chrono::hours kForever{1};

// Submits and returns a future of the answer.
std::future<Result<SpendResult>> SubmitFuture(SpendBatcher& batcher, SpendRequest request) {
  auto promise = std::make_shared<std::promise<Result<SpendResult>>>();
  auto future = promise->get_future();
  batcher.Submit(std::move(request),
                 [promise](Result<SpendResult> r) { promise->set_value(std::move(r)); });
  return future;
}

void ExpectOverloaded(const Result<SpendResult>& r) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.status().reason(), "overloaded");
}

TEST(FaultInjectionStoreTest, FailsTheNthCallAndCommitAfterApplies) {
  MemoryStore base;
  FaultInjectionStore store(base, 1);
  SystemClock clock;
  Engine engine(store, clock, {.max_attempts = 1});
  MakeTree(engine, {}, {}, {});
  store.FailNth(FaultPoint::kCommitAfter, 1, Unavailable("injected: commit reported failed"));
  auto r = engine.Spend(MakeSpend("mkt-1", "1", "k1"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(store.Injected(), 1u);
  // It did commit: the retry with its key replays it, and there is one spend.
  auto again = engine.Spend(MakeSpend("mkt-1", "1", "k1"));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->outcome.status, OutcomeStatus::kApproved);
  EXPECT_EQ(again->outcome.amount, Amt("1"));
  ExpectVerifies(engine);
}

TEST(FaultInjectionStoreTest, CommitBeforeAppliesNothing) {
  MemoryStore base;
  FaultInjectionStore store(base, 1);
  SystemClock clock;
  Engine engine(store, clock, {.max_attempts = 1});
  MakeTree(engine, {}, {}, {});
  const std::uint64_t head = HeadSeq(engine);
  store.FailNth(FaultPoint::kCommitBefore, 1, Unavailable("injected"));
  auto r = engine.Spend(MakeSpend("mkt-1", "1", "k1"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(HeadSeq(engine), head);
  auto again = engine.Spend(MakeSpend("mkt-1", "1", "k1"));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_FALSE(again->replayed);
  EXPECT_EQ(HeadSeq(engine), head + 1);
  ExpectVerifies(engine);
}

// A store that stops answering: the caller hears 503-overloaded at its
// deadline, the batcher reports itself stalled, and once the store answers
// again spends go through — with the timed-out one replayed by its key.
TEST(BatcherDeadlineTest, AStalledStoreAnswersOverloadedAndRecovers) {
  MemoryStore base;
  FaultInjectionStore store(base, 1);
  SystemClock clock;
  Engine engine(store, clock);
  MakeTree(engine, {}, {}, {});
  const std::uint64_t head = HeadSeq(engine);
  SpendBatcher batcher(engine, {.answer_timeout = std::chrono::milliseconds(100),
                                .stall_after = std::chrono::milliseconds(50)});
  EXPECT_FALSE(batcher.Stalled());
  store.Stall(FaultPoint::kBegin, kForever);
  ExpectOverloaded(batcher.Apply(MakeSpend("mkt-1", "1", "k1")));
  EXPECT_TRUE(batcher.Stalled());
  EXPECT_EQ(batcher.Stats().timed_out, 1u);

  store.ReleaseStalls();
  // k1 was in the committer's hands: it commits after all, and its retry
  // replays it.
  auto retried = batcher.Apply(MakeSpend("mkt-1", "1", "k1"));
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_TRUE(retried->replayed);
  EXPECT_EQ(retried->outcome.status, OutcomeStatus::kApproved);
  auto fresh = batcher.Apply(MakeSpend("mkt-1", "1", "k2"));
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  EXPECT_FALSE(fresh->replayed);
  EXPECT_FALSE(batcher.Stalled());
  EXPECT_EQ(batcher.Stats().late, 1u);  // k1's first answer, dropped
  EXPECT_EQ(HeadSeq(engine), head + 2);
  ExpectVerifies(engine);
}

// A spend whose deadline passed while it was still queued is never applied:
// its caller was told to retry, so nobody waits for it.
TEST(BatcherDeadlineTest, ASpendTimedOutInTheQueueIsNotApplied) {
  MemoryStore base;
  FaultInjectionStore store(base, 1);
  SystemClock clock;
  Engine engine(store, clock);
  MakeTree(engine, {}, {}, {});
  const std::uint64_t head = HeadSeq(engine);
  SpendBatcher batcher(engine, {.max_batch = 1, .answer_timeout = std::chrono::milliseconds(100)});
  const std::uint64_t begins = store.Calls(FaultPoint::kBegin);
  store.Stall(FaultPoint::kBegin, kForever);
  auto first = SubmitFuture(batcher, MakeSpend("mkt-1", "1", "k1"));
  while (store.Calls(FaultPoint::kBegin) == begins) std::this_thread::yield();
  auto queued = SubmitFuture(batcher, MakeSpend("mkt-1", "1", "k2"));
  ExpectOverloaded(first.get());
  ExpectOverloaded(queued.get());
  store.ReleaseStalls();
  auto k3 = batcher.Apply(MakeSpend("mkt-1", "1", "k3"));
  ASSERT_TRUE(k3.ok()) << k3.status().ToString();
  EXPECT_EQ(HeadSeq(engine), head + 2);  // k1 (taken before its deadline) and k3
  auto k2 = batcher.Apply(MakeSpend("mkt-1", "1", "k2"));
  ASSERT_TRUE(k2.ok()) << k2.status().ToString();
  EXPECT_FALSE(k2->replayed);  // applied for the first time now
  ExpectVerifies(engine);
}

TEST(BatcherDeadlineTest, AFullQueueIsOverloaded) {
  MemoryStore base;
  FaultInjectionStore store(base, 1);
  SystemClock clock;
  Engine engine(store, clock);
  MakeTree(engine, {}, {}, {});
  SpendBatcher batcher(engine, {.max_batch = 1, .max_queue = 1});
  const std::uint64_t begins = store.Calls(FaultPoint::kBegin);
  store.Stall(FaultPoint::kBegin, kForever);
  auto first = SubmitFuture(batcher, MakeSpend("mkt-1", "1", "k1"));
  while (store.Calls(FaultPoint::kBegin) == begins) std::this_thread::yield();
  auto queued = SubmitFuture(batcher, MakeSpend("mkt-1", "1", "k2"));
  auto refused = SubmitFuture(batcher, MakeSpend("mkt-1", "1", "k3"));
  Result<SpendResult> r = refused.get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);  // retry later
  EXPECT_EQ(r.status().reason(), "overloaded");
  store.ReleaseStalls();
  EXPECT_TRUE(first.get().ok());
  EXPECT_TRUE(queued.get().ok());
  EXPECT_EQ(batcher.Stats().refused, 1u);
}

// A failed sync is never acknowledged (pipelined durability).
TEST(BatcherDeadlineTest, AFailedSyncIsNotAcknowledged) {
  MemoryStore base;
  FaultInjectionStore store(base, 1);
  store.SetPipelinedDurability(true);
  SystemClock clock;
  Engine engine(store, clock);
  MakeTree(engine, {}, {}, {});
  SpendBatcher batcher(engine);
  store.FailNth(FaultPoint::kMakeDurable, 1, Internal("injected: fsync failed"));
  auto r = batcher.Apply(MakeSpend("mkt-1", "1", "k1"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
  auto again = batcher.Apply(MakeSpend("mkt-1", "1", "k1"));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->replayed);
}

// Randomized: spends from several threads through the batcher while every
// point fails now and then (commits applied-but-reported-failed and failed
// syncs included). Then, faults off: every acknowledged answer replays
// identically by its key, the books verify, and the budget holds.
TEST(BatcherFaultCampaignTest, AcknowledgedSpendsReplayAndTheBooksVerify) {
  const std::uint64_t seed = testing_support::TestSeed();
  std::cout << "[ seed     ] STUB_TEST_SEED=" << seed << "\n";
  RecordProperty("seed", std::to_string(seed));
  SCOPED_TRACE("STUB_TEST_SEED=" + std::to_string(seed));
  std::mt19937_64 rng(seed);

  MemoryStore base;
  FaultInjectionStore store(base, seed);
  store.SetPipelinedDurability(true);
  SystemClock clock;
  Engine engine(store, clock,
                {.max_attempts = 3,
                 .backoff = {std::chrono::microseconds(10), std::chrono::microseconds(200)}});
  const std::vector<std::string> agents = {"a-0", "a-1", "a-2", "a-3"};
  MakeTree(engine, {{Amt("6"), Period::kTotal}}, {}, {}, agents);

  const double p = std::uniform_real_distribution<double>(0.02, 0.15)(rng);
  store.FailWithProbability(FaultPoint::kBegin, p, Unavailable("injected begin"));
  store.FailWithProbability(FaultPoint::kRead, p / 4, Unavailable("injected read"));
  store.FailWithProbability(FaultPoint::kWrite, p / 8, Unavailable("injected write"));
  store.FailWithProbability(FaultPoint::kCommitBefore, p, Conflict("injected commit"));
  store.FailWithProbability(FaultPoint::kCommitAfter, p, Unavailable("injected lie"));
  store.FailWithProbability(FaultPoint::kMakeDurable, p, Unavailable("injected sync"));

  struct Acked {
    SpendRequest request;
    Outcome outcome;
  };
  std::mutex mu;
  std::vector<Acked> acked;
  std::vector<SpendRequest> failed;
  constexpr int kCampaignThreads = 4, kCampaignSpendsPerThread = 40;
  {
    SpendBatcher batcher(engine, {.max_batch = 8});
    std::vector<std::thread> threads;
    for (int t = 0; t < kCampaignThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kCampaignSpendsPerThread; ++i) {
          SpendRequest req = MakeSpend(agents[static_cast<std::size_t>(t)], "0.1",
                                       "c" + std::to_string(t) + "-" + std::to_string(i));
          auto r = batcher.Apply(req);
          std::lock_guard lock(mu);
          if (r.ok()) {
            acked.push_back({std::move(req), r->outcome});
          } else {
            EXPECT_TRUE(r.status().code() == StatusCode::kUnavailable ||
                        r.status().code() == StatusCode::kConflict)
                << r.status().ToString();
            failed.push_back(std::move(req));
          }
        }
      });
    }
    for (auto& th : threads) th.join();
  }
  std::cout << "[ faults   ] p=" << p << " injected=" << store.Injected()
            << " acknowledged=" << acked.size() << " failed=" << failed.size() << "\n";
  store.ClearFaults();
  ExpectVerifies(engine);

  // Every acknowledged answer replays identically (a contention denial binds
  // no key: it is retried, not replayed).
  for (const Acked& a : acked) {
    auto again = engine.Spend(a.request);
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    if (a.outcome.denial && a.outcome.denial->reason == DenyReason::kContention) continue;
    EXPECT_TRUE(again->replayed) << a.request.idempotency_key;
    EXPECT_EQ(again->outcome.status, a.outcome.status) << a.request.idempotency_key;
    EXPECT_EQ(again->outcome.id, a.outcome.id) << a.request.idempotency_key;
    EXPECT_EQ(again->outcome.amount, a.outcome.amount);
    EXPECT_EQ(again->outcome.entry_seq, a.outcome.entry_seq);
    EXPECT_EQ(again->outcome.entry_hash, a.outcome.entry_hash);
  }
  // The failed ones, retried, each get exactly one decision.
  for (const SpendRequest& f : failed) {
    auto again = engine.Spend(f);
    ASSERT_TRUE(again.ok()) << again.status().ToString();
  }
  ExpectVerifies(engine);
  // Exactly what fits was approved: 6.00 / 0.10, no more.
  auto org = engine.GetNode("acme", "acme");
  ASSERT_TRUE(org.ok() && org->has_value());
  EXPECT_EQ(CurrentBalance((*org)->balances, Period::kTotal, clock.Now()).spent, Amt("6"));
}

}  // namespace
}  // namespace stub
