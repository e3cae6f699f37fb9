#include "core/api_key.h"

namespace stub {

std::string_view KeyRoleName(KeyRole r) {
  switch (r) {
    case KeyRole::kRoot:
      return "root";
    case KeyRole::kAdmin:
      return "admin";
    case KeyRole::kFinance:
      return "finance";
    case KeyRole::kApprover:
      return "approver";
    case KeyRole::kAgent:
      return "agent";
  }
  return "unknown";
}

std::optional<KeyRole> ParseKeyRole(std::string_view name) {
  for (KeyRole r :
       {KeyRole::kRoot, KeyRole::kAdmin, KeyRole::kFinance, KeyRole::kApprover, KeyRole::kAgent}) {
    if (KeyRoleName(r) == name) return r;
  }
  return std::nullopt;
}

}  // namespace stub
