#include "server/router_stub_api.h"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include "server/pending_answer.h"

namespace stub {
namespace {

// Where a deferred answer lands; shared with the batcher's callback, which
// may run after the waiter gave up.
struct DeferredSlot {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<ApiResponse> answer;
};

}  // namespace

Result<mcp::ApiAnswer> RouterStubApi::Call(const mcp::ApiCall& call) {
  ApiRequest request;
  request.method = call.method;
  request.path = call.path;
  for (const auto& [name, value] : call.query) request.query[name] = value;
  request.headers["authorization"] = authorization_;
  if (!call.body.empty()) request.headers["content-type"] = "application/json";
  request.body = call.body;
  request.request_id = request_id_ + "." + std::to_string(++calls_);
  ApiResponse response = router_.Handle(request);
  if (response.pending) {
    auto slot = std::make_shared<DeferredSlot>();
    response.pending->OnReady([slot](ApiResponse answer) {
      std::lock_guard lock(slot->mu);
      slot->answer = std::move(answer);
      slot->cv.notify_all();
    });
    std::unique_lock lock(slot->mu);
    if (!slot->cv.wait_for(lock, wait_, [&] { return slot->answer.has_value(); })) {
      return Unavailable("Stub did not answer in time; retry with the same idempotency_key");
    }
    response = std::move(*slot->answer);
  }
  if (response.stream) return Internal("a streaming route cannot answer an MCP tool");
  return mcp::ApiAnswer{response.status, std::move(response.body)};
}

}  // namespace stub
