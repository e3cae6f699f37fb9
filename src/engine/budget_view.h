// The budget tree as finance reads it: for every node and each of its limits,
// what was spent and is held in the current period and what remains; for a
// node, the least remaining over it and its ancestors (effective_remaining)
// and the limit that sets it (binding). Shared by the server and the CLI.
//
// Reads one consistent snapshot through the given transaction. Pure apart
// from the reads; thread-safe as the transaction is.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "core/budget.h"
#include "core/decision.h"
#include "core/status.h"
#include "store/store.h"

namespace stub {

struct LimitView {
  Limit limit;
  Micros spent = 0;      // in the current bucket of limit.period
  Micros held = 0;       // pending holds, same bucket
  Micros remaining = 0;  // limit − spent − held; negative if over
};

struct BudgetNodeView {
  Node node;
  std::vector<LimitView> limits;
  std::vector<BudgetNodeView> children;  // ordered by id
  // Least remaining over this node and every ancestor (nullopt: no limit on
  // the path), and the limit that sets it.
  std::optional<Micros> effective_remaining;
  std::optional<Binding> binding;
};

// The whole tree of `org` at `now`, rooted at the org node.
// Errors: kNotFound "not_found" (org).
Result<BudgetNodeView> ReadBudgetTree(Transaction& txn, std::string_view org, Timestamp now);

// One node of `org` and its subtree at `now`.
// Errors: kNotFound "not_found" (org or node).
Result<BudgetNodeView> ReadBudgetNode(Transaction& txn, std::string_view org, std::string_view node,
                                      Timestamp now);

}  // namespace stub
