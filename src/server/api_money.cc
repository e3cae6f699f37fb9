// Spends and holds.
#include <utility>

#include "engine/request_limits.h"
#include "server/api.h"
#include "server/api_error.h"
#include "server/json_views.h"
#include "server/pending_answer.h"

namespace stub {
namespace {

constexpr std::int64_t kMaxHoldSeconds = 30LL * 24 * 3600;

// The spend fields of a spend or hold body, checked; the agent decided by
// the key.
Result<SpendRequest> ParseSpendBody(const ApiRequest& request, const Json& body,
                                    const Principal& p) {
  SpendRequest r;
  r.org = p.org;
  STUB_ASSIGN_OR_RETURN(auto agent, OptionalString(body, "agent"));
  if (p.role == KeyRole::kAgent) {
    if (agent && *agent != p.agent) {
      return Forbidden("an agent key spends only as its own agent");
    }
    r.agent = p.agent;
  } else {
    if (!agent || agent->empty()) {
      return InvalidArgument("'agent' is required", "invalid_request");
    }
    r.agent = std::move(*agent);
  }
  STUB_ASSIGN_OR_RETURN(r.amount, RequiredAmount(body, "amount"));
  STUB_ASSIGN_OR_RETURN(auto vendor, RequiredString(body, "vendor"));
  r.vendor = std::move(vendor);  // the engine normalises it (core/vendor.h) or refuses it
  STUB_ASSIGN_OR_RETURN(auto category, OptionalString(body, "category"));
  r.category = category.value_or("");
  STUB_ASSIGN_OR_RETURN(auto session, OptionalString(body, "session"));
  r.session = session.value_or("");
  STUB_ASSIGN_OR_RETURN(auto user, OptionalString(body, "user"));
  r.user = user.value_or("");
  STUB_ASSIGN_OR_RETURN(auto intent, OptionalString(body, "intent"));
  r.intent = intent.value_or("");
  STUB_ASSIGN_OR_RETURN(auto key, OptionalString(body, "idempotency_key"));
  const std::string_view header = request.Header("idempotency-key");
  if (key && !header.empty() && *key != header) {
    return InvalidArgument("the idempotency_key field and the Idempotency-Key header differ",
                           "invalid_request");
  }
  r.idempotency_key = key ? std::move(*key) : std::string(header);
  if (r.idempotency_key.empty()) {
    return InvalidArgument("an idempotency key is required (idempotency_key or Idempotency-Key)",
                           "invalid_request");
  }
  STUB_RETURN_IF_ERROR(ValidateIdempotencyKey(r.idempotency_key));
  STUB_ASSIGN_OR_RETURN(r.receipt, OptionalReceipt(body, "receipt"));
  // Refused here, before the spend joins a batch (engine/request_limits.h).
  STUB_RETURN_IF_ERROR(CheckSpendText(r));
  r.key_check = p.key_check;
  return r;
}

// A hold's "on_expiry": "expire" (default: released) or "capture" (booked in
// full, for money that may be gone once the hold is taken).
Result<bool> CaptureOnExpiry(const Json& body) {
  STUB_ASSIGN_OR_RETURN(auto on_expiry, OptionalString(body, "on_expiry"));
  if (!on_expiry || *on_expiry == "expire") return false;
  if (*on_expiry == "capture") return true;
  return InvalidArgument(
      "on_expiry is \"expire\" (the default: released) or \"capture\" "
      "(booked in full)",
      "invalid_request");
}

Status RequireSpender(const Principal& p) {
  STUB_RETURN_IF_ERROR(RequireRole(p, {KeyRole::kAdmin, KeyRole::kAgent}));
  return Status::Ok();
}

}  // namespace

ApiResponse Api::OutcomeResponse(const SpendResult& result, int approved_status) {
  const Outcome& o = result.outcome;
  if (!result.replayed) CountOutcome(o);
  ApiResponse r;
  r.status = o.status == OutcomeStatus::kDenied            ? 402
             : o.status == OutcomeStatus::kPendingApproval ? 202
                                                           : approved_status;
  r.body = OutcomeBody(o);
  if (result.replayed) r.headers.emplace_back("Idempotent-Replayed", "true");
  return r;
}

ApiResponse Api::PostSpend(const ApiRequest& request, const PathParams&, const Principal& p) {
  if (Status s = RequireSpender(p); !s.ok()) return ErrorResponse(s);
  auto body = ParseJsonObject(request.body);
  if (!body.ok()) return ErrorResponse(body.status());
  auto spend = ParseSpendBody(request, *body, p);
  if (!spend.ok()) return ErrorResponse(spend.status());
  // The worker does not wait for the batch: the answer is built on the
  // batcher's thread once the spend is durable.
  auto pending = std::make_shared<PendingAnswer>();
  batcher_.Submit(std::move(*spend), [this, pending](Result<SpendResult> result) {
    pending->Resolve(result.ok() ? OutcomeResponse(*result, 201) : ErrorResponse(result.status()));
  });
  ApiResponse deferred;
  deferred.pending = std::move(pending);
  return deferred;
}

ApiResponse Api::PostHold(const ApiRequest& request, const PathParams&, const Principal& p) {
  if (Status s = RequireSpender(p); !s.ok()) return ErrorResponse(s);
  auto body = ParseJsonObject(request.body);
  if (!body.ok()) return ErrorResponse(body.status());
  auto spend = ParseSpendBody(request, *body, p);
  if (!spend.ok()) return ErrorResponse(spend.status());
  auto expires_in = OptionalInt(*body, "expires_in", 1, kMaxHoldSeconds);
  if (!expires_in.ok()) return ErrorResponse(expires_in.status());
  auto capture_on_expiry = CaptureOnExpiry(*body);
  if (!capture_on_expiry.ok()) return ErrorResponse(capture_on_expiry.status());
  HoldRequest hold{.spend = std::move(*spend), .capture_on_expiry = *capture_on_expiry};
  if (*expires_in) hold.ttl = **expires_in * kMicrosPerSecond;
  auto result = engine_.Hold(hold);
  if (!result.ok()) return ErrorResponse(result.status());
  return OutcomeResponse(*result, 201);
}

Result<stub::Hold> Api::HoldFor(const Principal& p, std::string_view id) {
  STUB_RETURN_IF_ERROR(
      RequireRole(p, {KeyRole::kAdmin, KeyRole::kFinance, KeyRole::kApprover, KeyRole::kAgent}));
  STUB_ASSIGN_OR_RETURN(auto hold, engine_.GetHold(p.org, id));
  if (!hold) return NotFound("unknown hold '" + std::string(id) + "'", "not_found");
  if (p.role == KeyRole::kAgent && hold->agent != p.agent) {
    return Forbidden("an agent key acts only on its own agent's holds");
  }
  return std::move(*hold);
}

ApiResponse Api::GetHold(const ApiRequest&, const PathParams& params, const Principal& p) {
  auto hold = HoldFor(p, params.at("id"));
  if (!hold.ok()) return ErrorResponse(hold.status());
  return JsonResponse(200, HoldJson(*hold, clock_.Now()));
}

ApiResponse Api::CaptureHold(const ApiRequest& request, const PathParams& params,
                             const Principal& p) {
  if (Status s = RequireSpender(p); !s.ok()) return ErrorResponse(s);
  auto body = ParseJsonObject(request.body);
  if (!body.ok()) return ErrorResponse(body.status());
  auto amount = RequiredAmount(*body, "amount");
  if (!amount.ok()) return ErrorResponse(amount.status());
  auto receipt = OptionalReceipt(*body, "receipt");
  if (!receipt.ok()) return ErrorResponse(receipt.status());
  auto hold = HoldFor(p, params.at("id"));
  if (!hold.ok()) return ErrorResponse(hold.status());
  CaptureRequest capture{
      .org = p.org, .hold_id = hold->id, .amount = *amount, .receipt = std::move(*receipt)};
  if (Status s = CheckCaptureText(capture); !s.ok()) return ErrorResponse(s);
  auto result = engine_.Capture(capture);
  if (!result.ok()) return ErrorResponse(result.status());
  return OutcomeResponse(*result, 201);
}

ApiResponse Api::VoidHold(const ApiRequest&, const PathParams& params, const Principal& p) {
  if (Status s = RequireSpender(p); !s.ok()) return ErrorResponse(s);
  auto hold = HoldFor(p, params.at("id"));
  if (!hold.ok()) return ErrorResponse(hold.status());
  auto voided = engine_.Void(p.org, hold->id);
  if (!voided.ok()) return ErrorResponse(voided.status());
  return JsonResponse(200, {{"id", voided->id}, {"status", HoldStatusName(voided->status)}});
}

}  // namespace stub
