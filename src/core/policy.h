// Spend policies: the rules a node sets for every spend in its subtree, on top
// of its budget limits (see API.md, "Safety"). This file holds the policy
// value, its validation, and the rules that are a pure function of the
// request and the chain of policies — vendor and category lists, the
// per-spend maximum and the approval threshold. Rolling windows and the
// velocity breaker also need the subtree's recent spends; the engine checks
// them against rows it reads in the same transaction.
//
// Inheritance: a policy applies to its node's whole subtree, and every
// policy on the path from the agent to the org applies at once, so the
// strictest value wins and a block anywhere on the path wins:
//   - vendors: blocked if any block entry on the path matches; otherwise, not
//     allowed if any node on the path has an allow list it does not match;
//   - categories: the same, both reported as category_blocked (the contract's
//     one category code);
//   - max_per_spend and approval_over: the least value on the path.
//
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/decision.h"
#include "core/money.h"
#include "core/policy_value.h"
#include "core/status.h"

namespace stub {

// Checks and normalises `policy` in place: amounts > 0, seconds in
// 1..kMaxPolicySeconds, at most kMaxPolicyWindows windows, list entries
// normalised (vendor patterns, lowercase category ids), de-duplicated and
// sorted, at most kMaxPolicyListEntries per list, a velocity with at least
// one bound. Errors: kInvalidArgument ("invalid_request", or
// "invalid_amount" for a bad amount) naming the field.
Status NormalizePolicy(Policy& policy);

// A node's policy as the checks see it.
struct PolicyLink {
  std::string_view node;
  const Policy* policy = nullptr;  // required, non-null
};

// The list and per-spend rules for a spend of `amount` to the normalised
// `vendor` in `category`, over the chain (agent first, org last). Returns the
// first denial in this order: vendor_blocked, vendor_not_allowed,
// category_blocked, per_spend_limit — each naming the node whose rule refused
// (the nearest to the agent) and, for per_spend_limit, the limit.
std::optional<Denial> CheckListsAndPerSpend(const std::vector<PolicyLink>& chain, Micros amount,
                                            std::string_view vendor, std::string_view category);

// The least approval_over on the chain and the node that sets it (nearest to
// the agent on ties); a spend of more than it needs an approval.
struct ApprovalRule {
  std::string node;
  Micros over = 0;
};
std::optional<ApprovalRule> ApprovalThreshold(const std::vector<PolicyLink>& chain);

}  // namespace stub
