// Group commit through SpendBatcher, on the memory and the SQLite store: many
// threads, one tight budget; exactly what fits is approved, every spend got
// its own decision, and the books verify.
#include "engine/batcher.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <functional>
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

  std::atomic<int> approved{0}, denied{0}, errors{0};
  {
    SpendBatcher batcher(engine, {.max_batch = 16});
    std::vector<std::thread> threads;
    for (int t = 0; t < 16; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 25; ++i) {
          auto r = batcher.Spend(MakeSpend(agents[static_cast<std::size_t>(t % 8)], "0.1",
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
  EXPECT_EQ(report->entries, 75u);
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
        auto r = batcher.Spend(MakeSpend("mkt-1", "1", "k" + std::to_string(t)));
        if (r.ok() && r->outcome.status == OutcomeStatus::kApproved) ++ok;
      });
    }
    for (auto& t : threads) t.join();
  }
  EXPECT_EQ(ok, 4);
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
