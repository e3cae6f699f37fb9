#include "core/outcome.h"

#include <string_view>

namespace stub {

std::string_view OutcomeStatusName(OutcomeStatus s) {
  switch (s) {
    case OutcomeStatus::kApproved:
      return "approved";
    case OutcomeStatus::kDenied:
      return "denied";
    case OutcomeStatus::kHeld:
      return "held";
    case OutcomeStatus::kPendingApproval:
      return "pending_approval";
  }
  return "unknown";
}

}  // namespace stub
