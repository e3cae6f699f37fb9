// Group commit for concurrent callers. Spends submitted from many threads are
// queued; one committer thread takes up to `max_batch` of them at a time and
// applies them in arrival order in one transaction (Engine::SpendBatch), each
// against the running balances, so each still gets its own exact decision.
// A hot budget's row is then written once per batch instead of once per
// spend — the way past the one-update-per-transaction ceiling of a hot row.
//
// The committer does not linger: it takes whatever is queued the moment the
// previous batch commits (natural batching — a batch grows while the last one
// is in flight), waiting at most `max_wait` for company only when the queue
// holds a single request and `max_wait` is non-zero.
//
// Thread-safe. The destructor stops accepting, drains what is queued, and
// joins the committer.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

#include "engine/engine.h"

namespace stub {

struct BatcherOptions {
  std::size_t max_batch = 256;  // ≥ 1; keeps a transaction within DSQL's row bounds
  std::chrono::microseconds max_wait{0};
};

struct BatcherStats {
  std::uint64_t batches = 0;
  std::uint64_t spends = 0;  // requests applied through batches
  double mean_batch() const {
    return batches == 0 ? 0.0 : static_cast<double>(spends) / static_cast<double>(batches);
  }
};

class SpendBatcher {
 public:
  // `engine` must outlive the batcher.
  explicit SpendBatcher(Engine& engine, BatcherOptions options = {});
  ~SpendBatcher();

  SpendBatcher(const SpendBatcher&) = delete;
  SpendBatcher& operator=(const SpendBatcher&) = delete;

  // Queues the spend and blocks until its batch has committed (or failed).
  // Same contract as Engine::Spend. After shutdown began: kUnavailable.
  Result<SpendResult> Spend(SpendRequest request);

  BatcherStats Stats() const;

 private:
  struct Pending {
    SpendRequest request;
    std::promise<Result<SpendResult>> done;
  };
  void CommitLoop();

  Engine& engine_;
  const BatcherOptions options_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  BatcherStats stats_;
  std::thread committer_;
};

}  // namespace stub
