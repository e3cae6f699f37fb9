#include "server/api_error.h"

#include <array>
#include <nlohmann/json.hpp>
#include <utility>

namespace stub {
namespace {

struct ReasonMapping {
  std::string_view reason;
  int status;
};

constexpr std::array<ReasonMapping, 18> kByReason = {{
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
}};

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
  if (e.status == 500) message = "internal error; the server log has the details";
  if (e.status == 503) message = "temporarily unavailable; retry the request";
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
