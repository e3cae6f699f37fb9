// The LLM metering gateway (issue 21): /llm/{provider}/v1/… speaks the
// provider's own API (OpenAI: chat/completions, embeddings, responses;
// Anthropic: messages), so an agent built on the official SDKs spends
// through Stub by changing its base URL and key.
//
// Every call is a hold, then a capture:
//   1. the caller is an agent key (Authorization: Bearer, or Anthropic's
//      x-api-key), or an admin key naming the agent in `Stub-Agent`;
//   2. the most the call can cost (core/llm_call.h's prompt bound × input
//      price + max tokens × output price) is held through every limit and
//      policy, vendor = the provider's host, category = its default_category;
//      a denial is answered 402 in the provider's error shape with Stub's
//      reason, and nothing is sent upstream;
//   3. the call goes to the provider with the provider's key; an upstream
//      error (or no answer) voids the hold;
//   4. the usage the provider reports is priced exactly and captured, the
//      rest voided. A stream passes through as it arrives (the next piece is
//      read only once the last one was written: backpressure) and is
//      captured when it ends; a client that went away is captured from the
//      final usage if it was seen, else for the whole hold
//      (usage_known: false). Holds and captures join the SpendBatcher's
//      group commits. A hold whose capture never comes (the server stopped
//      mid-call, the store refused the capture) is captured in full at its
//      expiry (Hold::capture_on_expiry), never released.
// Receipt: provider, model, endpoint, input/cached/output tokens, the
// upstream request id, the unit prices, stream, usage_known and flags.
// Headers Stub-Session, Stub-User, Stub-Intent attribute the spend;
// Idempotency-Key makes a retry of a completed call answer 409
// idempotent_replay (never a second charge), of a call in flight 409
// idempotency_key_in_flight, and of a failed (voided) call go through anew.
// Answers carry Stub-Hold-Id, and when not streamed Stub-Spend-Id and
// Stub-Amount. The provider's key never leaves the upstream request.
//
// Thread-safe. Handle blocks on the store and the provider: call it on a
// worker; a stream's pieces are read on workers too.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/status.h"
#include "engine/batcher.h"
#include "engine/clock.h"
#include "engine/engine.h"
#include "engine/provider_service.h"
#include "server/api_types.h"
#include "server/auth.h"
#include "server/router.h"
#include "server/upstream_client.h"

namespace stub {

// How long a gateway hold lives: longer than any call may take (the
// upstream time-outs), so a call's capture never finds its hold expired. A
// hold still pending then (the server stopped mid-call, or the capture could
// not be booked) is captured in full (Hold::capture_on_expiry).
inline constexpr Timestamp kLlmHoldTtl = 30 * 60 * kMicrosPerSecond;
// The largest request body the gateway takes (prompts with documents or
// images; the server's other routes keep their 1 MiB).
inline constexpr std::size_t kMaxLlmBodyBytes = 32 << 20;
inline constexpr std::string_view kLlmPathPrefix = "/llm/";
// The most of a non-streamed answer the gateway reads.
inline constexpr std::size_t kMaxLlmAnswerBytes = 64 << 20;

class LlmGateway {
 public:
  // Every reference must outlive the gateway. Holds and captures go through
  // `batcher` (group commit with every other spend); voids, rare, straight
  // to `engine`.
  LlmGateway(Engine& engine, SpendBatcher& batcher, ProviderService& providers,
             const Authenticator& auth, UpstreamTimeouts timeouts = {});
  ~LlmGateway();

  // Registers the gateway's routes (POST only).
  void AddRoutes(Router& router);

  // One call; `path` is what follows the version root ("/chat/completions").
  ApiResponse Handle(const ApiRequest& request, std::string_view provider, std::string_view path);

 private:
  struct Call;
  // Who calls: the org, and the agent the call is for.
  struct Caller {
    std::string org;
    std::string agent;
    std::optional<KeyCheck> key_check;
  };
  // Each step of Handle; errors are answered in the provider's shape.
  Result<Caller> Identify(const ApiRequest& request) const;
  // The provider, endpoint, shape and price of the call.
  Result<std::shared_ptr<Call>> Prepare(const ApiRequest& request, const nlohmann::json& body,
                                        const std::string& org, std::string_view provider_name,
                                        std::string_view path);
  // The hold of the most the call may cost.
  Result<HoldRequest> HoldRequestFor(const ApiRequest& request, const Call& call,
                                     const Caller& caller) const;
  // The caller's Idempotency-Key, or a fresh one.
  static Result<std::string> IdempotencyKeyOf(const ApiRequest& request);
  // Holds, attempt after attempt of the key: the hold's outcome, or the
  // answer to give instead (a denial, a replay, a call in flight).
  std::variant<Outcome, ApiResponse> Reserve(HoldRequest hold, const std::string& key,
                                             const Call& call);
  ApiResponse Forward(std::shared_ptr<Call> call, std::string upstream_body);
  ApiResponse Finish(std::shared_ptr<Call> call);
  ApiResponse Stream(std::shared_ptr<Call> call);

  Engine& engine_;
  SpendBatcher& batcher_;
  ProviderService& providers_;
  const Authenticator& auth_;
  UpstreamTimeouts timeouts_;
  UpstreamPool pool_;
};

}  // namespace stub
