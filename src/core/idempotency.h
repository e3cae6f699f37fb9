// Idempotency: a request retried with the same key has exactly one effect and
// gets the same answer; the same key with a different request is refused.
//
// A request is identified by its fingerprint: a canonical, unambiguous
// encoding of every field that affects its outcome (never the key itself).
// Large fields (a receipt) enter it as their digest. A record keeps the
// fingerprint's digest (FingerprintDigest), not the bytes: every spend
// writes a record, and the bytes grow with the request's text.
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
  // FingerprintDigest of the request's canonical bytes (see the engine); in
  // records written before digests, the canonical bytes themselves.
  std::string fingerprint;
  Outcome outcome;
  Timestamp created_at = 0;
  bool operator==(const IdempotencyRecord&) const = default;
};

// Key syntax: 1–255 bytes, printable ASCII (0x21–0x7e).
// Errors: kInvalidArgument, reason "invalid_request".
Status ValidateIdempotencyKey(std::string_view key);

// What a record stores for canonical request bytes `canonical`: "#" and the
// base64 of their SHA-256 — 45 bytes however large the request. Canonical
// bytes never begin with "#" (the engine's begin with a length), so a
// record tells which of the two forms it holds.
std::string FingerprintDigest(std::string_view canonical);

// Given the record stored under a key (if any) and the new request's
// canonical bytes: nullopt → new request, proceed; an Outcome → replay it;
// kFailedPrecondition "idempotency_key_reused" → same key, different request.
// A record of either form (see IdempotencyRecord::fingerprint) is compared
// in its own form.
Result<std::optional<Outcome>> CheckReplay(const IdempotencyRecord* existing,
                                           std::string_view canonical);

}  // namespace stub
