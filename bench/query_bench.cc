// Questions over a large journal: "totals by team for a month" over
// STUB_QUERY_BENCH_SPENDS spends (default 1,000,000), the whole answer
// (snapshot, tree, plan, SQL, fold, sentence) timed per question; p50 and
// p99 are printed as counters. bench/query_bench.sh runs it on SQLite and on a
// throwaway PostgreSQL cluster.
//
//   STUB_QUERY_BENCH_DB=sqlite:/tmp/q.db ./build/release/stub_bench
//       --benchmark_filter=Query      (one command line)
//   STUB_QUERY_BENCH_DB=postgresql://… (any libpq URL)
//
// The spends are loaded once (direct store inserts, 10,000 per transaction)
// into org "bench" and reused while the org holds exactly that many: spread
// uniformly over STUB_QUERY_BENCH_DAYS days (default 365) before
// 2026-11-28T15:00:00Z, 12 agents in 4 teams (one nested), 8 vendors, 4
// categories. The month asked about is October 2026.
#include <benchmark/benchmark.h>
#include <libpq-fe.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "engine/query_service.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"

namespace stub {
namespace {

constexpr Timestamp kQueryNow = 1795878000LL * kMicrosPerSecond;  // 2026-11-28T15:00:00Z
constexpr Timestamp kDay = 86'400LL * kMicrosPerSecond;
const std::string kOrg = "bench";

std::int64_t EnvInt(const char* name, std::int64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::atoll(v) : fallback;
}

std::vector<Node> BenchTree() {
  auto node = [](std::string id, NodeKind kind, std::string parent) {
    Node n;
    n.id = id;
    n.kind = kind;
    n.parent = std::move(parent);
    n.name = id;
    return n;
  };
  std::vector<Node> tree = {
      node(kOrg, NodeKind::kOrg, ""), node("marketing", NodeKind::kTeam, kOrg),
      node("research", NodeKind::kTeam, kOrg), node("engineering", NodeKind::kTeam, kOrg),
      node("platform", NodeKind::kTeam, "engineering")};
  const char* teams[] = {"marketing", "research", "engineering", "platform"};
  for (int i = 0; i < 12; ++i) {
    tree.push_back(node("agent-" + std::to_string(i), NodeKind::kAgent, teams[i % 4]));
  }
  return tree;
}

Result<std::unique_ptr<Store>> OpenBenchStore(const std::string& url) {
  if (url.starts_with("sqlite:")) {
    STUB_ASSIGN_OR_RETURN(auto s, SqliteStore::Open(url.substr(7)));
    return std::unique_ptr<Store>(std::move(s));
  }
  STUB_ASSIGN_OR_RETURN(auto s, PostgresStore::Open(url));
  return std::unique_ptr<Store>(std::move(s));
}

// Loads the spends unless the org already holds exactly `n` of them.
Status Load(Store& store, std::int64_t n, std::int64_t days) {
  {
    STUB_ASSIGN_OR_RETURN(auto r, store.Begin({.read_only = true}));
    STUB_ASSIGN_OR_RETURN(auto org, r->GetOrg(kOrg));
    if (org && org->head_seq == static_cast<std::uint64_t>(n)) return Status::Ok();
    if (org) return FailedPrecondition("org bench exists with another size: use a fresh database");
  }
  std::fprintf(stderr, "loading %lld spends over %lld days…\n", static_cast<long long>(n),
               static_cast<long long>(days));
  const auto start = std::chrono::steady_clock::now();
  const std::vector<Node> tree = BenchTree();
  {
    STUB_ASSIGN_OR_RETURN(auto w, store.Begin());
    for (const Node& node : tree) {
      NodeRow row;
      row.node = node;
      STUB_RETURN_IF_ERROR(w->PutNode(kOrg, std::move(row)));
    }
    STUB_RETURN_IF_ERROR(w->Commit());
  }
  std::mt19937_64 rng(42);
  const char* vendors[] = {"api.openai.com", "api.anthropic.com", "api.dataco.com",
                           "serpapi.com",    "modal.com",         "replicate.com",
                           "api.twilio.com", "api.crunchbase.com"};
  const char* categories[] = {"llm", "llm", "data", "data", "compute", "compute", "saas", "data"};
  const Timestamp first = kQueryNow - days * kDay;
  for (std::int64_t seq = 1; seq <= n;) {
    STUB_ASSIGN_OR_RETURN(auto w, store.Begin());
    for (int k = 0; k < 10'000 && seq <= n; ++k, ++seq) {
      Entry e;
      e.org = kOrg;
      e.seq = static_cast<std::uint64_t>(seq);
      e.kind = EntryKind::kSpend;
      e.created_at =
          first + static_cast<Timestamp>(rng() % static_cast<std::uint64_t>(days * kDay));
      e.budget_at = e.created_at;
      e.ref = "sp_" + std::to_string(seq);
      const int a = static_cast<int>(rng() % 12);
      e.agent = "agent-" + std::to_string(a);
      e.path = {e.agent, tree[static_cast<std::size_t>(5 + a)].parent, kOrg};
      const std::size_t v = rng() % 8;
      e.vendor = vendors[v];
      e.category = categories[v];
      e.session = "sess-" + std::to_string(rng() % 50'000);
      e.user = "user" + std::to_string(rng() % 40) + "@bench.test";
      e.intent = "task " + std::to_string(rng() % 200);
      e.amount = static_cast<Micros>(1'000 + rng() % 2'000'000);
      STUB_RETURN_IF_ERROR(BuildLines(e));
      e.prev_hash = kGenesisHash;
      e.hash = kGenesisHash;
      STUB_RETURN_IF_ERROR(w->AppendEntry(std::move(e)));
    }
    STUB_RETURN_IF_ERROR(w->Commit());
  }
  {
    // The org last: its head_seq marks the load complete.
    STUB_ASSIGN_OR_RETURN(auto w, store.Begin());
    OrgRow org;
    org.id = kOrg;
    org.name = "Bench Corp";
    org.head_seq = static_cast<std::uint64_t>(n);
    STUB_RETURN_IF_ERROR(w->PutOrg(org));
    STUB_RETURN_IF_ERROR(w->Commit());
  }
  std::fprintf(stderr, "loaded in %.1f s\n",
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return Status::Ok();
}

// PostgreSQL: statistics and the visibility map after a bulk load, as
// autovacuum would (index-only scans need the visibility map).
void VacuumIfPostgres(const std::string& url) {
  if (url.starts_with("sqlite:")) return;
  PGconn* c = PQconnectdb(url.c_str());
  if (PQstatus(c) == CONNECTION_OK) PQclear(PQexec(c, "VACUUM ANALYZE entries, spend_daily"));
  PQfinish(c);
}

void BM_QueryTotalsByTeamForAMonth(benchmark::State& state) {
  const char* url_env = std::getenv("STUB_QUERY_BENCH_DB");
  if (url_env == nullptr || *url_env == '\0') {
    state.SkipWithError("set STUB_QUERY_BENCH_DB (sqlite:PATH or a libpq URL)");
    return;
  }
  const std::string url = url_env;
  auto store = OpenBenchStore(url);
  if (!store.ok()) {
    state.SkipWithError(store.status().ToString().c_str());
    return;
  }
  const std::int64_t n = EnvInt("STUB_QUERY_BENCH_SPENDS", 1'000'000);
  Status loaded = Load(**store, n, EnvInt("STUB_QUERY_BENCH_DAYS", 365));
  if (!loaded.ok()) {
    state.SkipWithError(loaded.ToString().c_str());
    return;
  }
  VacuumIfPostgres(url);
  QueryService service(**store);
  const QuerySpec spec{.from = MakeTimestamp(2026, 10, 1),
                       .to = MakeTimestamp(2026, 11, 1),
                       .group_by = QueryGroup::kTeam};
  // One warm-up answer, shown once.
  auto warm = service.Run(kOrg, spec);
  if (!warm.ok()) {
    state.SkipWithError(warm.status().ToString().c_str());
    return;
  }
  std::fprintf(stderr, "%s\n", warm->answer.c_str());
  std::vector<double> ms;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    auto a = service.Run(kOrg, spec);
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!a.ok()) {
      state.SkipWithError(a.status().ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(a->result.overall.total);
    state.SetIterationTime(elapsed);
    ms.push_back(elapsed * 1e3);
  }
  std::sort(ms.begin(), ms.end());
  auto pct = [&](double p) {
    return ms[std::min(ms.size() - 1,
                       static_cast<std::size_t>(p * static_cast<double>(ms.size())))];
  };
  state.counters["p50_ms"] = pct(0.50);
  state.counters["p99_ms"] = pct(0.99);
  state.counters["spends"] = static_cast<double>(n);
  state.counters["month_spends"] = static_cast<double>(warm->result.overall.count);
}
BENCHMARK(BM_QueryTotalsByTeamForAMonth)
    ->Iterations(100)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace stub
