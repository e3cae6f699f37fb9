// The write of an LLM provider (issue 21) inside an operator transaction:
// the row, and the config journal entry that audits it.
#pragma once

#include <string_view>

#include "core/provider_config.h"
#include "core/status.h"
#include "core/time_util.h"
#include "engine/ledger_txn.h"

namespace stub {

// Puts `row` (row.org, row.name; row.sealed_key already sealed) and appends a
// `provider.updated` config entry to the org's chain: node = the org, old and
// new = the settings JSON (row.config; null old when new), extra = {"provider":
// name}. The key is never in the entry. Returns true when the provider is new.
// Requires: row.config is ProviderSettingsJson text. Errors: kNotFound (org),
// kResourceExhausted "too_many_providers" (kMaxProvidersPerOrg reached).
Result<bool> ApplyPutProvider(LedgerTxn& lt, const ProviderRow& row, std::string_view actor,
                              Timestamp now);

}  // namespace stub
