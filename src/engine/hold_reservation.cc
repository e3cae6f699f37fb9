#include "engine/hold_reservation.h"

namespace stub {

Result<Reservation> ReserveHold(SpendBatcher& batcher, Engine& engine, HoldRequest hold,
                                const std::string& key, int max_attempts) {
  using Kind = Reservation::Kind;
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    hold.spend.idempotency_key = key;
    if (attempt > 0) hold.spend.idempotency_key += "#" + std::to_string(attempt);
    STUB_ASSIGN_OR_RETURN(SpendResult result, batcher.Apply(hold));
    Outcome& o = result.outcome;
    if (o.status == OutcomeStatus::kDenied) return Reservation{Kind::kDenied, std::move(o), {}};
    if (o.status == OutcomeStatus::kPendingApproval) {
      return Reservation{Kind::kPendingApproval, std::move(o), {}};
    }
    if (!result.replayed) return Reservation{Kind::kHeld, std::move(o), {}};
    // A retry: what became of the earlier attempt?
    STUB_ASSIGN_OR_RETURN(std::optional<Hold> earlier, engine.GetHold(hold.spend.org, o.id));
    if (!earlier) continue;
    if (earlier->status == HoldStatus::kCaptured) {
      return Reservation{Kind::kAlreadyCharged, std::move(o), earlier->spend_id};
    }
    if (earlier->status == HoldStatus::kHeld) return Reservation{Kind::kInFlight, std::move(o), {}};
    // Voided or expired: that attempt charged nothing; this one goes on.
  }
  return Reservation{Kind::kTooManyAttempts, {}, {}};
}

}  // namespace stub
