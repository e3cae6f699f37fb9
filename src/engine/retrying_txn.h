// One short engine transaction with retries: what KeyService and
// SessionService run their reads and writes in.
//
// RunRetryingTxn runs `body(Transaction&) -> Result<T>` in a transaction of
// `store` and commits it, retrying (after a jittered backoff) while Begin,
// the body or Commit fail with a retryable status (kConflict, kUnavailable),
// at most kRetryingTxnAttempts times. A write is reported only once durable
// (Store::MakeDurable; when in doubt the caller hears kUnavailable and is
// not retried here). Thread-safe as the store is.
#pragma once

#include <cstdint>
#include <thread>
#include <utility>

#include "core/status.h"
#include "engine/backoff.h"
#include "store/store.h"

namespace stub {

inline constexpr int kRetryingTxnAttempts = 12;

template <typename T, typename Body>
Result<T> RunRetryingTxn(Store& store, bool read_only, Body&& body) {
  Status last;
  for (int attempt = 0; attempt < kRetryingTxnAttempts; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(BackoffDelay(BackoffPolicy{}, attempt - 1));
    const std::uint64_t mark = store.DurabilityMark();
    auto txn = store.Begin({.read_only = read_only});
    if (!txn.ok()) {
      last = txn.status();
      if (last.retryable()) continue;
      return last;
    }
    Result<T> result = body(**txn);
    Status status = result.status();
    if (status.ok()) status = (*txn)->Commit();
    if (status.ok()) {
      if (!read_only && !store.CommitIsDurable()) STUB_RETURN_IF_ERROR(store.MakeDurable(mark));
      return result;
    }
    (*txn)->Rollback();
    if (!status.retryable()) return status;
    last = std::move(status);
  }
  return last;
}

}  // namespace stub
