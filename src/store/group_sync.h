// GroupSync: the bookkeeping behind Store::DurabilityMark / MakeDurable for
// stores that pipeline durability (a commit returns before it is on stable
// storage; a later sync makes it durable).
//
// Tickets. Every write transaction takes a ticket (Ticket()) just before it
// sends its commit, and reports it with NoteCommit(ticket) once the commit
// returned OK. Tickets are increasing; Mark() is the last one handed out.
// Taking the ticket *before* the commit matters: a commit whose ticket is
// greater than a connection's birth (below) was executed by the server after
// that connection was established.
//
// Incarnations. A database server that crashes loses the commits it had not
// yet flushed, and the crash ends every connection to it. So a successful
// sync proves durable only the commits the server executed while the sync's
// connection was already open: a sync connection carries its birth — Mark()
// read right after it was established — and a successful sync on a
// connection born at b (which flushes every commit executed before the sync
// began) makes durable every noted commit with a ticket > b noted before the
// sync began. A noted commit with a ticket <= b that no earlier sync proved
// is *in doubt*: it may have been executed by a server incarnation that
// crashed before the connection opened. It stays in doubt for good (it is
// not acknowledged; the client's retry with its idempotency key replays it
// or executes it again, both correct). A store without incarnations (one
// file, synced by fdatasync) reports birth 0 for every sync.
//
// Wait(mark, sync) returns OK once every commit noted after `mark` (ticket >
// mark) before the call is durable, and kUnavailable as soon as one of them
// is in doubt. At most one sync runs at a time and each covers every commit
// noted when it began, so concurrent waiters share one sync (group commit of
// durability).
//
// A sync that fails with kInternal (a failed fsync) poisons the GroupSync:
// that Wait and every later one return the failure, because after a failed
// fsync the OS may have dropped the unsynced pages and a later "successful"
// fsync would prove nothing. Any other failure (e.g. kUnavailable: the
// database connection dropped) is returned to the waiters whose commits that
// round covered; the commits stay unsynced and the next sync decides them
// (durable if its connection is older than them, in doubt otherwise).
//
// Memory: the tickets noted since the last successful sync (a store whose
// callers never call Wait keeps them all: pipelined stores are meant to be
// used with Wait). At most kMaxInDoubt in-doubt tickets are remembered one by one;
// beyond that the oldest are folded into a floor below which every ticket
// counts as in doubt (only waiters with a mark that old can see it, and
// they then get kUnavailable: safe).
//
// Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <vector>

#include "core/status.h"

namespace stub {

class GroupSync {
 public:
  static constexpr std::size_t kMaxInDoubt = 1u << 16;

  // The ticket of a write transaction about to send its commit (> every
  // ticket before it).
  std::uint64_t Ticket();
  // The commit of `ticket` returned OK. (A commit that failed is not noted;
  // its ticket is simply never used.)
  void NoteCommit(std::uint64_t ticket);
  // The last ticket handed out: a durability mark (Store::DurabilityMark),
  // and a sync connection's birth when read right after it connected.
  std::uint64_t Mark() const;

  // Returns OK once every commit noted with a ticket > `mark` before this
  // call is durable; kUnavailable (reason "durability_in_doubt") if one of
  // them is in doubt. Runs `sync` when needed, on one of the waiting threads,
  // never two at once: `sync` makes every commit executed before it began
  // durable and returns the birth of the connection it did that on (see
  // above), or an error.
  Status Wait(std::uint64_t mark, const std::function<Result<std::uint64_t>()>& sync);

 private:
  bool InDoubtAfter(std::uint64_t mark) const;   // mu_ held
  bool UnsyncedAfter(std::uint64_t mark) const;  // mu_ held
  void AddInDoubt(std::uint64_t ticket);         // mu_ held

  mutable std::mutex mu_;
  std::condition_variable done_;
  std::uint64_t tickets_ = 0;            // the last ticket handed out
  std::vector<std::uint64_t> unsynced_;  // noted, not yet decided; in noting order
  std::set<std::uint64_t> in_doubt_;     // noted, never to be proven durable
  std::uint64_t doubt_floor_ = 0;        // tickets <= this count as in doubt
  bool syncing_ = false;
  std::uint64_t rounds_started_ = 0;
  std::uint64_t rounds_finished_ = 0;
  std::uint64_t ok_rounds_ = 0;  // 1 + the start index of the last successful round; 0: none
  Status last_error_;            // the last finished round's result
  Status failed_;                // non-OK once a sync failed with kInternal
};

}  // namespace stub
