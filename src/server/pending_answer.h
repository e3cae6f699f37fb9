// An answer that is not ready when its endpoint returns: a spend waits for
// its group-commit batch to be durable on the batcher's threads, and the
// worker that parsed it goes back to the pool instead of blocking.
//
// Resolve is called exactly once, from any thread; OnReady registers the one
// callback that receives the answer — at once (on the caller's thread) when
// it has already arrived, otherwise on the thread that resolves it.
// Thread-safe.
#pragma once

#include <functional>
#include <mutex>
#include <optional>

#include "server/api_types.h"

namespace stub {

class PendingAnswer {
 public:
  using Callback = std::function<void(ApiResponse)>;

  void Resolve(ApiResponse response);
  // Requires: called once.
  void OnReady(Callback callback);

 private:
  std::mutex mu_;
  std::optional<ApiResponse> response_;
  Callback callback_;
};

}  // namespace stub
