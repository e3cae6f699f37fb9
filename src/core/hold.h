// Holds (two-phase authorizations): reserve up to an amount now, capture the
// real amount (≤ held) later, or void, or let it expire.
//
//   held ──capture(≤ amount)──▶ captured
//     ├───void───────────────▶ voided
//     └───now ≥ expires_at───▶ expired, or captured in full when
//                              capture_on_expiry (see below)
//
// Each transition happens at most once. A pending hold counts against every
// limit on its path until it resolves; a hold past its expiry no longer counts
// even before anything records the expiry (the engine expires due holds inside
// the transaction that would otherwise count them).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/money.h"
#include "core/status.h"
#include "core/time_util.h"

namespace stub {

enum class HoldStatus : std::uint8_t { kHeld = 0, kCaptured, kVoided, kExpired };

std::string_view HoldStatusName(HoldStatus s);  // "held" | "captured" | "voided" | "expired"
std::optional<HoldStatus> ParseHoldStatus(std::string_view name);

inline constexpr Timestamp kDefaultHoldTtl = 300 * kMicrosPerSecond;

struct Hold {
  std::string org;
  std::string id;
  std::string agent;
  std::vector<std::string> path;  // agent first, org last, as when created
  std::string vendor;
  std::string category;
  std::string session;
  std::string user;
  std::string intent;
  Micros amount = 0;    // held
  Micros captured = 0;  // set when captured
  Timestamp created_at = 0;
  Timestamp expires_at = 0;
  Timestamp resolved_at = 0;  // when captured/voided/expired; 0 while held
  HoldStatus status = HoldStatus::kHeld;
  std::string spend_id;  // the spend a capture produced
  // At its expiry the hold is captured in full rather than released: for a
  // hold whose money may have been spent already (an LLM call forwarded to
  // its provider) and whose real cost never arrived — the server stopped
  // mid-call, or the capture could not be booked. Books that may overstate
  // a cost (flagged in the capture's receipt) rather than lose one.
  bool capture_on_expiry = false;
  bool operator==(const Hold&) const = default;
};

// True if the hold is still recorded as held but its time is up at `now`.
inline bool IsDue(const Hold& h, Timestamp now) {
  return h.status == HoldStatus::kHeld && now >= h.expires_at;
}

// Checks that `amount` may be captured from `h` at `now`. Errors:
//   kFailedPrecondition "hold_not_pending"  — not held, or due at `now`
//   kInvalidArgument   "capture_exceeds_hold" — amount > h.amount
//   kInvalidArgument   "invalid_amount"      — amount <= 0
Status CheckCapture(const Hold& h, Micros amount, Timestamp now);

// Checks that `h` may be voided at `now`. Errors as CheckCapture's first.
Status CheckVoid(const Hold& h, Timestamp now);

}  // namespace stub
