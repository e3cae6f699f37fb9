// Errors as values. Every function that can fail across a module boundary
// returns a Status or a Result<T>; exceptions never cross a module boundary.
//
// The code says what the caller should do:
//   kConflict      — optimistic-concurrency loss; retry the whole transaction
//                    against fresh state (SQLSTATE 40001 / 23505, DSQL OC000).
//   kUnavailable   — transient infrastructure failure; retry later.
//   everything else — do not retry the same request; it will fail again.
//
// `reason` is a stable snake_case code for the outermost layer to map to a
// contract error code (e.g. "idempotency_key_reused", "hold_not_pending").
// It is empty when the StatusCode alone is enough.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace stub {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // the request is malformed; fix it
  kNotFound,            // the named object does not exist (or is not yours)
  kAlreadyExists,       // creating something that exists
  kFailedPrecondition,  // the object is in the wrong state for this request
  kOutOfRange,          // arithmetic overflow, value beyond representable range
  kConflict,            // lost an optimistic-concurrency race: retry the transaction
  kUnavailable,         // transient: store down, timeout; retry later
  kResourceExhausted,   // a bound was hit (size, count)
  kInternal,            // a bug or corrupted state
};

std::string_view StatusCodeName(StatusCode code);

// True for codes where retrying the same request may succeed.
inline bool IsRetryable(StatusCode code) {
  return code == StatusCode::kConflict || code == StatusCode::kUnavailable;
}

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message, std::string reason = {})
      : code_(code), message_(std::move(message)), reason_(std::move(reason)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::string& reason() const { return reason_; }
  bool retryable() const { return IsRetryable(code_); }

  // "CODE: message" for logs and test failures.
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string reason_;
};

inline Status InvalidArgument(std::string msg, std::string reason = {}) {
  return Status(StatusCode::kInvalidArgument, std::move(msg), std::move(reason));
}
// kInvalidArgument with the contract's reason for malformed input, "invalid_request".
inline Status InvalidRequest(std::string msg) {
  return InvalidArgument(std::move(msg), "invalid_request");
}
inline Status NotFound(std::string msg, std::string reason = {}) {
  return Status(StatusCode::kNotFound, std::move(msg), std::move(reason));
}
inline Status AlreadyExists(std::string msg, std::string reason = {}) {
  return Status(StatusCode::kAlreadyExists, std::move(msg), std::move(reason));
}
inline Status FailedPrecondition(std::string msg, std::string reason = {}) {
  return Status(StatusCode::kFailedPrecondition, std::move(msg), std::move(reason));
}
inline Status OutOfRange(std::string msg, std::string reason = {}) {
  return Status(StatusCode::kOutOfRange, std::move(msg), std::move(reason));
}
inline Status Conflict(std::string msg) { return Status(StatusCode::kConflict, std::move(msg)); }
inline Status Unavailable(std::string msg) {
  return Status(StatusCode::kUnavailable, std::move(msg));
}
inline Status ResourceExhausted(std::string msg, std::string reason = {}) {
  return Status(StatusCode::kResourceExhausted, std::move(msg), std::move(reason));
}
inline Status Internal(std::string msg) { return Status(StatusCode::kInternal, std::move(msg)); }

// A value or a non-OK Status. Constructing a Result from an OK Status is a bug.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(v_).ok());
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  // The error, or an OK Status when the Result holds a value.
  Status status() const& { return ok() ? Status::Ok() : std::get<Status>(v_); }
  Status status() && { return ok() ? Status::Ok() : std::get<Status>(std::move(v_)); }
  // Requires ok().
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace stub

// Evaluates `expr` (a Status); returns it from the enclosing function if not OK.
#define STUB_RETURN_IF_ERROR(expr)               \
  do {                                           \
    ::stub::Status stub_status_ = (expr);        \
    if (!stub_status_.ok()) return stub_status_; \
  } while (0)

#define STUB_CONCAT_INNER(a, b) a##b
#define STUB_CONCAT(a, b) STUB_CONCAT_INNER(a, b)

// Evaluates `rexpr` (a Result<T>); on error returns its Status, else moves the
// value into `lhs` (which may be a declaration, e.g. `auto x`).
#define STUB_ASSIGN_OR_RETURN(lhs, rexpr) \
  STUB_ASSIGN_OR_RETURN_IMPL(STUB_CONCAT(stub_result_, __LINE__), lhs, rexpr)
#define STUB_ASSIGN_OR_RETURN_IMPL(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                               \
  if (!tmp.ok()) return std::move(tmp).status();    \
  lhs = std::move(tmp).value()
