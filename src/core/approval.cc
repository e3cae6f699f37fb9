#include "core/approval.h"

namespace stub {

std::string_view ApprovalStatusName(ApprovalStatus s) {
  switch (s) {
    case ApprovalStatus::kPending:
      return "pending";
    case ApprovalStatus::kApproved:
      return "approved";
    case ApprovalStatus::kDenied:
      return "denied";
    case ApprovalStatus::kExpired:
      return "expired";
  }
  return "unknown";
}

std::optional<ApprovalStatus> ParseApprovalStatus(std::string_view name) {
  for (auto s : {ApprovalStatus::kPending, ApprovalStatus::kApproved, ApprovalStatus::kDenied,
                 ApprovalStatus::kExpired}) {
    if (ApprovalStatusName(s) == name) return s;
  }
  return std::nullopt;
}

}  // namespace stub
