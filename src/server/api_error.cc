#include "server/api_error.h"

#include <spdlog/spdlog.h>

#include <array>
#include <nlohmann/json.hpp>
#include <string_view>
#include <utility>

namespace stub {
namespace {

struct ReasonMapping {
  std::string_view reason;
  int status;
};

constexpr ReasonMapping kByReason[] = {
    {"invalid_json", 400},
    {"invalid_amount", 400},
    {"invalid_request", 400},
    {"unauthorized", 401},
    {"forbidden", 403},
    {"not_found", 404},
    {"already_exists", 409},
    {"idempotency_key_reused", 409},
    {"hold_not_pending", 409},
    {"approval_not_pending", 409},
    {"kill_switch", 409},
    {"method_not_allowed", 405},
    {"payload_too_large", 413},
    {"capture_exceeds_hold", 422},
    {"too_many_streams", 429},
    {"unanswerable", 422},
    {"not_implemented", 501},
    {"unavailable", 503},
    // A full queue or a store that did not answer in time: retry later, with
    // the same idempotency key (a spend that timed out may yet commit).
    {"overloaded", 503},
    // The metering gateway (server/llm_gateway.h) and its providers.
    {"secret_key_missing", 409},
    {"too_many_providers", 409},
    {"idempotent_replay", 409},
    {"idempotency_key_in_flight", 409},
    {"upstream_unavailable", 502},
    {"upstream_no_answer", 502},
    // x402 payments (server/x402_payments.h): what Stub will not pay is a 402,
    // as a denial is; what the org has not set up, a 409.
    {"x402_over_max_amount", 402},
    {"x402_asset_not_allowed", 402},
    {"x402_network_not_allowed", 402},
    {"x402_no_payable_option", 402},
    {"x402_invalid_requirements", 502},
    {"x402_no_wallet", 409},
    {"x402_signer_missing", 409},
    {"x402_signer_changed", 409},
    {"too_many_wallets", 409},
    {"target_not_public", 403},
    {"approval_required", 402},
    {"upstream_too_large", 502},
    {"mcp_protocol_error", 502},
    {"secret_unreadable", 500},
};

// Whether `message` came from a store adapter (they prefix their messages
// and quote the database's own).
bool LooksLikeStoreDetail(std::string_view message) {
  for (std::string_view prefix :
       {"postgres store:", "sqlite store:", "memory store:", "postgres:", "sqlite:", "dsql"}) {
    if (message.starts_with(prefix)) return true;
  }
  return message.find("SQLSTATE") != std::string_view::npos;
}

// A status's message is for the client when the code that raised it named a
// contract reason, or it is a plain request error (bad argument, unknown
// object, overflow) not raised by a store; never for a 5xx.
bool IsClientMessage(const Status& status, const HttpError& e) {
  if (e.status >= 500 || LooksLikeStoreDetail(status.message())) return false;
  if (!status.reason().empty()) return true;
  return status.code() == StatusCode::kInvalidArgument || status.code() == StatusCode::kNotFound ||
         status.code() == StatusCode::kOutOfRange;
}

std::string GenericMessage(const HttpError& e) {
  if (e.status == 503) return "temporarily unavailable; retry the request";
  if (e.status >= 500) return "internal error; the server log has the details";
  if (e.status == 413) return "the request exceeds a size or count bound";
  if (e.status == 409) return "the request conflicts with the current state";
  return "the request was refused";
}

}  // namespace

HttpError HttpErrorFor(const Status& status) {
  for (const auto& m : kByReason) {
    if (m.reason == status.reason()) return {m.status, std::string(m.reason)};
  }
  switch (status.code()) {
    case StatusCode::kOk:
      return {200, ""};
    case StatusCode::kInvalidArgument:
      return {400, "invalid_request"};
    case StatusCode::kOutOfRange:  // an amount that overflows
      return {400, "invalid_amount"};
    case StatusCode::kNotFound:
      return {404, "not_found"};
    case StatusCode::kAlreadyExists:
      return {409, "already_exists"};
    case StatusCode::kFailedPrecondition:
      return {409, "failed_precondition"};
    case StatusCode::kResourceExhausted:
      return {413, "payload_too_large"};
    case StatusCode::kConflict:
    case StatusCode::kUnavailable:
      return {503, "unavailable"};
    case StatusCode::kInternal:
      break;
  }
  return {500, "internal"};
}

ApiResponse ErrorResponse(const Status& status) {
  const HttpError e = HttpErrorFor(status);
  std::string message = status.message();
  if (!IsClientMessage(status, e)) {
    // The detail may name tables, SQL, SQLSTATEs, paths or libpq text: it
    // goes to the log (never a secret: keys are only ever hashes there).
    spdlog::warn("answered {} {}; detail: {}", e.status, e.code, status.ToString());
    message = GenericMessage(e);
  }
  ApiResponse r;
  r.status = e.status;
  const nlohmann::json body = {{"error", {{"code", e.code}, {"message", message}}}};
  // A message may quote request bytes that are not UTF-8: replace, never throw.
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (e.status == 503 || e.status == 429) r.headers.emplace_back("Retry-After", "1");
  return r;
}

Status Unauthorized(std::string message) {
  return Status(StatusCode::kInvalidArgument, std::move(message), "unauthorized");
}

Status Forbidden(std::string message) {
  return Status(StatusCode::kFailedPrecondition, std::move(message), "forbidden");
}

Status NotImplemented(std::string message) {
  return Status(StatusCode::kFailedPrecondition, std::move(message), "not_implemented");
}

}  // namespace stub
