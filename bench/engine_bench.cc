// Spend decisions per second.
//
//   cmake --build --preset release --target stub_bench
//   ./build/release/stub_bench --benchmark_filter=Spend
//
// BM_EngineSpend_Memory: a whole spend — idempotency check, ancestor rows,
// decision, entry with its SHA-256 chain link, balance rows, idempotency
// record, commit — one transaction each. BM_EngineSpendBatch_Memory: the same
// spends group-committed. BM_SpendDecision_Memory: the decision alone against
// the store's rows (no booking). BM_SpendDecisionWithPolicy_Memory: the
// same with a policy on every level, every rule evaluated.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "core/decision.h"
#include "core/journal.h"
#include "engine/engine.h"
#include "engine/ledger_ops.h"
#include "engine/ledger_txn.h"
#include "engine/policy_eval.h"
#include "scratch_sqlite.h"
#include "store/memory/memory_store.h"

namespace stub {
namespace {

constexpr Timestamp kNow = 1795860000LL * kMicrosPerSecond;

void SetUpOrg(Engine& engine) {
  (void)engine.CreateOrg("acme", "Acme");
  (void)engine.PutNode("acme", {.id = "acme",
                                .kind = NodeKind::kOrg,
                                .limits = {{4'000'000'000'000'000, Period::kMonth},
                                           {8'000'000'000'000'000, Period::kTotal}}});
  (void)engine.PutNode("acme", {.id = "research",
                                .kind = NodeKind::kTeam,
                                .parent = "acme",
                                .limits = {{1'000'000'000'000'000, Period::kDay}}});
  (void)engine.PutNode("acme", {.id = "agent-1",
                                .kind = NodeKind::kAgent,
                                .parent = "research",
                                .limits = {{1'000'000'000'000'000, Period::kWeek}}});
}

// A 0.02 LLM spend by agent-1 (the idempotency key is the caller's).
SpendRequest TypicalSpend() {
  SpendRequest r;
  r.org = "acme";
  r.agent = "agent-1";
  r.amount = 20'000;
  r.vendor = "api.openai.com";
  r.category = "llm";
  r.session = "sess-42";
  r.intent = "summarise the weekly report";
  return r;
}

void BM_EngineSpend_Memory(benchmark::State& state) {
  MemoryStore store;
  ManualClock clock(kNow);
  Engine engine(store, clock);
  SetUpOrg(engine);
  SpendRequest r = TypicalSpend();
  std::uint64_t i = 0;
  for (auto _ : state) {
    r.idempotency_key = "key-" + std::to_string(++i);
    auto result = engine.Spend(r);
    if (!result.ok() || result->outcome.status != OutcomeStatus::kApproved) {
      state.SkipWithError("spend was not approved");
      break;
    }
    clock.Advance(1);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EngineSpend_Memory);

// Group-commits batches of range(0) typical spends, each with keys of its
// own, one clock tick apart; items are spends. Stops with an error at the
// first batch whose last spend was not approved.
void RunSpendBatches(benchmark::State& state, Engine& engine, ManualClock& clock) {
  std::vector<SpendRequest> batch(static_cast<std::size_t>(state.range(0)), TypicalSpend());
  std::uint64_t i = 0;
  for (auto _ : state) {
    for (SpendRequest& r : batch) r.idempotency_key = "key-" + std::to_string(++i);
    auto results = engine.SpendBatch(batch);
    if (!results.back().ok() || results.back()->outcome.status != OutcomeStatus::kApproved) {
      state.SkipWithError("spend was not approved");
      break;
    }
    clock.Advance(1);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

// Group commit: a batch of spends in one transaction, each still decided on
// its own against the running balances. Items are spends.
void BM_EngineSpendBatch_Memory(benchmark::State& state) {
  MemoryStore store;
  ManualClock clock(kNow);
  Engine engine(store, clock);
  SetUpOrg(engine);
  RunSpendBatches(state, engine, clock);
}
BENCHMARK(BM_EngineSpendBatch_Memory)->Arg(16)->Arg(64)->Arg(256);

// Group commit on SQLite, durable: each batch waits for its own WAL fsync
// (SpendBatch waits; the SpendBatcher would overlap it with the next batch).
void BM_EngineSpendBatch_Sqlite(benchmark::State& state) {
  ScratchSqlite scratch("stub-bench");
  if (scratch.store() == nullptr) {
    state.SkipWithError("cannot open the SQLite file");
    return;
  }
  ManualClock clock(kNow);
  Engine engine(*scratch.store(), clock);
  SetUpOrg(engine);
  RunSpendBatches(state, engine, clock);
}
BENCHMARK(BM_EngineSpendBatch_Sqlite)->Arg(64)->Arg(256)->Arg(1024)->UseRealTime();

// One spend decision as the engine makes it against the memory store, without
// booking it: a snapshot, the idempotency check, the org row, the agent's
// chain of rows through the row cache, the decision, and (with_policy) the
// policies of the chain. Not inlined, so that `valgrind --tool=callgrind
// --toggle-collect='*DecideOnce*'` counts exactly one decision per call.
[[gnu::noinline]] bool DecideOnce(MemoryStore& store, Timestamp now, std::uint64_t i,
                                  bool with_policy) {
  auto txn = store.Begin({.read_only = true});
  LedgerTxn lt(**txn);
  // As the engine does: the idempotency check first, then the org row.
  auto seen = (*txn)->GetIdempotency("acme", "key-" + std::to_string(i));
  auto org = lt.Org("acme");
  if (!seen.ok() || seen->has_value() || !org.ok() || *org == nullptr) return false;
  auto chain = LoadChain(lt, "acme", "agent-1");
  if (!chain.ok()) return false;
  DecisionInput in;
  for (const NodeRow* row : *chain) in.chain.push_back({&row->node, &row->balances});
  in.kill_switch = (*org)->kill_switch;
  in.amount = 20'000;
  in.now = now;
  Decision d = Decide(in);
  if (with_policy && AnyPolicy(*chain)) {
    auto verdict = EvaluatePolicies(lt, "acme", *chain, in.amount, "api.openai.com", "llm", in.now);
    if (!verdict.ok() || verdict->denial) return false;
  }
  return d.approved();
}

void BM_SpendDecision_Memory(benchmark::State& state) {
  MemoryStore store;
  ManualClock clock(kNow);
  Engine engine(store, clock);
  SetUpOrg(engine);
  std::uint64_t i = 0;
  for (auto _ : state) {
    if (!DecideOnce(store, clock.Now(), ++i, /*with_policy=*/false)) {
      state.SkipWithError("not approved");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SpendDecision_Memory);

// As BM_SpendDecision_Memory, with a realistic policy on every level, all
// evaluated as the engine does: the org blocks vendors, the team allows a
// few vendors (one a *.domain pattern) and categories and has a rolling
// window (an indexed look-up in the window log, which 200 booked spends
// have filled), the agent has a per-spend maximum. The spend passes every
// rule, so every rule is evaluated.
void BM_SpendDecisionWithPolicy_Memory(benchmark::State& state) {
  MemoryStore store;
  ManualClock clock(kNow);
  Engine engine(store, clock);
  SetUpOrg(engine);
  (void)engine.PutPolicy("acme", "acme",
                         {.vendors = {.block = {"evil.example", "*.casino.example"}}}, "bench");
  (void)engine.PutPolicy(
      "acme", "research",
      {.windows = {{1'000'000'000'000, 3600}},
       .vendors = {.allow = {"*.openai.com", "api.anthropic.com", "api.dataco.com",
                             "api.mistral.ai", "*.googleapis.com"}},
       .categories = {.allow = {"data", "llm"}}},
      "bench");
  (void)engine.PutPolicy("acme", "agent-1", {.max_per_spend = 5'000'000}, "bench");
  for (int k = 0; k < 200; ++k) {
    SpendRequest r = TypicalSpend();
    r.idempotency_key = "warm-" + std::to_string(k);
    clock.Advance(kMicrosPerSecond);
    if (auto done = engine.Spend(r);
        !done.ok() || done->outcome.status != OutcomeStatus::kApproved) {
      state.SkipWithError("warm-up spend not approved");
      return;
    }
  }
  std::uint64_t i = 0;
  for (auto _ : state) {
    if (!DecideOnce(store, clock.Now(), ++i, /*with_policy=*/true)) {
      state.SkipWithError("not approved");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SpendDecisionWithPolicy_Memory);

// The pure decision alone: three nodes, four limits.
void BM_Decide(benchmark::State& state) {
  Node agent{.id = "agent-1",
             .kind = NodeKind::kAgent,
             .parent = "research",
             .limits = {{1'000'000, Period::kDay}}};
  Node team{.id = "research",
            .kind = NodeKind::kTeam,
            .parent = "acme",
            .limits = {{50'000'000, Period::kWeek}}};
  Node org{.id = "acme",
           .kind = NodeKind::kOrg,
           .limits = {{900'000'000, Period::kMonth}, {5'000'000'000, Period::kTotal}}};
  NodeBalances b{};
  DecisionInput in;
  in.chain = {{&agent, &b}, {&team, &b}, {&org, &b}};
  in.amount = 20'000;
  in.now = kNow;
  for (auto _ : state) {
    Decision d = Decide(in);
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Decide);

// Canonical encoding + SHA-256 chain link of a typical entry.
void BM_SealEntry(benchmark::State& state) {
  Entry e;
  e.org = "acme";
  e.seq = 123456;
  e.kind = EntryKind::kSpend;
  e.created_at = e.budget_at = kNow;
  e.ref = "sp_0123456789abcdef01234567";
  e.agent = "agent-1";
  e.path = {"agent-1", "research", "acme"};
  e.vendor = "api.openai.com";
  e.category = "llm";
  e.session = "sess-42";
  e.intent = "summarise the weekly report";
  e.amount = 20'000;
  (void)BuildLines(e);
  for (auto _ : state) {
    SealEntry(e, kGenesisHash);
    benchmark::DoNotOptimize(e.hash);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SealEntry);

}  // namespace
}  // namespace stub
