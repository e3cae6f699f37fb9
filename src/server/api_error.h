// The one place where errors become HTTP: a Status (its reason first, then
// its code) maps to an HTTP status and a contract error code, and the error
// body is always {"error": {"code", "message"}}.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "server/api_types.h"

namespace stub {

struct HttpError {
  int status = 500;
  std::string code;  // snake_case, as in API.md
};

// Contract codes by reason: invalid_json/invalid_amount/invalid_request 400,
// unauthorized 401, forbidden 403, not_found 404, already_exists/
// idempotency_key_reused/hold_not_pending/approval_not_pending 409,
// method_not_allowed 405, payload_too_large 413, capture_exceeds_hold/unanswerable 422,
// too_many_streams 429 (with Retry-After), not_implemented 501, overloaded 503
// (a full queue or a stalled store; Retry-After). Otherwise by StatusCode: kInvalidArgument and
// kOutOfRange 400, kNotFound 404, kAlreadyExists and kFailedPrecondition 409,
// kResourceExhausted 413, kConflict and kUnavailable 503 ("unavailable", retry),
// kInternal 500 ("internal"). Pure; thread-safe.
HttpError HttpErrorFor(const Status& status);

// The error response for `status`. The message reaches the client only when
// it was written for one: the status names a contract reason, or it is a
// kInvalidArgument/kNotFound/kOutOfRange not raised by a store. A 5xx, a
// store's message (SQL, SQLSTATE, paths, libpq text) and any other reasonless
// status get a generic message instead, and the detail is logged here.
ApiResponse ErrorResponse(const Status& status);

// Helpers for the codes the server raises itself.
Status Unauthorized(std::string message);
Status Forbidden(std::string message);
Status NotImplemented(std::string message);

}  // namespace stub
