#include "core/policy.h"

#include <algorithm>

#include "core/budget.h"
#include "core/vendor.h"

namespace stub {
namespace {

Status CheckAmount(std::string_view field, Micros amount) {
  if (amount <= 0) {
    return InvalidArgument(std::string(field) + " must be a positive amount", "invalid_amount");
  }
  return Status::Ok();
}

Status CheckSeconds(std::string_view field, std::int64_t seconds) {
  if (seconds < 1 || seconds > kMaxPolicySeconds) {
    return InvalidRequest(std::string(field) + " must be 1.." + std::to_string(kMaxPolicySeconds) +
                          " seconds");
  }
  return Status::Ok();
}

template <typename Normalize>
Status NormalizeList(std::string_view field, std::vector<std::string>& list, Normalize&& norm) {
  if (list.size() > kMaxPolicyListEntries) {
    return InvalidRequest(std::string(field) + " has more than " +
                          std::to_string(kMaxPolicyListEntries) + " entries");
  }
  for (std::string& entry : list) {
    auto normalized = norm(entry);
    if (!normalized.ok()) {
      return InvalidRequest(std::string(field) + ": " + normalized.status().message());
    }
    entry = std::move(*normalized);
  }
  std::sort(list.begin(), list.end());
  list.erase(std::unique(list.begin(), list.end()), list.end());
  return Status::Ok();
}

Result<std::string> NormalizeCategory(std::string_view raw) {
  std::string c(raw);
  for (char& ch : c) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  if (!IsValidId(c)) {
    return InvalidRequest("category '" + std::string(raw.substr(0, 64)) +
                          "' must match [a-z0-9][a-z0-9_.-]{0,63}");
  }
  return c;
}

bool AnyVendorMatch(const std::vector<std::string>& patterns, std::string_view vendor) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const std::string& p) { return VendorMatches(p, vendor); });
}

bool Contains(const std::vector<std::string>& sorted, std::string_view value) {
  // A short list (the usual case) is scanned: most entries differ in length
  // and are passed over without comparing their bytes.
  if (sorted.size() <= 8) {
    return std::any_of(sorted.begin(), sorted.end(),
                       [&](const std::string& s) { return std::string_view(s) == value; });
  }
  return std::binary_search(sorted.begin(), sorted.end(), value, std::less<>());
}

Denial Deny(DenyReason reason, std::string_view node, std::string message) {
  Denial d;
  d.reason = reason;
  d.node = std::string(node);
  d.message = std::move(message);
  return d;
}

}  // namespace

Status NormalizePolicy(Policy& p) {
  if (p.max_per_spend) STUB_RETURN_IF_ERROR(CheckAmount("max_per_spend", *p.max_per_spend));
  if (p.approval_over) STUB_RETURN_IF_ERROR(CheckAmount("approval_over", *p.approval_over));
  if (p.windows.size() > kMaxPolicyWindows) {
    return InvalidRequest("at most " + std::to_string(kMaxPolicyWindows) + " windows");
  }
  for (const RollingWindow& w : p.windows) {
    STUB_RETURN_IF_ERROR(CheckAmount("windows[].amount", w.amount));
    STUB_RETURN_IF_ERROR(CheckSeconds("windows[].seconds", w.seconds));
  }
  std::sort(p.windows.begin(), p.windows.end(), [](const RollingWindow& a, const RollingWindow& b) {
    return a.seconds != b.seconds ? a.seconds < b.seconds : a.amount < b.amount;
  });
  p.windows.erase(std::unique(p.windows.begin(), p.windows.end()), p.windows.end());
  if (p.velocity) {
    const Velocity& v = *p.velocity;
    STUB_RETURN_IF_ERROR(CheckSeconds("velocity.seconds", v.seconds));
    if (v.max_spends < 0) return InvalidRequest("velocity.max_spends must not be negative");
    if (v.max_amount < 0) {
      return InvalidArgument("velocity.max_amount must be a positive amount", "invalid_amount");
    }
    if (v.max_spends == 0 && v.max_amount == 0) {
      return InvalidRequest("velocity needs max_spends or max_amount");
    }
  }
  STUB_RETURN_IF_ERROR(NormalizeList("vendors.allow", p.vendors.allow, NormalizeVendorPattern));
  STUB_RETURN_IF_ERROR(NormalizeList("vendors.block", p.vendors.block, NormalizeVendorPattern));
  STUB_RETURN_IF_ERROR(NormalizeList("categories.allow", p.categories.allow, NormalizeCategory));
  STUB_RETURN_IF_ERROR(NormalizeList("categories.block", p.categories.block, NormalizeCategory));
  return Status::Ok();
}

std::optional<Denial> CheckListsAndPerSpend(const std::vector<PolicyLink>& chain, Micros amount,
                                            std::string_view vendor, std::string_view category) {
  for (const PolicyLink& l : chain) {
    const auto& block = l.policy->vendors.block;
    if (!block.empty() && AnyVendorMatch(block, vendor)) {
      return Deny(DenyReason::kVendorBlocked, l.node,
                  "vendor " + std::string(vendor) + " is blocked by " + std::string(l.node));
    }
  }
  for (const PolicyLink& l : chain) {
    const auto& allow = l.policy->vendors.allow;
    if (!allow.empty() && !AnyVendorMatch(allow, vendor)) {
      return Deny(
          DenyReason::kVendorNotAllowed, l.node,
          "vendor " + std::string(vendor) + " is not on the allow list of " + std::string(l.node));
    }
  }
  for (const PolicyLink& l : chain) {
    const auto& block = l.policy->categories.block;
    if (!block.empty() && Contains(block, category)) {
      return Deny(DenyReason::kCategoryBlocked, l.node,
                  "category " + std::string(category) + " is blocked by " + std::string(l.node));
    }
  }
  for (const PolicyLink& l : chain) {
    const auto& allow = l.policy->categories.allow;
    if (!allow.empty() && !Contains(allow, category)) {
      return Deny(DenyReason::kCategoryBlocked, l.node,
                  "category " + std::string(category) + " is not on the allow list of " +
                      std::string(l.node));
    }
  }
  const PolicyLink* strictest = nullptr;
  for (const PolicyLink& l : chain) {
    if (!l.policy->max_per_spend) continue;
    if (strictest == nullptr || *l.policy->max_per_spend < *strictest->policy->max_per_spend) {
      strictest = &l;
    }
  }
  if (strictest != nullptr && amount > *strictest->policy->max_per_spend) {
    Denial d = Deny(DenyReason::kPerSpendLimit, strictest->node,
                    "a spend of " + FormatAmount(amount) + " is over the per-spend maximum of " +
                        FormatAmount(*strictest->policy->max_per_spend) + " set by " +
                        std::string(strictest->node));
    d.limit = *strictest->policy->max_per_spend;
    return d;
  }
  return std::nullopt;
}

std::optional<ApprovalRule> ApprovalThreshold(const std::vector<PolicyLink>& chain) {
  std::optional<ApprovalRule> out;
  for (const PolicyLink& l : chain) {
    if (!l.policy->approval_over) continue;
    if (!out || *l.policy->approval_over < out->over) {
      out = ApprovalRule{std::string(l.node), *l.policy->approval_over};
    }
  }
  return out;
}

}  // namespace stub
