// Asks the store whether it answers, waiting at most a deadline: what /readyz
// needs from a store that may stall (a hung database connection, a disk that
// does not return). The probe (Begin a read-only transaction and read one row)
// runs on a thread of its own; a caller waits for it up to its deadline and
// then answers "no" while the probe keeps waiting on the store. At most one
// probe is in flight: callers during a stall share it instead of piling
// threads onto a store that does not answer.
//
// Thread-safe. The destructor waits for the probe in flight, if any (the
// store must outlive the StoreProbe).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/status.h"
#include "store/store.h"

namespace stub {

class StoreProbe {
 public:
  explicit StoreProbe(Store& store) : store_(store) {}
  ~StoreProbe();

  StoreProbe(const StoreProbe&) = delete;
  StoreProbe& operator=(const StoreProbe&) = delete;

  // OK when a probe started by (or joined by) this call finished OK within
  // `deadline`; the store's error, or kUnavailable when it did not answer in
  // time.
  Status Check(std::chrono::milliseconds deadline);

 private:
  Store& store_;
  std::mutex mu_;
  std::condition_variable done_;
  bool in_flight_ = false;
  std::uint64_t finished_ = 0;  // probes finished so far
  Status last_;                 // the last finished probe's result
  std::thread worker_;
};

}  // namespace stub
