// Power loss and failed fsyncs on the SQLite store.
//
// Power loss: a child process spends through the group committer on an
// SQLite file opened through PowerLossVfs, reporting each spend once the
// batcher acknowledged it; at a random moment it rolls every file back to
// its last sync (dropping every unsynced write, as a power cut may) and dies.
// The parent reopens the file: every acknowledged spend is there, verify
// passes, and new spends go on. Several cycles on one file.
//
// Failed fsync: the store poisons itself — that spend and every later one is
// refused, never acknowledged — and a reopened store is consistent.
//
// This binary defines fdatasync() (below) so the tests see and can fail the
// store's own WAL syncs; it passes through to the kernel otherwise.
//
// The seed is printed; rerun one with STUB_TEST_SEED=<seed>.
#include <errno.h>
#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "engine/batcher.h"
#include "engine/engine.h"
#include "engine_fixture.h"
#include "power_loss_vfs.h"
#include "store/forked_child.h"
#include "store/sqlite/sqlite_store.h"
#include "test_seed.h"

namespace {
std::atomic<bool> fail_fdatasync{false};
}  // namespace

// Every fdatasync of this test binary: the store's WAL sync included.
extern "C" int fdatasync(int fd) {
  if (fail_fdatasync.load()) {
    errno = EIO;
    return -1;
  }
  return stub::testing_support::PowerLossVfs::SyncFd(
      fd, [fd] { return static_cast<int>(::syscall(SYS_fdatasync, fd)); });
}

namespace stub {
namespace {

using testing::Amt;
using testing::ExpectVerifies;
using testing::MakeSpend;
using testing::MakeTree;
using testing_support::ForkedChild;
using testing_support::PowerLossVfs;
using testing_support::WriteRecord;

constexpr int kPowerCycles = 3;
constexpr int kPowerThreads = 3;

// The child: spends from several threads and reports "A <key> <id> <seq>"
// for each acknowledged spend; after `cut_after` it cuts the power: "P <n>"
// (the writes about to be dropped; it waits for some), then every unsynced
// write is undone and the process ends.
int SpendUntilPowerLoss(const std::string& path, int cycle, std::chrono::microseconds cut_after,
                        int fd) {
  PowerLossVfs::Register();
  auto store = SqliteStore::Open(path);
  if (!store.ok()) {
    WriteRecord(fd, "E open: " + store.status().ToString() + "\n");
    return 2;
  }
  SystemClock clock;
  Engine engine(**store, clock);
  SpendBatcher batcher(engine, {.max_batch = 32});
  std::vector<std::thread> threads;
  for (int t = 0; t < kPowerThreads; ++t) {
    threads.emplace_back([&, t] {
      for (std::uint64_t i = 0;; ++i) {
        const std::string key =
            "p" + std::to_string(cycle) + "-t" + std::to_string(t) + "-" + std::to_string(i);
        const Result<SpendResult> r = batcher.Apply(MakeSpend("mkt-1", "0.01", key));
        std::string report;
        if (!r.ok() || r->outcome.status != OutcomeStatus::kApproved || r->replayed) {
          report =
              "E " + key + ": " + (r.ok() ? "not freshly approved" : r.status().ToString()) + "\n";
        } else {
          report =
              "A " + key + " " + r->outcome.id + " " + std::to_string(r->outcome.entry_seq) + "\n";
        }
        if (!WriteRecord(fd, report) || report[0] != 'A') std::_Exit(3);
      }
    });
  }
  std::this_thread::sleep_for(cut_after);
  // Cut when some write is not yet synced (the case that matters), trying
  // for at most about a second.
  for (int tries = 0;; ++tries) {
    PowerLossVfs::Lock().lock();  // no write from here on
    if (PowerLossVfs::PendingOps() > 0 || tries == 10'000) break;
    PowerLossVfs::Lock().unlock();
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  WriteRecord(fd, "P " + std::to_string(PowerLossVfs::PendingOps()) + "\n");
  PowerLossVfs::PowerLoss(0);
}

class PowerLossDir {
 public:
  PowerLossDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "stub-power-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = tmpl;
  }
  ~PowerLossDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

TEST(SqlitePowerLossTest, AcknowledgedSpendsSurviveDroppedUnsyncedWrites) {
  const std::uint64_t seed = testing_support::TestSeed();
  std::cout << "[ seed     ] STUB_TEST_SEED=" << seed << "\n";
  RecordProperty("seed", std::to_string(seed));
  SCOPED_TRACE("STUB_TEST_SEED=" + std::to_string(seed));
  std::mt19937_64 rng(seed);

  PowerLossDir dir;
  const std::string path = dir.File("stub.db");
  {
    auto store = SqliteStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    SystemClock clock;
    Engine admin(**store, clock);
    MakeTree(admin, {}, {}, {});
  }

  std::map<std::string, std::pair<std::string, std::uint64_t>> acked;  // key → (id, seq)
  for (int cycle = 0; cycle < kPowerCycles; ++cycle) {
    SCOPED_TRACE("cycle " + std::to_string(cycle));
    const auto cut_after = std::chrono::microseconds(20'000 + rng() % 200'000);
    std::size_t dropped = 0, acks = 0;
    {
      ForkedChild child([&](int fd) { return SpendUntilPowerLoss(path, cycle, cut_after, fd); });
      ASSERT_TRUE(child.started());
      std::string line;
      while (child.ReadLine(line)) {
        std::istringstream in(line);
        std::string tag, key, id;
        std::uint64_t seq = 0;
        in >> tag;
        if (tag == "P") {
          in >> dropped;
          continue;
        }
        in >> key >> id >> seq;
        ASSERT_EQ(tag, "A") << line;
        EXPECT_TRUE(acked.emplace(key, std::make_pair(id, seq)).second) << key;
        ++acks;
      }
      EXPECT_EQ(child.Wait(), 0);
    }
    auto store = SqliteStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    SystemClock clock;
    Engine engine(**store, clock);
    ExpectVerifies(engine);
    {
      auto txn = (*store)->Begin({.read_only = true});
      ASSERT_TRUE(txn.ok());
      for (const auto& [key, ack] : acked) {
        const auto record = (*txn)->GetIdempotency("acme", key);
        ASSERT_TRUE(record.ok()) << record.status().ToString();
        ASSERT_TRUE(record->has_value()) << "acknowledged spend " << key << " was lost";
        EXPECT_EQ((*record)->outcome.id, ack.first) << key;
        EXPECT_EQ((*record)->outcome.entry_seq, ack.second) << key;
      }
    }
    const Result<SpendResult> next =
        engine.Spend(MakeSpend("mkt-1", "0.01", "after-power-" + std::to_string(cycle)));
    ASSERT_TRUE(next.ok()) << next.status().ToString();
    EXPECT_EQ(next->outcome.status, OutcomeStatus::kApproved);
    ExpectVerifies(engine);
    std::cout << "[ cycle " << cycle << "  ] " << acks << " acknowledged, " << dropped
              << " unsynced writes dropped at the power cut\n";
  }
}

TEST(SqlitePowerLossTest, AFailedFsyncPoisonsTheStore) {
  PowerLossDir dir;
  const std::string path = dir.File("stub.db");
  {
    auto store = SqliteStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_FALSE((*store)->CommitIsDurable());  // the store syncs its WAL itself
    SystemClock clock;
    Engine engine(**store, clock);
    MakeTree(engine, {}, {}, {});
    SpendBatcher batcher(engine);
    ASSERT_TRUE(batcher.Apply(MakeSpend("mkt-1", "1", "before")).ok());
    fail_fdatasync = true;
    const Result<SpendResult> failed = batcher.Apply(MakeSpend("mkt-1", "1", "during"));
    fail_fdatasync = false;
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.status().code(), StatusCode::kInternal);
    // Fail-stop: nothing is acknowledged any more, fsync working or not.
    for (const char* key : {"after-1", "after-2", "during"}) {
      const Result<SpendResult> later = batcher.Apply(MakeSpend("mkt-1", "1", key));
      ASSERT_FALSE(later.ok()) << key;
      EXPECT_EQ(later.status().code(), StatusCode::kInternal) << key;
    }
    EXPECT_FALSE((*store)->MakeDurable((*store)->DurabilityMark()).ok());
  }
  // A new incarnation (a restart) is consistent and takes spends again.
  auto store = SqliteStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  SystemClock clock;
  Engine engine(**store, clock);
  ExpectVerifies(engine);
  const Result<SpendResult> next = engine.Spend(MakeSpend("mkt-1", "1", "restarted"));
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->outcome.status, OutcomeStatus::kApproved);
  ExpectVerifies(engine);
}

}  // namespace
}  // namespace stub
