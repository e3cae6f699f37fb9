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
// The rows are shaped like `stub bench --hot`'s: an org id of 30 characters,
// a three-node path, two lines, hex hashes, an approved outcome. No engine
// can go faster than this on the same machine, so it bounds `stub bench
// --db sqlite:…` from above; /8 is the batch size HTTP traffic makes.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "core/decision.h"
#include "core/idempotency.h"
#include "core/journal.h"
#include "scratch_sqlite.h"

namespace stub {
namespace {

constexpr Timestamp kStoreBenchStart = 1795860000LL * kMicrosPerSecond;
constexpr std::string_view kStoreBenchOrg = "bench_4d849157e2ad716a942d6a80";

Entry SpendEntry(std::uint64_t seq) {
  Entry e;
  e.org = std::string(kStoreBenchOrg);
  e.seq = seq;
  e.kind = EntryKind::kSpend;
  e.created_at = kStoreBenchStart + static_cast<Timestamp>(seq);
  e.budget_at = e.created_at;
  e.ref = "sp_df323b796e2ddd0a399fb3fb";
  e.agent = "client-0";
  e.path = {"client-0", "team", std::string(kStoreBenchOrg)};
  e.vendor = "api.openai.com";
  e.category = "llm";
  e.intent = "benchmark";
  e.amount = 10'000;
  e.lines = {{"expense:llm:api.openai.com", 10'000},
             {"funding:" + std::string(kStoreBenchOrg), -10'000}};
  e.prev_hash = std::string(64, 'a');
  e.hash = std::string(64, 'b');
  return e;
}

IdempotencyRecord SpendRecord(std::uint64_t seq, std::string key) {
  IdempotencyRecord r;
  r.org = std::string(kStoreBenchOrg);
  r.key = std::move(key);
  r.fingerprint = "5:spend8:client-05:1000014:api.openai.com3:llm0:0:9:benchmark0:1:0";
  r.outcome.status = OutcomeStatus::kApproved;
  r.outcome.id = "sp_df323b796e2ddd0a399fb3fb";
  r.outcome.amount = 10'000;
  r.outcome.entry_seq = seq;
  r.outcome.entry_hash = std::string(64, 'b');
  r.outcome.effective_remaining = 999'999'999'990'000;
  r.outcome.binding = Binding{.node = "team", .period = Period::kDay};
  r.created_at = kStoreBenchStart + static_cast<Timestamp>(seq);
  return r;
}

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
    auto txn = store->Begin();
    Status s = txn.ok() ? Status::Ok() : txn.status();
    if (s.ok()) s = (*txn)->GetIdempotencies(kStoreBenchOrg, key_views).status();
    for (std::uint64_t i = 0; s.ok() && i < batch; ++i) {
      ++seq;
      if (entries) s = (*txn)->AppendEntry(SpendEntry(seq));
      if (s.ok() && records) s = (*txn)->PutIdempotency(SpendRecord(seq, std::move(keys[i])));
    }
    if (s.ok()) s = (*txn)->Commit();
    if (s.ok()) s = store->MakeDurable();
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
