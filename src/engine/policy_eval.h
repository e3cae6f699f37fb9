// Evaluation of the spend policies on an agent's path, inside the spend's
// transaction (see core/policy.h for the rules, core/window.h for windows).
//
// Every rule reads only rows the spend already reads and writes — the node
// rows of the path — plus the rolling-window log of nodes on the path. Every
// spend or hold in a node's subtree writes that node's row, so a window
// decision conflicts (first committer wins) with any concurrent spend that
// could change it, on every store: windows, velocity and freezes are as
// exact under concurrency as the budget itself.
//
// Order (first match wins): vendor_blocked > vendor_not_allowed >
// category_blocked > per_spend_limit > velocity_tripped > window_limit.
// (kill_switch and agent_frozen come before all of them; budget_exceeded and
// the approval threshold after; see ledger_ops.cc.)
//
// Not thread-safe; lives inside one transaction attempt.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "core/budget.h"
#include "core/decision.h"
#include "core/policy.h"
#include "engine/ledger_txn.h"

namespace stub {

struct PolicyVerdict {
  std::optional<Denial> denial;
  // Set with a kVelocityTripped denial: the agent must be frozen.
  bool trips_velocity = false;
  // The least approval_over on the path, when the amount is over it.
  std::optional<ApprovalRule> approval;
};

// True if any node of `chain` has a policy (the common case without one
// skips every check below).
bool AnyPolicy(const std::vector<NodeRow*>& chain);

// Evaluates every policy rule of `chain` (agent first, org last) for a spend
// of `amount` to `vendor` in `category` at `now`. Errors: store errors only.
Result<PolicyVerdict> EvaluatePolicies(LedgerTxn& lt, std::string_view org,
                                       const std::vector<NodeRow*>& chain, Micros amount,
                                       std::string_view vendor, std::string_view category,
                                       Timestamp now);

// Counts a booked spend or hold of `amount` on every node of `chain` that
// counts (its policy has windows; the agent, when a velocity rule is on the
// path): advances the node's counter (the caller marks the rows dirty, as it
// does for every booked spend) and appends its log row.
Status CountWindows(LedgerTxn& lt, std::string_view org, const std::vector<NodeRow*>& chain,
                    Micros amount, Timestamp now);

}  // namespace stub
