// The SQLite store's own write ceiling: what one spend asks of the store,
// without the engine (no decisions, no node rows, no SHA-256 — the entries
// come pre-sealed). Each iteration is one write transaction as a batch of
// `range(0)` spends makes it: the batch's idempotency keys read in one call,
// then per spend its journal entry and its idempotency record, then Commit
// and MakeDurable (the fdatasync). Items are spends. range(1) picks the rows:
// 0 both, 1 the journal entries only, 2 the idempotency records only — what
// each costs on its own.
//
//   cmake --build --preset release --target stub_bench
//   ./build/release/stub_bench --benchmark_filter=StoreWrites
//
// The rows are shaped like `stub bench --hot`'s (bench_rows.h). No engine
// can go faster than this on the same machine, so it bounds `stub bench
// --db sqlite:…` from above; /8 is the batch size HTTP traffic makes.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "bench_rows.h"
#include "scratch_sqlite.h"

namespace stub {
namespace {

using bench_rows::kStoreBenchOrg;
using bench_rows::SpendEntry;
using bench_rows::SpendRecord;

void BM_StoreWrites_Sqlite(benchmark::State& state) {
  ScratchSqlite scratch("stub-store-bench");
  SqliteStore* store = scratch.store();
  if (store == nullptr) {
    state.SkipWithError("cannot open the SQLite file");
    return;
  }
  const auto batch = static_cast<std::uint64_t>(state.range(0));
  const bool entries = state.range(1) != 2;
  const bool records = state.range(1) != 1;
  std::uint64_t seq = 0;
  std::vector<std::string> keys(batch);
  std::vector<std::string_view> key_views(batch);
  for (auto _ : state) {
    for (std::uint64_t i = 0; i < batch; ++i) {
      keys[i] = "key-" + std::to_string(seq + i + 1);
      key_views[i] = keys[i];
    }
    const std::uint64_t mark = store->DurabilityMark();
    auto txn = store->Begin();
    Status s = txn.ok() ? Status::Ok() : txn.status();
    if (s.ok()) s = (*txn)->GetIdempotencies(kStoreBenchOrg, key_views).status();
    for (std::uint64_t i = 0; s.ok() && i < batch; ++i) {
      ++seq;
      if (entries) s = (*txn)->AppendEntry(SpendEntry(seq));
      if (s.ok() && records) s = (*txn)->PutIdempotency(SpendRecord(seq, std::move(keys[i])));
    }
    if (s.ok()) s = (*txn)->Commit();
    if (s.ok()) s = store->MakeDurable(mark);
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_StoreWrites_Sqlite)
    ->ArgNames({"batch", "rows"})
    ->Args({8, 0})
    ->Args({1024, 0})
    ->Args({1024, 1})
    ->Args({1024, 2})
    ->UseRealTime();

}  // namespace
}  // namespace stub
