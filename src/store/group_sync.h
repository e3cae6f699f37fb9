// GroupSync: the bookkeeping behind Store::MakeDurable for stores that
// pipeline durability. Commits are counted as they return; Wait returns once
// a sync that began after every commit counted before the call has
// succeeded. At most one sync runs at a time and each covers every commit
// counted when it began, so concurrent waiters share one fsync (group
// commit of durability).
//
// A sync that fails with kInternal (a failed fsync) poisons the GroupSync:
// that Wait and every later one return the failure, because after a failed
// fsync the OS may have dropped the unsynced pages and a later "successful"
// fsync would prove nothing. Any other failure (e.g. kUnavailable: the
// database connection dropped) is returned to the waiters of that round
// only; the next Wait syncs again.
//
// Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>

#include "core/status.h"

namespace stub {

class GroupSync {
 public:
  // Call after a write transaction's commit returned OK.
  void NoteCommit();

  // Returns OK once `sync` (which makes every commit so far durable, e.g. an
  // fdatasync of the log) has succeeded in a call that began after every
  // NoteCommit that returned before this call. `sync` runs on one of the
  // waiting threads, never two at once.
  Status Wait(const std::function<Status()>& sync);

 private:
  std::mutex mu_;
  std::condition_variable done_;
  std::uint64_t committed_ = 0;  // commits noted
  std::uint64_t synced_ = 0;     // commits known durable
  bool syncing_ = false;
  std::uint64_t rounds_ = 0;  // syncs finished
  Status last_error_;         // the last finished sync's result
  Status failed_;             // non-OK once a sync failed with kInternal
};

}  // namespace stub
