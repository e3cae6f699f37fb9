#include "cli/bench_command.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <latch>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <vector>

#include "cli/store_url.h"
#include "engine/batcher.h"
#include "engine/engine.h"
#include "engine/ids.h"

namespace stub {
namespace {

constexpr Micros kHuge = 1'000'000'000'000'000;  // a billion: no spend here is ever denied

// Orgs are named per run ("bench_<random>", then "-<client>" when not hot),
// so runs against a durable store never collide with earlier ones.
std::string OrgOf(const BenchConfig& c, int client) {
  return c.hot ? c.run : c.run + "-" + std::to_string(client);
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

// One client's stream of spends: sequential (its next spend leaves when the
// last is answered), so its fields need no lock.
struct Stream {
  SpendRequest request;
  std::string key_prefix;
  std::uint64_t sent = 0;
  std::chrono::steady_clock::time_point started;
  std::vector<std::int64_t> latencies_us;
};

SpendRequest BenchRequest(const BenchConfig& config, int client) {
  SpendRequest request;
  request.org = OrgOf(config, client);
  request.agent = AgentOf(client);
  request.amount = 10'000;  // 0.01
  request.vendor = "api.openai.com";
  request.category = "llm";
  request.intent = "benchmark";
  return request;
}

// Closed-loop load through the group committer: every stream keeps one spend
// in flight; an answer records its latency and sends the stream's next spend
// until `stop`. Returns once every stream has had its last answer.
void RunBatched(const BenchConfig& config, SpendBatcher& batcher, std::vector<Stream>& streams,
                std::atomic<std::uint64_t>& failed) {
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::condition_variable idle;
  std::size_t outstanding = streams.size();
  std::function<void(Stream&)> send;
  send = [&](Stream& s) {
    s.request.idempotency_key = s.key_prefix + std::to_string(++s.sent);
    s.started = std::chrono::steady_clock::now();
    batcher.Submit(s.request, [&, stream = &s](Result<SpendResult> r) {
      const auto t = std::chrono::steady_clock::now();
      if (r.ok() && r->outcome.status == OutcomeStatus::kApproved) {
        stream->latencies_us.push_back(
            std::chrono::duration_cast<std::chrono::microseconds>(t - stream->started).count());
      } else {
        failed.fetch_add(1, std::memory_order_relaxed);
      }
      if (!stop.load(std::memory_order_relaxed)) {
        send(*stream);
        return;
      }
      std::lock_guard lock(mu);
      if (--outstanding == 0) idle.notify_all();
    });
  };
  for (Stream& s : streams) send(s);
  std::this_thread::sleep_for(std::chrono::duration<double>(config.seconds));
  stop = true;
  std::unique_lock lock(mu);
  idle.wait(lock, [&] { return outstanding == 0; });
}

// A thread per client, each spend its own transaction (Engine::Spend).
void RunUnbatched(const BenchConfig& config, Engine& engine, std::vector<Stream>& streams,
                  std::atomic<std::uint64_t>& failed) {
  std::atomic<bool> stop{false};
  std::latch start(static_cast<std::ptrdiff_t>(streams.size()) + 1);
  std::vector<std::thread> threads;
  for (Stream& s : streams) {
    threads.emplace_back([&, stream = &s] {
      start.arrive_and_wait();
      while (!stop.load(std::memory_order_relaxed)) {
        stream->request.idempotency_key = stream->key_prefix + std::to_string(++stream->sent);
        const auto t0 = std::chrono::steady_clock::now();
        auto r = engine.Spend(stream->request);
        const auto t1 = std::chrono::steady_clock::now();
        if (!r.ok() || r->outcome.status != OutcomeStatus::kApproved) {
          failed.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
        stream->latencies_us.push_back(
            std::chrono::duration_cast<std::chrono::microseconds>(t1 - t0).count());
      }
    });
  }
  start.arrive_and_wait();
  std::this_thread::sleep_for(std::chrono::duration<double>(config.seconds));
  stop = true;
  for (auto& t : threads) t.join();
}

}  // namespace

Result<BenchReport> RunBench(const BenchConfig& config) {
  if (config.clients < 1 || config.clients > 100'000) {
    return InvalidArgument("--clients must be 1..100000");
  }
  if (config.depth < 1 || config.depth > 4096) return InvalidArgument("--depth must be 1..4096");
  if (!config.batch && config.depth != 1) {
    return InvalidArgument("--depth needs group commit (drop --no-batch)");
  }
  if (!config.batch && config.clients > 1024) {
    return InvalidArgument("--no-batch runs a thread per client: at most 1024 clients");
  }
  if (!(config.seconds > 0 && config.seconds <= 3600)) {
    return InvalidArgument("--seconds must be in (0, 3600]");
  }
  STUB_ASSIGN_OR_RETURN(std::unique_ptr<Store> store, OpenStore(config.db));
  SystemClock clock;
  Engine engine(*store, clock);
  BenchConfig run = config;
  run.run = NewId("bench");
  STUB_RETURN_IF_ERROR(SetUp(engine, run));

  std::vector<Stream> streams;
  streams.reserve(static_cast<std::size_t>(config.clients) *
                  static_cast<std::size_t>(config.depth));
  for (int c = 0; c < config.clients; ++c) {
    for (int d = 0; d < config.depth; ++d) {
      Stream& s = streams.emplace_back();
      s.request = BenchRequest(run, c);
      s.key_prefix = "bench-" + std::to_string(c) + "-" + std::to_string(d) + "-";
      s.latencies_us.reserve(1 << 12);
    }
  }

  BenchReport report;
  report.store = std::string(store->Kind());
  report.config = config;
  std::atomic<std::uint64_t> failed{0};
  const auto began = std::chrono::steady_clock::now();
  BatcherStats batches;
  if (config.batch) {
    SpendBatcher batcher(engine);
    RunBatched(config, batcher, streams, failed);
    batches = batcher.Stats();
  } else {
    RunUnbatched(config, engine, streams, failed);
  }
  report.elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();

  std::vector<std::int64_t> all;
  for (auto& s : streams) all.insert(all.end(), s.latencies_us.begin(), s.latencies_us.end());
  std::sort(all.begin(), all.end());
  report.spends = all.size();
  report.failed = failed.load();
  report.spends_per_sec = static_cast<double>(report.spends) / report.elapsed;
  report.p50_ms = Percentile(all, 0.50);
  report.p99_ms = Percentile(all, 0.99);
  const EngineStats stats = engine.Stats();
  report.serialization_failures = stats.conflicts;
  report.retries = stats.retries;
  if (config.batch) {
    report.batches = batches.batches;
    report.mean_batch = batches.mean_batch();
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
  j["depth"] = r.config.depth;
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
  out << "Stub bench: " << r.config.clients << " clients × " << r.config.depth << " in flight for "
      << r.config.seconds << " s on the " << r.store << " store"
      << (r.config.hot ? ", one hot budget" : ", an org per client")
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
