// Group commit through SpendBatcher, on the memory and the SQLite store: many
// threads, one tight budget; exactly what fits is approved, every spend got
// its own decision, and the books verify.
#include "engine/batcher.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <future>
#include <thread>

#include "engine_fixture.h"
#include "store/memory/memory_store.h"
#include "store/sqlite/sqlite_store.h"

namespace stub {
namespace {

using testing::Amt;
using testing::MakeSpend;
using testing::MakeTree;

struct StoreCase {
  const char* name;
  std::function<std::unique_ptr<Store>(const std::filesystem::path& dir)> open;
};

class BatcherTest : public ::testing::TestWithParam<StoreCase> {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("stub-batcher-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_ = GetParam().open(dir_);
    ASSERT_NE(store_, nullptr);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
};

TEST_P(BatcherTest, ConcurrentSpendsShareTransactionsAndExactlyWhatFitsIsApproved) {
  SystemClock clock;
  Engine engine(*store_, clock);
  std::vector<std::string> agents;
  for (int i = 0; i < 8; ++i) agents.push_back("a-" + std::to_string(i));
  MakeTree(engine, {{Amt("10"), Period::kTotal}}, {{Amt("7.5"), Period::kMonth}}, {}, agents);
  const std::uint64_t base = testing::HeadSeq(engine);  // the limits' config entries

  std::atomic<int> approved{0}, denied{0}, errors{0};
  {
    SpendBatcher batcher(engine, {.max_batch = 16});
    std::vector<std::thread> threads;
    for (int t = 0; t < 16; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 25; ++i) {
          auto r = batcher.Apply(MakeSpend(agents[static_cast<std::size_t>(t % 8)], "0.1",
                                           "t" + std::to_string(t) + "-" + std::to_string(i)));
          if (!r.ok()) {
            ++errors;
          } else if (r->outcome.status == OutcomeStatus::kApproved) {
            ++approved;
          } else {
            ++denied;
            EXPECT_EQ(r->outcome.denial->reason, DenyReason::kBudgetExceeded);
            EXPECT_EQ(r->outcome.denial->node, "marketing");
          }
        }
      });
    }
    for (auto& t : threads) t.join();
    const BatcherStats stats = batcher.Stats();
    EXPECT_EQ(stats.spends, 400u);
    EXPECT_GE(stats.batches, 25u);  // at most 16 per batch
    EXPECT_LE(stats.batches, 400u);
  }
  EXPECT_EQ(errors, 0);
  EXPECT_EQ(approved, 75);  // 7.5 / 0.1 exactly
  EXPECT_EQ(denied, 400 - 75);
  auto report = engine.Verify("acme");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->ok);
  EXPECT_EQ(report->entries, base + 75u);
}

// What the LLM gateway does: hold the most a call may cost, then capture what
// it cost — both through the batcher, from many threads at once.
TEST_P(BatcherTest, HoldsAndCapturesShareBatchesAndNeverOverspend) {
  SystemClock clock;
  Engine engine(*store_, clock);
  std::vector<std::string> agents;
  for (int i = 0; i < 8; ++i) agents.push_back("a-" + std::to_string(i));
  MakeTree(engine, {}, {{Amt("3"), Period::kMonth}}, {}, agents);
  const std::uint64_t base = testing::HeadSeq(engine);

  std::atomic<int> captured{0}, denied{0}, errors{0};
  {
    SpendBatcher batcher(engine, {.max_batch = 16});
    std::vector<std::thread> threads;
    for (int t = 0; t < 16; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 20; ++i) {
          const std::string key = "t" + std::to_string(t) + "-" + std::to_string(i);
          auto held = batcher.Apply(
              HoldRequest{.spend = MakeSpend(agents[static_cast<std::size_t>(t % 8)], "0.3", key)});
          if (!held.ok()) {
            ++errors;
            continue;
          }
          if (held->outcome.status == OutcomeStatus::kDenied) {
            ++denied;
            EXPECT_EQ(held->outcome.denial->reason, DenyReason::kBudgetExceeded);
            continue;
          }
          EXPECT_EQ(held->outcome.status, OutcomeStatus::kHeld);
          // Half the threads hear their captures at commit, as the gateway does.
          auto spent = batcher.Apply(
              CaptureRequest{.org = "acme", .hold_id = held->outcome.id, .amount = Amt("0.1")},
              t % 2 == 0 ? AnswerAt::kDurable : AnswerAt::kCommit);
          if (!spent.ok()) {
            ++errors;
            ADD_FAILURE() << spent.status().ToString();
          } else {
            ++captured;
            EXPECT_EQ(spent->outcome.amount, Amt("0.1"));
          }
        }
      });
    }
    for (auto& t : threads) t.join();
    const BatcherStats stats = batcher.Stats();
    EXPECT_EQ(stats.spends, 320u + static_cast<std::uint64_t>(captured.load()));
  }
  EXPECT_EQ(errors, 0);
  EXPECT_EQ(captured + denied, 320);
  // At most 3 / 0.1 captures fit; how many holds met a full budget depends
  // on the interleaving, the books never do.
  EXPECT_LE(captured, 30);
  EXPECT_GE(captured, 1);
  auto team = engine.GetNode("acme", "marketing");
  ASSERT_TRUE(team.ok() && team->has_value());
  const BucketBalance now = CurrentBalance((*team)->balances, Period::kMonth, clock.Now());
  EXPECT_EQ(now.spent, Amt("0.1") * captured);
  EXPECT_EQ(now.held, 0);
  auto report = engine.Verify("acme");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->ok);
  EXPECT_EQ(report->entries, base + 2u * static_cast<std::uint64_t>(captured.load()));
}

TEST_P(BatcherTest, ShutdownDrainsWhatIsQueued) {
  SystemClock clock;
  Engine engine(*store_, clock);
  MakeTree(engine, {}, {}, {});
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  {
    SpendBatcher batcher(engine);
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        auto r = batcher.Apply(MakeSpend("mkt-1", "1", "k" + std::to_string(t)));
        if (r.ok() && r->outcome.status == OutcomeStatus::kApproved) ++ok;
      });
    }
    for (auto& t : threads) t.join();
  }
  EXPECT_EQ(ok, 4);
}

// A memory store whose commits are durable only after MakeDurable, which a
// test can hold and fail, and whose Begin a test can hold — to see exactly
// when the batcher answers.
class GatedStore final : public Store {
 public:
  Result<std::unique_ptr<Transaction>> Begin(const TxnOptions& options) override {
    ++begins_waiting;
    begin_gate_.wait();
    --begins_waiting;
    return inner_.Begin(options);
  }
  std::string_view Kind() const override { return "gated"; }
  bool CommitIsDurable() const override { return false; }
  Status MakeDurable(std::uint64_t /*mark*/) override {
    sync_gate_.wait();
    ++syncs;
    return sync_result;
  }

  void HoldBegins() { begin_gate_ = begin_hold_.get_future().share(); }
  void ReleaseBegins() { begin_hold_.set_value(); }
  void HoldSyncs() { sync_gate_ = sync_hold_.get_future().share(); }
  void ReleaseSyncs() { sync_hold_.set_value(); }

  std::atomic<int> syncs{0};
  std::atomic<int> begins_waiting{0};
  Status sync_result;

 private:
  static std::shared_future<void> Open() {
    std::promise<void> p;
    p.set_value();
    return p.get_future().share();
  }
  MemoryStore inner_;
  std::promise<void> begin_hold_, sync_hold_;
  std::shared_future<void> begin_gate_ = Open(), sync_gate_ = Open();
};

TEST(BatcherDurabilityTest, AnswersOnlyAfterTheCommitIsDurable) {
  GatedStore store;
  SystemClock clock;
  Engine engine(store, clock);
  MakeTree(engine, {}, {}, {});
  store.HoldSyncs();
  std::promise<Result<SpendResult>> answered;
  {
    SpendBatcher batcher(engine);
    batcher.Submit(MakeSpend("mkt-1", "1", "k1"),
                   [&](Result<SpendResult> r) { answered.set_value(std::move(r)); });
    auto answer = answered.get_future();
    // Committed (visible to a reader) but not durable: no answer yet.
    for (int i = 0; i < 200; ++i) {
      auto node = engine.GetNode("acme", "mkt-1");
      ASSERT_TRUE(node.ok());
      if (CurrentBalance(node->value().balances, Period::kMonth, clock.Now()).spent > 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_EQ(answer.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
    store.ReleaseSyncs();
    Result<SpendResult> r = answer.get();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->outcome.status, OutcomeStatus::kApproved);
  }
  EXPECT_GE(store.syncs.load(), 1);
}

TEST(BatcherDurabilityTest, ACallerWhoAsksHearsAtCommitTheOthersAfterTheFlush) {
  GatedStore store;
  SystemClock clock;
  Engine engine(store, clock);
  MakeTree(engine, {}, {}, {});
  std::promise<Result<SpendResult>> at_commit, at_flush;
  {
    SpendBatcher batcher(engine, {.max_wait = std::chrono::milliseconds(200)});
    auto held = batcher.Apply(HoldRequest{.spend = MakeSpend("mkt-1", "1", "h1")});
    ASSERT_TRUE(held.ok()) << held.status().ToString();
    ASSERT_EQ(held->outcome.status, OutcomeStatus::kHeld);
    store.HoldSyncs();
    // One batch (max_wait lets the second join the first): the capture is
    // heard while the flush is held, the spend only after it.
    batcher.Submit(MakeSpend("mkt-1", "2", "s1"),
                   [&](Result<SpendResult> r) { at_flush.set_value(std::move(r)); });
    batcher.Submit(
        CaptureRequest{.org = "acme", .hold_id = held->outcome.id, .amount = Amt("0.25")},
        [&](Result<SpendResult> r) { at_commit.set_value(std::move(r)); }, AnswerAt::kCommit);
    Result<SpendResult> captured = at_commit.get_future().get();
    ASSERT_TRUE(captured.ok()) << captured.status().ToString();
    EXPECT_EQ(captured->outcome.status, OutcomeStatus::kApproved);
    EXPECT_EQ(captured->outcome.amount, Amt("0.25"));
    auto spent = at_flush.get_future();
    EXPECT_EQ(spent.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
    store.ReleaseSyncs();
    Result<SpendResult> r = spent.get();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->outcome.status, OutcomeStatus::kApproved);
    const BatcherStats stats = batcher.Stats();
    EXPECT_EQ(stats.spends, 3u);
    EXPECT_EQ(stats.batches, 2u);
    EXPECT_EQ(stats.late, 0u);
  }
  auto node = engine.GetNode("acme", "mkt-1");
  ASSERT_TRUE(node.ok() && node->has_value());
  const BucketBalance now = CurrentBalance((*node)->balances, Period::kMonth, clock.Now());
  EXPECT_EQ(now.spent, Amt("2.25"));
  EXPECT_EQ(now.held, 0);
}

TEST(BatcherDurabilityTest, AFailedSyncFailsTheBatchAndAReplayTellsTheTruth) {
  GatedStore store;
  SystemClock clock;
  Engine engine(store, clock);
  MakeTree(engine, {}, {}, {});
  store.sync_result = Unavailable("flush failed");
  {
    SpendBatcher batcher(engine);
    auto r = batcher.Apply(MakeSpend("mkt-1", "1", "k1"));
    EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  }
  // The client retries with its key once the store recovers: the original
  // decision (it did commit) comes back, not a second spend.
  store.sync_result = Status::Ok();
  SpendBatcher batcher(engine);
  auto again = batcher.Apply(MakeSpend("mkt-1", "1", "k1"));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->outcome.status, OutcomeStatus::kApproved);
  auto report = engine.Verify("acme");
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->entries, 1u);
}

TEST(BatcherDurabilityTest, AFullQueueRefusesAtOnce) {
  GatedStore store;
  SystemClock clock;
  Engine engine(store, clock);
  MakeTree(engine, {}, {}, {});
  std::atomic<int> approved{0}, exhausted{0};
  auto count = [&](Result<SpendResult> r) {
    if (r.ok() && r->outcome.status == OutcomeStatus::kApproved) ++approved;
    if (r.status().code() == StatusCode::kUnavailable && r.status().reason() == "overloaded") {
      ++exhausted;
    }
  };
  {
    SpendBatcher batcher(engine, {.max_batch = 1, .max_queue = 2});
    store.HoldBegins();
    batcher.Submit(MakeSpend("mkt-1", "0.1", "k0"), count);
    // The committer took k0 and waits in Begin: the queue is empty again.
    while (store.begins_waiting.load() == 0) std::this_thread::yield();
    for (int i = 0; i < 3; ++i) {
      batcher.Submit(MakeSpend("mkt-1", "0.1", "probe-" + std::to_string(i)), count);
    }
    EXPECT_EQ(exhausted.load(), 1);  // probe-2: the queue holds 2
    store.ReleaseBegins();
  }
  // Everything not refused was applied exactly once.
  auto report = engine.Verify("acme");
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->entries, static_cast<std::uint64_t>(approved.load()));
  EXPECT_EQ(approved.load(), 3);  // k0 and the two queued probes
}

INSTANTIATE_TEST_SUITE_P(
    Stores, BatcherTest,
    ::testing::Values(StoreCase{"Memory",
                                [](const std::filesystem::path&) -> std::unique_ptr<Store> {
                                  return std::make_unique<MemoryStore>();
                                }},
                      StoreCase{"Sqlite",
                                [](const std::filesystem::path& dir) -> std::unique_ptr<Store> {
                                  auto s = SqliteStore::Open((dir / "stub.db").string());
                                  return s.ok() ? std::move(*s) : nullptr;
                                }}),
    [](const ::testing::TestParamInfo<StoreCase>& param) { return std::string(param.param.name); });

}  // namespace
}  // namespace stub
