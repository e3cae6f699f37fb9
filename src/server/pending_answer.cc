#include "server/pending_answer.h"

#include <utility>

namespace stub {

void PendingAnswer::Resolve(ApiResponse response) {
  Callback callback;
  for (;;) {
    std::vector<Tap> taps;
    {
      std::lock_guard lock(mu_);
      if (taps_.empty()) {
        // Every tap has seen it: the answer has arrived.
        if (!callback_) {
          answer_ = std::move(response);
          return;
        }
        callback = std::move(callback_);
        break;
      }
      taps.swap(taps_);
    }
    // Outside the lock: a tap registered meanwhile (another thread) is
    // queued, and run by the next round.
    for (const Tap& tap : taps) tap(response);
  }
  callback(std::move(response));
}

void PendingAnswer::AddTap(Tap tap) {
  {
    std::lock_guard lock(mu_);
    if (!answer_) {
      taps_.push_back(std::move(tap));
      return;
    }
  }
  // Arrived, and not yet taken: only OnReady takes it, which comes after.
  tap(*answer_);
}

void PendingAnswer::OnReady(Callback callback) {
  std::optional<ApiResponse> ready;
  {
    std::lock_guard lock(mu_);
    if (!answer_) {
      callback_ = std::move(callback);
      return;
    }
    ready = std::move(answer_);
  }
  callback(std::move(*ready));
}

}  // namespace stub
