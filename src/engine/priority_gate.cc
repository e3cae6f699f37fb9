#include "engine/priority_gate.h"

namespace stub {

PriorityGate::Pass PriorityGate::Enter() {
  // No lock needed: raising the count can only make waiters' predicate false.
  inside_.fetch_add(1, std::memory_order_acq_rel);
  return Pass(this);
}

void PriorityGate::AwaitClear() {
  if (inside_.load(std::memory_order_acquire) == 0) return;
  std::unique_lock lock(mu_);
  clear_.wait(lock, [this] { return inside_.load(std::memory_order_acquire) == 0; });
}

void PriorityGate::Leave() {
  {
    // Under the lock, so a waiter cannot test the count and then miss the wake.
    std::lock_guard lock(mu_);
    if (inside_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  }
  clear_.notify_all();
}

}  // namespace stub
