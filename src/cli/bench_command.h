// `stub bench`: closed-loop load against the engine on a store for `seconds`.
// Each of `clients` clients keeps `depth` spends in flight (depth 1: a client
// sends its next spend when the last one is answered; depth d: like an agent
// runtime with d concurrent requests, or HTTP connections × in-flight
// requests) through the group committer (SpendBatcher); every spend's latency,
// submit to durable answer, is recorded. Clients are not threads: a spend's
// answer submits the client's next one, so thousands of clients cost no
// threads. With --no-batch each client is a thread calling Engine::Spend.
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
  int depth = 1;  // spends in flight per client (group commit only)
  double seconds = 10;
  bool hot = false;
  bool batch = true;  // false: each spend its own transaction (Engine::Spend)
  std::string run;    // set by RunBench: the run's org id prefix
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
