#include "engine/batcher.h"

#include <utility>
#include <vector>

namespace stub {

namespace {

BatcherOptions Normalized(BatcherOptions options) {
  if (options.max_batch == 0) options.max_batch = 1;
  return options;
}

}  // namespace

SpendBatcher::SpendBatcher(Engine& engine, BatcherOptions options)
    : engine_(engine), options_(Normalized(options)) {
  committer_ = std::thread([this] { CommitLoop(); });
}

SpendBatcher::~SpendBatcher() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  committer_.join();
}

Result<SpendResult> SpendBatcher::Spend(SpendRequest request) {
  std::future<Result<SpendResult>> result;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return Unavailable("the spend batcher is shutting down");
    queue_.push_back(Pending{std::move(request), {}});
    result = queue_.back().done.get_future();
  }
  wake_.notify_one();
  return result.get();
}

BatcherStats SpendBatcher::Stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void SpendBatcher::CommitLoop() {
  std::vector<Pending> batch;
  std::vector<SpendRequest> requests;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and drained
      if (queue_.size() == 1 && options_.max_wait.count() > 0 && !stopping_) {
        wake_.wait_for(lock, options_.max_wait, [&] { return stopping_ || queue_.size() > 1; });
      }
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    requests.clear();
    for (Pending& p : batch) requests.push_back(std::move(p.request));
    std::vector<Result<SpendResult>> results = engine_.SpendBatch(requests);
    {
      std::lock_guard lock(mu_);
      ++stats_.batches;
      stats_.spends += batch.size();
    }
    for (std::size_t i = 0; i < batch.size(); ++i) batch[i].done.set_value(std::move(results[i]));
    batch.clear();
  }
}

}  // namespace stub
