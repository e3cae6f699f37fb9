#include "engine/provider_ops.h"

#include <string>

#include "core/config_change.h"
#include "engine/ledger_ops.h"

namespace stub {

Result<bool> ApplyPutProvider(LedgerTxn& lt, const ProviderRow& row, std::string_view actor,
                              Timestamp now) {
  STUB_ASSIGN_OR_RETURN(OrgRow * org_row, lt.Org(row.org));
  if (org_row == nullptr) return NotFound("unknown org '" + row.org + "'", "not_found");
  Transaction& txn = lt.txn();
  STUB_ASSIGN_OR_RETURN(std::optional<ProviderRow> old, txn.GetProvider(row.org, row.name));
  if (!old) {
    STUB_ASSIGN_OR_RETURN(std::vector<ProviderRow> all, txn.ListProviders(row.org));
    if (all.size() >= kMaxProvidersPerOrg) {
      return Status(StatusCode::kResourceExhausted,
                    "an org has at most " + std::to_string(kMaxProvidersPerOrg) + " providers",
                    "too_many_providers");
    }
  }
  ConfigChange change;
  change.actor = std::string(actor);
  change.action = std::string(kActionProviderUpdated);
  change.node = org_row->id;
  change.old_value = old ? nlohmann::json::parse(old->config, nullptr, false) : nlohmann::json();
  change.new_value = nlohmann::json::parse(row.config, nullptr, false);
  change.extra = {{"provider", row.name}};
  STUB_RETURN_IF_ERROR(txn.PutProvider(row));
  STUB_RETURN_IF_ERROR(AppendConfigEntry(lt, *org_row, change, now));
  return !old.has_value();
}

}  // namespace stub
