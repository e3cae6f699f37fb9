// The policy engine under concurrency, on every store (memory at snapshot
// isolation and serializable, SQLite, PostgreSQL):
//   - 16 concurrent clients never take a rolling window past its amount,
//     checked afterwards by replaying the journal exactly;
//   - the kill-switch is linearizable: no spend entry follows the engage's
//     entry in the chain, and every spend begun after the engage returned is
//     denied kill_switch;
//   - the velocity breaker freezes the agent exactly once.
// The seed is printed; rerun one with STUB_TEST_SEED=<seed>.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <latch>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "core/config_change.h"
#include "engine/engine.h"
#include "engine_fixture.h"
#include "store_under_test.h"
#include "test_seed.h"

namespace stub {
namespace {

using testing::Amt;
using testing::ExpectVerifies;
using testing::MakeSpend;
using testing::StoreUnderTest;
using testing::TestStore;

constexpr int kClients = 16;

std::vector<Entry> Journal(Store& store) {
  std::vector<Entry> out;
  auto txn = store.Begin({.read_only = true});
  EXPECT_TRUE(txn.ok());
  for (std::uint64_t after = 0;;) {
    auto page = (*txn)->ListEntries("acme", after, 1000);
    EXPECT_TRUE(page.ok());
    if (!page.ok() || page->empty()) break;
    after = page->back().seq;
    for (Entry& e : *page) out.push_back(std::move(e));
  }
  return out;
}

void BuildFlatTree(Engine& e, int agents) {
  ASSERT_TRUE(e.CreateOrg("acme", "Acme").ok());
  ASSERT_TRUE(
      e.PutNode("acme", {.id = "marketing", .kind = NodeKind::kTeam, .parent = "acme"}).ok());
  for (int i = 0; i < agents; ++i) {
    ASSERT_TRUE(
        e.PutNode("acme",
                  {.id = "a-" + std::to_string(i), .kind = NodeKind::kAgent, .parent = "marketing"})
            .ok());
  }
}

class PolicyConcurrencyTest : public ::testing::TestWithParam<TestStore> {};

TEST_P(PolicyConcurrencyTest, SixteenClientsNeverExceedARollingWindow) {
  const std::uint64_t seed = testing_support::TestSeed();
  std::cout << "[ seed     ] STUB_TEST_SEED=" << seed << "\n";
  SCOPED_TRACE("STUB_TEST_SEED=" + std::to_string(seed));
  StoreUnderTest sut(GetParam());
  ASSERT_TRUE(sut.ok());
  SystemClock clock;
  Engine engine(sut.store(), clock);
  BuildFlatTree(engine, kClients);
  constexpr std::int64_t kSeconds = 1;
  const Micros kWindow = Amt("2.00");
  ASSERT_TRUE(
      engine.PutPolicy("acme", "marketing", {.windows = {{kWindow, kSeconds}}}, "test").ok());

  std::atomic<int> approved{0};
  std::atomic<int> window_denied{0};
  std::latch start(kClients);
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(seed + static_cast<std::uint64_t>(t));
      start.arrive_and_wait();
      for (int i = 0; i < 40; ++i) {
        const Micros amount = 50'000 + static_cast<Micros>(rng() % 250'000);
        SpendRequest r = MakeSpend("a-" + std::to_string(t), "0.01",
                                   "k-" + std::to_string(t) + "-" + std::to_string(i));
        r.amount = amount;
        auto result = engine.Spend(r);
        ASSERT_TRUE(result.ok()) << result.status().ToString();
        if (result->outcome.status == OutcomeStatus::kApproved) {
          approved.fetch_add(1);
        } else if (result->outcome.denial->reason == DenyReason::kWindowLimit) {
          window_denied.fetch_add(1);
          EXPECT_EQ(result->outcome.denial->node, "marketing");
          EXPECT_EQ(result->outcome.denial->limit, kWindow);
          EXPECT_GT(result->outcome.denial->used + amount, kWindow);
        }
        // Spread over a few seconds, so the window really slides.
        std::this_thread::sleep_for(std::chrono::microseconds(rng() % 80'000));
      }
    });
  }
  for (auto& th : threads) th.join();

  // Replay: the window's events in chain (= commit) order, each at
  // max(created_at, the previous one's at), exactly as the log counts them.
  struct Event {
    Timestamp at;
    Micros amount;
  };
  std::vector<Event> events;
  for (const Entry& e : Journal(sut.store())) {
    if (e.kind != EntryKind::kSpend) continue;
    const Timestamp at = events.empty() ? e.created_at : std::max(e.created_at, events.back().at);
    events.push_back({at, e.amount});
  }
  ASSERT_EQ(events.size(), static_cast<std::size_t>(approved.load()));
  Micros worst = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    Micros sum = 0;
    for (std::size_t j = 0; j <= i; ++j) {
      if (events[j].at > events[i].at - kSeconds * kMicrosPerSecond) sum += events[j].amount;
    }
    worst = std::max(worst, sum);
    EXPECT_LE(sum, kWindow) << "window exceeded at event " << i;
  }
  std::cout << "[ stats    ] approved=" << approved << " window_denied=" << window_denied
            << " fullest_window=" << FormatAmount(worst) << "\n";
  EXPECT_GT(window_denied.load(), 0);  // the window really bound
  ASSERT_FALSE(events.empty());
  EXPECT_GT(events.back().at - events.front().at, kSeconds * kMicrosPerSecond);  // and slid
  EXPECT_GT(approved.load(), 10);
  ExpectVerifies(engine);
}

TEST_P(PolicyConcurrencyTest, NoSpendCommitsAfterTheKillSwitchEngages) {
  StoreUnderTest sut(GetParam());
  ASSERT_TRUE(sut.ok());
  SystemClock clock;
  Engine engine(sut.store(), clock);
  BuildFlatTree(engine, kClients);

  std::atomic<int> approved{0};
  std::atomic<bool> engaged_returned{false};
  std::atomic<bool> stop{false};
  std::atomic<int> after_engage{0};
  std::latch start(kClients + 1);
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; !stop.load(); ++i) {
        const bool begun_after = engaged_returned.load();
        auto result = engine.Spend(MakeSpend("a-" + std::to_string(t), "0.01",
                                             "k-" + std::to_string(t) + "-" + std::to_string(i)));
        ASSERT_TRUE(result.ok()) << result.status().ToString();
        if (result->outcome.status == OutcomeStatus::kApproved) approved.fetch_add(1);
        if (begun_after) {
          after_engage.fetch_add(1);
          ASSERT_EQ(result->outcome.status, OutcomeStatus::kDenied);
          EXPECT_EQ(result->outcome.denial->reason, DenyReason::kKillSwitch);
        }
      }
    });
  }
  start.arrive_and_wait();
  while (approved.load() < 40) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_TRUE(engine.SetKillSwitch("acme", true, "race test", "test").ok());
  engaged_returned.store(true);
  while (after_engage.load() < 5 * kClients) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  stop.store(true);
  for (auto& th : threads) th.join();

  std::uint64_t engage_seq = 0;
  std::uint64_t last_spend_seq = 0;
  std::size_t spends = 0;
  for (const Entry& e : Journal(sut.store())) {
    if (e.kind == EntryKind::kConfig && e.intent == kActionKillSwitchEngaged) engage_seq = e.seq;
    if (e.kind == EntryKind::kSpend) {
      last_spend_seq = e.seq;
      ++spends;
    }
  }
  ASSERT_GT(engage_seq, 0u);
  EXPECT_LT(last_spend_seq, engage_seq) << "a spend committed after the kill-switch engaged";
  EXPECT_EQ(spends, static_cast<std::size_t>(approved.load()));
  std::cout << "[ stats    ] approved=" << approved << " engage_seq=" << engage_seq
            << " attempts_after=" << after_engage << "\n";
  ExpectVerifies(engine);
}

TEST_P(PolicyConcurrencyTest, TheVelocityBreakerFreezesExactlyOnce) {
  StoreUnderTest sut(GetParam());
  ASSERT_TRUE(sut.ok());
  SystemClock clock;
  Engine engine(sut.store(), clock);
  BuildFlatTree(engine, 1);
  constexpr int kMax = 10;
  ASSERT_TRUE(engine
                  .PutPolicy("acme", "marketing",
                             {.velocity = Velocity{.max_spends = kMax, .seconds = 3600}}, "test")
                  .ok());
  std::mutex mu;
  std::map<std::string, int> outcomes;
  std::latch start(kClients);
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < 4; ++i) {
        auto result = engine.Spend(
            MakeSpend("a-0", "0.01", "k-" + std::to_string(t) + "-" + std::to_string(i)));
        ASSERT_TRUE(result.ok()) << result.status().ToString();
        std::lock_guard lock(mu);
        ++outcomes[result->outcome.status == OutcomeStatus::kApproved
                       ? "approved"
                       : std::string(DenyReasonName(result->outcome.denial->reason))];
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(outcomes["approved"], kMax);
  EXPECT_EQ(outcomes["velocity_tripped"], 1);
  EXPECT_EQ(outcomes["approved"] + outcomes["velocity_tripped"] + outcomes["agent_frozen"] +
                outcomes["contention"],
            kClients * 4);
  int freezes = 0;
  for (const Entry& e : Journal(sut.store())) {
    if (e.kind == EntryKind::kConfig && e.intent == kActionAgentFrozen) ++freezes;
  }
  EXPECT_EQ(freezes, 1);
  auto row = engine.GetNode("acme", "a-0");
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_TRUE((*row)->node.frozen);
  ExpectVerifies(engine);
}

INSTANTIATE_TEST_SUITE_P(Stores, PolicyConcurrencyTest,
                         ::testing::Values(TestStore::kMemory, TestStore::kMemorySerializable,
                                           TestStore::kSqlite, TestStore::kPostgres),
                         testing::TestStoreName);

}  // namespace
}  // namespace stub
