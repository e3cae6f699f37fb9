// The budget tree: an org root, nestable teams, and agents (leaves). Each node
// carries zero or more limits and the running balances of the current bucket of
// every period.
//
// A node's balances are updated by *every* spend or hold of the node or any of
// its descendants, whether or not the node has a limit: the node's row is the
// serialization point that makes limits safe under snapshot isolation.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/money.h"
#include "core/period.h"
#include "core/policy_value.h"
#include "core/status.h"
#include "core/window.h"

namespace stub {

enum class NodeKind : std::uint8_t { kOrg = 0, kTeam, kAgent };

std::string_view NodeKindName(NodeKind k);  // "org" | "team" | "agent"
std::optional<NodeKind> ParseNodeKind(std::string_view name);

// At most this many nodes on the path agent → org (inclusive).
inline constexpr std::size_t kMaxTreeDepth = 16;
// At most this many limits on one node.
inline constexpr std::size_t kMaxLimitsPerNode = 16;

struct Limit {
  Micros amount = 0;  // >= 0
  Period period = Period::kMonth;
  bool operator==(const Limit&) const = default;
};

// Spent and held of one bucket.
struct BucketBalance {
  // Start of the bucket these figures belong to; kNoBucket if never used.
  Timestamp start = kNoBucket;
  Micros spent = 0;
  Micros held = 0;
  static constexpr Timestamp kNoBucket = std::numeric_limits<Timestamp>::min();
  bool operator==(const BucketBalance&) const = default;
};

// The most recent bucket of each period, indexed by Period.
using NodeBalances = std::array<BucketBalance, kPeriodCount>;

struct Node {
  std::string id;
  NodeKind kind = NodeKind::kAgent;
  std::string parent;  // empty for the org root
  std::string name;
  std::vector<Limit> limits;
  bool frozen = false;
  std::string frozen_reason;
  bool operator==(const Node&) const = default;
};

// A node as stored: configuration plus running balances.
struct NodeRow {
  Node node;
  NodeBalances balances{};
  // The node's own spend policy (empty: none); see core/policy.h.
  SharedPolicy policy;
  // Running totals of the events this node counts for rolling windows and
  // velocity (core/window.h); all zero for a node that never counted.
  WindowCounter window;
  std::uint64_t version = 0;  // bumped on every write; a debugging aid
  bool operator==(const NodeRow&) const = default;
};

// True if `id` matches [a-z0-9][a-z0-9_.-]{0,63}.
bool IsValidId(std::string_view id);

// Checks a node's own fields: id syntax, kind/parent consistency, limit
// amounts non-negative, at most one limit per period, limit count bound.
// Errors: kInvalidArgument, reason "invalid_request" (or "invalid_amount").
Status ValidateNode(const Node& node);

// The balance of `period` in the bucket containing `now`: the stored figures if
// the stored bucket is that bucket, zero if the stored bucket is older.
BucketBalance CurrentBalance(const NodeBalances& b, Period period, Timestamp now);
// The same, given AllBucketStarts(now).
BucketBalance CurrentBalance(const NodeBalances& b, Period period, const BucketStarts& now);

// Adds (spent_delta, held_delta) to the bucket of each period that contains
// `at`. A stored bucket older than that is replaced by a fresh one starting at
// zero; a stored bucket newer than that is left alone (the delta belongs to
// closed history and lives only in the journal). Errors: kOutOfRange on
// overflow, kInternal if a figure would go negative; `b` is unchanged then.
Status ApplyDelta(NodeBalances& b, Timestamp at, Micros spent_delta, Micros held_delta);
// The same, given AllBucketStarts(at).
Status ApplyDelta(NodeBalances& b, const BucketStarts& at, Micros spent_delta, Micros held_delta);

}  // namespace stub
