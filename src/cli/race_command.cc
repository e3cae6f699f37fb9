#include "cli/race_command.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <latch>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <vector>

#include "cli/exit_codes.h"
#include "cli/serve_process.h"
#include "cli/store_url.h"
#include "core/verify.h"
#include "engine/engine.h"
#include "engine/ids.h"
#include "engine/key_service.h"
#include "server/http_connection.h"
#include "store/memory/memory_store.h"

namespace stub {
namespace {

constexpr std::string_view kOrg = "race";
constexpr std::string_view kTeam = "swarm";

Status ValidateConfig(const RaceConfig& c) {
  if (c.regions < 1 || c.regions > 64) return InvalidArgument("--regions must be 1..64");
  if (c.agents < 1 || c.agents > 4096) return InvalidArgument("--agents must be 1..4096");
  if (c.attempts < 1 || c.attempts > 100000) return InvalidArgument("--attempts must be 1..100000");
  if (c.amount <= 0) return InvalidArgument("--amount must be positive");
  if (c.budget < 0) return InvalidArgument("--budget must not be negative");
  if (c.latency_us < 0 || c.latency_us > 1'000'000) {
    return InvalidArgument("--latency-us must be 0..1000000");
  }
  return Status::Ok();
}

// Worst (spent + held − limit) over every committed node row, as it commits.
class OverspendMonitor {
 public:
  void OnCommit(const CommitRecord& record) {
    commits_.fetch_add(1, std::memory_order_relaxed);
    for (const NodeRow* row : record.nodes) {
      for (const Limit& limit : row->node.limits) {
        const BucketBalance& b = row->balances[static_cast<std::size_t>(limit.period)];
        if (b.start == BucketBalance::kNoBucket) continue;
        Micros used = 0;
        Micros over = 0;
        if (__builtin_add_overflow(b.spent, b.held, &used) ||
            __builtin_sub_overflow(used, limit.amount, &over)) {
          over = std::numeric_limits<Micros>::max();
        }
        Micros seen = max_over_.load(std::memory_order_relaxed);
        while (over > seen && !max_over_.compare_exchange_weak(seen, over)) {
        }
      }
    }
  }
  Micros max_overspend() const { return std::max<Micros>(0, max_over_.load()); }
  std::uint64_t commits() const { return commits_.load(); }

 private:
  std::atomic<Micros> max_over_{std::numeric_limits<Micros>::min()};
  std::atomic<std::uint64_t> commits_{0};
};

std::string AgentId(int i) {
  std::string digits = std::to_string(i + 1);
  if (digits.size() < 2) digits.insert(0, "0");
  return "agent-" + digits;
}

}  // namespace

bool RaceReport::Holds() const {
  return max_overspend == 0 && approved_total <= config.budget && entries_balanced && chain_ok &&
         balances_match;
}

namespace {

// What a group of agents did.
struct Tally {
  std::int64_t attempts = 0;
  std::int64_t approved = 0;
  std::int64_t denied = 0;
  std::int64_t denied_budget = 0;
  std::int64_t denied_contention = 0;
  Micros approved_total = 0;
  std::uint64_t conflicts = 0;
  std::uint64_t retries = 0;

  void Add(const Tally& o) {
    attempts += o.attempts;
    approved += o.approved;
    denied += o.denied;
    denied_budget += o.denied_budget;
    denied_contention += o.denied_contention;
    approved_total += o.approved_total;
    conflicts += o.conflicts;
    retries += o.retries;
  }
};

Status SetUpRaceOrg(Engine& admin, const std::string& org, const RaceConfig& config) {
  STUB_RETURN_IF_ERROR(admin.CreateOrg(org, "Race Inc.").status());
  Node root{.id = org, .kind = NodeKind::kOrg, .name = "Race Inc."};
  root.limits.push_back({config.budget, Period::kTotal});
  STUB_RETURN_IF_ERROR(admin.PutNode(org, root).status());
  STUB_RETURN_IF_ERROR(admin
                           .PutNode(org, Node{.id = std::string(kTeam),
                                              .kind = NodeKind::kTeam,
                                              .parent = org,
                                              .name = "The swarm"})
                           .status());
  for (int a = 0; a < config.agents; ++a) {
    STUB_RETURN_IF_ERROR(
        admin
            .PutNode(org,
                     Node{.id = AgentId(a), .kind = NodeKind::kAgent, .parent = std::string(kTeam)})
            .status());
  }
  return Status::Ok();
}

// Makes agent `agent`'s spend; called on that agent's thread.
using SpendFn = std::function<Result<SpendResult>(int agent, const SpendRequest& request)>;

// Runs every agent a with a % regions == region (every agent when region < 0)
// as a thread spending through spend(a, …), released together; returns what
// they did.
Result<Tally> RunAgents(const RaceConfig& config, const std::string& org, int region,
                        const SpendFn& spend) {
  Tally tally;
  std::mutex mu;
  Status failure;
  std::vector<int> mine;
  for (int a = 0; a < config.agents; ++a) {
    if (region < 0 || a % config.regions == region) mine.push_back(a);
  }
  std::latch start(static_cast<std::ptrdiff_t>(mine.size()));
  std::vector<std::thread> threads;
  for (int a : mine) {
    threads.emplace_back([&, a] {
      start.arrive_and_wait();
      for (int k = 0; k < config.attempts; ++k) {
        SpendRequest request;
        request.org = org;
        request.agent = AgentId(a);
        request.amount = config.amount;
        request.vendor = "api.vendor.example";
        request.category = "data";
        request.intent = "race";
        request.idempotency_key = "race-" + AgentId(a) + "-" + std::to_string(k);
        auto result = spend(a, request);
        std::lock_guard lock(mu);
        ++tally.attempts;
        if (!result.ok()) {
          if (failure.ok()) failure = result.status();
          continue;
        }
        const Outcome& o = result->outcome;
        if (o.status == OutcomeStatus::kApproved) {
          ++tally.approved;
          tally.approved_total += o.amount;
        } else {
          ++tally.denied;
          if (o.denial && o.denial->reason == DenyReason::kBudgetExceeded) ++tally.denied_budget;
          if (o.denial && o.denial->reason == DenyReason::kContention) ++tally.denied_contention;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  STUB_RETURN_IF_ERROR(failure);
  return tally;
}

// The in-memory race: regions are engines in this process.
Result<Tally> RaceInMemory(const RaceConfig& config, MemoryStore& store, const Clock& clock,
                           const std::string& org) {
  std::vector<std::unique_ptr<Engine>> regions;
  for (int r = 0; r < config.regions; ++r) {
    EngineOptions options;
    options.txn.op_latency = std::chrono::microseconds{config.latency_us * (r + 1)};
    options.txn.commit_latency = std::chrono::microseconds{2 * config.latency_us * (r + 1)};
    regions.push_back(std::make_unique<Engine>(store, clock, options));
  }
  STUB_ASSIGN_OR_RETURN(
      Tally tally, RunAgents(config, org, -1, [&](int a, const SpendRequest& request) {
        return regions[static_cast<std::size_t>(a % config.regions)]->Spend(request);
      }));
  for (const auto& engine : regions) {
    tally.conflicts += engine->Stats().conflicts;
    tally.retries += engine->Stats().retries;
  }
  return tally;
}

// A region process: its own connection, its agents, its tally written to
// `out` as one line of integers. Never returns.
[[noreturn]] void RegionProcess(const RaceConfig& config, const std::string& org, int region,
                                int go_fd, int out_fd) {
  char go = 0;
  Tally tally;
  int code = 1;
  if (::read(go_fd, &go, 1) == 1) {
    auto store = OpenStore(config.db);
    if (store.ok()) {
      SystemClock clock;
      Engine engine(**store, clock);
      auto ran = RunAgents(config, org, region,
                           [&](int, const SpendRequest& request) { return engine.Spend(request); });
      if (ran.ok()) {
        tally = *ran;
        tally.conflicts = engine.Stats().conflicts;
        tally.retries = engine.Stats().retries;
        code = 0;
      } else {
        std::fprintf(stderr, "stub race: region %d: %s\n", region, ran.status().ToString().c_str());
      }
    } else {
      std::fprintf(stderr, "stub race: region %d: %s\n", region, store.status().ToString().c_str());
    }
  }
  const std::string line =
      std::to_string(tally.attempts) + " " + std::to_string(tally.approved) + " " +
      std::to_string(tally.denied) + " " + std::to_string(tally.denied_budget) + " " +
      std::to_string(tally.denied_contention) + " " + std::to_string(tally.approved_total) + " " +
      std::to_string(tally.conflicts) + " " + std::to_string(tally.retries) + "\n";
  if (::write(out_fd, line.data(), line.size()) < 0) code = 1;
  std::_Exit(code);
}

// The durable race: regions are processes sharing the database.
Result<Tally> RaceInProcesses(const RaceConfig& config, const std::string& org) {
  int go[2];
  if (::pipe(go) != 0) return Internal("pipe failed");
  std::vector<std::pair<pid_t, int>> children;
  for (int r = 0; r < config.regions; ++r) {
    int out[2];
    if (::pipe(out) != 0) return Internal("pipe failed");
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) return Internal("fork failed");
    if (pid == 0) {
      ::close(go[1]);
      ::close(out[0]);
      RegionProcess(config, org, r, go[0], out[1]);
    }
    ::close(out[1]);
    children.emplace_back(pid, out[0]);
  }
  ::close(go[0]);
  const std::string release(static_cast<std::size_t>(config.regions), 'g');
  const bool released =
      ::write(go[1], release.data(), release.size()) == static_cast<ssize_t>(release.size());
  ::close(go[1]);

  Tally total;
  Status failure = released ? Status::Ok() : Internal("could not release the regions");
  for (auto [pid, fd] : children) {
    std::string text;
    char buf[256];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    int status = 0;
    ::waitpid(pid, &status, 0);
    Tally t;
    std::istringstream in(text);
    in >> t.attempts >> t.approved >> t.denied >> t.denied_budget >> t.denied_contention >>
        t.approved_total >> t.conflicts >> t.retries;
    if (!in || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      if (failure.ok()) failure = Internal("a region process failed");
      continue;
    }
    total.Add(t);
  }
  STUB_RETURN_IF_ERROR(failure);
  return total;
}

// A spend over HTTP: POST /v1/spends with the agent's own key; 201 and 402
// become the engine's outcomes, anything else an error.
Result<SpendResult> SpendOverHttp(HttpConnection& conn, const std::string& key,
                                  const SpendRequest& r) {
  const nlohmann::json body = {{"amount", FormatAmount(r.amount)},
                               {"vendor", r.vendor},
                               {"category", r.category},
                               {"intent", r.intent},
                               {"idempotency_key", r.idempotency_key}};
  STUB_ASSIGN_OR_RETURN(HttpAnswer answer, conn.Send("POST", "/v1/spends", key, body.dump()));
  const auto j = nlohmann::json::parse(answer.body, nullptr, /*allow_exceptions=*/false);
  SpendResult out;
  if (answer.status == 201 && j.is_object() && j.value("status", "") == "approved") {
    auto amount = ParseAmount(j.value("amount", ""));
    if (!amount.ok()) return Internal("a region approved an unreadable amount: " + answer.body);
    out.outcome.status = OutcomeStatus::kApproved;
    out.outcome.amount = *amount;
    return out;
  }
  if (answer.status == 402 && j.is_object() && j.value("status", "") == "denied") {
    const auto reason = ParseDenyReason(j.value("reason", ""));
    if (!reason) return Internal("a region denied with an unknown reason: " + answer.body);
    out.outcome.status = OutcomeStatus::kDenied;
    out.outcome.amount = r.amount;
    out.outcome.denial = Denial{.reason = *reason};
    return out;
  }
  const std::string what =
      "a region answered " + std::to_string(answer.status) + ": " + answer.body;
  return answer.status >= 500 ? Unavailable(what) : Internal(what);
}

// The value of counter `name` in a Prometheus text page (0 when absent).
std::uint64_t Counter(const std::string& page, const std::string& name) {
  const std::string prefix = "\n" + name + " ";
  const auto at = page.find(prefix);
  if (at == std::string::npos) return 0;
  return std::strtoull(page.c_str() + at + prefix.size(), nullptr, 10);
}

// The race over HTTP: regions are `stub serve` processes on the database,
// agents HTTP clients with their own agent keys (`keys[a]`).
Result<Tally> RaceViaHttp(const RaceConfig& config, const std::string& org,
                          const std::vector<std::string>& keys) {
  STUB_ASSIGN_OR_RETURN(const std::string root_key, KeyService::NewSecret());
  std::vector<std::unique_ptr<ServeProcess>> regions;
  for (int r = 0; r < config.regions; ++r) {
    STUB_ASSIGN_OR_RETURN(auto server, ServeProcess::Start(config.db, root_key));
    regions.push_back(std::move(server));
  }
  std::vector<std::unique_ptr<HttpConnection>> conns;
  for (int a = 0; a < config.agents; ++a) {
    conns.push_back(std::make_unique<HttpConnection>(
        "127.0.0.1", regions[static_cast<std::size_t>(a % config.regions)]->port()));
  }
  auto ran = RunAgents(config, org, -1, [&](int a, const SpendRequest& request) {
    const auto i = static_cast<std::size_t>(a);
    return SpendOverHttp(*conns[i], keys[i], request);
  });
  Tally tally = ran.ok() ? *ran : Tally{};
  Status stopped = ran.status();
  for (auto& region : regions) {
    HttpConnection metrics("127.0.0.1", region->port());
    if (auto page = metrics.Send("GET", "/metrics", ""); page.ok() && page->status == 200) {
      const std::string text = "\n" + page->body;
      tally.conflicts += Counter(text, "stub_serialization_conflicts_total");
      tally.retries += Counter(text, "stub_retries_total");
    }
    if (Status s = region->Stop(); stopped.ok()) stopped = s;
  }
  STUB_RETURN_IF_ERROR(stopped);
  return tally;
}

// Worst (spent + held − limit) over the final node rows of `org`.
Result<Micros> FinalOverspend(Store& store, const std::string& org) {
  STUB_ASSIGN_OR_RETURN(auto txn, store.Begin({.read_only = true}));
  STUB_ASSIGN_OR_RETURN(auto nodes, txn->ListNodes(org));
  OverspendMonitor monitor;
  CommitRecord all;
  for (const NodeRow& row : nodes) all.nodes.push_back(&row);
  monitor.OnCommit(all);
  return monitor.max_overspend();
}

}  // namespace

Result<RaceReport> RunRace(const RaceConfig& config) {
  STUB_RETURN_IF_ERROR(ValidateConfig(config));
  const bool in_memory = config.db == "memory:" || config.db == "memory";
  if (config.via_http && in_memory) {
    return UsageError(
        "--via http needs a database the server processes share (sqlite:PATH "
        "or postgres://…), not memory:");
  }
  SystemClock clock;
  OverspendMonitor monitor;
  std::unique_ptr<Store> store;
  if (in_memory) {
    MemoryStore::Options options;
    options.on_commit = [&monitor](const CommitRecord& r) { monitor.OnCommit(r); };
    store = std::make_unique<MemoryStore>(std::move(options));
  } else {
    STUB_ASSIGN_OR_RETURN(store, OpenStore(config.db));
  }
  // A durable database may hold earlier races: each race gets an org of its own.
  const std::string org = in_memory ? std::string(kOrg) : NewId("race");
  {
    // The org and its tree, set up without injected latency.
    Engine admin(*store, clock);
    STUB_RETURN_IF_ERROR(SetUpRaceOrg(admin, org, config));
  }
  std::vector<std::string> agent_keys;
  if (config.via_http) {
    KeyService keys(*store, clock);
    for (int a = 0; a < config.agents; ++a) {
      STUB_ASSIGN_OR_RETURN(IssuedKey key, keys.Create(org, KeyRole::kAgent, AgentId(a), "race"));
      agent_keys.push_back(std::move(key.secret));
    }
  }

  RaceReport report;
  report.store = std::string(store->Kind());
  report.config = config;
  const auto began = std::chrono::steady_clock::now();
  Tally tally;
  if (in_memory) {
    STUB_ASSIGN_OR_RETURN(tally,
                          RaceInMemory(config, static_cast<MemoryStore&>(*store), clock, org));
  } else {
    store.reset();  // no database handle crosses a fork
    if (config.via_http) {
      STUB_ASSIGN_OR_RETURN(tally, RaceViaHttp(config, org, agent_keys));
    } else {
      STUB_ASSIGN_OR_RETURN(tally, RaceInProcesses(config, org));
    }
    STUB_ASSIGN_OR_RETURN(store, OpenStore(config.db));
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  report.attempts = tally.attempts;
  report.approved = tally.approved;
  report.denied = tally.denied;
  report.denied_budget = tally.denied_budget;
  report.denied_contention = tally.denied_contention;
  report.approved_total = tally.approved_total;
  report.serialization_failures = tally.conflicts;
  report.retries = tally.retries;
  if (in_memory) {
    report.max_overspend = monitor.max_overspend();
    report.commits_checked = monitor.commits();
  } else {
    STUB_ASSIGN_OR_RETURN(report.max_overspend, FinalOverspend(*store, org));
  }

  Engine admin(*store, clock);
  STUB_ASSIGN_OR_RETURN(auto root_row, admin.GetNode(org, org));
  if (!root_row) return Internal("the race org's root node vanished");
  const BucketBalance& total = root_row->balances[static_cast<std::size_t>(Period::kTotal)];
  report.remaining = config.budget - total.spent - total.held;

  STUB_ASSIGN_OR_RETURN(VerifyReport verify, admin.Verify(org));
  report.entries = verify.entries;
  report.entries_balanced = report.chain_ok = report.balances_match = true;
  for (const Problem& p : verify.problems) {
    if (p.code == "unbalanced" || p.code == "lines_disagree" || p.code == "overflow") {
      report.entries_balanced = false;
    } else if (p.code == "balance_mismatch" || p.code == "unknown_node" ||
               p.code == "rollup_mismatch") {
      report.balances_match = false;
    } else {
      report.chain_ok = false;
    }
  }
  return report;
}

std::string RaceReportJson(const RaceReport& r) {
  nlohmann::ordered_json j;
  j["store"] = r.store;
  j["via"] = r.config.via_http ? "http" : "engine";
  j["regions"] = r.config.regions;
  j["agents"] = r.config.agents;
  j["budget"] = FormatAmount(r.config.budget);
  j["amount"] = FormatAmount(r.config.amount);
  j["attempts"] = r.attempts;
  j["approved"] = r.approved;
  j["denied"] = r.denied;
  j["approved_total"] = FormatAmount(r.approved_total);
  j["remaining"] = FormatAmount(r.remaining);
  j["serialization_failures"] = r.serialization_failures;
  j["retries"] = r.retries;
  j["max_overspend"] = FormatAmount(r.max_overspend);
  j["entries_balanced"] = r.entries_balanced;
  j["chain_ok"] = r.chain_ok;
  j["balances_match"] = r.balances_match;
  j["denied_budget_exceeded"] = r.denied_budget;
  j["denied_contention"] = r.denied_contention;
  j["commits_checked"] = r.commits_checked;
  j["entries"] = r.entries;
  j["seconds"] = r.seconds;
  return j.dump();
}

std::string RaceReportText(const RaceReport& r) {
  auto mark = [](bool ok) { return ok ? "ok" : "BROKEN"; };
  std::ostringstream out;
  out << "Stub race: " << r.config.agents << " agents in " << r.config.regions
      << " regions spend against one budget (" << r.store << " store"
      << (r.config.via_http ? "; regions are stub serve processes, agents HTTP clients" : "")
      << ")\n"
      << "  budget            " << FormatAmount(r.config.budget) << " (org, total)\n"
      << "  each spend        " << FormatAmount(r.config.amount) << " x " << r.config.attempts
      << " attempts per agent = " << r.attempts << " requests in " << r.seconds << " s\n"
      << "  approved          " << r.approved << " for " << FormatAmount(r.approved_total) << "\n"
      << "  denied            " << r.denied << " (budget_exceeded " << r.denied_budget
      << ", contention " << r.denied_contention << ")\n"
      << "  remaining         " << FormatAmount(r.remaining)
      << (r.remaining < r.config.amount ? " (less than one more spend: the budget is used up)" : "")
      << "\n"
      << "  conflicts         " << r.serialization_failures << " serialization failures, "
      << r.retries << " retries"
      << (r.serialization_failures > 0 ? " (losers re-read the fresh balance)"
                                       : " (this store serializes its writers)")
      << "\n"
      << "  max overspend     " << FormatAmount(r.max_overspend) << " over "
      << (r.commits_checked > 0
              ? std::to_string(r.commits_checked) +
                    " committed states, each checked as it committed"
              : std::string("the final state of every node (regions were separate processes)"))
      << "\n"
      << "  journal           " << r.entries << " entries; balanced " << mark(r.entries_balanced)
      << ", hash chain " << mark(r.chain_ok) << ", balances = journal " << mark(r.balances_match)
      << "\n"
      << (r.Holds() ? "The guarantee held: no overspend under any interleaving seen.\n"
                    : "THE GUARANTEE WAS BROKEN.\n");
  return out.str();
}

}  // namespace stub
