#include "core/decision.h"

#include <array>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>

namespace stub {
namespace {

constexpr std::array<std::string_view, 10> kDenyReasonNames = {
    "budget_exceeded",  "per_spend_limit", "window_limit", "vendor_blocked",   "vendor_not_allowed",
    "category_blocked", "agent_frozen",    "kill_switch",  "velocity_tripped", "contention",
};

// Budget arithmetic is done in 128 bits: limit − (spent + held) − amount of
// any int64 inputs is exact, so an overflow can neither wrap nor hide an
// exceeded limit.
using Wide = __int128;

Micros Saturate(Wide v) {
  if (v > std::numeric_limits<Micros>::max()) return std::numeric_limits<Micros>::max();
  if (v < std::numeric_limits<Micros>::min()) return std::numeric_limits<Micros>::min();
  return static_cast<Micros>(v);
}

// The limit that leaves the least room after `amount`: ties go to the node
// nearest the agent (lower index), then to the shorter period.
struct BindingLimit {
  Wide remaining;
  std::size_t index;
  Period period;
  Micros limit;
  Wide used;
};

std::optional<BindingLimit> FindBinding(const std::vector<ChainLink>& chain, Micros amount,
                                        Timestamp now) {
  std::optional<BindingLimit> best;
  for (std::size_t i = 0; i < chain.size(); ++i) {
    const ChainLink& link = chain[i];
    for (const Limit& limit : link.node->limits) {
      const BucketBalance bal = CurrentBalance(*link.balances, limit.period, now);
      const Wide used = Wide{bal.spent} + Wide{bal.held};
      const Wide remaining = Wide{limit.amount} - used - Wide{amount};
      const bool better = !best || remaining < best->remaining ||
                          (remaining == best->remaining &&
                           (i < best->index || (i == best->index && limit.period < best->period)));
      if (better) best = BindingLimit{remaining, i, limit.period, limit.amount, used};
    }
  }
  return best;
}

std::string Describe(const Node& node) {
  std::string out(NodeKindName(node.kind));
  out += ' ';
  out += node.id;
  return out;
}

}  // namespace

std::string_view DenyReasonName(DenyReason r) {
  const auto index = static_cast<std::size_t>(r);
  return index < kDenyReasonNames.size() ? kDenyReasonNames[index] : "unknown";
}

std::optional<DenyReason> ParseDenyReason(std::string_view name) {
  for (std::size_t i = 0; i < kDenyReasonNames.size(); ++i) {
    if (kDenyReasonNames[i] == name) return static_cast<DenyReason>(i);
  }
  return std::nullopt;
}

Approval Remaining(const std::vector<ChainLink>& chain, Timestamp now) {
  Approval approval;
  if (const auto best = FindBinding(chain, 0, now)) {
    approval.effective_remaining = Saturate(best->remaining);
    approval.binding = Binding{chain[best->index].node->id, best->period};
  }
  return approval;
}

Decision Decide(const DecisionInput& in) {
  Decision decision;

  if (in.kill_switch) {
    Denial d;
    d.reason = DenyReason::kKillSwitch;
    if (!in.chain.empty()) d.node = in.chain.back().node->id;
    d.message = "the kill switch of org " + d.node + " is engaged";
    decision.denial = std::move(d);
    return decision;
  }

  for (const ChainLink& link : in.chain) {
    if (!link.node->frozen) continue;
    Denial d;
    d.reason = DenyReason::kAgentFrozen;
    d.node = link.node->id;
    d.message = Describe(*link.node) + " is frozen";
    if (!link.node->frozen_reason.empty()) d.message += ": " + link.node->frozen_reason;
    decision.denial = std::move(d);
    return decision;
  }

  const std::optional<BindingLimit> best = FindBinding(in.chain, in.amount, in.now);
  if (best && best->remaining < 0) {
    const Node& node = *in.chain[best->index].node;
    Denial d;
    d.reason = DenyReason::kBudgetExceeded;
    d.node = node.id;
    d.period = best->period;
    d.limit = best->limit;
    d.used = Saturate(best->used);
    d.message = Describe(node) + "'s " + std::string(PeriodName(best->period)) + " limit of " +
                FormatAmount(best->limit) + " is exhausted: " + FormatAmount(d.used) + " used, " +
                FormatAmount(in.amount) + " requested";
    decision.denial = std::move(d);
    return decision;
  }

  Approval approval;
  if (best) {
    approval.effective_remaining = Saturate(best->remaining);
    approval.binding = Binding{in.chain[best->index].node->id, best->period};
  }
  decision.approval = std::move(approval);
  return decision;
}

}  // namespace stub
