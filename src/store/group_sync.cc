#include "store/group_sync.h"

#include <algorithm>

namespace stub {

void GroupSync::NoteCommit() {
  std::lock_guard lock(mu_);
  ++committed_;
}

Status GroupSync::Wait(const std::function<Status()>& sync) {
  std::unique_lock lock(mu_);
  const std::uint64_t target = committed_;
  for (;;) {
    if (!failed_.ok()) return failed_;
    if (synced_ >= target) return Status::Ok();
    if (syncing_) {
      // The running sync may have begun before our commits: wait for it,
      // then look again (a failed round fails its waiters).
      const std::uint64_t round = rounds_;
      done_.wait(lock, [&] { return rounds_ != round; });
      if (!last_error_.ok() && synced_ < target) return last_error_;
      continue;
    }
    syncing_ = true;
    const std::uint64_t covering = committed_;
    lock.unlock();
    Status status = sync();
    lock.lock();
    syncing_ = false;
    ++rounds_;
    last_error_ = status;
    if (status.ok()) {
      synced_ = std::max(synced_, covering);
    } else if (status.code() == StatusCode::kInternal) {
      failed_ = status;
    }
    done_.notify_all();
    if (!status.ok()) return status;
  }
}

}  // namespace stub
