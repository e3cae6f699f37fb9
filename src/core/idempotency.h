// Idempotency: a request retried with the same key has exactly one effect and
// gets the same answer; the same key with a different request is refused.
//
// A request is identified by its fingerprint: a canonical, unambiguous
// encoding of every field that affects its outcome (never the key itself),
// compared byte for byte. Large fields (a receipt) enter it as their digest.
#pragma once

#include <string>
#include <string_view>

#include "core/outcome.h"
#include "core/status.h"
#include "core/time_util.h"

namespace stub {

inline constexpr std::size_t kMaxIdempotencyKeyBytes = 255;

struct IdempotencyRecord {
  std::string org;
  std::string key;
  std::string fingerprint;  // canonical request bytes (see the engine)
  Outcome outcome;
  Timestamp created_at = 0;
  bool operator==(const IdempotencyRecord&) const = default;
};

// Key syntax: 1–255 bytes, printable ASCII (0x21–0x7e).
// Errors: kInvalidArgument, reason "invalid_request".
Status ValidateIdempotencyKey(std::string_view key);

// Given the record stored under a key (if any) and the new request's
// fingerprint: nullopt → new request, proceed; an Outcome → replay it;
// kFailedPrecondition "idempotency_key_reused" → same key, different request.
Result<std::optional<Outcome>> CheckReplay(const IdempotencyRecord* existing,
                                           std::string_view fingerprint);

}  // namespace stub
