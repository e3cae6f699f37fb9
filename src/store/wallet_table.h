// The wallets table (core/wallet_row.h WalletRow), specified once for both
// SQL stores: its columns in order, the row reader and the binder. Key
// (org, id); `config` is JSON text. No key material is ever in it.
#pragma once

#include "core/wallet_row.h"

// The columns, in the order ReadWallet reads and BindWallet binds them.
#define STUB_WALLET_COLS "org, id, config, updated_at"

namespace stub::wallet_table {

// `Row` has Text(i) and Int(i) column readers (store/row_codec.h's rows).
template <typename Row>
WalletRow ReadWallet(const Row& q) {
  return WalletRow{.org = q.Text(0), .id = q.Text(1), .config = q.Text(2), .updated_at = q.Int(3)};
}

// `Binder` has chainable Text(std::string_view) and Int(std::int64_t).
template <typename Binder>
void BindWallet(Binder& b, const WalletRow& r) {
  b.Text(r.org).Text(r.id).Text(r.config).Int(r.updated_at);
}

}  // namespace stub::wallet_table
