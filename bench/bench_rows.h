// The rows one hot-budget spend writes, shaped like `stub bench --hot`'s: an
// org id of 30 characters, a three-node path, two lines, hex hashes, an
// approved outcome. Pre-sealed (fixed hashes, no SHA-256), for the benchmarks
// that measure what storing a spend costs (store_bench.cc,
// sqlite_floor_bench.cc).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "core/decision.h"
#include "core/idempotency.h"
#include "core/journal.h"

namespace stub::bench_rows {

inline constexpr Timestamp kStoreBenchStart = 1795860000LL * kMicrosPerSecond;
inline constexpr std::string_view kStoreBenchOrg = "bench_4d849157e2ad716a942d6a80";

// Spend `seq` of the org: its journal entry.
inline Entry SpendEntry(std::uint64_t seq) {
  Entry e;
  e.org = std::string(kStoreBenchOrg);
  e.seq = seq;
  e.kind = EntryKind::kSpend;
  e.created_at = kStoreBenchStart + static_cast<Timestamp>(seq);
  e.budget_at = e.created_at;
  e.ref = "sp_df323b796e2ddd0a399fb3fb";
  e.agent = "client-0";
  e.path = {"client-0", "team", std::string(kStoreBenchOrg)};
  e.vendor = "api.openai.com";
  e.category = "llm";
  e.intent = "benchmark";
  e.amount = 10'000;
  e.lines = {{"expense:llm:api.openai.com", 10'000},
             {"funding:" + std::string(kStoreBenchOrg), -10'000}};
  e.prev_hash = std::string(64, 'a');
  e.hash = std::string(64, 'b');
  return e;
}

// Spend `seq`'s idempotency record under `key`.
inline IdempotencyRecord SpendRecord(std::uint64_t seq, std::string key) {
  IdempotencyRecord r;
  r.org = std::string(kStoreBenchOrg);
  r.key = std::move(key);
  r.fingerprint = "5:spend8:client-05:1000014:api.openai.com3:llm0:0:9:benchmark0:1:0";
  r.outcome.status = OutcomeStatus::kApproved;
  r.outcome.id = "sp_df323b796e2ddd0a399fb3fb";
  r.outcome.amount = 10'000;
  r.outcome.entry_seq = seq;
  r.outcome.entry_hash = std::string(64, 'b');
  r.outcome.effective_remaining = 999'999'999'990'000;
  r.outcome.binding = Binding{.node = "team", .period = Period::kDay};
  r.created_at = kStoreBenchStart + static_cast<Timestamp>(seq);
  return r;
}

}  // namespace stub::bench_rows
