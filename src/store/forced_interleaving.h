// ForcedInterleaving: makes concurrent transactions on a MemoryStore run their
// hook points in a scripted order, deterministically (in the spirit of
// RocksDB's SyncPoint). For tests.
//
// Contract:
//   - The script is a sequence of steps {actor, point}. An actor is a name a
//     thread takes with an ActorScope; one thread per actor name at a time.
//   - Install OnHook as the store's hook:
//       opts.hook = [&](HookPoint p, std::uint64_t id) { fi.OnHook(p, id); };
//   - OnHook(point) on a thread acting as actor A looks at A's first script
//     step not yet consumed. If that step has this point, the call blocks
//     until every earlier step of the script (of any actor) is consumed, then
//     consumes the step and returns. Otherwise (a different point, A has no
//     steps left, or the thread has no actor of this ForcedInterleaving) the
//     call passes through at once. So a script names only the points that
//     matter; unscripted hook calls in between run freely.
//   - Steps are consumed strictly in script order: when OnHook returns for
//     step i, steps 0..i are done and step i+1 may start. What a thread does
//     between two of its steps races with the other actors' steps until its
//     own next step; order those actions by scripting the points around them.
//     In particular MemoryStore fires kBegin *after* taking the snapshot, so
//     a scripted kBegin orders the begin hook, not the snapshot: a thread's
//     snapshot follows another transaction's commit only if the thread passed
//     a step scripted after that commit before it called Begin.
//   - A blocked call waits at most `timeout` (10 s by default). Then the
//     script cannot complete (a wrong script, or a thread that never reaches
//     its step) and the process aborts with a message naming the stuck step
//     and the step the script waits for: a loud failure instead of a hung
//     test.
//   - Done() is true once every step has been consumed; assert it at the end
//     of a test to prove the whole script ran.
//   - The optional observer runs once per consumed step, in script order,
//     under the internal lock (it must not block or call back in): a test can
//     log what happened at each step, e.g. the transaction id.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "store/memory/memory_store.h"

namespace stub {

class ForcedInterleaving {
 public:
  struct Step {
    std::string actor;
    HookPoint point = HookPoint::kBegin;
  };

  using Observer = std::function<void(std::size_t index, const Step& step, std::uint64_t txn_id)>;

  static constexpr std::chrono::milliseconds kDefaultTimeout{10'000};

  explicit ForcedInterleaving(std::vector<Step> script);
  ForcedInterleaving(std::vector<Step> script, std::chrono::milliseconds timeout,
                     Observer observer = nullptr);

  ForcedInterleaving(const ForcedInterleaving&) = delete;
  ForcedInterleaving& operator=(const ForcedInterleaving&) = delete;

  // Names the current thread as `actor` of `fi` for the scope's lifetime
  // (thread-local; scopes nest, the innermost wins).
  class ActorScope {
   public:
    ActorScope(ForcedInterleaving& fi, std::string actor);
    ~ActorScope();
    ActorScope(const ActorScope&) = delete;
    ActorScope& operator=(const ActorScope&) = delete;

   private:
    friend class ForcedInterleaving;
    ForcedInterleaving* fi_;
    std::string actor_;
    ActorScope* previous_;
  };

  void OnHook(HookPoint point, std::uint64_t txn_id);

  // True once every step has been consumed.
  bool Done() const;
  // The number of steps consumed so far.
  std::size_t consumed() const;

 private:
  const std::vector<Step> script_;
  const std::chrono::milliseconds timeout_;
  const Observer observer_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::size_t next_ = 0;  // steps [0, next_) are consumed
};

}  // namespace stub
