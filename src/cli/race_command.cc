#include "cli/race_command.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <latch>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <vector>

#include "core/verify.h"
#include "engine/engine.h"
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

Result<RaceReport> RunRace(const RaceConfig& config) {
  STUB_RETURN_IF_ERROR(ValidateConfig(config));

  OverspendMonitor monitor;
  MemoryStore::Options store_options;
  store_options.on_commit = [&monitor](const CommitRecord& r) { monitor.OnCommit(r); };
  MemoryStore store(std::move(store_options));
  SystemClock clock;

  // The org and its tree, set up without injected latency.
  Engine admin(store, clock);
  STUB_RETURN_IF_ERROR(admin.CreateOrg(kOrg, "Race Inc.").status());
  Node root{.id = std::string(kOrg), .kind = NodeKind::kOrg, .name = "Race Inc."};
  root.limits.push_back({config.budget, Period::kTotal});
  STUB_RETURN_IF_ERROR(admin.PutNode(kOrg, root).status());
  STUB_RETURN_IF_ERROR(admin
                           .PutNode(kOrg, Node{.id = std::string(kTeam),
                                               .kind = NodeKind::kTeam,
                                               .parent = std::string(kOrg),
                                               .name = "The swarm"})
                           .status());
  for (int a = 0; a < config.agents; ++a) {
    STUB_RETURN_IF_ERROR(
        admin
            .PutNode(kOrg,
                     Node{.id = AgentId(a), .kind = NodeKind::kAgent, .parent = std::string(kTeam)})
            .status());
  }

  // One engine per region, each further from the database than the last.
  std::vector<std::unique_ptr<Engine>> regions;
  for (int r = 0; r < config.regions; ++r) {
    EngineOptions options;
    options.txn.op_latency = std::chrono::microseconds{config.latency_us * (r + 1)};
    options.txn.commit_latency = std::chrono::microseconds{2 * config.latency_us * (r + 1)};
    regions.push_back(std::make_unique<Engine>(store, clock, options));
  }

  RaceReport report;
  report.store = std::string(store.Kind());
  report.config = config;
  std::mutex mu;
  Status failure;
  std::latch start(config.agents);
  std::vector<std::thread> agents;
  const auto began = std::chrono::steady_clock::now();
  for (int a = 0; a < config.agents; ++a) {
    agents.emplace_back([&, a] {
      Engine& engine = *regions[static_cast<std::size_t>(a % config.regions)];
      start.arrive_and_wait();
      for (int k = 0; k < config.attempts; ++k) {
        SpendRequest request;
        request.org = std::string(kOrg);
        request.agent = AgentId(a);
        request.amount = config.amount;
        request.vendor = "api.vendor.example";
        request.category = "data";
        request.intent = "race";
        request.idempotency_key = "race-" + AgentId(a) + "-" + std::to_string(k);
        auto result = engine.Spend(request);
        std::lock_guard lock(mu);
        ++report.attempts;
        if (!result.ok()) {
          if (failure.ok()) failure = result.status();
          continue;
        }
        const Outcome& o = result->outcome;
        if (o.status == OutcomeStatus::kApproved) {
          ++report.approved;
          report.approved_total += o.amount;
        } else {
          ++report.denied;
          if (o.denial && o.denial->reason == DenyReason::kBudgetExceeded) ++report.denied_budget;
          if (o.denial && o.denial->reason == DenyReason::kContention) ++report.denied_contention;
        }
      }
    });
  }
  for (auto& t : agents) t.join();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  STUB_RETURN_IF_ERROR(failure);

  for (const auto& engine : regions) {
    const EngineStats s = engine->Stats();
    report.serialization_failures += s.conflicts;
    report.retries += s.retries;
  }
  report.max_overspend = monitor.max_overspend();
  report.commits_checked = monitor.commits();

  STUB_ASSIGN_OR_RETURN(auto root_row, admin.GetNode(kOrg, kOrg));
  if (!root_row) return Internal("the race org's root node vanished");
  const BucketBalance& total = root_row->balances[static_cast<std::size_t>(Period::kTotal)];
  report.remaining = config.budget - total.spent - total.held;

  STUB_ASSIGN_OR_RETURN(VerifyReport verify, admin.Verify(kOrg));
  report.entries = verify.entries;
  report.entries_balanced = report.chain_ok = report.balances_match = true;
  for (const Problem& p : verify.problems) {
    if (p.code == "unbalanced" || p.code == "lines_disagree" || p.code == "overflow") {
      report.entries_balanced = false;
    } else if (p.code == "balance_mismatch" || p.code == "unknown_node") {
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
      << " regions spend against one budget (" << r.store << " store)\n"
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
      << r.retries << " retries (losers re-read the fresh balance)\n"
      << "  max overspend     " << FormatAmount(r.max_overspend) << " over " << r.commits_checked
      << " committed states, each checked as it committed\n"
      << "  journal           " << r.entries << " entries; balanced " << mark(r.entries_balanced)
      << ", hash chain " << mark(r.chain_ok) << ", balances = journal " << mark(r.balances_match)
      << "\n"
      << (r.Holds() ? "The guarantee held: no overspend under any interleaving seen.\n"
                    : "THE GUARANTEE WAS BROKEN.\n");
  return out.str();
}

}  // namespace stub
