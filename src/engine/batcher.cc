#include "engine/batcher.h"

#include <algorithm>
#include <future>
#include <string>
#include <utility>
#include <variant>

#include "store/thread_name.h"

namespace stub {

namespace {

BatcherOptions Normalized(BatcherOptions options) {
  if (options.max_batch == 0) options.max_batch = 1;
  if (options.max_queue == 0) options.max_queue = 1;
  return options;
}

// The request text a request brings into its transaction (entry, hold,
// idempotency record, maybe a denial), for the batch byte bound.
std::size_t ApproxBytes(const SpendRequest& r) {
  return 512 + r.receipt.size() +
         2 * (r.intent.size() + r.vendor.size() + r.session.size() + r.user.size() +
              r.idempotency_key.size());
}
std::size_t ApproxBytes(const HoldRequest& r) { return ApproxBytes(r.spend); }
std::size_t ApproxBytes(const CaptureRequest& r) {
  return 512 + r.receipt.size() + 2 * r.hold_id.size();
}
std::size_t ApproxBytes(const MoneyRequest& r) {
  return std::visit([](const auto& one) { return ApproxBytes(one); }, r);
}

Status Overloaded(std::string message) {
  return Status(StatusCode::kUnavailable, std::move(message), "overloaded");
}

// How often the watchdog wakes at most to forget callers answered in time,
// so its list holds about this long's worth of them, not answer_timeout's.
constexpr std::chrono::milliseconds kWatchSweep{100};

}  // namespace

bool SpendBatcher::Waiter::Claim() { return !answered.exchange(true, std::memory_order_acq_rel); }

void SpendBatcher::Waiter::Call(Result<SpendResult> result) {
  Callback callback = std::move(done);
  callback(std::move(result));
}

bool SpendBatcher::Waiter::Answer(Result<SpendResult> result) {
  if (!Claim()) return false;
  Call(std::move(result));
  return true;
}

SpendBatcher::SpendBatcher(Engine& engine, BatcherOptions options)
    : engine_(engine),
      options_(Normalized(options)),
      pipelined_(!engine.CommitIsDurable()),
      last_progress_(std::chrono::steady_clock::now()) {
  committer_ = std::thread([this] {
    NameThisThread("stub-commit");
    CommitLoop();
  });
  if (pipelined_) {
    syncer_ = std::thread([this] {
      NameThisThread("stub-sync");
      SyncLoop();
    });
  }
  if (options_.answer_timeout.count() > 0) {
    watchdog_ = std::thread([this] {
      NameThisThread("stub-deadline");
      WatchLoop();
    });
  }
}

SpendBatcher::~SpendBatcher() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  committer_.join();
  if (syncer_.joinable()) syncer_.join();
  {
    std::lock_guard lock(watch_mu_);
    watch_stopping_ = true;
  }
  watch_wake_.notify_all();
  if (watchdog_.joinable()) watchdog_.join();
}

void SpendBatcher::Submit(MoneyRequest request, Callback done, AnswerAt at) {
  auto waiter = std::make_shared<Waiter>();
  waiter->done = std::move(done);
  const auto now = std::chrono::steady_clock::now();
  waiter->deadline = now + options_.answer_timeout;
  const bool watched = options_.answer_timeout.count() > 0;
  Status refused;
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      refused = Unavailable("the spend batcher is shutting down");
    } else if (queue_.size() >= options_.max_queue) {
      // Transient (kUnavailable): the same request may succeed a moment later.
      refused =
          Overloaded("too many spends queued (" + std::to_string(queue_.size()) + "); retry later");
    } else {
      if (in_flight_++ == 0) last_progress_ = now;  // idle until now: not stalled
      queue_.push_back(Pending{std::move(request), waiter, at});
    }
    if (!refused.ok()) ++stats_.refused;
  }
  if (!refused.ok()) {
    waiter->Answer(std::move(refused));
    return;
  }
  wake_.notify_one();
  if (watched) {
    bool was_empty = false;
    {
      std::lock_guard lock(watch_mu_);
      was_empty = deadlines_.empty();
      deadlines_.push_back(std::move(waiter));
    }
    if (was_empty) watch_wake_.notify_one();
  }
}

bool SpendBatcher::Stalled() const {
  std::lock_guard lock(mu_);
  return in_flight_ > 0 && std::chrono::steady_clock::now() - last_progress_ > options_.stall_after;
}

void SpendBatcher::MarkProgress() { last_progress_ = std::chrono::steady_clock::now(); }

void SpendBatcher::WatchLoop() {
  std::unique_lock lock(watch_mu_);
  for (;;) {
    while (!deadlines_.empty() && deadlines_.front()->answered.load(std::memory_order_acquire)) {
      deadlines_.pop_front();
    }
    if (deadlines_.empty()) {
      if (watch_stopping_) return;
      watch_wake_.wait(lock, [&] { return watch_stopping_ || !deadlines_.empty(); });
      continue;
    }
    const auto now = std::chrono::steady_clock::now();
    if (deadlines_.front()->deadline <= now) {
      std::shared_ptr<Waiter> due = std::move(deadlines_.front());
      deadlines_.pop_front();
      lock.unlock();
      if (due->Claim()) {
        {
          std::lock_guard stats_lock(mu_);
          ++stats_.timed_out;
        }
        due->Call(Overloaded("no answer from the store within " +
                             std::to_string(options_.answer_timeout.count()) +
                             " ms; retry with the same idempotency key"));
      }
      lock.lock();
      continue;
    }
    // Wakes at the first deadline, or sooner to forget those answered in time.
    watch_wake_.wait_until(lock, std::min(deadlines_.front()->deadline, now + kWatchSweep));
  }
}

Result<SpendResult> SpendBatcher::Apply(MoneyRequest request, AnswerAt at) {
  std::promise<Result<SpendResult>> promise;
  std::future<Result<SpendResult>> result = promise.get_future();
  Submit(
      std::move(request), [&promise](Result<SpendResult> r) { promise.set_value(std::move(r)); },
      at);
  return result.get();
}

BatcherStats SpendBatcher::Stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void SpendBatcher::Deliver(Committed& committed, AnswerAt which) {
  auto due = [which](const Pending& p) {
    return p.waiter != nullptr && (which == AnswerAt::kDurable || p.at == AnswerAt::kCommit);
  };
  const auto count =
      static_cast<std::size_t>(std::count_if(committed.batch.begin(), committed.batch.end(), due));
  if (count == 0) return;
  {
    // Before any answer: a caller that hears its answer sees it accounted.
    std::lock_guard lock(mu_);
    in_flight_ -= count;
    MarkProgress();
  }
  std::uint64_t late = 0;
  for (std::size_t i = 0; i < committed.batch.size(); ++i) {
    Pending& p = committed.batch[i];
    if (!due(p)) continue;
    if (!p.waiter->Answer(std::move(committed.results[i]))) ++late;
    p.waiter.reset();
  }
  if (late > 0) {
    std::lock_guard lock(mu_);
    stats_.late += late;
  }
}

void SpendBatcher::CommitLoop() {
  std::vector<MoneyRequest> requests;
  for (;;) {
    Committed next;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) {  // stopping, and drained
        committer_done_ = true;
        break;
      }
      if (queue_.size() == 1 && options_.max_wait.count() > 0 && !stopping_) {
        wake_.wait_for(lock, options_.max_wait, [&] { return stopping_ || queue_.size() > 1; });
      }
      std::size_t bytes = 0;
      while (!queue_.empty() && next.batch.size() < options_.max_batch) {
        if (queue_.front().waiter->answered.load(std::memory_order_acquire)) {
          // Its caller heard "overloaded" already: applying it now would
          // commit a spend nobody waits for. A retry re-executes it.
          queue_.pop_front();
          --in_flight_;
          continue;
        }
        bytes += ApproxBytes(queue_.front().request);
        if (!next.batch.empty() && bytes > options_.max_batch_bytes) break;
        next.batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      if (next.batch.empty()) continue;  // every one of them had timed out
    }
    requests.clear();
    requests.reserve(next.batch.size());
    for (Pending& p : next.batch) requests.push_back(std::move(p.request));
    // Before the batch's first Begin (its replays read other commits).
    next.mark = engine_.DurabilityMark();
    next.results = engine_.ApplyBatch(requests, /*wait_durable=*/!pipelined_);
    if (pipelined_) Deliver(next, AnswerAt::kCommit);
    {
      std::lock_guard lock(mu_);
      ++stats_.batches;
      stats_.spends += next.batch.size();
      MarkProgress();
      if (pipelined_) committed_.push_back(std::move(next));
    }
    if (pipelined_) {
      sync_wake_.notify_one();
    } else {
      Deliver(next, AnswerAt::kDurable);
    }
  }
  sync_wake_.notify_one();
}

void SpendBatcher::SyncLoop() {
  std::deque<Committed> ready;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      sync_wake_.wait(lock, [&] { return committer_done_ || !committed_.empty(); });
      if (committed_.empty()) return;  // the committer finished, all delivered
      ready.swap(committed_);
      ++stats_.syncs;
    }
    // One sync covers every batch committed so far, these included: every
    // commit after the oldest one's mark. (If one of those commits is in
    // doubt, every batch here answers kUnavailable; the clients' retries
    // replay or re-execute.)
    const Status durable = engine_.MakeDurable(ready.front().mark);
    {
      std::lock_guard lock(mu_);
      MarkProgress();
    }
    for (Committed& c : ready) {
      if (!durable.ok()) {
        for (auto& r : c.results) r = durable;
      }
      Deliver(c, AnswerAt::kDurable);
    }
    ready.clear();
  }
}

}  // namespace stub
