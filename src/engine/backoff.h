// Jittered exponential backoff between conflict retries ("full jitter"): the
// n-th wait is uniform in [0, min(cap, base · 2^n)]. Spreads racing retriers
// apart so a hot row is not re-contended in lock step.
#pragma once

#include <chrono>
#include <cstdint>

namespace stub {

struct BackoffPolicy {
  std::chrono::microseconds base{50};
  std::chrono::microseconds cap{5000};
};

// The wait before retry number `attempt` (0-based), drawn from a thread-local
// generator. Thread-safe.
std::chrono::microseconds BackoffDelay(const BackoffPolicy& policy, int attempt);

}  // namespace stub
