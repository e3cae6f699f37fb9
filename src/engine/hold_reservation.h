// A hold for a call Stub makes to someone else on an agent's behalf (an LLM
// call through the gateway, an x402 payment), under the caller's idempotency
// key: the first request holds; a retry of a call that was charged, or is in
// flight, is told so instead of holding again; a retry of a call that
// charged nothing (its hold voided or expired) holds anew under the next
// attempt's key ("key", "key#1", "key#2", …).
//
// Thread-safe (as the batcher and engine are).
#pragma once

#include <string>

#include "core/outcome.h"
#include "core/status.h"
#include "engine/batcher.h"
#include "engine/engine.h"

namespace stub {

struct Reservation {
  enum class Kind {
    kHeld,             // outcome: the new hold (status held)
    kDenied,           // outcome: the denial (a replay of one included)
    kPendingApproval,  // outcome: the hold awaiting a person; the caller decides
    kAlreadyCharged,   // an earlier attempt was captured: outcome.id its hold, spend_id its spend
    kInFlight,         // an earlier attempt still holds: outcome.id its hold
    kTooManyAttempts,  // max_attempts holds under this key were voided or expired
  };
  Kind kind = Kind::kHeld;
  Outcome outcome;
  std::string spend_id;
};

// Holds `hold` with idempotency key `key` (hold.spend.idempotency_key is
// overwritten). Errors: the batcher's and engine's (a refused request, a
// store failure).
Result<Reservation> ReserveHold(SpendBatcher& batcher, Engine& engine, HoldRequest hold,
                                const std::string& key, int max_attempts = 16);

}  // namespace stub
