#include "server/store_probe.h"

#include <string>
#include <utility>

namespace stub {

StoreProbe::~StoreProbe() {
  if (worker_.joinable()) worker_.join();
}

Status StoreProbe::Check(std::chrono::milliseconds deadline) {
  std::unique_lock lock(mu_);
  if (!in_flight_) {
    if (worker_.joinable()) worker_.join();  // finished: joins at once
    in_flight_ = true;
    worker_ = std::thread([this] {
      auto txn = store_.Begin({.read_only = true});
      Status status = txn.status();
      if (status.ok()) status = (*txn)->GetOrg("").status();
      if (txn.ok()) (*txn).reset();  // the transaction ends before the answer
      std::lock_guard done_lock(mu_);
      last_ = std::move(status);
      ++finished_;
      in_flight_ = false;
      done_.notify_all();
    });
  }
  // The probe in flight now is the one this call waits for (a caller during
  // a stall joins the stalled probe rather than starting another).
  const std::uint64_t target = finished_ + 1;
  if (!done_.wait_for(lock, deadline, [&] { return finished_ >= target; })) {
    return Unavailable("the store did not answer within " + std::to_string(deadline.count()) +
                       " ms");
  }
  return last_;
}

}  // namespace stub
