#include "engine/wallet_ops.h"

#include <string>

#include "core/config_change.h"
#include "engine/ledger_ops.h"

namespace stub {

Result<bool> ApplyPutWallet(LedgerTxn& lt, const WalletRow& row, std::string_view actor,
                            Timestamp now) {
  STUB_ASSIGN_OR_RETURN(OrgRow * org_row, lt.Org(row.org));
  if (org_row == nullptr) return NotFound("unknown org '" + row.org + "'", "not_found");
  Transaction& txn = lt.txn();
  STUB_ASSIGN_OR_RETURN(std::optional<WalletRow> old, txn.GetWallet(row.org, row.id));
  if (!old) {
    STUB_ASSIGN_OR_RETURN(std::vector<WalletRow> all, txn.ListWallets(row.org));
    if (all.size() >= kMaxWalletsPerOrg) {
      return ResourceExhausted(
          "an org has at most " + std::to_string(kMaxWalletsPerOrg) + " wallets",
          "too_many_wallets");
    }
  }
  ConfigChange change;
  change.actor = std::string(actor);
  change.action = std::string(kActionWalletUpdated);
  change.node = org_row->id;
  change.old_value = old ? nlohmann::json::parse(old->config, nullptr, false) : nlohmann::json();
  change.new_value = nlohmann::json::parse(row.config, nullptr, false);
  change.extra = {{"wallet", row.id}};
  STUB_RETURN_IF_ERROR(txn.PutWallet(row));
  STUB_RETURN_IF_ERROR(AppendConfigEntry(lt, *org_row, change, now));
  return !old.has_value();
}

}  // namespace stub
