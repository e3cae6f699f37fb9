// `stub race`: N agents in R simulated regions race one near-empty org budget
// with spends of a fixed amount; every agent is a thread.
//   memory: (default) each region is its own Engine, with its own injected
//           store latency, over one shared in-memory store; every committed
//           state is checked for overspend as it commits.
//   sqlite:PATH (and other durable stores): each region is a separate
//           process with its own connection to the same database, released
//           together; the final state of every node is checked for overspend.
//   --via http (durable stores only): each region is a separate `stub serve`
//           process (its own port, the same database) and every agent is an
//           HTTP client with its own agent key, spending through
//           POST /v1/spends on its region's server.
// The books are verified at the end either way.
#pragma once

#include <cstdint>
#include <string>

#include "core/money.h"
#include "core/status.h"

namespace stub {

struct RaceConfig {
  std::string db = "memory:";
  int regions = 2;
  int agents = 6;
  Micros budget = 1'000'000;  // 1.00
  Micros amount = 150'000;    // 0.15
  int attempts = 5;           // spends per agent
  // Injected latency of region r (0-based) per store call: (r + 1) × this;
  // per commit: 2 × (r + 1) × this. Simulates distance to the database.
  std::int64_t latency_us = 200;
  // Regions are `stub serve` processes and agents HTTP clients.
  bool via_http = false;
};

struct RaceReport {
  std::string store;
  RaceConfig config;
  std::int64_t attempts = 0;  // requests made, all agents
  std::int64_t approved = 0;
  std::int64_t denied = 0;
  std::int64_t denied_budget = 0;      // of which budget_exceeded
  std::int64_t denied_contention = 0;  // of which contention
  Micros approved_total = 0;
  Micros remaining = 0;  // budget − what the org's balance row says is spent
  std::uint64_t serialization_failures = 0;
  std::uint64_t retries = 0;
  Micros max_overspend = 0;  // worst (spent + held − limit) over every committed state
  std::uint64_t commits_checked = 0;
  bool entries_balanced = false;
  bool chain_ok = false;
  bool balances_match = false;
  std::uint64_t entries = 0;
  double seconds = 0;

  // True when the guarantee held: nothing overspent, books verify.
  bool Holds() const;
};

// Errors: kInvalidArgument for a nonsensical config.
Result<RaceReport> RunRace(const RaceConfig& config);

// Exactly one JSON object (see the field list).
std::string RaceReportJson(const RaceReport& report);
// A readable multi-line report.
std::string RaceReportText(const RaceReport& report);

}  // namespace stub
