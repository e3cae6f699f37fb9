// What callers ask the engine to do, and what it answers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "core/hold.h"
#include "core/money.h"
#include "core/outcome.h"
#include "core/time_util.h"

namespace stub {

// What a spend made with a cached API key re-checks in its own transaction
// (see KeyService): the key's hash and the org's key epoch it was read under.
struct KeyCheck {
  std::string key_hash;
  std::uint64_t epoch = 0;
};

// A spend, or (with RequestKind::kHold) a hold: the same fields decide both.
struct SpendRequest {
  std::string org;
  std::string agent;
  Micros amount = 0;     // > 0
  std::string vendor;    // a host or URL; the engine normalises it (core/vendor.h)
  std::string category;  // empty → "uncategorized"
  std::string session;
  std::string user;
  std::string intent;
  std::string idempotency_key;  // 1–255 printable ASCII bytes
  std::string receipt;          // canonical JSON object text (CanonicalizeReceipt), or empty
  // Empty, or ReceiptHash(receipt) (a caller that already has the digest
  // may pass it). The engine fills it before the transaction when empty, so
  // the digest is never computed on the serialized path.
  std::string receipt_hash;
  // When set, the spend or hold is refused (kInvalidArgument "unauthorized")
  // if the key was revoked before its transaction: checked by re-reading the
  // key only when the org's key_epoch is no longer key_check->epoch.
  std::optional<KeyCheck> key_check;
};

struct HoldRequest {
  SpendRequest spend;               // amount = the most it may cost
  Timestamp ttl = kDefaultHoldTtl;  // > 0: expires_at = created_at + ttl
  bool capture_on_expiry = false;   // see Hold::capture_on_expiry
};

struct CaptureRequest {
  std::string org;
  std::string hold_id;
  Micros amount = 0;         // > 0, ≤ the held amount
  std::string receipt;       // canonical JSON object text, or empty
  std::string receipt_hash;  // as in SpendRequest
};

// One money write, as the group committer takes it (Engine::ApplyBatch,
// SpendBatcher): each is applied exactly as Engine::Spend, Hold or Capture
// would apply it.
using MoneyRequest = std::variant<SpendRequest, HoldRequest, CaptureRequest>;

// The engine's answer to a spend, hold or capture.
struct SpendResult {
  Outcome outcome;
  bool replayed = false;  // an idempotent replay of an earlier request
};

}  // namespace stub
