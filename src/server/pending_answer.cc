#include "server/pending_answer.h"

#include <utility>

namespace stub {

void PendingAnswer::Resolve(ApiResponse response) {
  Callback callback;
  {
    std::lock_guard lock(mu_);
    if (!callback_) {
      response_ = std::move(response);
      return;
    }
    callback = std::move(callback_);
  }
  callback(std::move(response));
}

void PendingAnswer::OnReady(Callback callback) {
  std::optional<ApiResponse> ready;
  {
    std::lock_guard lock(mu_);
    if (!response_) {
      callback_ = std::move(callback);
      return;
    }
    ready = std::move(response_);
  }
  callback(std::move(*ready));
}

}  // namespace stub
