#include "store/group_sync.h"

#include <algorithm>
#include <iterator>
#include <string>

namespace stub {

std::uint64_t GroupSync::Ticket() {
  std::lock_guard lock(mu_);
  return ++tickets_;
}

void GroupSync::NoteCommit(std::uint64_t ticket) {
  std::lock_guard lock(mu_);
  unsynced_.push_back(ticket);
}

std::uint64_t GroupSync::Mark() const {
  std::lock_guard lock(mu_);
  return tickets_;
}

bool GroupSync::InDoubtAfter(std::uint64_t mark) const {
  return doubt_floor_ > mark || in_doubt_.upper_bound(mark) != in_doubt_.end();
}

bool GroupSync::UnsyncedAfter(std::uint64_t mark) const {
  return std::any_of(unsynced_.begin(), unsynced_.end(),
                     [mark](std::uint64_t t) { return t > mark; });
}

void GroupSync::AddInDoubt(std::uint64_t ticket) {
  if (ticket <= doubt_floor_) return;
  in_doubt_.insert(ticket);
  if (in_doubt_.size() <= kMaxInDoubt) return;
  // Fold the older half into the floor.
  auto cut = std::next(in_doubt_.begin(), static_cast<std::ptrdiff_t>(kMaxInDoubt / 2));
  doubt_floor_ = *std::prev(cut);
  in_doubt_.erase(in_doubt_.begin(), cut);
}

Status GroupSync::Wait(std::uint64_t mark, const std::function<Result<std::uint64_t>()>& sync) {
  std::unique_lock lock(mu_);
  // Rounds with this index or later begin after this call, so each covers
  // every commit noted before it.
  const std::uint64_t first_round = rounds_started_;
  for (;;) {
    if (!failed_.ok()) return failed_;
    if (InDoubtAfter(mark)) {
      return Status(StatusCode::kUnavailable,
                    "durability in doubt: the database may have lost a commit (its server "
                    "restarted before the commit could be proven flushed); retry",
                    "durability_in_doubt");
    }
    if (ok_rounds_ > first_round || !UnsyncedAfter(mark)) return Status::Ok();
    if (syncing_) {
      // The running round may have begun before this call: wait for it, then
      // look again. A failed round that began after this call fails it.
      const std::uint64_t finished = rounds_finished_;
      done_.wait(lock, [&] { return rounds_finished_ != finished; });
      if (rounds_finished_ - 1 >= first_round && !last_error_.ok()) return last_error_;
      continue;
    }
    syncing_ = true;
    const std::uint64_t index = rounds_started_++;
    const std::size_t covered = unsynced_.size();
    lock.unlock();
    Result<std::uint64_t> birth = sync();
    lock.lock();
    syncing_ = false;
    ++rounds_finished_;
    if (birth.ok()) {
      // Durable: the commits executed after the sync's connection opened.
      // In doubt: the others (their server may have crashed before).
      const auto end = unsynced_.begin() + static_cast<std::ptrdiff_t>(covered);
      for (auto it = unsynced_.begin(); it != end; ++it) {
        if (*it <= *birth) AddInDoubt(*it);
      }
      unsynced_.erase(unsynced_.begin(), end);
      ok_rounds_ = index + 1;
      last_error_ = Status::Ok();
    } else {
      last_error_ = birth.status();
      if (last_error_.code() == StatusCode::kInternal) failed_ = last_error_;
    }
    done_.notify_all();
    if (!birth.ok()) return last_error_;
  }
}

}  // namespace stub
