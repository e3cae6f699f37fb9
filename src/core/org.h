// An org (tenant): its identity, currency, and the mutable head of its hash
// chain. The org row is touched by every spend transaction of the org, so the
// chain order is the commit order and the kill-switch is linearizable.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>

#include "core/journal.h"
#include "core/money.h"
#include "core/time_util.h"

namespace stub {

// The largest amount one spend, hold or approval of an org may ask for, unless
// the org sets its own (OrgRow::max_spend): large enough for any real
// purchase, small enough that no bucket, window or total can be pushed toward
// int64's limit by a handful of requests (int64 micro-units hold 9.2 million
// spends of this size).
inline constexpr Micros kDefaultMaxSpend = 1'000'000 * kMicrosPerUnit;
// The most an org may set its max_spend to.
inline constexpr Micros kMaxSpendCeiling = 1'000'000'000 * kMicrosPerUnit;

struct OrgRow {
  std::string id;  // also the id of the org's root node
  std::string name;
  std::string currency = "USD";
  Timestamp created_at = 0;
  std::uint64_t head_seq = 0;            // seq of the last entry; 0 before the first
  std::string head_hash = kGenesisHash;  // hash of the last entry
  // created_at of the last entry; 0 before the first. Entry time never goes
  // backwards within an org (see EntryClock).
  Timestamp head_at = 0;
  bool kill_switch = false;
  // A lower bound on the expiry of every pending hold of the org (INT64_MAX
  // when none may be pending): a transaction at `now` < this bound needs no
  // look for due holds.
  Timestamp next_hold_expiry = std::numeric_limits<Timestamp>::max();
  // Bumped by every revocation of one of the org's keys. A spend carries the
  // epoch its key was last checked under (SpendRequest::key_check) and is
  // refused when the org has moved on, so a key cached by one process stops
  // working at once when another process revokes it.
  std::uint64_t key_epoch = 0;
  // A spend, hold or approval request of a larger amount is refused
  // (invalid_amount) before any decision: nothing is booked or recorded.
  // In (0, kMaxSpendCeiling].
  Micros max_spend = kDefaultMaxSpend;
  bool operator==(const OrgRow&) const = default;
};

// The time a transaction of `org` decides and books at: its own clock `now`,
// or the org's last entry time if that is later. So a server whose clock is
// behind (or stepped back) never treats a period another server already
// rolled over as empty, and entry times are non-decreasing along the chain.
inline Timestamp EntryClock(const OrgRow& org, Timestamp now) { return std::max(now, org.head_at); }

}  // namespace stub
