// A Store that wraps any other and injects faults at chosen points, in the
// spirit of LevelDB's fault-injection Env and RocksDB's FaultInjectionTestFS:
// for tests of everything above the Store (engine, batcher, HTTP server) under
// a store that fails, lies about a commit, or stalls.
//
// Points: Begin; any read call of a transaction; any write call; Commit before
// it reaches the wrapped store (nothing applied); Commit after the wrapped
// store applied it ("commit applied but reported failed": the transaction is
// durable-visible while the caller hears an error — the case that makes a
// retry replay); MakeDurable (a failed sync).
//
// Faults are chosen per point: fail the n-th next call (counting from when the
// fault is set), fail each call with a probability (from one seeded
// generator, so a seed reproduces a run's decisions for a given call order),
// and stall each call until a deadline passes or ReleaseStalls() is called.
// An injected failure returns the Status the test chose (kUnavailable and
// kConflict are retryable; kInternal is how a failed fsync looks).
//
// CommitIsDurable can be forced false so that a batcher pipelines durability
// (MakeDurable is then called, and can fail) over a store such as the memory
// store whose commits are durable as they return.
//
// Thread-safe, like the store it wraps. A wrapped store passed by reference
// must outlive it.
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string_view>

#include "store/store.h"

namespace stub {

enum class FaultPoint {
  kBegin = 0,
  kRead,
  kWrite,
  kCommitBefore,  // fails before the wrapped store sees the commit
  kCommitAfter,   // the wrapped store committed; the caller hears an error
  kMakeDurable,
};
inline constexpr std::size_t kFaultPointCount = 6;

std::string_view FaultPointName(FaultPoint point);

class FaultInjectionStore final : public Store {
 public:
  // `seed` drives every probabilistic fault.
  FaultInjectionStore(Store& base, std::uint64_t seed);
  // Owns the wrapped store.
  FaultInjectionStore(std::unique_ptr<Store> base, std::uint64_t seed);
  ~FaultInjectionStore() override;

  // Fails the `nth` next call at `point` (1 = the very next) with `status`
  // (not OK). Replaces an earlier count-fault at that point.
  void FailNth(FaultPoint point, std::uint64_t nth, Status status);
  // Fails each later call at `point` with probability `p` in [0, 1].
  void FailWithProbability(FaultPoint point, double p, Status status);
  // Each later call at `point` waits `duration` (or until ReleaseStalls)
  // before it proceeds.
  void Stall(FaultPoint point, std::chrono::milliseconds duration);
  // Ends every stall, including calls stalled right now.
  void ReleaseStalls();
  // Removes every fault and stall (stalled calls proceed).
  void ClearFaults();
  // Reports CommitIsDurable() false (default: the wrapped store's answer).
  void SetPipelinedDurability(bool pipelined);

  // Calls seen at `point` and faults injected in all (failures, not stalls).
  std::uint64_t Calls(FaultPoint point) const;
  std::uint64_t Injected() const;

  // Passes `point`: stalls if asked, then returns the injected failure, if
  // any (OK otherwise). Used by the wrapped transactions.
  Status Pass(FaultPoint point);

  Result<std::unique_ptr<Transaction>> Begin(const TxnOptions& options = {}) override;
  std::string_view Kind() const override { return base_.Kind(); }
  bool CommitIsDurable() const override;
  std::uint64_t DurabilityMark() const override;
  Status MakeDurable(std::uint64_t mark) override;

 private:
  struct Faults {
    std::uint64_t calls = 0;
    std::uint64_t fail_at = 0;  // call number to fail; 0: none
    Status fail_at_status;
    double probability = 0;
    Status probability_status;
    std::chrono::milliseconds stall{0};
  };

  std::unique_ptr<Store> owned_;
  Store& base_;
  mutable std::mutex mu_;
  std::condition_variable stall_wake_;
  std::uint64_t stall_epoch_ = 0;  // bumped by ReleaseStalls / ClearFaults
  std::array<Faults, kFaultPointCount> faults_;
  std::mt19937_64 rng_;
  std::uint64_t injected_ = 0;
  std::optional<bool> pipelined_;
};

}  // namespace stub
