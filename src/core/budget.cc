#include "core/budget.h"

#include <array>
#include <string>
#include <string_view>

namespace stub {
namespace {

Status InvalidNode(std::string message) {
  return InvalidArgument(std::move(message), "invalid_request");
}

bool IsIdLead(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsIdChar(char c) { return IsIdLead(c) || c == '_' || c == '.' || c == '-'; }

}  // namespace

std::string_view NodeKindName(NodeKind k) {
  switch (k) {
    case NodeKind::kOrg:
      return "org";
    case NodeKind::kTeam:
      return "team";
    case NodeKind::kAgent:
      return "agent";
  }
  return "unknown";
}

std::optional<NodeKind> ParseNodeKind(std::string_view name) {
  for (NodeKind k : {NodeKind::kOrg, NodeKind::kTeam, NodeKind::kAgent}) {
    if (NodeKindName(k) == name) return k;
  }
  return std::nullopt;
}

bool IsValidId(std::string_view id) {
  if (id.empty() || id.size() > 64 || !IsIdLead(id[0])) return false;
  for (char c : id.substr(1)) {
    if (!IsIdChar(c)) return false;
  }
  return true;
}

Status ValidateNode(const Node& node) {
  if (!IsValidId(node.id)) {
    return InvalidNode("node id must match [a-z0-9][a-z0-9_.-]{0,63}");
  }
  switch (node.kind) {
    case NodeKind::kOrg:
      if (!node.parent.empty()) return InvalidNode("the org node has no parent");
      break;
    case NodeKind::kTeam:
    case NodeKind::kAgent:
      if (!IsValidId(node.parent)) {
        return InvalidNode(std::string(NodeKindName(node.kind)) + " " + node.id +
                           " needs a valid parent id");
      }
      if (node.parent == node.id) return InvalidNode("a node cannot be its own parent");
      break;
    default:
      return InvalidNode("unknown node kind");
  }
  if (node.limits.size() > kMaxLimitsPerNode) {
    return InvalidNode("a node has at most " + std::to_string(kMaxLimitsPerNode) + " limits");
  }
  std::array<bool, kPeriodCount> seen{};
  for (const Limit& limit : node.limits) {
    const auto index = static_cast<std::size_t>(limit.period);
    if (index >= kPeriodCount) return InvalidNode("unknown limit period");
    if (limit.amount < 0) {
      return InvalidArgument("a limit amount cannot be negative", "invalid_amount");
    }
    if (seen[index]) {
      return InvalidNode("at most one " + std::string(PeriodName(limit.period)) +
                         " limit per node");
    }
    seen[index] = true;
  }
  return Status::Ok();
}

BucketBalance CurrentBalance(const NodeBalances& b, Period period, Timestamp now) {
  BucketStarts starts{};
  starts[static_cast<std::size_t>(period)] = BucketStart(period, now);
  return CurrentBalance(b, period, starts);
}

BucketBalance CurrentBalance(const NodeBalances& b, Period period, const BucketStarts& now) {
  const Timestamp start = now[static_cast<std::size_t>(period)];
  const BucketBalance& stored = b[static_cast<std::size_t>(period)];
  if (stored.start == start) return stored;
  BucketBalance fresh;
  fresh.start = start;
  return fresh;
}

Status ApplyDelta(NodeBalances& b, Timestamp at, Micros spent_delta, Micros held_delta) {
  return ApplyDelta(b, AllBucketStarts(at), spent_delta, held_delta);
}

Status ApplyDelta(NodeBalances& b, const BucketStarts& at, Micros spent_delta, Micros held_delta) {
  NodeBalances next = b;
  for (Period p : kAllPeriods) {
    BucketBalance& bucket = next[static_cast<std::size_t>(p)];
    const Timestamp start = at[static_cast<std::size_t>(p)];
    if (bucket.start > start) continue;  // closed history: only the journal has it
    if (bucket.start < start) bucket = BucketBalance{start, 0, 0};
    if (__builtin_add_overflow(bucket.spent, spent_delta, &bucket.spent) ||
        __builtin_add_overflow(bucket.held, held_delta, &bucket.held)) {
      return OutOfRange("balance of the " + std::string(PeriodName(p)) + " bucket overflows",
                        "amount_overflow");
    }
    if (bucket.spent < 0 || bucket.held < 0) {
      return Internal("balance of the " + std::string(PeriodName(p)) + " bucket would go negative");
    }
  }
  b = next;
  return Status::Ok();
}

}  // namespace stub
