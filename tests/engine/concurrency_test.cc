// Randomized concurrency: random spends / holds / captures / voids / replays /
// reused keys over a small tree with tight limits, several limits per node.
//
// Threads: many threads, two engines ("regions") over one store, on the
// memory store (snapshot isolation and serializable) and on SQLite.
// Processes: several engine instances as separate processes, each with its
// own store handle, on PostgreSQL (the throwaway test cluster: serialization
// failures really come from the server) and on SQLite (one file, writers
// serialized by its lock).
//
// Checked at every commit on the memory store (its commit observer); on the
// other stores by an independent replay of the journal in seq order, which
// must never take any node's bucket of any limit past it, and on the final
// node rows. Every entry balanced. Checked at the end: the books verify
// (chain, balances = journal), every replay returned its first outcome.
//
// The seed is printed; rerun one with STUB_TEST_SEED=<seed>.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <latch>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>
#include <tuple>

#include "core/period.h"
#include "engine/engine.h"
#include "engine_fixture.h"
#include "store/forked_child.h"
#include "store/memory/memory_store.h"
#include "store/pg_test_cluster.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"
#include "test_seed.h"

namespace stub {
namespace {

using testing::Amt;

constexpr int kThreads = 8;
constexpr int kOpsPerThread = 300;

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
// commit observer; the check at each commit is the memory store's).
void CheckAllLimits(Store& store, InvariantMonitor& monitor) {
  auto txn = store.Begin({.read_only = true});
  ASSERT_TRUE(txn.ok());
  auto nodes = (*txn)->ListNodes("acme");
  ASSERT_TRUE(nodes.ok());
  CommitRecord all;
  for (const NodeRow& row : *nodes) all.nodes.push_back(&row);
  monitor.OnCommit(all);
}

// The end of every run: let the remaining holds expire and sweep them, then
// the books must verify, nothing may stay reserved and the org's total stays
// within its limit. Returns the verify report and the org's total balance.
struct FinalState {
  VerifyReport report;
  BucketBalance total;
};
FinalState ExpectFinalStateSound(Engine& admin, const Clock& clock) {
  FinalState out;
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  EXPECT_TRUE(admin.ExpireDueHolds("acme").ok());
  auto report = admin.Verify("acme");
  EXPECT_TRUE(report.ok()) << report.status().ToString();
  if (!report.ok()) return out;
  for (const Problem& p : report->problems) ADD_FAILURE() << p.code << " " << p.message;
  EXPECT_TRUE(report->ok);
  out.report = std::move(*report);
  auto root = admin.GetNode("acme", "acme");
  EXPECT_TRUE(root.ok() && root->has_value());
  if (!root.ok() || !root->has_value()) return out;
  out.total = CurrentBalance((*root)->balances, Period::kTotal, clock.Now());
  EXPECT_EQ(out.total.held, 0);
  EXPECT_LE(out.total.spent, Amt("60"));
  return out;
}

// What one worker saw.
struct WorkerTally {
  int replays_checked = 0;
  int reused_refused = 0;
  int captures = 0;
  int voids = 0;
  int contended = 0;  // captures and voids that lost every attempt (retryable)
  void Add(const WorkerTally& o) {
    replays_checked += o.replays_checked;
    reused_refused += o.reused_refused;
    captures += o.captures;
    voids += o.voids;
    contended += o.contended;
  }
};

// One worker's random operations on org "acme" through `engine`: worker `w`
// (unique in the run: its keys are "t<w>-<op>") of a run with `seed`. What
// the engine fails to keep of its promises is passed to `fail`.
void RunWorker(Engine& engine, std::uint64_t seed, int w, int ops, WorkerTally& tally,
               const std::function<void(std::string)>& fail) {
  const std::vector<std::string> agents = {"r-1", "r-2", "r-3", "m-1", "m-2"};
  std::mt19937_64 rng(seed * 1000003 + static_cast<std::uint64_t>(w));
  std::vector<Expectation> done;      // requests with a bound key
  std::vector<std::string> my_holds;  // pending, as far as this worker knows
  auto pick = [&](std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
  };
  for (int op = 0; op < ops; ++op) {
    const std::size_t dice = pick(100);
    if (dice < 45 || (dice < 75 && my_holds.empty())) {  // spend or hold
      Expectation x;
      x.request.org = "acme";
      x.request.agent = agents[pick(agents.size())];
      x.request.amount = static_cast<Micros>(1 + pick(1'500'000));  // ≤ 1.50
      x.request.vendor = pick(2) ? "api.openai.com" : "api.dataco.com";
      x.request.category = pick(2) ? "llm" : "data";
      x.request.idempotency_key = "t" + std::to_string(w) + "-" + std::to_string(op);
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
      // A capture or void has no contention denial: one that lost every
      // attempt to concurrent writers fails with a retryable status and
      // changed nothing, so the hold is still pending (the books are
      // verified at the end either way).
      auto contended = [&](const Status& status) {
        if (!status.retryable()) return false;
        my_holds.push_back(id);
        ++tally.contended;
        return true;
      };
      if (pick(3) == 0) {
        auto v = engine.Void("acme", id);
        if (v.ok()) {
          ++tally.voids;
        } else if (!contended(v.status()) && v.status().reason() != "hold_not_pending") {
          fail("void: " + v.status().ToString());
        }
      } else {
        const bool over = pick(10) == 0;
        const Micros amount =
            over ? held + 1 : static_cast<Micros>(1 + pick(static_cast<std::size_t>(held)));
        auto c = engine.Capture({"acme", id, amount, ""});
        if (!c.ok() && contended(c.status())) continue;
        if (over) {
          if (c.ok() || (c.status().reason() != "capture_exceeds_hold" &&
                         c.status().reason() != "hold_not_pending")) {
            fail("over-capture was not refused: " + c.status().ToString());
          }
        } else if (c.ok()) {
          ++tally.captures;
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
        ++tally.replays_checked;
      }
    } else if (!done.empty()) {  // same key, different request
      Expectation x = done[pick(done.size())];
      x.request.amount += 1;
      auto r = x.ttl > 0 ? engine.Hold({x.request, x.ttl}) : engine.Spend(x.request);
      if (r.ok() || r.status().reason() != "idempotency_key_reused") {
        fail("reused key " + x.request.idempotency_key + " was not refused");
      } else {
        ++tally.reused_refused;
      }
    }
  }
}

// The independent oracle for stores without a commit observer: replays the
// org's journal in seq order, keeping every node's balance per (period,
// bucket) from the entries alone, and hands the nodes each entry charged,
// as they stand after it, to `monitor` as if that entry were a commit. So no
// state the journal passed through may have taken a bucket past a limit.
// Returns the number of entries replayed.
std::uint64_t ReplayJournal(Store& store, InvariantMonitor& monitor) {
  auto txn = store.Begin({.read_only = true});
  EXPECT_TRUE(txn.ok());
  if (!txn.ok()) return 0;
  auto nodes = (*txn)->ListNodes("acme");
  EXPECT_TRUE(nodes.ok());
  if (!nodes.ok()) return 0;
  std::map<std::string, NodeRow> config;  // limits; balances come from the journal
  for (NodeRow& row : *nodes) config.emplace(row.node.id, std::move(row));
  std::map<std::tuple<std::string, Period, Timestamp>, BucketBalance> buckets;
  std::uint64_t replayed = 0;
  for (std::uint64_t after = 0;;) {
    auto page = (*txn)->ListEntries("acme", after, 1000);
    EXPECT_TRUE(page.ok());
    if (!page.ok() || page->empty()) break;
    for (const Entry& e : *page) {
      EXPECT_EQ(e.seq, after + 1) << "journal gap";
      after = e.seq;
      ++replayed;
      Micros spent = 0;
      Micros held = 0;
      switch (e.kind) {
        case EntryKind::kSpend:
          spent = e.amount;
          break;
        case EntryKind::kHold:
          held = e.amount;
          break;
        case EntryKind::kCapture:
          spent = e.amount;
          held = -e.released;
          break;
        case EntryKind::kVoid:
        case EntryKind::kExpire:
          held = -e.released;
          break;
        case EntryKind::kConfig:
          break;
      }
      std::vector<NodeRow> after_entry;
      after_entry.reserve(e.path.size());
      for (const std::string& id : e.path) {
        const auto it = config.find(id);
        if (it == config.end()) {
          ADD_FAILURE() << "entry " << e.seq << " charges unknown node " << id;
          continue;
        }
        NodeRow row = it->second;
        for (Period p : kAllPeriods) {
          const Timestamp start = BucketStart(p, e.budget_at);
          BucketBalance& b = buckets[{id, p, start}];
          b.start = start;
          b.spent += spent;
          b.held += held;
          row.balances[static_cast<std::size_t>(p)] = b;
        }
        after_entry.push_back(std::move(row));
      }
      CommitRecord record;
      record.commit_ts = e.seq;
      record.entries.push_back(&e);
      for (const NodeRow& row : after_entry) record.nodes.push_back(&row);
      monitor.OnCommit(record);
    }
  }
  return replayed;
}

// The oracle itself: a journal that passes through an overspent state is
// caught even when it ends within every limit, and a sound one is not.
TEST(JournalReplayOracleTest, CatchesAJournalThatPassedThroughAnOverspend) {
  MemoryStore store;
  SystemClock clock;
  Engine admin(store, clock);
  BuildTree(admin);
  const std::uint64_t base = testing::HeadSeq(admin);  // the limits' config entries
  const Timestamp now = clock.Now();
  // r-1 (limit 3.00 a day): hold 2.00, hold 2.00 (4.00 held: over), then
  // void one (2.00: within again).
  auto entry = [&](std::uint64_t seq, EntryKind kind, Micros amount, Micros released) {
    Entry e;
    e.org = "acme";
    e.seq = seq;
    e.kind = kind;
    e.created_at = e.budget_at = now;
    e.ref = "h-" + std::to_string(seq);
    e.agent = "r-1";
    e.path = {"r-1", "nlp", "research", "acme"};
    e.vendor = "api.dataco.com";
    e.category = "data";
    e.amount = amount;
    e.released = released;
    EXPECT_TRUE(BuildLines(e).ok());
    return e;
  };
  auto append = [&](std::vector<Entry> entries) {
    auto txn = store.Begin();
    ASSERT_TRUE(txn.ok());
    for (Entry& e : entries) ASSERT_TRUE((*txn)->AppendEntry(std::move(e)).ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  };
  append({entry(base + 1, EntryKind::kHold, Amt("2"), 0)});
  {
    InvariantMonitor sound;
    EXPECT_EQ(ReplayJournal(store, sound), base + 1);
    EXPECT_TRUE(sound.failures().empty());
  }
  append({entry(base + 2, EntryKind::kHold, Amt("2"), 0),
          entry(base + 3, EntryKind::kVoid, 0, Amt("2"))});
  InvariantMonitor monitor;
  EXPECT_EQ(ReplayJournal(store, monitor), base + 3);
  const std::vector<std::string> failures = monitor.failures();
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0],
            "commit " + std::to_string(base + 2) + ": node r-1 day limit 3 has spent 0 + held 4");
}

class RandomizedConcurrencyTest : public ::testing::TestWithParam<StoreKind> {};

TEST_P(RandomizedConcurrencyTest, NoCommittedStateOverspendsAndTheBooksVerify) {
  const StoreKind kind = GetParam();
  const std::uint64_t seed = testing_support::TestSeed();
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

  std::mutex failures_mu;
  std::vector<std::string> failures;
  auto fail = [&](std::string what) {
    std::lock_guard lock(failures_mu);
    if (failures.size() < 20) failures.push_back(std::move(what));
  };

  std::latch start(kThreads);
  std::vector<WorkerTally> tallies(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      RunWorker(*engines[static_cast<std::size_t>(t % 2)], seed, t, kOpsPerThread,
                tallies[static_cast<std::size_t>(t)], fail);
    });
  }
  for (auto& th : threads) th.join();
  WorkerTally tally;
  for (const WorkerTally& t : tallies) tally.Add(t);
  std::uint64_t replayed = 0;
  if (kind == StoreKind::kSqlite) {
    replayed = ReplayJournal(store, monitor);
    CheckAllLimits(store, monitor);
  }

  for (const std::string& f : failures) ADD_FAILURE() << f;
  for (const std::string& f : monitor.failures()) ADD_FAILURE() << "invariant: " << f;

  const FinalState final_state = ExpectFinalStateSound(admin, clock);
  const VerifyReport* report = &final_state.report;
  const BucketBalance& total = final_state.total;

  std::uint64_t conflicts = 0;
  for (const auto& e : engines) conflicts += e->Stats().conflicts;
  std::cout << "[ stats    ] commits=" << monitor.commits() << " entries=" << report->entries
            << " conflicts=" << conflicts << " replays=" << tally.replays_checked
            << " reused_refused=" << tally.reused_refused << " captures=" << tally.captures
            << " voids=" << tally.voids << " contended=" << tally.contended
            << " spent_total=" << FormatAmount(total.spent) << "\n";
  // The run really exercised what it claims to.
  if (kind == StoreKind::kSqlite) {
    EXPECT_GT(replayed, 50u);
  } else {
    EXPECT_GT(monitor.commits(), 100u);
  }
  EXPECT_GT(tally.replays_checked, 0);
  EXPECT_GT(tally.reused_refused, 0);
  EXPECT_GT(tally.captures, 0);
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

// --- several engine processes on one database ---------------------------------

enum class ProcessStoreKind { kPostgres, kSqlite };

constexpr int kProcesses = 3;
constexpr int kThreadsPerProcess = 2;
constexpr int kOpsPerProcessWorker = 150;

// Opens the run's store: in the parent, and after the fork in each child.
using StoreOpener = std::function<Result<std::unique_ptr<Store>>()>;

// One line of a child's report, at most kMaxReportLine bytes (one atomic
// pipe write), without newlines.
std::string ReportLine(std::string text) {
  constexpr std::size_t kMaxReportLine = 1000;
  if (text.size() > kMaxReportLine) text.resize(kMaxReportLine);
  for (char& c : text) {
    if (c == '\n') c = ' ';
  }
  return text + "\n";
}

// A child process: its own store handle and engine, kThreadsPerProcess
// workers, then its report: a line "F <failure>" per failure, and last
// "T <replays> <reused> <captures> <voids> <conflicts> <retries>".
int EngineProcess(const StoreOpener& open, std::uint64_t seed, int process, int fd) {
  using testing_support::WriteRecord;
  auto store = open();
  if (!store.ok()) {
    WriteRecord(fd, ReportLine("F open: " + store.status().ToString()));
    return 2;
  }
  SystemClock clock;
  Engine engine(**store, clock);
  std::mutex mu;
  std::vector<std::string> failures;
  auto fail = [&](std::string what) {
    std::lock_guard lock(mu);
    if (failures.size() < 20) failures.push_back(std::move(what));
  };
  std::vector<WorkerTally> tallies(kThreadsPerProcess);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreadsPerProcess; ++t) {
    threads.emplace_back([&, t] {
      RunWorker(engine, seed, process * kThreadsPerProcess + t, kOpsPerProcessWorker,
                tallies[static_cast<std::size_t>(t)], fail);
    });
  }
  for (auto& th : threads) th.join();
  WorkerTally tally;
  for (const WorkerTally& t : tallies) tally.Add(t);
  for (const std::string& f : failures) {
    if (!WriteRecord(fd, ReportLine("F process " + std::to_string(process) + ": " + f))) return 3;
  }
  const EngineStats stats = engine.Stats();
  std::ostringstream line;
  line << "T " << tally.replays_checked << " " << tally.reused_refused << " " << tally.captures
       << " " << tally.voids << " " << tally.contended << " " << stats.conflicts << " "
       << stats.retries;
  return WriteRecord(fd, ReportLine(line.str())) ? 0 : 3;
}

class MultiProcessConcurrencyTest : public ::testing::TestWithParam<ProcessStoreKind> {
 protected:
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
};

TEST_P(MultiProcessConcurrencyTest, NoJournalStateOverspendsAndTheBooksVerify) {
  const ProcessStoreKind kind = GetParam();
  const std::uint64_t seed = testing_support::TestSeed();
  std::cout << "[ seed     ] STUB_TEST_SEED=" << seed << "\n";
  RecordProperty("seed", std::to_string(seed));
  SCOPED_TRACE("STUB_TEST_SEED=" + std::to_string(seed));

  StoreOpener open;
  if (kind == ProcessStoreKind::kPostgres) {
    const Result<std::string> conninfo = pg_testing::NewDatabase();
    ASSERT_TRUE(conninfo.ok()) << conninfo.status().ToString();
    open = [conninfo = *conninfo]() -> Result<std::unique_ptr<Store>> {
      STUB_ASSIGN_OR_RETURN(auto store,
                            PostgresStore::Open(conninfo, {.max_connections = kThreadsPerProcess}));
      return std::unique_ptr<Store>(std::move(store));
    };
  } else {
    dir_ = std::filesystem::temp_directory_path() /
           ("stub-multiprocess-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    open = [path = (dir_ / "stub.db").string()]() -> Result<std::unique_ptr<Store>> {
      STUB_ASSIGN_OR_RETURN(auto store, SqliteStore::Open(path));
      return std::unique_ptr<Store>(std::move(store));
    };
  }
  SystemClock clock;
  {
    auto store = open();
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    Engine admin(**store, clock);
    BuildTree(admin);
  }  // closed: no database handle crosses a fork

  std::vector<std::unique_ptr<testing_support::ForkedChild>> children;
  for (int p = 0; p < kProcesses; ++p) {
    children.push_back(std::make_unique<testing_support::ForkedChild>(
        [&, p](int fd) { return EngineProcess(open, seed, p, fd); }));
    ASSERT_TRUE(children.back()->started());
  }
  WorkerTally tally;
  std::uint64_t conflicts = 0;
  std::uint64_t retries = 0;
  for (int p = 0; p < kProcesses; ++p) {
    testing_support::ForkedChild& child = *children[static_cast<std::size_t>(p)];
    std::string line;
    bool reported = false;
    while (child.ReadLine(line)) {
      if (line.starts_with("T ")) {
        std::istringstream in(line.substr(2));
        WorkerTally t;
        std::uint64_t c = 0;
        std::uint64_t r = 0;
        in >> t.replays_checked >> t.reused_refused >> t.captures >> t.voids >> t.contended >> c >>
            r;
        EXPECT_TRUE(static_cast<bool>(in)) << line;
        tally.Add(t);
        conflicts += c;
        retries += r;
        reported = true;
      } else {
        ADD_FAILURE() << line;
      }
    }
    EXPECT_EQ(child.Wait(), 0) << "process " << p;
    EXPECT_TRUE(reported) << "process " << p << " sent no tally";
  }

  auto store = open();
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Engine admin(**store, clock);
  InvariantMonitor monitor;
  const std::uint64_t replayed = ReplayJournal(**store, monitor);
  CheckAllLimits(**store, monitor);
  for (const std::string& f : monitor.failures()) ADD_FAILURE() << "invariant: " << f;

  const FinalState final_state = ExpectFinalStateSound(admin, clock);
  const VerifyReport* report = &final_state.report;
  const BucketBalance& total = final_state.total;
  EXPECT_GE(report->entries, replayed);

  std::cout << "[ stats    ] processes=" << kProcesses << " entries=" << report->entries
            << " conflicts=" << conflicts << " retries=" << retries
            << " replays=" << tally.replays_checked << " reused_refused=" << tally.reused_refused
            << " captures=" << tally.captures << " voids=" << tally.voids
            << " contended=" << tally.contended << " spent_total=" << FormatAmount(total.spent)
            << "\n";
  // The run really exercised what it claims to.
  EXPECT_GT(replayed, 50u);
  EXPECT_GT(tally.replays_checked, 0);
  EXPECT_GT(tally.reused_refused, 0);
  EXPECT_GT(tally.captures, 0);
  if (kind == ProcessStoreKind::kPostgres) {
    // The server, not the test, decided the races: real 40001s.
    EXPECT_GT(conflicts, 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(Processes, MultiProcessConcurrencyTest,
                         ::testing::Values(ProcessStoreKind::kPostgres, ProcessStoreKind::kSqlite),
                         [](const ::testing::TestParamInfo<ProcessStoreKind>& param) {
                           return param.param == ProcessStoreKind::kPostgres ? "Postgres"
                                                                             : "Sqlite";
                         });

}  // namespace
}  // namespace stub
