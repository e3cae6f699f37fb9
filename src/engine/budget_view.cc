#include "engine/budget_view.h"

#include <limits>
#include <map>
#include <string>
#include <utility>

namespace stub {
namespace {

struct Tree {
  std::map<std::string, NodeRow, std::less<>> rows;
  std::map<std::string, std::vector<std::string>, std::less<>> children;  // ids in order
};

Result<Tree> LoadTree(Transaction& txn, std::string_view org) {
  STUB_ASSIGN_OR_RETURN(auto org_row, txn.GetOrg(org));
  if (!org_row) return NotFound("unknown org '" + std::string(org) + "'", "not_found");
  STUB_ASSIGN_OR_RETURN(auto rows, txn.ListNodes(org));
  Tree t;
  for (auto& r : rows) {
    if (!r.node.parent.empty()) t.children[r.node.parent].push_back(r.node.id);
    std::string id = r.node.id;
    t.rows.emplace(std::move(id), std::move(r));
  }
  return t;
}

BudgetNodeView Build(const Tree& t, const NodeRow& row, Timestamp now) {
  BudgetNodeView v;
  v.node = row.node;
  for (const Limit& l : row.node.limits) {
    const BucketBalance b = CurrentBalance(row.balances, l.period, now);
    // Saturates instead of wrapping should the figures ever exceed int64.
    auto used = CheckedAdd(b.spent, b.held);
    auto left = used.ok() ? CheckedSub(l.amount, *used) : Result<Micros>(used.status());
    v.limits.push_back({.limit = l,
                        .spent = b.spent,
                        .held = b.held,
                        .remaining = left.ok() ? *left : std::numeric_limits<Micros>::min()});
  }
  // The chain from this node to the root.
  std::vector<ChainLink> chain;
  for (const NodeRow* cursor = &row; cursor != nullptr && chain.size() < kMaxTreeDepth;) {
    chain.push_back({&cursor->node, &cursor->balances});
    if (cursor->node.parent.empty()) break;
    auto up = t.rows.find(cursor->node.parent);
    cursor = up == t.rows.end() ? nullptr : &up->second;
  }
  const Approval left = Remaining(chain, now);
  v.effective_remaining = left.effective_remaining;
  v.binding = left.binding;
  if (auto kids = t.children.find(row.node.id); kids != t.children.end()) {
    for (const auto& id : kids->second) {
      auto child = t.rows.find(id);
      if (child != t.rows.end()) v.children.push_back(Build(t, child->second, now));
    }
  }
  return v;
}

}  // namespace

Result<BudgetNodeView> ReadBudgetTree(Transaction& txn, std::string_view org, Timestamp now) {
  return ReadBudgetNode(txn, org, org, now);
}

Result<BudgetNodeView> ReadBudgetNode(Transaction& txn, std::string_view org, std::string_view node,
                                      Timestamp now) {
  STUB_ASSIGN_OR_RETURN(Tree t, LoadTree(txn, org));
  auto it = t.rows.find(node);
  if (it == t.rows.end()) return NotFound("unknown node '" + std::string(node) + "'", "not_found");
  return Build(t, it->second, now);
}

}  // namespace stub
