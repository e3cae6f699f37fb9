// `stub bench`: closed-loop load against the engine on a store. `clients`
// threads each send spends back to back for `seconds`, through the group
// committer (SpendBatcher); every spend's latency is recorded.
//   --hot: every spend hits one org and one team (one agent per client) — the
//          worst case, every transaction contends for the same rows;
//   otherwise each client spends in an org of its own.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace stub {

struct BenchConfig {
  std::string db = "memory:";
  int clients = 8;
  double seconds = 10;
  bool hot = false;
  bool batch = true;  // false: each spend its own transaction (Engine::Spend)
};

struct BenchReport {
  std::string store;
  BenchConfig config;
  std::uint64_t spends = 0;  // approved
  std::uint64_t failed = 0;  // errors or denials (there should be none)
  double elapsed = 0;
  double spends_per_sec = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  std::uint64_t serialization_failures = 0;
  std::uint64_t retries = 0;
  std::uint64_t batches = 0;
  double mean_batch = 0;
};

Result<BenchReport> RunBench(const BenchConfig& config);
std::string BenchReportJson(const BenchReport& report);
std::string BenchReportText(const BenchReport& report);

}  // namespace stub
