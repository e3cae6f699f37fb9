// The policy value a node sets for every spend in its subtree (see
// policy.h for the rules that evaluate it). Kept apart from the rules so the
// node row (core/budget.h) can carry it without depending on the decision.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/money.h"

namespace stub {

// `amount` over the last `seconds`, over the node's whole subtree.
struct RollingWindow {
  Micros amount = 0;         // > 0
  std::int64_t seconds = 0;  // 1 .. kMaxPolicySeconds
  bool operator==(const RollingWindow&) const = default;
};

// Trips (auto-freezes the agent) when an agent's spends within `seconds`
// would exceed max_spends or max_amount (a zero bound is unset).
struct Velocity {
  std::int64_t max_spends = 0;
  Micros max_amount = 0;
  std::int64_t seconds = 0;  // 1 .. kMaxPolicySeconds
  bool operator==(const Velocity&) const = default;
};

// Allow and block lists. Vendor entries are NormalizeVendorPattern forms;
// category entries are ids ([a-z0-9][a-z0-9_.-]{0,63}, lowercased).
struct NameRules {
  std::vector<std::string> allow;
  std::vector<std::string> block;
  bool operator==(const NameRules&) const = default;
};

struct Policy {
  std::optional<Micros> max_per_spend;
  std::vector<RollingWindow> windows;
  NameRules vendors;
  NameRules categories;
  std::optional<Micros> approval_over;
  std::optional<Velocity> velocity;
  bool operator==(const Policy&) const = default;
  // No rule at all (the common case: the spend path skips every check).
  bool empty() const {
    return !max_per_spend && windows.empty() && vendors.allow.empty() && vendors.block.empty() &&
           categories.allow.empty() && categories.block.empty() && !approval_over && !velocity;
  }
};

// A node row's policy: immutable once set and shared between copies of the
// row, so reading a row (which stores copy) copies a pointer, not the lists.
// Compares by value. Thread-safe to read.
class SharedPolicy {
 public:
  SharedPolicy() = default;
  // NOLINTNEXTLINE(google-explicit-constructor): a policy is a shared policy
  SharedPolicy(Policy p) : p_(p.empty() ? nullptr : std::make_shared<const Policy>(std::move(p))) {}
  const Policy& operator*() const { return p_ ? *p_ : kNone; }
  const Policy* operator->() const { return &**this; }
  bool empty() const { return p_ == nullptr; }
  bool operator==(const SharedPolicy& other) const { return **this == *other; }

 private:
  static inline const Policy kNone{};
  std::shared_ptr<const Policy> p_;
};

inline constexpr std::int64_t kMaxPolicySeconds = 31LL * 24 * 3600;
inline constexpr std::size_t kMaxPolicyWindows = 8;
inline constexpr std::size_t kMaxPolicyListEntries = 1000;

}  // namespace stub
