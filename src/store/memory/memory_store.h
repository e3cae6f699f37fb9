// MemoryStore: an in-memory MVCC model of an optimistic database, for tests,
// demos and `stub race`. It really produces the conflicts a distributed
// snapshot-isolation database (Aurora DSQL, PostgreSQL REPEATABLE READ) does:
//
//   - every row keeps a chain of committed versions stamped with a commit
//     timestamp; a transaction reads the newest version at or below its
//     snapshot timestamp (taken at Begin), plus its own buffered writes;
//   - Commit fails with kConflict when any row it writes (including a row it
//     inserts that did not exist in its snapshot) has a version committed after
//     its snapshot: first committer wins, as on Aurora DSQL;
//   - with Options::serializable, Commit also fails when any row it read (or
//     any key in a range it scanned, absent rows included) has changed since
//     its snapshot — optimistic serializable validation;
//   - TxnOptions latency is injected (slept) before each call and before
//     commit, outside every lock, to widen race windows like a remote database;
//   - Options::hook is called at named points of every transaction so a test
//     can force an interleaving deterministically (see ForcedInterleaving);
//   - Options::on_commit sees every committed write set, under the commit
//     lock, in commit order — a test can check invariants of every committed
//     state, not only the final one.
//
// Old versions no snapshot can see any more are pruned at commit.
// Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace stub {

enum class HookPoint : std::uint8_t {
  kBegin = 0,     // after the snapshot is taken
  kRead,          // after a read call returned
  kWrite,         // after a write call buffered its write
  kBeforeCommit,  // before validation
  kAfterCommit,   // after a commit succeeded or failed
};

std::string_view HookPointName(HookPoint p);

// The write set of one successful commit, as seen by Options::on_commit.
// Pointers are valid only during the callback.
struct CommitRecord {
  std::uint64_t commit_ts = 0;
  std::vector<const OrgRow*> orgs;
  std::vector<const NodeRow*> nodes;  // with the org they belong to in node_orgs
  std::vector<std::string_view> node_orgs;
  std::vector<const Entry*> entries;
  std::vector<const Hold*> holds;
  std::vector<const IdempotencyRecord*> idempotency;
  std::vector<const DenialRecord*> denials;
};

class MemoryStore final : public Store {
 public:
  struct Options {
    bool serializable = false;
    // Called on the transaction's own thread; may block (to force an order).
    // Must not call into the store.
    std::function<void(HookPoint point, std::uint64_t txn_id)> hook;
    // Called under the commit lock after a successful commit. Must not call
    // into the store and must not block for long.
    std::function<void(const CommitRecord&)> on_commit;
  };

  MemoryStore();
  explicit MemoryStore(Options options);
  ~MemoryStore() override;

  Result<std::unique_ptr<Transaction>> Begin(const TxnOptions& options = {}) override;
  std::string_view Kind() const override { return "memory"; }

  struct Stats {
    std::uint64_t commits = 0;
    std::uint64_t conflicts = 0;
    std::uint64_t versions = 0;  // live row versions, all tables
  };
  Stats GetStats() const;

  // TEST ONLY: applies `edit` to the newest committed version of every entry
  // of `org` (in seq order; the vector may be edited freely: reordered,
  // shrunk, changed). Bypasses MVCC and append-only rules, to simulate
  // tampering with history. Requires no transaction in flight.
  void TamperWithJournalForTesting(std::string_view org,
                                   const std::function<void(std::vector<Entry>&)>& edit);

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace stub
