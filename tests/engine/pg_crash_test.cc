// A PostgreSQL crash under load: 8 clients spend through one SpendBatcher (as
// `stub serve` does) on a PostgresStore with pipelined durability
// (synchronous_commit = off, WAL flushed before each answer), while the test
// crashes the server (`pg_ctl stop -m immediate`: unwritten WAL is lost,
// every connection breaks) and starts it again, twice. Clients behave like
// real ones: an error is retried with the same idempotency key until it is
// answered.
//
// Afterwards, on a fresh store: every acknowledged answer replays identically
// by its idempotency key (same outcome, spend id and journal entry — a lost
// commit would instead be executed afresh), Verify finds nothing wrong, no
// node's spent + held exceeds a limit, and after each restart a spend
// submitted after the server was back was answered within 5 s.
//
// Seeded (the seed is printed; rerun with STUB_TEST_SEED=<seed>); bounded:
// about 10 s of load.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/budget.h"
#include "core/decision.h"
#include "core/period.h"
#include "engine/batcher.h"
#include "engine/clock.h"
#include "engine/engine.h"
#include "engine_fixture.h"
#include "store/pg_test_cluster.h"
#include "store/postgres/postgres_store.h"
#include "test_seed.h"

namespace stub {
namespace {

using testing::Amt;
using testing::MakeSpend;
using testing::MakeTree;

constexpr int kPgCrashClients = 8;
constexpr int kPgCrashCycles = 2;
const std::vector<std::string> kPgCrashAgents = {"mkt-1", "mkt-2", "mkt-3", "mkt-4"};

std::int64_t PgCrashNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct PgCrashAck {
  SpendRequest request;
  Outcome outcome;
  std::int64_t sent_ns = 0;      // the attempt that was answered
  std::int64_t answered_ns = 0;  // its answer
};

// What the clients saw, shared with the test thread.
struct PgCrashLoad {
  std::mutex mu;
  std::vector<PgCrashAck> acked;         // guarded by mu
  std::vector<SpendRequest> unanswered;  // guarded by mu: never answered OK
  std::uint64_t errors = 0;              // guarded by mu: failed attempts
  std::atomic<bool> stop{false};
  std::atomic<std::int64_t> up_at_ns{0};     // the server is back (0: not yet)
  std::atomic<std::int64_t> first_ok_ns{0};  // first answer to a spend sent after up_at_ns
  std::vector<std::pair<std::int64_t, std::int64_t>> crashes;  // (crashed, back), test thread
};

// Where `ns` falls relative to the crashes, for failure messages.
std::string PgCrashWhen(const PgCrashLoad& load, std::int64_t ns) {
  std::string out;
  for (std::size_t i = 0; i < load.crashes.size(); ++i) {
    const auto [crashed, back] = load.crashes[i];
    out += " crash " + std::to_string(i) + ": " +
           std::to_string(static_cast<double>(ns - crashed) / 1e6) + " ms after it went down, " +
           std::to_string(static_cast<double>(ns - back) / 1e6) + " ms after it was back;";
  }
  return out;
}

void PgCrashClient(SpendBatcher& batcher, PgCrashLoad& load, int client, std::uint64_t seed) {
  std::mt19937_64 rng(seed * 1'000'003 + static_cast<std::uint64_t>(client));
  for (std::uint64_t i = 0; !load.stop.load(); ++i) {
    SpendRequest request = MakeSpend(kPgCrashAgents[rng() % kPgCrashAgents.size()], "0.01",
                                     "c" + std::to_string(client) + "-" + std::to_string(i));
    request.amount = static_cast<Micros>(1'000 + rng() % 49'000);
    bool answered = false;
    while (!answered && !load.stop.load()) {
      const std::int64_t sent = PgCrashNowNs();
      Result<SpendResult> r = batcher.Apply(request);
      // A contention denial binds no key (the client may retry it): like
      // an error, it is not an answer to check.
      const bool contention =
          r.ok() && r->outcome.denial && r->outcome.denial->reason == DenyReason::kContention;
      if (r.ok() && !contention) {
        answered = true;
        const std::int64_t up = load.up_at_ns.load();
        std::int64_t none = 0;
        if (up != 0 && sent >= up) load.first_ok_ns.compare_exchange_strong(none, PgCrashNowNs());
        std::lock_guard lock(load.mu);
        load.acked.push_back({request, r->outcome, sent, PgCrashNowNs()});
      } else {
        {
          std::lock_guard lock(load.mu);
          ++load.errors;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    if (!answered) {
      std::lock_guard lock(load.mu);
      load.unanswered.push_back(request);
    }
  }
}

TEST(PgCrashTest, AcknowledgedSpendsSurviveADatabaseCrash) {
  const std::uint64_t seed = testing_support::TestSeed();
  std::cout << "[ seed     ] STUB_TEST_SEED=" << seed << "\n";
  RecordProperty("seed", std::to_string(seed));
  SCOPED_TRACE("STUB_TEST_SEED=" + std::to_string(seed));
  std::mt19937_64 rng(seed);

  auto db = pg_testing::NewDatabase();
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  SystemClock clock;
  PgCrashLoad load;
  {
    auto store = PostgresStore::Open(*db);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_FALSE((*store)->CommitIsDurable());  // the pipelined path is under test
    Engine engine(**store, clock);
    // mkt-4 runs into its daily limit; the others share the team's.
    MakeTree(engine, {{Amt("1000"), Period::kMonth}}, {{Amt("400"), Period::kMonth}},
             {{Amt("150"), Period::kDay}}, kPgCrashAgents);
    Node small{.id = "mkt-4", .kind = NodeKind::kAgent, .parent = "marketing"};
    small.limits = {{Amt("3"), Period::kDay}};
    ASSERT_TRUE(engine.PutNode("acme", small).ok());

    SpendBatcher batcher(engine, {.max_batch = 64});
    std::vector<std::thread> clients;
    for (int c = 0; c < kPgCrashClients; ++c) {
      clients.emplace_back([&, c] { PgCrashClient(batcher, load, c, seed); });
    }
    for (int cycle = 0; cycle < kPgCrashCycles; ++cycle) {
      SCOPED_TRACE("cycle " + std::to_string(cycle));
      std::this_thread::sleep_for(std::chrono::milliseconds(800 + rng() % 1'200));
      load.up_at_ns.store(0);
      load.first_ok_ns.store(0);
      const std::int64_t down = PgCrashNowNs();
      Status crashed = pg_testing::CrashCluster();
      ASSERT_TRUE(crashed.ok()) << crashed.ToString();
      std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 700));
      Status restarted = pg_testing::RestartCluster();
      ASSERT_TRUE(restarted.ok()) << restarted.ToString();
      const std::int64_t up = PgCrashNowNs();
      load.up_at_ns.store(up);
      load.crashes.emplace_back(down, up);
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (load.first_ok_ns.load() == 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      const std::int64_t first = load.first_ok_ns.load();
      ASSERT_NE(first, 0) << "no spend succeeded within 10 s of the restart";
      const double recovery_s = static_cast<double>(first - up) / 1e9;
      std::cout << "[ crash    ] cycle " << cycle << ": first spend answered " << recovery_s
                << " s after the restart\n";
      EXPECT_LE(recovery_s, 5.0);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500 + rng() % 500));
    load.stop.store(true);
    for (auto& t : clients) t.join();
  }

  // A fresh store, as after a restart of Stub itself.
  auto store = PostgresStore::Open(*db);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Engine engine(**store, clock);
  std::cout << "[ crash    ] " << load.acked.size() << " acknowledged, " << load.unanswered.size()
            << " unanswered, " << load.errors << " failed attempts\n";
  ASSERT_GT(load.acked.size(), 100u);

  // Every acknowledged answer, replayed by its key (through a batcher, in
  // parallel, to stay quick).
  std::atomic<std::size_t> lost{0}, changed{0}, failed{0};
  {
    SpendBatcher batcher(engine, {.max_batch = 256});
    std::vector<std::thread> replayers;
    for (int c = 0; c < kPgCrashClients; ++c) {
      replayers.emplace_back([&, c] {
        for (std::size_t i = static_cast<std::size_t>(c); i < load.acked.size();
             i += kPgCrashClients) {
          const PgCrashAck& ack = load.acked[i];
          Result<SpendResult> r = batcher.Apply(ack.request);
          if (!r.ok()) {
            if (failed.fetch_add(1) < 5) {
              ADD_FAILURE() << ack.request.idempotency_key << ": " << r.status().ToString();
            }
          } else if (!r->replayed) {
            if (lost.fetch_add(1) < 5) {
              ADD_FAILURE() << "acknowledged spend " << ack.request.idempotency_key << " ("
                            << ack.outcome.id << ", entry " << ack.outcome.entry_seq
                            << ") was lost: executed again as " << r->outcome.id
                            << "; sent:" << PgCrashWhen(load, ack.sent_ns)
                            << " answered:" << PgCrashWhen(load, ack.answered_ns);
            }
          } else if (!(r->outcome == ack.outcome)) {
            if (changed.fetch_add(1) < 5) {
              ADD_FAILURE() << ack.request.idempotency_key << " replays " << r->outcome.id
                            << ", entry " << r->outcome.entry_seq << "; acknowledged "
                            << ack.outcome.id << ", entry " << ack.outcome.entry_seq;
            }
          }
        }
      });
    }
    for (auto& t : replayers) t.join();
  }
  std::cout << "[ crash    ] replayed: " << lost.load() << " lost, " << changed.load()
            << " changed, " << failed.load() << " failed\n";
  EXPECT_EQ(lost.load(), 0u);
  EXPECT_EQ(changed.load(), 0u);
  EXPECT_EQ(failed.load(), 0u);

  // A request never answered may or may not have taken effect; its retry
  // settles it either way.
  for (const SpendRequest& request : load.unanswered) {
    Result<SpendResult> r = engine.Spend(request);
    EXPECT_TRUE(r.ok()) << request.idempotency_key << ": " << r.status().ToString();
  }

  testing::ExpectVerifies(engine);
  const Timestamp now = clock.Now();
  std::vector<std::string> nodes = kPgCrashAgents;
  nodes.insert(nodes.end(), {"marketing", "acme"});
  for (const std::string& id : nodes) {
    auto row = engine.GetNode("acme", id);
    ASSERT_TRUE(row.ok() && row->has_value()) << id;
    for (const Limit& limit : (*row)->node.limits) {
      const BucketBalance b = CurrentBalance((*row)->balances, limit.period, now);
      EXPECT_LE(b.spent + b.held, limit.amount) << id << " " << PeriodName(limit.period);
    }
  }
}

}  // namespace
}  // namespace stub
