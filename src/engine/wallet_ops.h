// The write of an x402 wallet (issue 22) inside an operator transaction: the
// row, and the config journal entry that audits it.
#pragma once

#include <string_view>

#include "core/status.h"
#include "core/time_util.h"
#include "core/wallet_row.h"
#include "engine/ledger_txn.h"

namespace stub {

// Puts `row` and appends a `wallet.updated` config entry to the org's chain:
// node = the org, old and new = the wallet's config JSON (null old when new),
// extra = {"wallet": id}. Returns true when the wallet is new. Requires:
// row.config is JSON text. Errors: kNotFound (org), kResourceExhausted
// "too_many_wallets" (kMaxWalletsPerOrg reached).
Result<bool> ApplyPutWallet(LedgerTxn& lt, const WalletRow& row, std::string_view actor,
                            Timestamp now);

}  // namespace stub
