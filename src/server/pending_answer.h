// An answer that is not ready when its endpoint returns: a spend waits for
// its group-commit batch to be durable on the batcher's threads, and the
// worker that parsed it goes back to the pool instead of blocking.
//
// The layers a request passes through (metrics, the access log, the HTTP
// session) each want the answer when it arrives. They share this one object
// instead of wrapping it: the inner layers register observers (Tap), the
// outermost the callback that takes the answer (OnReady).
//
// Resolve is called exactly once, from any thread. When the answer arrives,
// every tap registered so far runs (in registration order, on the resolving
// thread), then the callback; a tap or callback registered after the answer
// arrived runs at once on the registering thread. Thread-safe.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include "server/api_types.h"

namespace stub {

class PendingAnswer {
 public:
  using Tap = std::function<void(const ApiResponse&)>;
  using Callback = std::function<void(ApiResponse)>;

  // Requires: called once.
  void Resolve(ApiResponse response);
  // `tap` sees the answer before the callback does. Requires: called before
  // OnReady.
  void AddTap(Tap tap);
  // `callback` receives the answer, after every tap. Requires: called once.
  void OnReady(Callback callback);

 private:
  std::mutex mu_;
  std::vector<Tap> taps_;              // not yet run
  std::optional<ApiResponse> answer_;  // arrived, taps run, not yet taken
  Callback callback_;
};

}  // namespace stub
