#include "store/write_behind.h"

#include <utility>

#include "store/thread_name.h"

namespace stub {
namespace {

// Tasks queued before a sleeping worker is woken.
constexpr std::size_t kWakeAt = 32;

}  // namespace

WriteBehind::WriteBehind()
    : thread_([this] {
        NameThisThread("stub-write");
        Loop();
      }) {}

WriteBehind::~WriteBehind() {
  {
    std::lock_guard lock(mu_);
    queue_.clear();
    stop_ = true;
  }
  work_.notify_one();
  thread_.join();
}

void WriteBehind::Push(Task task) {
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(task));
    // A sleeping worker is woken once kWakeAt tasks wait (or by Wait), so it
    // takes them in runs instead of waking for each; a busy one looks at the
    // queue again before it sleeps.
    wake = !busy_ && queue_.size() == kWakeAt;
  }
  if (wake) work_.notify_one();
}

Status WriteBehind::Wait() {
  std::unique_lock lock(mu_);
  if (!queue_.empty() && !busy_) work_.notify_one();
  idle_.wait(lock, [&] { return queue_.empty() && !busy_; });
  return std::exchange(failure_, Status::Ok());
}

void WriteBehind::Reset() {
  std::unique_lock lock(mu_);
  queue_.clear();
  idle_.wait(lock, [&] { return !busy_; });
  failure_ = Status::Ok();
}

void WriteBehind::Loop() {
  std::vector<Task> batch;
  std::unique_lock lock(mu_);
  for (;;) {
    work_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    batch.swap(queue_);
    busy_ = true;
    bool failed = !failure_.ok();
    lock.unlock();
    Status first;
    for (Task& task : batch) {
      if (failed) break;
      if (Status s = task(); !s.ok()) {
        first = std::move(s);
        failed = true;
      }
    }
    batch.clear();
    lock.lock();
    if (!first.ok() && failure_.ok()) failure_ = std::move(first);
    busy_ = false;
    if (queue_.empty()) idle_.notify_all();
  }
}

}  // namespace stub
