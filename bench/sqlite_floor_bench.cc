// What SQLite itself asks to store one spend, with none of Stub's code on the
// path: the floor under BM_StoreWrites_Sqlite and `stub bench --db sqlite:…`.
//
//   cmake --build --preset release --target stub_bench
//   ./build/release/stub_bench --benchmark_filter=SqliteFloor
//
// The file gets the store's real schema (SqliteStore::Open runs the
// migrations) and one spend written through the store; the store is closed
// and the file reopened with the bare SQLite C API, with the writer's flags
// and pragmas (no mutexes, WAL, synchronous=NORMAL, a 2 MiB page cache).
// Each iteration is one transaction of 1,024 spends: per spend, an INSERT of
// the entry row and of the idempotency row, copies of the rows the store
// wrote (same columns, same bytes) with a new seq, time and key. One thread,
// prepared statements, no fsync: SQLite's CPU per spend and nothing else.
// Items are spends.
//
// range(0), the rows: 0 both, 1 the entry rows only, 2 the idempotency rows
// only (as BM_StoreWrites_Sqlite). range(1), the checkpoint:
//   0  not on the writer: the WAL is checkpointed outside the timed region
//      every 16 transactions (Stub checkpoints on a thread of its own; on
//      the same cores, though, so that work is not free either)
//   1  SQLite's auto-checkpoint (1,000 pages) on the writer
//
// Tried here and not kept: the journal as a WITHOUT ROWID table on (org,
// seq), one B-tree fewer per spend. Three repetitions each gave 142k/s both
// ways (2026-11-29); a first, single run had suggested +25%.
#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bench_rows.h"
#include "scratch_sqlite.h"

namespace stub {
namespace {

constexpr int kFloorBatch = 1024;
constexpr std::int64_t kFloorCheckpointEvery = 16;  // transactions

// An INSERT of rows like the one row of `table` the store wrote: the row's
// values are bound once (bindings outlive sqlite3_reset), so per row only
// what must differ is bound again.
class RowTemplate {
 public:
  ~RowTemplate() { sqlite3_finalize(insert_); }

  // Reads the table's one row and binds it; false (with `error` set) when it
  // cannot.
  bool Load(sqlite3* db, const std::string& table, std::string& error) {
    sqlite3_stmt* select = nullptr;
    const std::string sql = "SELECT * FROM " + table;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &select, nullptr) != SQLITE_OK ||
        sqlite3_step(select) != SQLITE_ROW) {
      error = table + ": " + sqlite3_errmsg(db);
      sqlite3_finalize(select);
      return false;
    }
    std::string insert = "INSERT INTO " + table + " VALUES (";
    for (int i = 0; i < sqlite3_column_count(select); ++i) {
      names_.emplace_back(sqlite3_column_name(select, i));
      insert += i == 0 ? "?" : ", ?";
    }
    insert += ")";
    bool ok = sqlite3_prepare_v3(db, insert.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &insert_,
                                 nullptr) == SQLITE_OK;
    for (int i = 0; ok && i < sqlite3_column_count(select); ++i) {
      ok = sqlite3_bind_value(insert_, i + 1, sqlite3_column_value(select, i)) == SQLITE_OK;
    }
    if (!ok) error = table + ": " + sqlite3_errmsg(db);
    sqlite3_finalize(select);
    return ok;
  }

  // The 1-based parameter of column `name`, or 0.
  int Column(std::string_view name) const {
    for (std::size_t i = 0; i < names_.size(); ++i) {
      if (names_[i] == name) return static_cast<int>(i) + 1;
    }
    return 0;
  }

  // The INSERT, reset, with the template row bound; the caller binds what
  // must differ and steps it.
  sqlite3_stmt* Next() {
    sqlite3_reset(insert_);
    return insert_;
  }

 private:
  std::vector<std::string> names_;
  sqlite3_stmt* insert_ = nullptr;
};

bool Exec(sqlite3* db, const std::string& sql, std::string& error) {
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK) return true;
  error = sql.substr(0, 60) + ": " + sqlite3_errmsg(db);
  return false;
}

void BM_SqliteFloor(benchmark::State& state) {
  const bool entries = state.range(0) != 2;
  const bool records = state.range(0) != 1;
  const bool inline_checkpoint = state.range(1) == 1;

  ScratchSqlite scratch("stub-floor-bench");
  std::string error;
  {
    SqliteStore* store = scratch.store();
    if (store == nullptr) {
      state.SkipWithError("cannot open the SQLite file");
      return;
    }
    auto txn = store->Begin();
    Status s = txn.ok() ? Status::Ok() : txn.status();
    if (s.ok()) s = (*txn)->AppendEntry(bench_rows::SpendEntry(1));
    if (s.ok()) s = (*txn)->PutIdempotency(bench_rows::SpendRecord(1, "key-1"));
    if (s.ok()) s = (*txn)->Commit();
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      return;
    }
    scratch.CloseStore();
  }

  sqlite3* db = nullptr;
  // As the store opens its writer: no SQLite mutexes (one thread uses it).
  bool ok = sqlite3_open_v2(scratch.path().c_str(), &db,
                            SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) == SQLITE_OK;
  if (!ok) error = "open " + scratch.path();
  ok =
      ok && Exec(db, "PRAGMA synchronous = NORMAL", error) &&
      Exec(db, "PRAGMA cache_size = -2048", error) &&
      Exec(db,
           inline_checkpoint ? "PRAGMA wal_autocheckpoint = 1000" : "PRAGMA wal_autocheckpoint = 0",
           error);
  {
    RowTemplate entry;
    RowTemplate record;
    ok = ok && entry.Load(db, "entries", error) && record.Load(db, "idempotency", error);
    const int seq_col = entry.Column("seq");
    const int created_col = entry.Column("created_at");
    const int budget_col = entry.Column("budget_at");
    const int key_col = record.Column("idem_key");
    const int record_created_col = record.Column("created_at");
    if (ok && (seq_col == 0 || created_col == 0 || budget_col == 0 || key_col == 0 ||
               record_created_col == 0)) {
      ok = false;
      error = "a column the benchmark varies is missing";
    }
    if (!ok) {
      state.SkipWithError(error.c_str());
      sqlite3_close_v2(db);
      return;
    }

    std::int64_t seq = 1;
    std::string key;
    for (auto _ : state) {
      ok = Exec(db, "BEGIN IMMEDIATE", error);
      for (int i = 0; ok && i < kFloorBatch; ++i) {
        ++seq;
        const std::int64_t at = bench_rows::kStoreBenchStart + seq;
        if (entries) {
          sqlite3_stmt* s = entry.Next();
          sqlite3_bind_int64(s, seq_col, seq);
          sqlite3_bind_int64(s, created_col, at);
          sqlite3_bind_int64(s, budget_col, at);
          ok = sqlite3_step(s) == SQLITE_DONE;
        }
        if (ok && records) {
          key = "key-" + std::to_string(seq);
          sqlite3_stmt* s = record.Next();
          sqlite3_bind_text(s, key_col, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
          sqlite3_bind_int64(s, record_created_col, at);
          ok = sqlite3_step(s) == SQLITE_DONE;
        }
        if (!ok) error = std::string("insert: ") + sqlite3_errmsg(db);
      }
      ok = ok && Exec(db, "COMMIT", error);
      if (!ok) {
        state.SkipWithError(error.c_str());
        break;
      }
      if (!inline_checkpoint && state.iterations() % kFloorCheckpointEvery == 0) {
        state.PauseTiming();
        sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
        state.ResumeTiming();
      }
    }
  }
  sqlite3_close_v2(db);
  state.SetItemsProcessed(state.iterations() * kFloorBatch);
}
BENCHMARK(BM_SqliteFloor)
    ->ArgNames({"rows", "ckpt"})
    ->ArgsProduct({{0, 1, 2}, {0, 1}})
    ->UseRealTime();

}  // namespace
}  // namespace stub
