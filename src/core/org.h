// An org (tenant): its identity, currency, and the mutable head of its hash
// chain. The org row is touched by every spend transaction of the org, so the
// chain order is the commit order and the kill-switch is linearizable.
#pragma once

#include <cstdint>
#include <limits>
#include <string>

#include "core/journal.h"
#include "core/time_util.h"

namespace stub {

struct OrgRow {
  std::string id;  // also the id of the org's root node
  std::string name;
  std::string currency = "USD";
  Timestamp created_at = 0;
  std::uint64_t head_seq = 0;            // seq of the last entry; 0 before the first
  std::string head_hash = kGenesisHash;  // hash of the last entry
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
  bool operator==(const OrgRow&) const = default;
};

}  // namespace stub
