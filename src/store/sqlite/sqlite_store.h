// SqliteStore: the embedded, durable default store (`sqlite:PATH`).
//
// Concurrency: one writer. A write transaction takes the store's single
// writer connection and starts with BEGIN IMMEDIATE, which takes SQLite's
// write lock up front. Writers of this process queue in-process for that
// connection (a condition variable, not busy_timeout polling); a second write
// Begin waits until the current writer commits or rolls back, at most
// Options::writer_wait, then fails with kUnavailable (waiters are not served
// in FIFO order). Writers in other processes are kept out by SQLite's file
// lock: BEGIN IMMEDIATE waits for it up to Options::busy_timeout. Because write
// transactions never overlap, they never conflict: SQLite is serializable by
// construction here, and no call returns kConflict for a race. The only
// kConflict is an insert into an insert-only table whose key already exists
// (AppendEntry, PutIdempotency), exactly as on the memory store, so an engine
// retry then sees the winner's row.
//
// Consequently a thread must never hold two write transactions at once: the
// second Begin would wait for the first, which only that thread can finish
// (after Options::writer_wait it fails with kUnavailable instead of hanging).
//
// Read-only transactions (TxnOptions::read_only) run on their own connections,
// taken from a small pool, and start with a deferred BEGIN plus one read, so
// they hold a consistent WAL snapshot as of Begin: they never block the writer
// nor are blocked by it. Their Commit ends the snapshot and cannot fail with a
// conflict; their write calls fail with kFailedPrecondition.
//
// Durability: journal_mode=WAL. An acknowledged spend must survive kill -9
// *and* power loss, so the WAL must be fsynced after a commit before anything
// is acknowledged. Two ways, by Options::durability:
//   kPipelined (default): synchronous=NORMAL, so COMMIT itself does not
//     fsync; CommitIsDurable() is false and MakeDurable() fdatasyncs the WAL
//     file (its own descriptor; the first time also the directory, as the WAL
//     file may be new), one fsync for every commit since the last. The engine's
//     group committer commits the next batch while the last one's fsync runs
//     and acknowledges a batch only after MakeDurable covered it. Checkpoints
//     at NORMAL still sync the WAL before copying it into the database, so a
//     crash can lose only commits nobody was told about, and those only
//     together with every later commit (the WAL is replayed in order).
//     Checkpoints run on a background thread (PASSIVE, own connection) once
//     the WAL holds 16 MiB, so the writer never waits for one; past 64 MiB
//     the writer checkpoints once itself so the WAL can restart.
//   kFull: synchronous=FULL, every COMMIT fsyncs the WAL; CommitIsDurable()
//     is true. Simpler; one fsync on the critical path of every transaction.
// NORMAL without the explicit fsync would survive a process crash only.
//
// Pages: a new file gets Options::page_size (8 KiB); an existing one keeps its
// own.
//
// Schema: versioned migrations, an ordered list of SQL steps; Open applies the
// missing ones in one transaction, records each in schema_migrations and sets
// PRAGMA user_version to the latest version. Re-opening is idempotent. A file
// with a newer schema than this binary knows is refused (kFailedPrecondition).
//
// Encoding: scalar fields are columns (enums as their names, so the tables
// read well in SQL; text columns keep their bytes exactly); nested fields
// (limits, path, lines, outcome) are compact JSON text with int64 amounts as
// JSON integers, written by a small direct writer (the spend path) and read
// with nlohmann; node balances are a fixed 144-byte big-endian BLOB of
// (start, spent, held) per period (hot path). uint64 fields (seq, head_seq,
// version) are stored bit-cast into SQLite's int64; AppendEntry refuses a seq
// beyond INT64_MAX (kOutOfRange) so the journal's seq order is SQL order.
// Values are always bound as parameters, never spliced into SQL. Tables are
// STRICT (SQLite ≥ 3.37). Indexes: entries by (org, seq), a partial index of
// pending holds on (org, expires_at, id) WHERE status = 'held', denials by
// their key (org, created_at, id).
//
// Errors: SQLITE_BUSY/LOCKED (another process holds the lock past
// busy_timeout) → kUnavailable; a duplicate key on an insert-only table →
// kConflict (entries, idempotency) or kAlreadyExists (denials); text that
// must go into JSON (path, lines, outcome, limits) and is not valid UTF-8 →
// kInvalidArgument (never altered); a stored row that does not decode →
// kInternal; other SQLite errors → kInternal with sqlite3_errmsg. No
// exception escapes. After any error the caller abandons the transaction;
// after Commit or Rollback every call fails with kFailedPrecondition.
// TxnOptions latency fields are ignored.
//
// Thread-safe. A Transaction must not outlive its store.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "store/store.h"

namespace stub {

struct SqliteStoreOptions {
  // How long SQLite itself waits for a lock held by *another process*.
  std::chrono::milliseconds busy_timeout{5'000};
  // How long a write Begin waits for the writer connection (held by another
  // write transaction of this process) before it fails with kUnavailable.
  std::chrono::milliseconds writer_wait{30'000};
  // Idle read-only connections kept open for reuse; more may be open while
  // busy.
  std::size_t max_idle_readers = 4;
  // See "Durability" above.
  enum class Durability { kPipelined, kFull };
  Durability durability = Durability::kPipelined;
  // kPipelined: WAL size at which the background thread checkpoints, and at
  // which the writer checkpoints itself (counted in whole pages of the file,
  // at least one).
  std::int64_t checkpoint_bytes = std::int64_t{16} << 20;
  std::int64_t writer_checkpoint_bytes = std::int64_t{64} << 20;
  // Bytes per database page (a power of two, 512 to 65536) for a new file;
  // an existing file keeps the page size it was created with (SQLite fixes
  // it at creation in WAL mode). 8 KiB rather than SQLite's 4 KiB: a batch of
  // spends then commits half as many WAL frames (two write syscalls each) and
  // checkpoints half as many pages; `stub bench --hot` on SQLite went from
  // 84–100k to 91–110k spends/s (six interleaved pairs, all in favour), with
  // no measurable change over HTTP (`bench/http_bench.sh`).
  int page_size = 8192;
  // Run a write transaction's inserts into the journal, idempotency and
  // denial tables on a worker thread (encode, bind, step), overlapping them
  // with the caller's work on the rest of the transaction — a batch of
  // spends uses both cores. Their errors surface at the next other call or
  // at Commit (see Transaction).
  bool write_behind = true;
};

class SqliteStore final : public Store {
 public:
  using Options = SqliteStoreOptions;

  // The latest schema version this binary knows (PRAGMA user_version after
  // Open).
  static int SchemaVersion();

  // Opens (creating if absent) the database file at `path` and migrates it to
  // SchemaVersion(). Errors: kInvalidArgument if options.page_size is not a
  // power of two from 512 to 65536; kUnavailable if the file is locked past
  // busy_timeout; kFailedPrecondition if its schema is newer than this
  // binary's; kInternal for anything else SQLite reports (unwritable path, not
  // a database, WAL unsupported).
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path, Options options = {});

  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  Result<std::unique_ptr<Transaction>> Begin(const TxnOptions& options = {}) override;
  std::string_view Kind() const override { return "sqlite"; }
  bool CommitIsDurable() const override;
  std::uint64_t DurabilityMark() const override;
  Status MakeDurable(std::uint64_t mark) override;

  const std::string& path() const;

  class Impl;

 private:
  explicit SqliteStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace stub
