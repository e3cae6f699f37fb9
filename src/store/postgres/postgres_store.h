// PostgresStore: the server store over libpq (`postgres://…`), for
// PostgreSQL ≥ 14 and Aurora DSQL (CockroachDB / YugabyteDB speak the same
// protocol and isolation level).
//
// Concurrency: optimistic, decided by the server. A write transaction runs
// at BEGIN ISOLATION LEVEL REPEATABLE READ (Options::bare_begin: a plain
// BEGIN, which is DSQL's only form, already snapshot isolation there); a
// read-only one at REPEATABLE READ READ ONLY. Begin also runs `SELECT 1` in
// the same round trip so the snapshot is taken at Begin, as store.h promises
// (PostgreSQL otherwise takes it at the first query).
//
// Errors → Status codes, matched by SQLSTATE only, never by message text:
//   40001 serialization_failure, 40P01 deadlock_detected, 23505
//   unique_violation (a lazily inserted row — idempotency key, journal seq —
//   raced or already exists), DSQL's OC000 / OC001         → kConflict
//   23505 on InsertDenial                                   → kAlreadyExists
//   22021 / 22P05 (text that is not valid UTF-8, or a NUL)  → kInvalidArgument
//   class 08 or a broken connection, 57P01..57P03, 53300,
//   57014 (statement_timeout or a cancel)                   → kUnavailable
//   anything else                                           → kInternal
// After an error the transaction is rolled back on the server right away and
// its connection goes back to the pool (a broken one is closed and dropped);
// later calls on the transaction fail with kFailedPrecondition. After Commit
// or Rollback every call fails with kFailedPrecondition. No exception
// escapes.
//
// Round trips: writes (Put*, AppendEntry, InsertDenial) are buffered in the
// Transaction, already encoded, and sent in one libpq pipeline (pipeline
// mode, libpq ≥ 14) of prepared statements: at Commit together with the
// COMMIT itself (one round trip for the whole write set), or before the next
// read (read-your-writes: the server then answers the read from the
// transaction's own writes). A pipeline sends at most kPipelineChunk
// statements per sync so neither side's socket buffer can fill up. Hence a
// write-write conflict or a duplicate key is usually reported by Commit (or
// by the first read after the write), not by the write call itself; store.h
// allows any call up to Commit to report it. Reads go out at once, one
// prepared statement each.
//
// Connections: a pool of at most Options::max_connections (plus the sync
// connection of pipelined durability), opened lazily
// and reused; each connection prepares every statement once (PQprepare) when
// it is opened. All parameters are sent as binary values with explicit
// lengths (never spliced into SQL); results come back in binary format.
// Begin waits at most Options::pool_wait for a free connection, then fails
// with kUnavailable.
//
// Durability (async_commit on PostgreSQL): commits run with
// synchronous_commit = off; each write transaction takes a ticket just before
// its COMMIT (store/group_sync.h). MakeDurable(mark) flushes the WAL by one
// synchronous commit on a dedicated, long-lived sync connection (opened by
// Open, before any commit), which proves durable the commits whose ticket is
// later than the connection's birth. When the sync fails (the server crashed
// or the connection broke) the connection is dropped and the next
// MakeDurable opens a new one: the commits it cannot vouch for (made before
// it opened and never proven) are in doubt, and MakeDurable answers
// kUnavailable "durability_in_doubt" to whoever waits for them. This assumes
// one server identity behind the conninfo: a failover to another server
// (e.g. a promoted asynchronous replica) is not detected.
//
// Reconnection: a broken connection is closed and dropped (from the pool, or
// as the sync connection); the next Begin or MakeDurable opens a new one, so
// the store works again as soon as the server accepts connections.
//
// Schema (inside Aurora DSQL's dialect: no foreign keys, sequences,
// triggers, SAVEPOINT or temp tables): versioned migrations recorded in
// schema_migrations, applied by Open with CREATE … IF NOT EXISTS, one
// statement per transaction (DSQL runs one DDL statement per transaction),
// and the version row inserted with ON CONFLICT DO NOTHING, so concurrent
// Opens from several processes are safe; on PostgreSQL (not bare_begin) Open
// also holds a session advisory lock while migrating. A database whose schema
// is newer than this binary's is refused (kFailedPrecondition). Encoding as
// in the SQLite store: enums as their names, nested fields (limits, path,
// lines, outcome) as compact JSON TEXT with exact int64 integers, receipts as
// TEXT, balances as a 144-byte big-endian BYTEA, uint64 fields bit-cast into
// BIGINT (AppendEntry refuses a seq beyond INT64_MAX with kOutOfRange). Unlike
// SQLite, TEXT columns must hold valid UTF-8 without NUL bytes (the server
// refuses others: kInvalidArgument).
//
// Thread-safe. A Transaction must not outlive its store.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "store/store.h"

namespace stub {

struct PostgresStoreOptions {
  // Most connections open at once (busy + idle).
  std::size_t max_connections = 16;
  // How long Begin waits for a free connection when all are busy.
  std::chrono::milliseconds pool_wait{30'000};
  // Aurora DSQL: a plain BEGIN (no isolation clause) and no advisory lock
  // during migrations.
  bool bare_begin = false;
  // If set, called for every new connection; its value is passed as the
  // password (DSQL: a fresh IAM auth token per connection).
  std::function<Result<std::string>()> password;
  // PostgreSQL (not bare_begin): commit with synchronous_commit = off, so a
  // commit returns once visible, before its WAL flush, and the next batch
  // runs while the server flushes; MakeDurable then flushes the WAL up to
  // every commit so far (one short transaction that writes a WAL record,
  // committed with synchronous_commit = on) on a dedicated sync connection, which
  // proves durable only the commits made while it was open (a server crash
  // ends it): see "Durability" below. CommitIsDurable() is false then.
  bool async_commit = true;

  // Time bounds of every connection (a stalled or unreachable server must
  // not hang a caller). libpq settings, placed before the conninfo so a URL
  // may override them: connect_timeout (whole seconds, libpq's minimum is
  // 2), TCP keepalives (idle, interval, count: a dead peer is noticed within
  // idle + interval × count) and tcp_user_timeout (unacknowledged data).
  // Server settings, PostgreSQL only (not bare_begin), set once per
  // connection: statement_timeout (every statement; `ask` queries set their
  // own bound for their one statement; it also bounds, on this side, the
  // wait for MakeDurable's WAL flush, which the server does not cancel) and
  // idle_in_transaction_session_timeout (a transaction left open by a stuck
  // client loses its locks). Zero disables one.
  std::chrono::seconds connect_timeout{5};
  std::chrono::seconds keepalives_idle{5};
  std::chrono::seconds keepalives_interval{2};
  int keepalives_count = 3;
  std::chrono::milliseconds tcp_user_timeout{10'000};
  std::chrono::milliseconds statement_timeout{5'000};
  std::chrono::milliseconds idle_in_transaction_timeout{15'000};
};

class PostgresStore final : public Store {
 public:
  using Options = PostgresStoreOptions;

  // The latest schema version this binary knows.
  static int SchemaVersion();

  // Connects with `conninfo` (a libpq URI or key=value string), migrates the
  // schema to SchemaVersion() and keeps that connection in the pool. Errors:
  // kUnavailable if the server cannot be reached; kFailedPrecondition if the
  // schema is newer than this binary's; kInternal otherwise.
  static Result<std::unique_ptr<PostgresStore>> Open(std::string conninfo, Options options = {});

  ~PostgresStore() override;
  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;

  Result<std::unique_ptr<Transaction>> Begin(const TxnOptions& options = {}) override;
  std::string_view Kind() const override { return "postgres"; }
  bool CommitIsDurable() const override;
  std::uint64_t DurabilityMark() const override;
  Status MakeDurable(std::uint64_t mark) override;

  class Impl;

 private:
  explicit PostgresStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace stub
