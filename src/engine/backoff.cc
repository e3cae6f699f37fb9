#include "engine/backoff.h"

#include <algorithm>
#include <random>

namespace stub {

std::chrono::microseconds BackoffDelay(const BackoffPolicy& policy, int attempt) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const int shift = std::clamp(attempt, 0, 30);
  const std::int64_t ceiling =
      std::min<std::int64_t>(policy.cap.count(), policy.base.count() * (std::int64_t{1} << shift));
  if (ceiling <= 0) return std::chrono::microseconds{0};
  std::uniform_int_distribution<std::int64_t> dist(0, ceiling);
  return std::chrono::microseconds{dist(rng)};
}

}  // namespace stub
