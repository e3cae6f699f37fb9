// The demo org's spend history as a plan: every spend, hold, capture and void
// Acme Corp's agents make over about a month, at fixed offsets from the
// history's start. Realistic vendors (LLM, data, compute, SaaS), receipts
// (canonical JSON: model and tokens, request ids, x402 payment references),
// users, sessions and intents; a runaway agent and agents running into their
// limits, so some requests are denied.
//
// The plan never depends on when it is replayed: the seeder maps offsets to
// timestamps ending at its `now`, and every request body (so its idempotency
// fingerprint) is the same whatever `now` is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "engine/requests.h"

namespace stub {

// The span the history covers: 31 days, so the history always contains the
// start of a calendar month, whatever day it ends on.
inline constexpr Timestamp kDemoHistoryLength = 31LL * 86'400 * kMicrosPerSecond;

enum class DemoStepKind : std::uint8_t { kSpend = 0, kHold, kCapture, kVoid };

struct DemoStep {
  DemoStepKind kind = DemoStepKind::kSpend;
  // Microseconds after the history's start, in [0, kDemoHistoryLength).
  Timestamp at = 0;
  // kSpend, kHold: the request, with every field but `org` (the seeder's)
  // set, including a unique, deterministic idempotency_key and the receipt
  // as canonical JSON.
  SpendRequest request;
  Timestamp ttl = kDefaultHoldTtl;  // kHold
  // kCapture, kVoid: the index (in the returned vector) of the hold step,
  // which comes earlier.
  std::size_t hold_step = 0;
  Micros capture_amount = 0;    // kCapture: > 0, ≤ the hold's amount
  std::string capture_receipt;  // kCapture: canonical JSON
};

// The whole plan, ordered by `at` (ties keep plan order). Deterministic: a
// fixed PRNG seed and no dependence on the clock or the platform's
// distributions, so every call returns the same steps. A few hundred to a
// couple of thousand requests. Errors: kInternal if a generated receipt is not
// canonical JSON (a bug). Pure; thread-safe.
Result<std::vector<DemoStep>> DemoHistory();

}  // namespace stub
