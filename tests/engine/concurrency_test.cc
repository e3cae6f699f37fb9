// Randomized concurrency on the memory store (snapshot isolation and
// serializable) and on SQLite: many threads, two engines ("regions") over one
// store, random spends / holds / captures / voids / replays / reused keys
// over a small tree with tight limits, several limits per node.
//
// Checked at every commit on the memory store (its commit observer), after
// the run on SQLite (whose writers are serialized): no limit of any written
// node exceeded, every entry balanced. Checked at the end: the books verify (chain,
// balances = journal), every replay returned its first outcome.
//
// The seed is printed; rerun one with STUB_TEST_SEED=<seed>.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <latch>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "engine/engine.h"
#include "engine_fixture.h"
#include "store/memory/memory_store.h"
#include "store/sqlite/sqlite_store.h"

namespace stub {
namespace {

using testing::Amt;

constexpr int kThreads = 8;
constexpr int kOpsPerThread = 300;

std::uint64_t SeedFromEnvOrRandom() {
  if (const char* s = std::getenv("STUB_TEST_SEED")) return std::strtoull(s, nullptr, 10);
  return std::random_device{}();
}

// Watches every committed state.
class InvariantMonitor {
 public:
  void OnCommit(const CommitRecord& record) {
    commits_.fetch_add(1, std::memory_order_relaxed);
    for (const NodeRow* row : record.nodes) {
      for (const Limit& limit : row->node.limits) {
        const BucketBalance& b = row->balances[static_cast<std::size_t>(limit.period)];
        if (b.start == BucketBalance::kNoBucket) continue;
        if (b.spent < 0 || b.held < 0 || b.spent + b.held > limit.amount) {
          Fail("commit " + std::to_string(record.commit_ts) + ": node " + row->node.id + " " +
               std::string(PeriodName(limit.period)) + " limit " + FormatAmount(limit.amount) +
               " has spent " + FormatAmount(b.spent) + " + held " + FormatAmount(b.held));
        }
      }
    }
    for (const Entry* e : record.entries) {
      Micros sum = 0;
      for (const Line& l : e->lines) sum += l.amount;
      if (sum != 0) Fail("entry " + std::to_string(e->seq) + " is unbalanced");
    }
  }
  std::vector<std::string> failures() const {
    std::lock_guard lock(mu_);
    return failures_;
  }
  std::uint64_t commits() const { return commits_.load(); }

 private:
  void Fail(std::string what) {
    std::lock_guard lock(mu_);
    if (failures_.size() < 20) failures_.push_back(std::move(what));
  }
  mutable std::mutex mu_;
  std::vector<std::string> failures_;
  std::atomic<std::uint64_t> commits_{0};
};

struct Expectation {
  SpendRequest request;
  Timestamp ttl = 0;  // > 0 for a hold
  Outcome first;
};

void BuildTree(Engine& e) {
  ASSERT_TRUE(e.CreateOrg("acme", "Acme").ok());
  auto put = [&](Node n) { ASSERT_TRUE(e.PutNode("acme", n).ok()) << n.id; };
  put({.id = "acme",
       .kind = NodeKind::kOrg,
       .limits = {{Amt("40"), Period::kMonth}, {Amt("60"), Period::kTotal}}});
  put({.id = "research",
       .kind = NodeKind::kTeam,
       .parent = "acme",
       .limits = {{Amt("15"), Period::kDay}, {Amt("25"), Period::kTotal}}});
  put({.id = "nlp",
       .kind = NodeKind::kTeam,
       .parent = "research",
       .limits = {{Amt("8"), Period::kWeek}}});
  put({.id = "marketing",
       .kind = NodeKind::kTeam,
       .parent = "acme",
       .limits = {{Amt("20"), Period::kYear}}});
  put({.id = "r-1",
       .kind = NodeKind::kAgent,
       .parent = "nlp",
       .limits = {{Amt("3"), Period::kDay}, {Amt("5"), Period::kQuarter}}});
  put({.id = "r-2", .kind = NodeKind::kAgent, .parent = "nlp"});
  put({.id = "r-3",
       .kind = NodeKind::kAgent,
       .parent = "research",
       .limits = {{Amt("6"), Period::kMonth}}});
  put({.id = "m-1",
       .kind = NodeKind::kAgent,
       .parent = "marketing",
       .limits = {{Amt("4"), Period::kTotal}}});
  put({.id = "m-2", .kind = NodeKind::kAgent, .parent = "marketing"});
}

enum class StoreKind { kMemorySnapshot, kMemorySerializable, kSqlite };

// Every limit of every node row, checked after the fact (stores without a
// commit observer: the check at each commit is the memory store's).
void CheckAllLimits(Store& store, InvariantMonitor& monitor) {
  auto txn = store.Begin({.read_only = true});
  ASSERT_TRUE(txn.ok());
  auto nodes = (*txn)->ListNodes("acme");
  ASSERT_TRUE(nodes.ok());
  CommitRecord all;
  for (const NodeRow& row : *nodes) all.nodes.push_back(&row);
  monitor.OnCommit(all);
}

class RandomizedConcurrencyTest : public ::testing::TestWithParam<StoreKind> {};

TEST_P(RandomizedConcurrencyTest, NoCommittedStateOverspendsAndTheBooksVerify) {
  const StoreKind kind = GetParam();
  const std::uint64_t seed = SeedFromEnvOrRandom();
  std::cout << "[ seed     ] STUB_TEST_SEED=" << seed << "\n";
  RecordProperty("seed", std::to_string(seed));
  SCOPED_TRACE("STUB_TEST_SEED=" + std::to_string(seed));

  InvariantMonitor monitor;
  std::unique_ptr<Store> owned;
  const auto dir =
      std::filesystem::temp_directory_path() / ("stub-concurrency-" + std::to_string(::getpid()));
  if (kind == StoreKind::kSqlite) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto opened = SqliteStore::Open((dir / "stub.db").string());
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    owned = std::move(*opened);
  } else {
    MemoryStore::Options options;
    options.serializable = kind == StoreKind::kMemorySerializable;
    options.on_commit = [&](const CommitRecord& r) { monitor.OnCommit(r); };
    owned = std::make_unique<MemoryStore>(std::move(options));
  }
  Store& store = *owned;
  SystemClock clock;  // real time, so short holds really expire mid-run
  Engine admin(store, clock);
  BuildTree(admin);
  EngineOptions region;
  region.txn.op_latency = std::chrono::microseconds{5};
  std::vector<std::unique_ptr<Engine>> engines;
  engines.push_back(std::make_unique<Engine>(store, clock));
  engines.push_back(std::make_unique<Engine>(store, clock, region));

  const std::vector<std::string> agents = {"r-1", "r-2", "r-3", "m-1", "m-2"};
  std::atomic<int> replays_checked{0}, reused_refused{0}, captures{0}, voids{0};
  std::mutex failures_mu;
  std::vector<std::string> failures;
  auto fail = [&](std::string what) {
    std::lock_guard lock(failures_mu);
    if (failures.size() < 20) failures.push_back(std::move(what));
  };

  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(seed * 1000003 + static_cast<std::uint64_t>(t));
      Engine& engine = *engines[static_cast<std::size_t>(t % 2)];
      std::vector<Expectation> done;      // requests with a bound key
      std::vector<std::string> my_holds;  // pending, as far as this thread knows
      auto pick = [&](std::size_t n) {
        return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
      };
      start.arrive_and_wait();
      for (int op = 0; op < kOpsPerThread; ++op) {
        const std::size_t dice = pick(100);
        if (dice < 45 || (dice < 75 && my_holds.empty())) {  // spend or hold
          Expectation x;
          x.request.org = "acme";
          x.request.agent = agents[pick(agents.size())];
          x.request.amount = static_cast<Micros>(1 + pick(1'500'000));  // ≤ 1.50
          x.request.vendor = pick(2) ? "api.openai.com" : "api.dataco.com";
          x.request.category = pick(2) ? "llm" : "data";
          x.request.idempotency_key = "t" + std::to_string(t) + "-" + std::to_string(op);
          const bool hold = dice >= 30;
          if (hold) x.ttl = static_cast<Timestamp>(1000 + pick(50'000));  // 1–51 ms
          auto r = hold ? engine.Hold({x.request, x.ttl}) : engine.Spend(x.request);
          if (!r.ok()) {
            fail("spend/hold failed: " + r.status().ToString());
            continue;
          }
          x.first = r->outcome;
          if (r->outcome.status == OutcomeStatus::kHeld) my_holds.push_back(r->outcome.id);
          // A contention denial binds no key; nothing to replay against.
          if (!(x.first.denial && x.first.denial->reason == DenyReason::kContention)) {
            done.push_back(std::move(x));
          }
        } else if (dice < 75) {  // capture or void one of my holds
          const std::size_t i = pick(my_holds.size());
          const std::string id = my_holds[i];
          my_holds.erase(my_holds.begin() + static_cast<std::ptrdiff_t>(i));
          auto hold = engine.GetHold("acme", id);
          if (!hold.ok() || !hold->has_value()) {
            fail("hold vanished: " + id);
            continue;
          }
          const Micros held = (*hold)->amount;
          if (pick(3) == 0) {
            auto v = engine.Void("acme", id);
            if (v.ok()) {
              ++voids;
            } else if (v.status().reason() != "hold_not_pending") {
              fail("void: " + v.status().ToString());
            }
          } else {
            const bool over = pick(10) == 0;
            const Micros amount =
                over ? held + 1 : static_cast<Micros>(1 + pick(static_cast<std::size_t>(held)));
            auto c = engine.Capture({"acme", id, amount, ""});
            if (over) {
              if (c.ok() || (c.status().reason() != "capture_exceeds_hold" &&
                             c.status().reason() != "hold_not_pending")) {
                fail("over-capture was not refused: " + c.status().ToString());
              }
            } else if (c.ok()) {
              ++captures;
              if (c->outcome.amount != amount) fail("capture booked a different amount");
              // Captured once: a second capture must be refused.
              auto again = engine.Capture({"acme", id, 1, ""});
              if (again.ok() || again.status().reason() != "hold_not_pending") {
                fail("double capture of " + id + " was not refused");
              }
            } else if (c.status().reason() != "hold_not_pending") {
              fail("capture: " + c.status().ToString());  // only expiry may refuse it
            }
          }
        } else if (dice < 90 && !done.empty()) {  // replay: same key, same request
          const Expectation& x = done[pick(done.size())];
          auto r = x.ttl > 0 ? engine.Hold({x.request, x.ttl}) : engine.Spend(x.request);
          if (!r.ok()) {
            fail("replay failed: " + r.status().ToString());
          } else if (!r->replayed || !(r->outcome == x.first)) {
            fail("replay of " + x.request.idempotency_key + " changed its outcome");
          } else {
            ++replays_checked;
          }
        } else if (!done.empty()) {  // same key, different request
          Expectation x = done[pick(done.size())];
          x.request.amount += 1;
          auto r = x.ttl > 0 ? engine.Hold({x.request, x.ttl}) : engine.Spend(x.request);
          if (r.ok() || r.status().reason() != "idempotency_key_reused") {
            fail("reused key " + x.request.idempotency_key + " was not refused");
          } else {
            ++reused_refused;
          }
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  if (kind == StoreKind::kSqlite) CheckAllLimits(store, monitor);

  for (const std::string& f : failures) ADD_FAILURE() << f;
  for (const std::string& f : monitor.failures()) ADD_FAILURE() << "invariant: " << f;

  // Let every remaining hold expire, then sweep: nothing may stay reserved.
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  ASSERT_TRUE(admin.ExpireDueHolds("acme").ok());
  auto report = admin.Verify("acme");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  for (const Problem& p : report->problems) ADD_FAILURE() << p.code << " " << p.message;
  EXPECT_TRUE(report->ok);
  auto root = admin.GetNode("acme", "acme");
  ASSERT_TRUE(root.ok() && root->has_value());
  const BucketBalance total = CurrentBalance((*root)->balances, Period::kTotal, clock.Now());
  EXPECT_EQ(total.held, 0);
  EXPECT_LE(total.spent, Amt("60"));

  std::uint64_t conflicts = 0;
  for (const auto& e : engines) conflicts += e->Stats().conflicts;
  std::cout << "[ stats    ] commits=" << monitor.commits() << " entries=" << report->entries
            << " conflicts=" << conflicts << " replays=" << replays_checked
            << " reused_refused=" << reused_refused << " captures=" << captures
            << " voids=" << voids << " spent_total=" << FormatAmount(total.spent) << "\n";
  // The run really exercised what it claims to.
  if (kind != StoreKind::kSqlite) {
    EXPECT_GT(monitor.commits(), 100u);
  }
  EXPECT_GT(replays_checked.load(), 0);
  EXPECT_GT(reused_refused.load(), 0);
  EXPECT_GT(captures.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(Stores, RandomizedConcurrencyTest,
                         ::testing::Values(StoreKind::kMemorySnapshot,
                                           StoreKind::kMemorySerializable, StoreKind::kSqlite),
                         [](const ::testing::TestParamInfo<StoreKind>& param) {
                           switch (param.param) {
                             case StoreKind::kMemorySnapshot:
                               return "MemorySnapshotIsolation";
                             case StoreKind::kMemorySerializable:
                               return "MemorySerializable";
                             case StoreKind::kSqlite:
                               return "Sqlite";
                           }
                           return "Unknown";
                         });

}  // namespace
}  // namespace stub
