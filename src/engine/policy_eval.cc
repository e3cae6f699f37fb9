#include "engine/policy_eval.h"

#include <string>

namespace stub {
namespace {

bool VelocityOnPath(const std::vector<NodeRow*>& chain) {
  for (const NodeRow* row : chain) {
    if (row->policy->velocity) return true;
  }
  return false;
}

bool Counts(const NodeRow& row, bool velocity_on_path) {
  return !row.policy->windows.empty() || (velocity_on_path && row.node.kind == NodeKind::kAgent);
}

Result<WindowUse> Used(LedgerTxn& lt, std::string_view org, const NodeRow& row,
                       std::int64_t seconds, Timestamp now) {
  STUB_ASSIGN_OR_RETURN(const WindowLogRow* first,
                        lt.FirstWindowLogAfter(org, row, WindowStart(now, seconds)));
  return UsedInWindow(row.window, first);
}

std::string Seconds(std::int64_t s) { return std::to_string(s) + " s"; }

}  // namespace

bool AnyPolicy(const std::vector<NodeRow*>& chain) {
  for (const NodeRow* row : chain) {
    if (!row->policy.empty()) return true;
  }
  return false;
}

Result<PolicyVerdict> EvaluatePolicies(LedgerTxn& lt, std::string_view org,
                                       const std::vector<NodeRow*>& chain, Micros amount,
                                       std::string_view vendor, std::string_view category,
                                       Timestamp now) {
  PolicyVerdict verdict;
  // Reused per thread: no allocation on the spend path.
  static thread_local std::vector<PolicyLink> links;
  links.clear();
  for (const NodeRow* row : chain) {
    if (!row->policy.empty()) links.push_back({row->node.id, &*row->policy});
  }
  verdict.denial = CheckListsAndPerSpend(links, amount, vendor, category);
  if (verdict.denial) return verdict;

  // Velocity: every velocity rule on the path bounds the agent's own events.
  const NodeRow& agent = *chain.front();
  for (const NodeRow* row : chain) {
    if (!row->policy->velocity) continue;
    const Velocity& v = *row->policy->velocity;
    STUB_ASSIGN_OR_RETURN(const WindowUse use, Used(lt, org, agent, v.seconds, now));
    const bool by_count = v.max_spends > 0 && use.count + 1 > v.max_spends;
    const bool by_amount = v.max_amount > 0 && use.amount > v.max_amount - amount;
    if (!by_count && !by_amount) continue;
    Denial d;
    d.reason = DenyReason::kVelocityTripped;
    d.node = row->node.id;
    d.window_seconds = v.seconds;
    if (by_amount) {
      d.limit = v.max_amount;
      d.used = use.amount;
      d.message = "agent " + agent.node.id + " tripped the velocity breaker of " + row->node.id +
                  ": " + FormatAmount(use.amount) + " spent in the last " + Seconds(v.seconds) +
                  ", " + FormatAmount(amount) + " requested, at most " +
                  FormatAmount(v.max_amount) + "; the agent is frozen";
    } else {
      d.limit = v.max_spends;
      d.used = use.count;
      d.counts_spends = true;
      d.message = "agent " + agent.node.id + " tripped the velocity breaker of " + row->node.id +
                  ": " + std::to_string(use.count) + " spends in the last " + Seconds(v.seconds) +
                  ", at most " + std::to_string(v.max_spends) + "; the agent is frozen";
    }
    verdict.denial = std::move(d);
    verdict.trips_velocity = true;
    return verdict;
  }

  // Rolling windows, nearest node first, shorter windows first.
  for (const NodeRow* row : chain) {
    for (const RollingWindow& w : row->policy->windows) {
      STUB_ASSIGN_OR_RETURN(const WindowUse use, Used(lt, org, *row, w.seconds, now));
      if (use.amount <= w.amount - amount) continue;
      Denial d;
      d.reason = DenyReason::kWindowLimit;
      d.node = row->node.id;
      d.limit = w.amount;
      d.used = use.amount;
      d.window_seconds = w.seconds;
      d.message = std::string(NodeKindName(row->node.kind)) + " " + row->node.id + "'s limit of " +
                  FormatAmount(w.amount) + " per " + Seconds(w.seconds) +
                  " is exhausted: " + FormatAmount(use.amount) + " used in the window, " +
                  FormatAmount(amount) + " requested";
      verdict.denial = std::move(d);
      return verdict;
    }
  }

  if (auto rule = ApprovalThreshold(links); rule && amount > rule->over) {
    verdict.approval = std::move(rule);
  }
  return verdict;
}

Status CountWindows(LedgerTxn& lt, std::string_view org, const std::vector<NodeRow*>& chain,
                    Micros amount, Timestamp now) {
  const bool velocity = VelocityOnPath(chain);
  for (NodeRow* row : chain) {
    if (!Counts(*row, velocity)) continue;
    STUB_ASSIGN_OR_RETURN(WindowLogRow log,
                          CountEvent(row->window, std::string(org), row->node.id, amount, now));
    STUB_RETURN_IF_ERROR(lt.AppendWindowLog(std::move(log)));
  }
  return Status::Ok();
}

}  // namespace stub
