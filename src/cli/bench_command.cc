#include "cli/bench_command.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <latch>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <vector>

#include "cli/store_url.h"
#include "engine/batcher.h"
#include "engine/engine.h"

namespace stub {
namespace {

constexpr Micros kHuge = 1'000'000'000'000'000;  // a billion: no spend here is ever denied

std::string OrgOf(const BenchConfig& c, int client) {
  return c.hot ? "bench" : "bench-" + std::to_string(client);
}
std::string AgentOf(int client) { return "client-" + std::to_string(client); }

Status SetUp(Engine& engine, const BenchConfig& c) {
  const int orgs = c.hot ? 1 : c.clients;
  for (int o = 0; o < orgs; ++o) {
    const std::string org = OrgOf(c, o);
    STUB_RETURN_IF_ERROR(engine.CreateOrg(org, "Bench").status());
    STUB_RETURN_IF_ERROR(
        engine
            .PutNode(org, {.id = org, .kind = NodeKind::kOrg, .limits = {{kHuge, Period::kMonth}}})
            .status());
    STUB_RETURN_IF_ERROR(engine
                             .PutNode(org, {.id = "team",
                                            .kind = NodeKind::kTeam,
                                            .parent = org,
                                            .limits = {{kHuge, Period::kDay}}})
                             .status());
  }
  for (int client = 0; client < c.clients; ++client) {
    STUB_RETURN_IF_ERROR(
        engine
            .PutNode(OrgOf(c, client),
                     {.id = AgentOf(client), .kind = NodeKind::kAgent, .parent = "team"})
            .status());
  }
  return Status::Ok();
}

double Percentile(const std::vector<std::int64_t>& sorted_us, double q) {
  if (sorted_us.empty()) return 0;
  const auto index = static_cast<std::size_t>(q * static_cast<double>(sorted_us.size() - 1));
  return static_cast<double>(sorted_us[index]) / 1000.0;
}

}  // namespace

Result<BenchReport> RunBench(const BenchConfig& config) {
  if (config.clients < 1 || config.clients > 1024) {
    return InvalidArgument("--clients must be 1..1024");
  }
  if (!(config.seconds > 0 && config.seconds <= 3600)) {
    return InvalidArgument("--seconds must be in (0, 3600]");
  }
  STUB_ASSIGN_OR_RETURN(std::unique_ptr<Store> store, OpenStore(config.db));
  SystemClock clock;
  Engine engine(*store, clock);
  STUB_RETURN_IF_ERROR(SetUp(engine, config));
  std::unique_ptr<SpendBatcher> batcher;
  if (config.batch) batcher = std::make_unique<SpendBatcher>(engine);

  BenchReport report;
  report.store = std::string(store->Kind());
  report.config = config;
  std::vector<std::vector<std::int64_t>> latencies(static_cast<std::size_t>(config.clients));
  std::atomic<std::uint64_t> failed{0};
  std::atomic<bool> stop{false};
  std::latch start(config.clients + 1);
  std::vector<std::thread> clients;
  for (int c = 0; c < config.clients; ++c) {
    clients.emplace_back([&, c] {
      auto& mine = latencies[static_cast<std::size_t>(c)];
      mine.reserve(1 << 16);
      SpendRequest request;
      request.org = OrgOf(config, c);
      request.agent = AgentOf(c);
      request.amount = 10'000;  // 0.01
      request.vendor = "api.openai.com";
      request.category = "llm";
      request.intent = "benchmark";
      std::uint64_t n = 0;
      start.arrive_and_wait();
      while (!stop.load(std::memory_order_relaxed)) {
        request.idempotency_key = "bench-" + std::to_string(c) + "-" + std::to_string(++n);
        const auto t0 = std::chrono::steady_clock::now();
        auto r = batcher ? batcher->Spend(request) : engine.Spend(request);
        const auto t1 = std::chrono::steady_clock::now();
        if (!r.ok() || r->outcome.status != OutcomeStatus::kApproved) {
          failed.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
        mine.push_back(std::chrono::duration_cast<std::chrono::microseconds>(t1 - t0).count());
      }
    });
  }
  const auto began = std::chrono::steady_clock::now();
  start.arrive_and_wait();
  std::this_thread::sleep_for(std::chrono::duration<double>(config.seconds));
  stop = true;
  for (auto& t : clients) t.join();
  report.elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();

  std::vector<std::int64_t> all;
  for (auto& v : latencies) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  report.spends = all.size();
  report.failed = failed.load();
  report.spends_per_sec = static_cast<double>(report.spends) / report.elapsed;
  report.p50_ms = Percentile(all, 0.50);
  report.p99_ms = Percentile(all, 0.99);
  const EngineStats stats = engine.Stats();
  report.serialization_failures = stats.conflicts;
  report.retries = stats.retries;
  if (batcher) {
    const BatcherStats b = batcher->Stats();
    report.batches = b.batches;
    report.mean_batch = b.mean_batch();
  } else {
    report.batches = report.spends;
    report.mean_batch = 1;
  }
  return report;
}

std::string BenchReportJson(const BenchReport& r) {
  nlohmann::ordered_json j;
  j["store"] = r.store;
  j["clients"] = r.config.clients;
  j["seconds"] = r.config.seconds;
  j["spends"] = r.spends;
  j["spends_per_sec"] = r.spends_per_sec;
  j["p50_ms"] = r.p50_ms;
  j["p99_ms"] = r.p99_ms;
  j["serialization_failures"] = r.serialization_failures;
  j["retries"] = r.retries;
  j["batches"] = r.batches;
  j["mean_batch"] = r.mean_batch;
  j["hot"] = r.config.hot;
  j["failed"] = r.failed;
  return j.dump();
}

std::string BenchReportText(const BenchReport& r) {
  std::ostringstream out;
  out << "Stub bench: " << r.config.clients << " clients for " << r.config.seconds << " s on the "
      << r.store << " store" << (r.config.hot ? ", one hot budget" : ", an org per client")
      << (r.config.batch ? ", group commit" : ", a transaction per spend") << "\n"
      << "  spends      " << r.spends << " (" << static_cast<std::uint64_t>(r.spends_per_sec)
      << "/s), " << r.failed << " failed\n"
      << "  latency     p50 " << r.p50_ms << " ms, p99 " << r.p99_ms << " ms\n"
      << "  conflicts   " << r.serialization_failures << " serialization failures, " << r.retries
      << " retries\n"
      << "  batches     " << r.batches << ", mean size " << r.mean_batch << "\n";
  return out.str();
}

}  // namespace stub
