// Group commit for concurrent callers. Spends, holds and captures submitted
// from many threads are queued; one committer thread takes a batch of them at
// a time and applies them in arrival order in one transaction
// (Engine::ApplyBatch), each against
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
// A caller that submits with AnswerAt::kCommit hears at commit, before the
// flush: only for a request whose loss in a machine crash is already covered
// by durable state (a capture of a capture-on-expiry hold: lost, the hold is
// captured in full at its expiry). Its commit still becomes durable with the
// batch — and the log is sequential, so no durable later commit can depend
// on it having been lost.
//
// Deadlines and backpressure: every caller hears within `answer_timeout` of
// Submit. A spend still unanswered then (the store stalls, the queue is backed
// up) is answered kUnavailable with reason "overloaded" at that moment, by a
// watchdog thread; its real result, should it arrive later, is dropped — the
// spend may still commit, and a retry with its idempotency key replays it.
// A spend whose deadline passed while it was still queued is not applied at
// all. A full queue refuses at once (kUnavailable, "overloaded": retryable).
// Nothing here needs a restart: once the store answers again, so do spends.
//
// Thread-safe. The destructor stops accepting, drains what is queued (every
// queued request still gets its answer), and joins its threads.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/engine.h"

namespace stub {

struct BatcherOptions {
  std::size_t max_batch = 1024;            // ≥ 1 requests per transaction
  std::size_t max_batch_bytes = 4u << 20;  // request text per transaction
  std::size_t max_queue = 1u << 16;        // queued requests; beyond → "overloaded"
  std::chrono::microseconds max_wait{0};
  // Each caller's answer arrives within this time of Submit: then, failing
  // its result, kUnavailable "overloaded". Zero: no deadline (benchmarks).
  std::chrono::milliseconds answer_timeout{5000};
  // Stalled() turns true once spends wait and no batch or sync has finished
  // for this long.
  std::chrono::milliseconds stall_after{1000};
};

// When a caller hears its result: once it is durable (the default), or as
// soon as it committed (see the class comment for when that is sound).
enum class AnswerAt { kDurable, kCommit };

struct BatcherStats {
  std::uint64_t batches = 0;
  std::uint64_t spends = 0;     // requests applied through batches
  std::uint64_t syncs = 0;      // MakeDurable calls (pipelined durability only)
  std::uint64_t refused = 0;    // refused at Submit: queue full or shutting down
  std::uint64_t timed_out = 0;  // answered "overloaded" at their deadline
  std::uint64_t late = 0;       // results dropped: their caller had timed out
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

  // Queues the spend, hold or capture; `done` is called exactly once with its
  // result (same contract as Engine::Apply), after the result is durable
  // (kCommit: once committed) — or, when that takes longer than
  // answer_timeout, with kUnavailable "overloaded" at the deadline (on the
  // watchdog thread); a success is never reported after it.
  // Refused at once (`done` called on this thread) with kUnavailable after
  // shutdown began, and with kUnavailable "overloaded" when max_queue
  // requests are already queued.
  void Submit(MoneyRequest request, Callback done, AnswerAt at = AnswerAt::kDurable);

  // Submit, and block until the result arrives.
  Result<SpendResult> Apply(MoneyRequest request, AnswerAt at = AnswerAt::kDurable);

  BatcherStats Stats() const;

  // True when spends are waiting (queued, committing or syncing) and no batch
  // or sync finished within stall_after: the store is stalled or failing to
  // keep up. For readiness checks; never blocks on the store.
  bool Stalled() const;

 private:
  // One caller's answer, claimed once: by the result or by the deadline.
  struct Waiter {
    Callback done;
    std::chrono::steady_clock::time_point deadline;
    std::atomic<bool> answered{false};
    // Takes the right to answer: true exactly once.
    bool Claim();
    // Requires: Claim() returned true on this thread.
    void Call(Result<SpendResult> result);
    // Claim, then Call; says whether it did.
    bool Answer(Result<SpendResult> result);
  };
  struct Pending {
    MoneyRequest request;
    std::shared_ptr<Waiter> waiter;  // null once answered at commit
    AnswerAt at = AnswerAt::kDurable;
  };
  struct Committed {
    std::uint64_t mark = 0;  // Engine::DurabilityMark before the batch began
    std::vector<Pending> batch;
    std::vector<Result<SpendResult>> results;
  };
  void CommitLoop();
  void SyncLoop();
  void WatchLoop();
  // Answers the batch's callers not answered yet (`which` kCommit: only
  // those that asked to hear at commit).
  void Deliver(Committed& committed, AnswerAt which);
  void MarkProgress();  // requires mu_

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
  std::size_t in_flight_ = 0;  // accepted, not yet delivered or skipped
  std::chrono::steady_clock::time_point last_progress_;

  // The watchdog's callers in Submit order, hence deadline order.
  std::mutex watch_mu_;
  std::condition_variable watch_wake_;
  std::deque<std::shared_ptr<Waiter>> deadlines_;
  bool watch_stopping_ = false;

  std::thread committer_;
  std::thread syncer_;
  std::thread watchdog_;
};

}  // namespace stub
