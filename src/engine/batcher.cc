#include "engine/batcher.h"

#include <future>
#include <utility>

#include "store/thread_name.h"

namespace stub {

namespace {

BatcherOptions Normalized(BatcherOptions options) {
  if (options.max_batch == 0) options.max_batch = 1;
  if (options.max_queue == 0) options.max_queue = 1;
  return options;
}

// The request text a spend brings into its transaction (entry, idempotency
// record, maybe a denial), for the batch byte bound.
std::size_t ApproxBytes(const SpendRequest& r) {
  return 512 + r.receipt.size() +
         2 * (r.intent.size() + r.vendor.size() + r.session.size() + r.user.size() +
              r.idempotency_key.size());
}

}  // namespace

SpendBatcher::SpendBatcher(Engine& engine, BatcherOptions options)
    : engine_(engine), options_(Normalized(options)), pipelined_(!engine.CommitIsDurable()) {
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
}

SpendBatcher::~SpendBatcher() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  committer_.join();
  if (syncer_.joinable()) syncer_.join();
}

void SpendBatcher::Submit(SpendRequest request, Callback done) {
  Status refused;
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      refused = Unavailable("the spend batcher is shutting down");
    } else if (queue_.size() >= options_.max_queue) {
      refused = Status(StatusCode::kResourceExhausted,
                       "too many spends queued (" + std::to_string(queue_.size()) + ")");
    } else {
      queue_.push_back(Pending{std::move(request), std::move(done)});
    }
  }
  if (!refused.ok()) {
    done(std::move(refused));
    return;
  }
  wake_.notify_one();
}

Result<SpendResult> SpendBatcher::Spend(SpendRequest request) {
  std::promise<Result<SpendResult>> promise;
  std::future<Result<SpendResult>> result = promise.get_future();
  Submit(std::move(request),
         [&promise](Result<SpendResult> r) { promise.set_value(std::move(r)); });
  return result.get();
}

BatcherStats SpendBatcher::Stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void SpendBatcher::Deliver(Committed& committed) {
  for (std::size_t i = 0; i < committed.batch.size(); ++i) {
    committed.batch[i].done(std::move(committed.results[i]));
  }
}

void SpendBatcher::CommitLoop() {
  std::vector<SpendRequest> requests;
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
        bytes += ApproxBytes(queue_.front().request);
        if (!next.batch.empty() && bytes > options_.max_batch_bytes) break;
        next.batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    requests.clear();
    requests.reserve(next.batch.size());
    for (Pending& p : next.batch) requests.push_back(std::move(p.request));
    // Before the batch's first Begin (its replays read other commits).
    next.mark = engine_.DurabilityMark();
    next.results = engine_.SpendBatch(requests, /*wait_durable=*/!pipelined_);
    {
      std::lock_guard lock(mu_);
      ++stats_.batches;
      stats_.spends += next.batch.size();
      if (pipelined_) committed_.push_back(std::move(next));
    }
    if (pipelined_) {
      sync_wake_.notify_one();
    } else {
      Deliver(next);
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
    for (Committed& c : ready) {
      if (!durable.ok()) {
        for (auto& r : c.results) r = durable;
      }
      Deliver(c);
    }
    ready.clear();
  }
}

}  // namespace stub
