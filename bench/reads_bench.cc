// Reads over a large history on SQLite, through the real API handlers (auth,
// routing, ReadService, JSON; no socket): GET /v1/spends?limit=100, a
// filtered list (?agent=…&limit=100), GET /v1/spends/{id} — p50/p99 counters
// — and the event feed: 100 idle streams, then 100 streams tailing 1,000
// spends/s, their polling thread's CPU as a fraction of one core.
//
//   STUB_READS_BENCH_DB=/tmp/reads.db ./build/release/stub_bench --benchmark_filter=Reads
//
// The history (STUB_READS_BENCH_SPENDS spends, default 1,000,000, and
// STUB_READS_BENCH_DENIALS denials, default 200,000, over 365 days, 12
// agents in 4 teams, 8 vendors, 200-byte receipts) is bulk-loaded once
// (direct store inserts, 20,000 rows per transaction) into org "rbench" and
// reused while the org holds at least that many spends.
#include <benchmark/benchmark.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/time_ordered_id.h"
#include "engine/batcher.h"
#include "engine/clock.h"
#include "engine/engine.h"
#include "engine/key_service.h"
#include "engine/read_service.h"
#include "engine/session_service.h"
#include "server/api.h"
#include "server/auth.h"
#include "server/event_feed.h"
#include "server/feed_hub.h"
#include "server/ui_handler.h"
#include "store/sqlite/sqlite_store.h"

namespace stub {
namespace {

constexpr Timestamp kReadsNow = 1795878000LL * kMicrosPerSecond;  // 2026-11-28T15:00:00Z
constexpr Timestamp kReadsDay = 86'400LL * kMicrosPerSecond;
const std::string kReadsOrg = "rbench";

std::int64_t ReadsEnvInt(const char* name, std::int64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::atoll(v) : fallback;
}

Entry ReadsSpend(std::uint64_t seq, Timestamp at, std::mt19937_64& rng) {
  static const char* vendors[] = {"api.openai.com", "api.anthropic.com", "api.dataco.com",
                                  "serpapi.com",    "modal.com",         "replicate.com",
                                  "api.twilio.com", "api.crunchbase.com"};
  static const char* teams[] = {"marketing", "research", "engineering", "platform"};
  Entry e;
  e.org = kReadsOrg;
  e.seq = seq;
  e.kind = EntryKind::kSpend;
  e.created_at = at;
  e.budget_at = at;
  // A time-ordered id, as the engine makes them, with bits from the rng.
  std::array<unsigned char, kTimeOrderedIdRandomBytes> bits;
  for (unsigned char& b : bits) b = static_cast<unsigned char>(rng());
  e.ref = FormatTimeOrderedId("sp", at, bits);
  const int a = static_cast<int>(rng() % 12);
  e.agent = "agent-" + std::to_string(a);
  e.path = {e.agent, teams[a % 4], kReadsOrg};
  e.vendor = vendors[rng() % 8];
  e.category = "llm";
  e.session = "sess-" + std::to_string(rng() % 50'000);
  e.user = "user" + std::to_string(rng() % 40) + "@bench.test";
  e.intent = "task " + std::to_string(rng() % 200);
  e.amount = static_cast<Micros>(1'000 + rng() % 2'000'000);
  e.receipt = R"({"model":"gpt-4o","request_id":")" + std::string(150, 'r') + R"(","n":)" +
              std::to_string(seq) + "}";
  e.receipt_hash = std::string(64, 'c');
  (void)BuildLines(e);
  e.prev_hash = kGenesisHash;
  e.hash = kGenesisHash;
  return e;
}

Status LoadReads(Store& store, std::int64_t spends, std::int64_t denials) {
  {
    STUB_ASSIGN_OR_RETURN(auto r, store.Begin({.read_only = true}));
    STUB_ASSIGN_OR_RETURN(auto org, r->GetOrg(kReadsOrg));
    // A tailing run books more spends: a loaded org has at least `spends`.
    if (org && org->head_seq >= static_cast<std::uint64_t>(spends)) return Status::Ok();
    if (org) return FailedPrecondition("org rbench exists with another size: use a fresh file");
  }
  std::fprintf(stderr, "loading %lld spends and %lld denials…\n", static_cast<long long>(spends),
               static_cast<long long>(denials));
  const auto start = std::chrono::steady_clock::now();
  {
    STUB_ASSIGN_OR_RETURN(auto w, store.Begin());
    auto put = [&](std::string id, NodeKind kind, std::string parent) {
      NodeRow row;
      row.node.id = id;
      row.node.kind = kind;
      row.node.parent = std::move(parent);
      row.node.name = id;
      return w->PutNode(kReadsOrg, std::move(row));
    };
    STUB_RETURN_IF_ERROR(put(kReadsOrg, NodeKind::kOrg, ""));
    STUB_RETURN_IF_ERROR(put("marketing", NodeKind::kTeam, kReadsOrg));
    STUB_RETURN_IF_ERROR(put("research", NodeKind::kTeam, kReadsOrg));
    STUB_RETURN_IF_ERROR(put("engineering", NodeKind::kTeam, kReadsOrg));
    STUB_RETURN_IF_ERROR(put("platform", NodeKind::kTeam, "engineering"));
    const char* teams[] = {"marketing", "research", "engineering", "platform"};
    for (int i = 0; i < 12; ++i) {
      STUB_RETURN_IF_ERROR(put("agent-" + std::to_string(i), NodeKind::kAgent, teams[i % 4]));
    }
    STUB_RETURN_IF_ERROR(w->Commit());
  }
  std::mt19937_64 rng(7);
  const Timestamp first = kReadsNow - 365 * kReadsDay;
  const Timestamp step = 365 * kReadsDay / (spends + denials);
  Timestamp at = first;
  std::int64_t seq = 0;
  std::int64_t denied = 0;
  while (seq < spends || denied < denials) {
    STUB_ASSIGN_OR_RETURN(auto w, store.Begin());
    for (int k = 0; k < 20'000 && (seq < spends || denied < denials); ++k) {
      at += step;
      // Denials interleaved evenly with the spends.
      const bool deny =
          denied < denials && (seq >= spends || (seq + 1) * denials > denied * spends + spends);
      if (!deny) {
        ++seq;
        STUB_RETURN_IF_ERROR(w->AppendEntry(ReadsSpend(static_cast<std::uint64_t>(seq), at, rng)));
        continue;
      }
      ++denied;
      DenialRecord d;
      d.org = kReadsOrg;
      d.id = "dn_" + std::to_string(denied);
      d.request_kind = "spend";
      d.agent = "agent-" + std::to_string(rng() % 12);
      d.amount = 5'000'000;
      d.vendor = "api.openai.com";
      d.category = "llm";
      d.idempotency_key = "idem-" + std::to_string(denied);
      d.denial.reason = DenyReason::kBudgetExceeded;
      d.denial.node = kReadsOrg;
      d.denial.period = Period::kMonth;
      d.denial.limit = 1'000'000;
      d.denial.message = "over budget";
      d.created_at = at;
      STUB_RETURN_IF_ERROR(w->InsertDenial(std::move(d)));
    }
    STUB_RETURN_IF_ERROR(w->Commit());
  }
  {
    STUB_ASSIGN_OR_RETURN(auto w, store.Begin());
    OrgRow org;
    org.id = kReadsOrg;
    org.name = "Reads Bench";
    org.head_seq = static_cast<std::uint64_t>(spends);
    STUB_RETURN_IF_ERROR(w->PutOrg(org));
    STUB_RETURN_IF_ERROR(w->Commit());
  }
  std::fprintf(stderr, "loaded in %.1f s\n",
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return Status::Ok();
}

// The store, engine and API of the benchmark, opened once per process.
struct ReadsWorld {
  std::unique_ptr<SqliteStore> store;
  SystemClock clock;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<SpendBatcher> batcher;
  std::unique_ptr<KeyService> keys;
  std::unique_ptr<SessionService> sessions;
  std::unique_ptr<Authenticator> auth;
  std::unique_ptr<UiHandler> ui;
  std::unique_ptr<Api> api;
  std::string secret;
  std::int64_t spends = 0;
  std::string error;
};

ReadsWorld& World() {
  static ReadsWorld* world = [] {
    auto* w = new ReadsWorld;
    const char* path = std::getenv("STUB_READS_BENCH_DB");
    if (path == nullptr || *path == '\0') {
      w->error = "set STUB_READS_BENCH_DB (a SQLite file path)";
      return w;
    }
    auto opened = SqliteStore::Open(path);
    if (!opened.ok()) {
      w->error = opened.status().ToString();
      return w;
    }
    w->store = std::move(*opened);
    w->spends = ReadsEnvInt("STUB_READS_BENCH_SPENDS", 1'000'000);
    if (Status s =
            LoadReads(*w->store, w->spends, ReadsEnvInt("STUB_READS_BENCH_DENIALS", 200'000));
        !s.ok()) {
      w->error = s.ToString();
      return w;
    }
    w->engine = std::make_unique<Engine>(*w->store, w->clock);
    w->batcher = std::make_unique<SpendBatcher>(*w->engine, BatcherOptions{});
    w->keys = std::make_unique<KeyService>(*w->store, w->clock);
    w->sessions = std::make_unique<SessionService>(*w->store, w->clock);
    w->auth = std::make_unique<Authenticator>(*w->keys, "");
    w->ui = std::make_unique<UiHandler>(UiOptions{});
    w->api = std::make_unique<Api>(*w->store, w->clock, *w->engine, *w->batcher, *w->keys, *w->auth,
                                   *w->sessions, *w->ui);
    auto key = w->keys->Create(kReadsOrg, KeyRole::kFinance, "", "reads bench");
    if (!key.ok()) {
      w->error = key.status().ToString();
      return w;
    }
    w->secret = key->secret;
    return w;
  }();
  return *world;
}

ApiRequest Get(const std::string& path, std::map<std::string, std::string> query) {
  ApiRequest r;
  r.method = "GET";
  r.path = path;
  r.query = std::move(query);
  r.headers["authorization"] = "Bearer " + World().secret;
  return r;
}

// Times `make(i)` answered by the API; p50/p99 in ms as counters.
template <typename Make>
void TimeRequests(benchmark::State& state, Make make) {
  ReadsWorld& w = World();
  if (!w.error.empty()) {
    state.SkipWithError(w.error.c_str());
    return;
  }
  std::vector<double> ms;
  std::size_t items = 0;
  std::uint64_t i = 0;
  for (auto _ : state) {
    ApiRequest request = make(i++);
    const auto t0 = std::chrono::steady_clock::now();
    ApiResponse response = w.api->Handle(request);
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (response.status != 200) {
      state.SkipWithError(
          ("status " + std::to_string(response.status) + ": " + response.body).c_str());
      return;
    }
    items = response.body.size();
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
  state.counters["body_bytes"] = static_cast<double>(items);
}

void BM_ReadsListSpends(benchmark::State& state) {
  TimeRequests(state, [](std::uint64_t) { return Get("/v1/spends", {{"limit", "100"}}); });
}
BENCHMARK(BM_ReadsListSpends)->UseManualTime()->Iterations(300)->Unit(benchmark::kMillisecond);

void BM_ReadsListSpendsByAgent(benchmark::State& state) {
  TimeRequests(state, [](std::uint64_t i) {
    return Get("/v1/spends", {{"limit", "100"}, {"agent", "agent-" + std::to_string(i % 12)}});
  });
}
BENCHMARK(BM_ReadsListSpendsByAgent)
    ->UseManualTime()
    ->Iterations(300)
    ->Unit(benchmark::kMillisecond);

void BM_ReadsListSpendsByTeamDenied(benchmark::State& state) {
  TimeRequests(state, [](std::uint64_t) {
    return Get("/v1/spends", {{"limit", "100"}, {"team", "engineering"}, {"status", "denied"}});
  });
}
BENCHMARK(BM_ReadsListSpendsByTeamDenied)
    ->UseManualTime()
    ->Iterations(300)
    ->Unit(benchmark::kMillisecond);

void BM_ReadsGetSpend(benchmark::State& state) {
  std::mt19937_64 rng(3);
  // The ids of spends anywhere in the history, read up front by seq.
  std::vector<std::string> spend_ids;
  if (!World().error.empty()) return state.SkipWithError(World().error.c_str());
  {
    auto r = World().store->Begin({.read_only = true});
    for (int n = 0; r.ok() && n < 500; ++n) {
      const std::uint64_t seq = rng() % static_cast<std::uint64_t>(World().spends);
      auto rows = (*r)->ListEntries(kReadsOrg, seq, 1);
      if (rows.ok() && !rows->empty()) spend_ids.push_back((*rows)[0].ref);
    }
  }
  if (spend_ids.empty()) return state.SkipWithError("no spend ids to look up");
  TimeRequests(state, [&](std::uint64_t i) {
    // Spends and denials alternately.
    const std::string id = i % 2 == 0 ? spend_ids[rng() % spend_ids.size()]
                                      : "dn_" + std::to_string(1 + rng() % 200'000);
    return Get("/v1/spends/" + id, {});
  });
}
BENCHMARK(BM_ReadsGetSpend)->UseManualTime()->Iterations(1000)->Unit(benchmark::kMillisecond);

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// `streams` feeds polled as the server does (every 200 ms while idle, at once
// after a chunk), for `seconds`, while spends are booked at `rate`/s by
// another thread (through the engine: its commits signal the feeds). Reports
// the polling thread's CPU as a fraction of one core, the events delivered.
void FeedLoad(benchmark::State& state, int streams, int rate, double seconds) {
  ReadsWorld& w = World();
  if (!w.error.empty()) {
    state.SkipWithError(w.error.c_str());
    return;
  }
  ReadService reads(*w.store);
  StreamOptions options;
  FeedHub hub(reads, w.engine->commit_signal(), options);
  for (auto _ : state) {
    std::vector<EventFeed> feeds;
    for (int i = 0; i < streams; ++i) {
      auto feed = EventFeed::Open(hub, options, kReadsOrg, "", "");
      if (!feed.ok()) {
        state.SkipWithError(feed.status().ToString().c_str());
        return;
      }
      feeds.push_back(std::move(*feed));
    }
    std::atomic<bool> stop{false};
    std::thread writer([&] {
      if (rate == 0) return;
      std::uint64_t n = 0;
      const auto begin = std::chrono::steady_clock::now();
      while (!stop) {
        // Batches of 10 every 10 ms (the batcher's shape at 1,000/s).
        std::vector<SpendRequest> batch;
        for (int k = 0; k < rate / 100; ++k, ++n) {
          SpendRequest r;
          r.org = kReadsOrg;
          r.agent = "agent-" + std::to_string(n % 12);
          r.amount = 1'000;
          r.vendor = "api.openai.com";
          r.idempotency_key = "feed-" + std::to_string(::getpid()) + "-" + std::to_string(n) + "-" +
                              std::to_string(begin.time_since_epoch().count());
          batch.push_back(std::move(r));
        }
        (void)w.engine->SpendBatch(batch);
        std::this_thread::sleep_until(begin + std::chrono::milliseconds(10) * (n / (rate / 100)));
      }
    });
    std::size_t bytes = 0;
    const double cpu0 = ThreadCpuSeconds();
    const auto t0 = std::chrono::steady_clock::now();
    const auto end = t0 + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < end) {
      bool any = false;
      for (EventFeed& feed : feeds) {
        std::string out;
        if (!feed.Next(out)) {
          state.SkipWithError("a feed ended");
          stop = true;
          writer.join();
          return;
        }
        bytes += out.size();
        any = any || !out.empty();
      }
      if (!any) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    const double cpu = ThreadCpuSeconds() - cpu0;
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    stop = true;
    writer.join();
    state.SetIterationTime(wall);
    state.counters["core_fraction"] = cpu / wall;
    state.counters["event_bytes_per_s"] = static_cast<double>(bytes) / wall;
    std::uint64_t reads_total = hub.tail_reads();
    for (const EventFeed& f : feeds) reads_total += f.own_reads();
    state.counters["store_reads_per_s"] = static_cast<double>(reads_total) / wall;
  }
}

void BM_ReadsIdleStreams(benchmark::State& state) { FeedLoad(state, 100, 0, 10.0); }
BENCHMARK(BM_ReadsIdleStreams)->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);

void BM_ReadsStreamsTailing1000PerSecond(benchmark::State& state) {
  FeedLoad(state, 100, 1000, 10.0);
}
BENCHMARK(BM_ReadsStreamsTailing1000PerSecond)
    ->UseManualTime()
    ->Iterations(1)
    ->Unit(benchmark::kSecond);

}  // namespace
}  // namespace stub
