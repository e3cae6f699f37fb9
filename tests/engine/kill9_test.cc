// kill -9 of a spending engine: the SQLite-backed engine runs in a child
// process under load (several threads spending through one SpendBatcher on an
// SQLite file); the child reports each spend only after the batcher returned
// it approved. The parent SIGKILLs the child at a random moment, reopens the
// file and checks: every acknowledged spend is there (its idempotency record
// and its journal entry), nothing is half-written (Engine::Verify: chain,
// every entry's lines, balances = journal; the org's head seq = the number of
// entries), and a new spend succeeds. Several kill cycles on the same file.
//
// The seed is printed; rerun one with STUB_TEST_SEED=<seed>.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "engine/batcher.h"
#include "engine/engine.h"
#include "engine_fixture.h"
#include "store/forked_child.h"
#include "store/sqlite/sqlite_store.h"
#include "test_seed.h"

namespace stub {
namespace {

using testing::Amt;
using testing::MakeSpend;
using testing::MakeTree;
using testing_support::ForkedChild;
using testing_support::WriteRecord;

constexpr int kCycles = 4;
constexpr int kChildThreads = 4;
const std::vector<std::string> kAgents = {"mkt-1", "mkt-2", "mkt-3"};

// The child: spends until it is killed. Each approved spend is reported as
// one line "A <key> <spend id> <entry seq>", written with one write() after
// the batcher returned it; anything else is reported as "E <what>" and ends
// the child (the parent then fails the test).
int SpendUntilKilled(const std::string& path, int cycle, std::uint64_t seed, int fd) {
  auto store = SqliteStore::Open(path);
  if (!store.ok()) {
    WriteRecord(fd, "E open: " + store.status().ToString() + "\n");
    return 2;
  }
  SystemClock clock;
  Engine engine(**store, clock);
  SpendBatcher batcher(engine, {.max_batch = 32});
  std::vector<std::thread> threads;
  for (int t = 0; t < kChildThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(seed * 7919 + static_cast<std::uint64_t>(cycle * kChildThreads + t));
      for (std::uint64_t i = 0;; ++i) {
        SpendRequest request = MakeSpend(
            kAgents[(static_cast<std::size_t>(t) + i) % kAgents.size()], "0.01",
            "c" + std::to_string(cycle) + "-t" + std::to_string(t) + "-" + std::to_string(i));
        request.amount = static_cast<Micros>(1 + rng() % 50'000);
        request.receipt = R"({"tx":")" + request.idempotency_key + R"("})";
        const Result<SpendResult> r = batcher.Apply(request);
        std::string report;
        if (!r.ok()) {
          report = "E " + request.idempotency_key + ": " + r.status().ToString() + "\n";
        } else if (r->outcome.status != OutcomeStatus::kApproved || r->replayed) {
          report = "E " + request.idempotency_key + " was not freshly approved\n";
        } else {
          report = "A " + request.idempotency_key + " " + r->outcome.id + " " +
                   std::to_string(r->outcome.entry_seq) + "\n";
        }
        if (!WriteRecord(fd, report) || report[0] != 'A') std::_Exit(3);
      }
    });
  }
  for (std::thread& th : threads) th.join();  // never: the threads only end the process
  return 0;
}

struct Ack {
  std::string spend_id;
  std::uint64_t entry_seq = 0;
};

// Parses one report line of the child into `acked`.
void TakeReport(const std::string& line, std::map<std::string, Ack>& acked) {
  std::istringstream in(line);
  std::string tag, key;
  Ack ack;
  in >> tag >> key >> ack.spend_id >> ack.entry_seq;
  if (tag != "A" || !in) {
    ADD_FAILURE() << "child reported: " << line;
    return;
  }
  const bool fresh = acked.emplace(key, ack).second;
  EXPECT_TRUE(fresh) << "key acknowledged twice: " << key;
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "stub-kill9-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

TEST(EngineKill9Test, AcknowledgedSpendsSurviveKill9UnderLoad) {
  const std::uint64_t seed = testing_support::TestSeed();
  std::cout << "[ seed     ] STUB_TEST_SEED=" << seed << "\n";
  RecordProperty("seed", std::to_string(seed));
  SCOPED_TRACE("STUB_TEST_SEED=" + std::to_string(seed));
  std::mt19937_64 rng(seed);

  TempDir dir;
  const std::string path = dir.File("stub.db");
  {
    auto store = SqliteStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    SystemClock clock;
    Engine admin(**store, clock);
    MakeTree(admin, {{Amt("1000000"), Period::kTotal}}, {{Amt("1000000"), Period::kMonth}},
             {{Amt("100000"), Period::kDay}}, kAgents);
  }  // closed: no database handle crosses the fork

  std::map<std::string, Ack> acked;  // every cycle's acknowledged spends, by key
  std::uint64_t after_spends = 0;
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    SCOPED_TRACE("cycle " + std::to_string(cycle));
    const std::size_t before = acked.size();
    // The random moment: after 1..300 acknowledgements, then 0..3 ms more.
    const std::size_t kill_after = 1 + rng() % 300;
    const auto linger = std::chrono::microseconds(rng() % 3000);
    {
      ForkedChild child([&](int fd) { return SpendUntilKilled(path, cycle, seed, fd); });
      ASSERT_TRUE(child.started());
      std::string line;
      while (acked.size() - before < kill_after && child.ReadLine(line)) TakeReport(line, acked);
      std::this_thread::sleep_for(linger);
      EXPECT_TRUE(child.Kill()) << "the child ended on its own, exit code " << child.exit_code();
      while (child.ReadLine(line)) TakeReport(line, acked);  // acks written before the kill
    }
    ASSERT_GE(acked.size() - before, kill_after);

    auto store = SqliteStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    SystemClock clock;
    Engine engine(**store, clock);

    // Nothing half-written: the chain, every entry's lines, balances = journal.
    const Result<VerifyReport> report = engine.Verify("acme");
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    for (const Problem& p : report->problems) ADD_FAILURE() << p.code << " " << p.message;
    EXPECT_TRUE(report->ok);

    {
      auto txn = (*store)->Begin({.read_only = true});
      ASSERT_TRUE(txn.ok());
      const auto org = (*txn)->GetOrg("acme");
      ASSERT_TRUE(org.ok() && org->has_value());
      const auto entries = (*txn)->ListEntries("acme", 0, 1'000'000);
      ASSERT_TRUE(entries.ok());
      EXPECT_EQ((*org)->head_seq, entries->size());
      EXPECT_EQ(report->entries, entries->size());
      // Every acknowledged spend: bound to its key, and its entry in the journal.
      EXPECT_GE(entries->size(), acked.size() + after_spends);
      for (const auto& [key, ack] : acked) {
        const auto record = (*txn)->GetIdempotency("acme", key);
        ASSERT_TRUE(record.ok()) << record.status().ToString();
        ASSERT_TRUE(record->has_value()) << "acknowledged spend " << key << " is gone";
        EXPECT_EQ((*record)->outcome.status, OutcomeStatus::kApproved) << key;
        EXPECT_EQ((*record)->outcome.id, ack.spend_id) << key;
        EXPECT_EQ((*record)->outcome.entry_seq, ack.entry_seq) << key;
        ASSERT_GE(ack.entry_seq, 1u);
        ASSERT_LE(ack.entry_seq, entries->size()) << key;
        const Entry& e = (*entries)[ack.entry_seq - 1];
        EXPECT_EQ(e.seq, ack.entry_seq);
        EXPECT_EQ(e.kind, EntryKind::kSpend) << key;
        EXPECT_EQ(e.ref, ack.spend_id) << key;
        EXPECT_EQ(e.receipt, R"({"tx":")" + key + R"("})");
      }
    }

    // The reopened store takes new spends, right after the last entry.
    const std::uint64_t head = report->entries;
    const Result<SpendResult> next =
        engine.Spend(MakeSpend("mkt-1", "0.50", "after-" + std::to_string(cycle)));
    ASSERT_TRUE(next.ok()) << next.status().ToString();
    EXPECT_EQ(next->outcome.status, OutcomeStatus::kApproved);
    EXPECT_EQ(next->outcome.entry_seq, head + 1);
    ++after_spends;
    const Result<VerifyReport> again = engine.Verify("acme");
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(again->ok);
    EXPECT_EQ(again->entries, head + 1);
    std::cout << "[ cycle " << cycle << "  ] killed after " << acked.size() - before
              << " acknowledged spends; journal " << head << " entries\n";
  }  // the store closes before the next fork
}

}  // namespace
}  // namespace stub
