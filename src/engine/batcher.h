// Group commit for concurrent callers. Spends submitted from many threads are
// queued; one committer thread takes a batch of them at a time and applies
// them in arrival order in one transaction (Engine::SpendBatch), each against
// the running balances, so each still gets its own exact decision. A hot
// budget's row is then written once per batch instead of once per spend — the
// way past the one-update-per-transaction ceiling of a hot row.
//
// Batches: the committer does not linger. It takes whatever is queued the
// moment the previous batch committed (natural batching — a batch grows while
// the last one is in flight), up to `max_batch` requests and `max_batch_bytes`
// of request text (receipts, intents, …: a transaction stays within Aurora
// DSQL's 3,000 rows and 10 MiB), waiting at most `max_wait` for company only
// when a single request is queued and `max_wait` is non-zero.
//
// Durability is pipelined when the store allows it (Store::CommitIsDurable
// false): the committer commits batch N+1 while a second thread makes batch N
// durable (Engine::MakeDurable from the batch's mark, one fsync for every
// batch committed since the last), and a batch's callers hear their results
// only after that — or kUnavailable if the store reports a commit among them
// in doubt (e.g. its database server restarted before the flush). With a
// store whose commits are durable, results are delivered right after commit.
//
// Thread-safe. The destructor stops accepting, drains what is queued (every
// queued request still gets its answer), and joins its threads.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/engine.h"

namespace stub {

struct BatcherOptions {
  std::size_t max_batch = 1024;            // ≥ 1 requests per transaction
  std::size_t max_batch_bytes = 4u << 20;  // request text per transaction
  std::size_t max_queue = 1u << 16;        // queued requests; beyond → kResourceExhausted
  std::chrono::microseconds max_wait{0};
};

struct BatcherStats {
  std::uint64_t batches = 0;
  std::uint64_t spends = 0;  // requests applied through batches
  std::uint64_t syncs = 0;   // MakeDurable calls (pipelined durability only)
  double mean_batch() const {
    return batches == 0 ? 0.0 : static_cast<double>(spends) / static_cast<double>(batches);
  }
};

class SpendBatcher {
 public:
  // Receives a spend's result. Runs on one of the batcher's threads: it must
  // be quick and must not block on the batcher (it may Submit again).
  using Callback = std::function<void(Result<SpendResult>)>;

  // `engine` must outlive the batcher.
  explicit SpendBatcher(Engine& engine, BatcherOptions options = {});
  ~SpendBatcher();

  SpendBatcher(const SpendBatcher&) = delete;
  SpendBatcher& operator=(const SpendBatcher&) = delete;

  // Queues the spend; `done` is called exactly once with its result (same
  // contract as Engine::Spend), after the result is durable. Refused at once
  // (`done` called on this thread) with kUnavailable after shutdown began and
  // with kResourceExhausted when max_queue requests are already queued.
  void Submit(SpendRequest request, Callback done);

  // Submit, and block until the result arrives.
  Result<SpendResult> Spend(SpendRequest request);

  BatcherStats Stats() const;

 private:
  struct Pending {
    SpendRequest request;
    Callback done;
  };
  struct Committed {
    std::uint64_t mark = 0;  // Engine::DurabilityMark before the batch began
    std::vector<Pending> batch;
    std::vector<Result<SpendResult>> results;
  };
  void CommitLoop();
  void SyncLoop();
  static void Deliver(Committed& committed);

  Engine& engine_;
  const BatcherOptions options_;
  const bool pipelined_;  // the store's commits need MakeDurable

  mutable std::mutex mu_;
  std::condition_variable wake_;       // committer: queue_ or stopping_
  std::condition_variable sync_wake_;  // syncer: committed_ or committer_done_
  std::deque<Pending> queue_;
  std::deque<Committed> committed_;  // awaiting MakeDurable
  bool stopping_ = false;
  bool committer_done_ = false;
  BatcherStats stats_;
  std::thread committer_;
  std::thread syncer_;
};

}  // namespace stub
