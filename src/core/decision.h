// The spend decision: a pure function of the ancestor chain (with its current
// balances, limits and flags), the org's kill-switch, the request and `now`.
//
// It never reads a clock or a store. The engine reads the chain inside a
// transaction, calls Decide, and writes the result in the same transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/budget.h"
#include "core/money.h"
#include "core/period.h"

namespace stub {

enum class DenyReason : std::uint8_t {
  kBudgetExceeded = 0,
  kPerSpendLimit,
  kWindowLimit,
  kVendorBlocked,
  kVendorNotAllowed,
  kCategoryBlocked,
  kAgentFrozen,
  kKillSwitch,
  kVelocityTripped,
  kContention,
};

// The contract's snake_case code, e.g. "budget_exceeded".
std::string_view DenyReasonName(DenyReason r);
std::optional<DenyReason> ParseDenyReason(std::string_view name);

struct Denial {
  DenyReason reason = DenyReason::kBudgetExceeded;
  std::string node;              // the node whose rule refused; empty if none
  std::optional<Period> period;  // for kBudgetExceeded: the binding limit's period
  // The rule's amount (budget_exceeded: the limit; window_limit: the
  // window's amount; velocity_tripped: max_amount, or max_spends when the
  // count tripped it) and what was already used against it (spent + held;
  // the window's sum; the velocity window's amount or count).
  Micros limit = 0;
  Micros used = 0;
  std::string message;  // a human sentence
  // For kWindowLimit and kVelocityTripped: the window's length in seconds.
  std::int64_t window_seconds = 0;
  // True when limit and used count spends, not money (a velocity breaker
  // tripped by max_spends).
  bool counts_spends = false;
  bool operator==(const Denial&) const = default;
};

// The limit that leaves the least room; "binding" in the contract.
struct Binding {
  std::string node;
  Period period = Period::kTotal;
  bool operator==(const Binding&) const = default;
};

struct Approval {
  // Least remaining over every limit on the path after this amount is
  // applied; nullopt when no node on the path has a limit (unlimited).
  std::optional<Micros> effective_remaining;
  std::optional<Binding> binding;
};

struct Decision {
  std::optional<Approval> approval;  // set iff approved
  std::optional<Denial> denial;      // set iff denied
  bool approved() const { return approval.has_value(); }
};

// One node of the chain as the decision sees it.
struct ChainLink {
  const Node* node = nullptr;              // required, non-null
  const NodeBalances* balances = nullptr;  // required, non-null
};

struct DecisionInput {
  // The path from the spending agent (front) to the org root (back).
  // Requires: non-empty; front is an agent; back is the org.
  std::vector<ChainLink> chain;
  bool kill_switch = false;
  Micros amount = 0;  // requires > 0
  Timestamp now = 0;
};

// Decides a spend or a hold of `amount` (both count against every limit on
// the path). Precedence of denial reasons, first match wins:
//   kill_switch > agent_frozen (any frozen node on the path, nearest first)
//   > budget_exceeded.
// Among exceeded limits the binding one is reported: least remaining after the
// amount, ties to the node nearest the agent, then the shorter period.
// Pure; thread-safe.
Decision Decide(const DecisionInput& in);

// What is left on the chain at `now` with nothing more requested: the least
// remaining over every limit and the limit that sets it, as an approval
// reports them (nullopt when no node has a limit; negative if a limit is
// already exceeded). Pure; thread-safe.
Approval Remaining(const std::vector<ChainLink>& chain, Timestamp now);

}  // namespace stub
