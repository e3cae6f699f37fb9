// Lets a rare, must-win writer (an operator's kill-switch, freeze, policy or
// limit change) get past a stream of hot-row writers (spends) that would
// otherwise win every first-committer race against it. While any Pass is
// held, AwaitClear blocks; transactions already running finish (commit or
// conflict), so the priority writer's next attempt meets no new competitors
// from this process. It does not order writers of other processes: those
// still meet only the store's conflict detection and the engine's retries.
//
// Thread-safety: every member may be called from any thread. A thread that
// holds a Pass must not call AwaitClear (it would wait for itself).
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>

namespace stub {

class PriorityGate {
 public:
  // While alive, AwaitClear blocks. Movable, not copyable.
  class Pass {
   public:
    Pass(Pass&& other) noexcept : gate_(other.gate_) { other.gate_ = nullptr; }
    Pass& operator=(Pass&&) = delete;
    Pass(const Pass&) = delete;
    Pass& operator=(const Pass&) = delete;
    ~Pass() {
      if (gate_ != nullptr) gate_->Leave();
    }

   private:
    friend class PriorityGate;
    explicit Pass(PriorityGate* gate) : gate_(gate) {}
    PriorityGate* gate_;
  };

  Pass Enter();
  // Returns at once when no Pass is held (one atomic load); otherwise blocks
  // until none is.
  void AwaitClear();

 private:
  void Leave();

  std::atomic<int> inside_{0};
  std::mutex mu_;
  std::condition_variable clear_;
};

}  // namespace stub
