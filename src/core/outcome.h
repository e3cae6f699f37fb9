// The outcome of a spend, hold or capture request: what the caller is told,
// and what an idempotent replay of the same request returns.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/decision.h"
#include "core/money.h"
#include "core/time_util.h"

namespace stub {

// kPendingApproval: the spend is over an approval threshold; its amount is
// held (the hold's id is `id`, also the approval's id) until a person
// approves (captured), denies (voided) or it expires.
enum class OutcomeStatus : std::uint8_t { kApproved = 0, kDenied, kHeld, kPendingApproval };

// "approved" | "denied" | "held" | "pending_approval"
std::string_view OutcomeStatusName(OutcomeStatus s);

struct Outcome {
  OutcomeStatus status = OutcomeStatus::kApproved;
  std::string id;               // spend id, hold id, or denial id
  Micros amount = 0;            // the amount asked (denied) or booked (approved/held)
  std::uint64_t entry_seq = 0;  // approved/held: the journal entry
  std::string entry_hash;
  std::optional<Micros> effective_remaining;  // approved/held; nullopt = unlimited
  std::optional<Binding> binding;
  std::optional<Denial> denial;  // denied
  Timestamp expires_at = 0;      // held
  bool operator==(const Outcome&) const = default;
};

}  // namespace stub
