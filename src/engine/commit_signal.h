// A process-local signal of committed writes: the engine bumps it after every
// successful write commit, and readers that tail the store (the event feed)
// compare versions to skip reading it while nothing changed. A writer in
// another process sharing the store does not bump it: tailing readers keep a
// slow fallback poll for that.
//
// Thread-safe, lock-free.
#pragma once

#include <atomic>
#include <cstdint>

namespace stub {

class CommitSignal {
 public:
  // Called after a write transaction committed.
  void Notify() { version_.fetch_add(1, std::memory_order_release); }
  // Grows with every Notify; equal versions: nothing committed in between.
  std::uint64_t Version() const { return version_.load(std::memory_order_acquire); }

 private:
  std::atomic<std::uint64_t> version_{0};
};

}  // namespace stub
