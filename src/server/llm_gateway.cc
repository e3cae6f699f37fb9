#include "server/llm_gateway.h"

#include <spdlog/spdlog.h>

#include <array>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/canonical_json.h"
#include "core/idempotency.h"
#include "core/json_input.h"
#include "core/llm_call.h"
#include "core/text_limits.h"
#include "engine/hold_reservation.h"
#include "engine/ids.h"
#include "server/api_error.h"

namespace stub {
namespace {

using Json = nlohmann::json;
using Headers = std::vector<std::pair<std::string, std::string>>;

// A retry of a call whose earlier attempts failed (voided) goes through as
// attempt n of the same key; this many attempts, then 409.
constexpr int kMaxLlmAttempts = 16;
// Room left in an idempotency key for the gateway's prefix and attempt.
constexpr std::size_t kMaxLlmIdempotencyKey = 240;
// The longest a stream may run: well inside its hold's life (kLlmHoldTtl).
constexpr std::chrono::minutes kMaxLlmStream{25};
static_assert(kLlmHoldTtl > 25 * 60 * kMicrosPerSecond);
// How long a stream's reader waits for the provider before the server
// checks that the client is still there.
constexpr std::chrono::milliseconds kStreamWait{250};
// An error answer of the provider is passed on up to this size.
constexpr std::size_t kMaxUpstreamErrorBytes = 1 << 20;
// Request bodies: a prompt may hold long strings (documents, base64 images).
constexpr JsonLimits kLlmBodyLimits{.max_bytes = kMaxLlmBodyBytes,
                                    .max_depth = 64,
                                    .max_string_bytes = kMaxLlmBodyBytes,
                                    .allow_nul = false};

const std::array<std::string_view, 4> kPaths = {"/chat/completions", "/embeddings", "/responses",
                                                "/messages"};

std::string_view OpenAiErrorType(int status) {
  switch (status) {
    case 400:
    case 413:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 402:
      return "stub_denied";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 409:
      return "conflict_error";
    case 429:
      return "rate_limit_error";
    default:
      return "api_error";
  }
}

// An error in the shape the provider's SDK reads: OpenAI's
// {"error":{"message","type","code","param"}}, Anthropic's
// {"type":"error","error":{"type","message"}} (type = Stub's code).
ApiResponse LlmError(bool anthropic, int status, std::string_view code, std::string_view message) {
  Json body;
  if (anthropic) {
    body = {{"type", "error"}, {"error", {{"type", code}, {"message", message}}}};
  } else {
    body = {{"error",
             {{"message", message},
              {"type", OpenAiErrorType(status)},
              {"code", code},
              {"param", nullptr}}}};
  }
  ApiResponse r;
  r.status = status;
  r.body = body.dump();
  r.headers.emplace_back("Stub-Reason", std::string(code));
  if (status == 503) r.headers.emplace_back("Retry-After", "1");
  return r;
}

ApiResponse LlmError(bool anthropic, const Status& s) {
  const HttpError e = HttpErrorFor(s);
  return LlmError(anthropic, e.status, e.code, s.message());
}

// The provider's answer headers worth passing on (never its cookies or
// framing).
bool PassedOn(std::string_view name) {
  return name == "x-request-id" || name == "request-id" || name == "retry-after" ||
         name == "openai-processing-ms" || name == "openai-version" ||
         name.starts_with("x-ratelimit-") || name.starts_with("anthropic-ratelimit-");
}

// The provider's content type (else `fallback`) and the headers worth
// passing on, onto `r`.
void PassHeaders(const UpstreamCall& up, ApiResponse& r, std::string_view fallback) {
  r.content_type = std::string(up.Header("content-type"));
  if (r.content_type.empty()) r.content_type = std::string(fallback);
  for (const auto& [name, value] : up.headers()) {
    if (PassedOn(name)) r.headers.emplace_back(name, value);
  }
}

}  // namespace

struct LlmGateway::Call {
  Call(LlmEndpoint e, bool a) : endpoint(e), anthropic(a), meter(e) {}
  LlmEndpoint endpoint;
  bool anthropic;
  std::shared_ptr<const ProviderConfig> provider;
  LlmCall shape;
  ModelPrice price;
  std::string org;
  std::string hold_id;
  Micros held = 0;
  std::unique_ptr<UpstreamCall> upstream;
  LlmStreamMeter meter;
  bool upstream_broke = false;
  bool cut_off = false;  // the stream outlasted kMaxLlmStream
  std::chrono::steady_clock::time_point started;
  std::string answer_id;  // a non-streamed answer's id (a stream's: the meter's)

  struct Settled {
    std::string spend_id;  // empty: voided (nothing to capture)
    Micros amount = 0;
  };

  // Captures what `usage` costs (the whole hold when unknown, at most the
  // hold), voiding the rest; or voids the hold when it costs nothing.
  Result<Settled> Settle(Engine& engine, SpendBatcher& batcher,
                         const std::optional<TokenUsage>& usage, Json flags) {
    Micros amount = held;
    Json receipt = {{"provider", provider->name},
                    {"model", shape.model},
                    {"endpoint", LlmEndpointPath(endpoint)},
                    {"stream", shape.stream},
                    {"usage_known", usage.has_value()},
                    {"prices",
                     {{"input", FormatAmount(price.input)},
                      {"output", FormatAmount(price.output)},
                      {"cached_input", FormatAmount(price.cached_input.value_or(price.input))}}}};
    if (upstream) {
      std::string_view request_id = upstream->Header(anthropic ? "request-id" : "x-request-id");
      if (request_id.empty()) request_id = upstream->Header("x-request-id");
      receipt["upstream_request_id"] = std::string(request_id);
    }
    if (answer_id.empty()) answer_id = meter.answer_id();
    if (!answer_id.empty()) receipt["answer_id"] = answer_id;
    if (usage) {
      receipt["input_tokens"] = usage->input;
      receipt["cached_tokens"] = usage->cached_input;
      receipt["output_tokens"] = usage->output;
      auto cost = CostOf(price, *usage);
      if (cost.ok() && *cost <= held) {
        amount = *cost;
      } else {
        // More than the hold: the hold is all that may be booked.
        receipt["usage_over_hold"] = true;
        if (cost.ok()) receipt["cost"] = FormatAmount(*cost);
      }
    }
    for (auto& [k, v] : flags.items()) receipt[k] = v;
    if (amount == 0) {
      STUB_RETURN_IF_ERROR(engine.Void(org, hold_id).status());
      return Settled{};
    }
    STUB_ASSIGN_OR_RETURN(std::string text, CanonicalizeReceipt(receipt.dump()));
    // Answered at commit, before the flush: were the capture lost in a crash,
    // its hold (durable before the call was forwarded) is captured in full at
    // its expiry — the books never miss the call.
    STUB_ASSIGN_OR_RETURN(SpendResult captured,
                          batcher.Apply(CaptureRequest{.org = org,
                                                       .hold_id = hold_id,
                                                       .amount = amount,
                                                       .receipt = std::move(text),
                                                       .receipt_hash = {}},
                                        AnswerAt::kCommit));
    return Settled{captured.outcome.id, amount};
  }
};

LlmGateway::LlmGateway(Engine& engine, SpendBatcher& batcher, ProviderService& providers,
                       const Authenticator& auth, UpstreamTimeouts timeouts)
    : engine_(engine), batcher_(batcher), providers_(providers), auth_(auth), timeouts_(timeouts) {}

LlmGateway::~LlmGateway() = default;

void LlmGateway::AddRoutes(Router& router) {
  for (std::string_view path : kPaths) {
    auto handler = [this, path](const ApiRequest& request, const PathParams& params) {
      return Handle(request, params.at("provider"), path);
    };
    router.Add("POST", "/llm/{provider}/v1" + std::string(path), handler);
    // Anthropic's SDK appends /v1 itself: a base URL that ends in /v1 too
    // still reaches the gateway.
    if (path == "/messages") router.Add("POST", "/llm/{provider}/v1/v1/messages", handler);
  }
}

ApiResponse LlmGateway::Handle(const ApiRequest& request, std::string_view provider_name,
                               std::string_view path) {
  const bool anthropic = path == "/messages";
  auto caller = Identify(request);
  if (!caller.ok()) return LlmError(anthropic, caller.status());
  auto body = ParseBoundedJson(request.body, kLlmBodyLimits);
  if (!body.ok()) return LlmError(anthropic, body.status());
  auto call = Prepare(request, *body, caller->org, provider_name, path);
  if (!call.ok()) return LlmError(anthropic, call.status());
  auto hold = HoldRequestFor(request, **call, *caller);
  if (!hold.ok()) return LlmError(anthropic, hold.status());
  auto key = IdempotencyKeyOf(request);
  if (!key.ok()) return LlmError(anthropic, key.status());
  auto held = Reserve(std::move(*hold), *key, **call);
  if (auto* refused = std::get_if<ApiResponse>(&held)) return std::move(*refused);
  (*call)->hold_id = std::get<Outcome>(held).id;
  (*call)->held = std::get<Outcome>(held).amount;

  // The upstream request: the client's body (OpenAI streams are asked for
  // their usage).
  std::string upstream_body;
  if ((*call)->shape.stream && AskForStreamUsage((*call)->endpoint, *body)) {
    upstream_body = body->dump();
  } else {
    upstream_body = request.body;
  }
  return Forward(std::move(*call), std::move(upstream_body));
}

Result<LlmGateway::Caller> LlmGateway::Identify(const ApiRequest& request) const {
  // The SDK's key is an agent key (Anthropic's SDK may send x-api-key).
  Result<Principal> principal = [&] {
    if (request.Header("authorization").empty() && !request.Header("x-api-key").empty()) {
      ApiRequest with_bearer;  // the headers only: never a copy of the prompt
      with_bearer.method = request.method;
      with_bearer.path = request.path;
      with_bearer.headers = request.headers;
      with_bearer.headers["authorization"] = "Bearer " + std::string(request.Header("x-api-key"));
      return auth_.Authenticate(with_bearer, KeyFreshness::kCached);
    }
    return auth_.Authenticate(request, KeyFreshness::kCached);
  }();
  if (!principal.ok()) return principal.status();
  Caller caller{.org = principal->org, .agent = {}, .key_check = principal->key_check};
  if (principal->role == KeyRole::kAgent) {
    caller.agent = principal->agent;
  } else if (principal->role == KeyRole::kAdmin && !principal->org.empty()) {
    caller.agent = std::string(request.Header("stub-agent"));
    if (caller.agent.empty()) {
      return InvalidArgument(
          "an admin key calls the gateway for an agent named in the Stub-Agent header",
          "invalid_request");
    }
  } else {
    return Forbidden("the gateway takes agent keys (or an admin key acting for an agent)");
  }
  return caller;
}

Result<std::shared_ptr<LlmGateway::Call>> LlmGateway::Prepare(const ApiRequest& request,
                                                              const Json& body,
                                                              const std::string& org,
                                                              std::string_view provider_name,
                                                              std::string_view path) {
  STUB_ASSIGN_OR_RETURN(auto provider, providers_.Get(org, provider_name));
  const std::optional<LlmEndpoint> endpoint =
      provider ? LlmEndpointFor(provider->kind, path) : std::nullopt;
  if (!endpoint) {
    return NotFound("no provider '" + std::string(provider_name) + "' serves " + std::string(path),
                    "not_found");
  }
  auto call = std::make_shared<Call>(*endpoint, path == "/messages");
  call->provider = std::move(provider);
  call->org = org;
  STUB_ASSIGN_OR_RETURN(call->shape, ReadLlmCall(*endpoint, body, request.body.size()));
  auto price = call->provider->models.find(call->shape.model);
  if (price == call->provider->models.end()) {
    return InvalidArgument("model '" + call->shape.model + "' has no price at provider '" +
                               call->provider->name +
                               "': an admin adds it to the provider's models",
                           "invalid_request");
  }
  call->price = price->second;
  return call;
}

Result<HoldRequest> LlmGateway::HoldRequestFor(const ApiRequest& request, const Call& call,
                                               const Caller& caller) const {
  std::optional<std::int64_t> max_output = call.shape.max_output;
  if (!max_output) max_output = call.price.max_output_tokens;
  auto most = stub::HoldFor(call.price, call.shape.input_tokens_bound, max_output);
  if (!most.ok() && !max_output) {
    return InvalidArgument(
        "the call does not bound its output: set max_tokens, or an admin sets the model's "
        "max_output_tokens",
        "invalid_request");
  }
  if (!most.ok()) return most.status();
  HoldRequest hold;
  hold.ttl = kLlmHoldTtl;
  // Once forwarded, the call may cost its provider money: a hold whose
  // capture never comes (the server stopped mid-call) is booked in full.
  hold.capture_on_expiry = true;
  SpendRequest& spend = hold.spend;
  spend.org = caller.org;
  spend.agent = caller.agent;
  spend.amount = std::max<Micros>(*most, 1);
  spend.vendor = call.provider->vendor;
  spend.category = call.provider->default_category;
  spend.session = std::string(request.Header("stub-session"));
  spend.user = std::string(request.Header("stub-user"));
  spend.intent = std::string(request.Header("stub-intent"));
  spend.key_check = caller.key_check;
  for (const auto& [field, value, max] :
       {std::tuple{"Stub-Session", &spend.session, kMaxSessionTextBytes},
        std::tuple{"Stub-User", &spend.user, kMaxUserTextBytes},
        std::tuple{"Stub-Intent", &spend.intent, kMaxIntentTextBytes}}) {
    STUB_RETURN_IF_ERROR(CheckTextField(field, *value, max));
  }
  return hold;
}

Result<std::string> LlmGateway::IdempotencyKeyOf(const ApiRequest& request) {
  std::string key(request.Header("idempotency-key"));
  if (key.empty()) return NewId("llm");
  STUB_RETURN_IF_ERROR(ValidateIdempotencyKey(key));
  if (key.size() > kMaxLlmIdempotencyKey) {
    return InvalidArgument("an Idempotency-Key for the gateway has at most " +
                               std::to_string(kMaxLlmIdempotencyKey) + " characters",
                           "invalid_request");
  }
  return key;
}

std::variant<Outcome, ApiResponse> LlmGateway::Reserve(HoldRequest hold, const std::string& key,
                                                       const Call& call) {
  const bool anthropic = call.anthropic;
  auto reserved = ReserveHold(batcher_, engine_, std::move(hold), "llm:" + key, kMaxLlmAttempts);
  if (!reserved.ok()) return LlmError(anthropic, reserved.status());
  using Kind = Reservation::Kind;
  switch (reserved->kind) {
    case Kind::kAlreadyCharged: {
      ApiResponse r =
          LlmError(anthropic, 409, "idempotent_replay",
                   "this call was made and charged already (spend " + reserved->spend_id +
                       "); its answer is not kept, so it is not repeated");
      r.headers.emplace_back("Stub-Hold-Id", reserved->outcome.id);
      r.headers.emplace_back("Stub-Spend-Id", reserved->spend_id);
      return r;
    }
    case Kind::kInFlight: {
      ApiResponse r = LlmError(anthropic, 409, "idempotency_key_in_flight",
                               "a call with this Idempotency-Key is still in flight");
      r.headers.emplace_back("Stub-Hold-Id", reserved->outcome.id);
      return r;
    }
    case Kind::kTooManyAttempts:
      return LlmError(anthropic, 409, "idempotency_key_reused",
                      "this Idempotency-Key was tried too many times");
    case Kind::kHeld:
    case Kind::kDenied:
    case Kind::kPendingApproval:
      break;
  }
  const Outcome& o = reserved->outcome;
  if (o.status == OutcomeStatus::kDenied) {
    const std::string reason(o.denial ? DenyReasonName(o.denial->reason) : "denied");
    ApiResponse r = LlmError(
        anthropic, 402, reason,
        "Stub denied this call (" + reason + ")" +
            (o.denial && !o.denial->message.empty() ? ": " + o.denial->message : std::string()));
    r.headers.emplace_back("Stub-Denial-Id", o.id);
    return r;
  }
  if (o.status == OutcomeStatus::kPendingApproval) {
    // A call cannot wait for a person: its hold goes, the answer says why.
    (void)engine_.Void(call.org, o.id);
    return LlmError(anthropic, 402, "approval_required",
                    "this call may cost more than the approval threshold; calls through the "
                    "gateway cannot wait for an approval");
  }
  return std::move(reserved->outcome);
}

ApiResponse LlmGateway::Forward(std::shared_ptr<Call> call, std::string upstream_body) {
  const ProviderConfig& provider = *call->provider;
  auto target = UpstreamTarget::Parse(provider.base_url);
  auto void_with = [&](ApiResponse r) {
    (void)engine_.Void(call->org, call->hold_id);
    r.headers.emplace_back("Stub-Hold-Id", call->hold_id);
    return r;
  };
  if (!target.ok()) return void_with(LlmError(call->anthropic, target.status()));
  Headers headers = {{"content-type", "application/json"},
                     {"accept", call->shape.stream ? "text/event-stream" : "application/json"},
                     {"user-agent", "stub-gateway"}};
  if (provider.kind == ProviderKind::kAnthropic) {
    headers.emplace_back("x-api-key", provider.api_key);
    headers.emplace_back("anthropic-version", "2023-06-01");
  } else {
    headers.emplace_back("authorization", "Bearer " + provider.api_key);
  }
  auto upstream =
      UpstreamCall::Start(pool_, *target, "POST", std::string(LlmEndpointPath(call->endpoint)),
                          headers, upstream_body, timeouts_);
  if (!upstream.ok()) return void_with(LlmError(call->anthropic, upstream.status()));
  call->upstream = std::move(*upstream);
  UpstreamCall& up = *call->upstream;
  if (up.status() < 200 || up.status() >= 300) {
    // The provider refused: nothing to charge. Its answer is passed on.
    ApiResponse r;
    r.status = up.status();
    auto answer = up.ReadAll(kMaxUpstreamErrorBytes);
    r.body = answer.ok() ? std::move(*answer) : std::string();
    PassHeaders(up, r, "application/json");
    return void_with(std::move(r));
  }
  return call->shape.stream ? Stream(std::move(call)) : Finish(std::move(call));
}

ApiResponse LlmGateway::Finish(std::shared_ptr<Call> call) {
  UpstreamCall& up = *call->upstream;
  auto answer = up.ReadAll(kMaxLlmAnswerBytes);
  if (!answer.ok()) {
    // The provider answered and then broke off: it may have charged, so the
    // hold is captured in full.
    if (auto settled = call->Settle(engine_, batcher_, std::nullopt, {{"upstream_broke", true}});
        !settled.ok()) {
      spdlog::error("llm gateway: hold {} not settled: {}", call->hold_id,
                    settled.status().message());
    }
    ApiResponse r = LlmError(call->anthropic, answer.status());
    r.headers.emplace_back("Stub-Hold-Id", call->hold_id);
    return r;
  }
  const Json parsed = Json::parse(*answer, nullptr, false);
  const std::optional<TokenUsage> usage = UsageOfAnswer(call->endpoint, parsed);
  if (parsed.is_object()) {
    auto id = parsed.find("id");
    if (id != parsed.end() && id->is_string()) call->answer_id = id->get<std::string>();
  }
  auto settled = call->Settle(engine_, batcher_, usage, Json::object());
  if (!settled.ok()) {
    // The call was made: its answer still goes to the agent (a retry would
    // pay the provider twice); the hold is booked in full at its expiry.
    spdlog::error("llm gateway: hold {} not captured: {}", call->hold_id,
                  settled.status().ToString());
  }
  ApiResponse r;
  r.status = up.status();
  r.body = std::move(*answer);
  PassHeaders(up, r, "application/json");
  r.headers.emplace_back("Stub-Hold-Id", call->hold_id);
  if (!settled.ok()) {
    r.headers.emplace_back("Stub-Booking", "failed");
  } else {
    if (!settled->spend_id.empty()) r.headers.emplace_back("Stub-Spend-Id", settled->spend_id);
    r.headers.emplace_back("Stub-Amount", FormatAmount(settled->amount));
  }
  return r;
}

ApiResponse LlmGateway::Stream(std::shared_ptr<Call> call) {
  UpstreamCall& up = *call->upstream;
  ApiResponse r;
  r.status = up.status();
  PassHeaders(up, r, "text/event-stream");
  r.headers.emplace_back("Stub-Hold-Id", call->hold_id);
  r.stream_waits = true;
  call->started = std::chrono::steady_clock::now();
  r.stream = [call](std::string& out) {
    if (std::chrono::steady_clock::now() - call->started > kMaxLlmStream) {
      call->cut_off = true;  // its hold must not expire before the capture
      return false;
    }
    const std::size_t before = out.size();
    auto more = call->upstream->Read(out, kStreamWait);
    if (!more.ok()) {
      call->upstream_broke = true;
      return false;
    }
    call->meter.Feed(std::string_view(out).substr(before));
    return *more;
  };
  r.stream_done = [this, call](bool completed) {
    Json flags = Json::object();
    if (call->cut_off) {
      flags["cut_off"] = true;
    } else if (call->upstream_broke) {
      flags["upstream_broke"] = true;
    } else if (!completed) {
      flags["client_disconnected"] = true;
    }
    std::optional<TokenUsage> usage;
    if (call->meter.final_usage()) usage = call->meter.usage();
    if (auto settled = call->Settle(engine_, batcher_, usage, std::move(flags)); !settled.ok()) {
      spdlog::error("llm gateway: hold {} not settled: {}", call->hold_id,
                    settled.status().message());
    }
    call->upstream.reset();  // closes a connection not read to its end
  };
  return r;
}

}  // namespace stub
