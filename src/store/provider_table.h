// The providers table (core/provider_config.h ProviderRow), specified once
// for both SQL stores: its columns in order, the row reader and the binder.
// Key (org, name); `config` is JSON text without the secret, `sealed_key` the
// AEAD-sealed upstream key (core/secret_box.h), never in the clear.
#pragma once

#include "core/provider_config.h"

// The columns, in the order ReadProvider reads and BindProvider binds them.
#define STUB_PROVIDER_COLS "org, name, config, sealed_key, updated_at"

namespace stub::provider_table {

// `Row` has Text(i) and Int(i) column readers (store/row_codec.h's rows).
template <typename Row>
ProviderRow ReadProvider(const Row& q) {
  return ProviderRow{.org = q.Text(0),
                     .name = q.Text(1),
                     .config = q.Text(2),
                     .sealed_key = q.Text(3),
                     .updated_at = q.Int(4)};
}

// `Binder` has chainable Text(std::string_view) and Int(std::int64_t).
template <typename Binder>
void BindProvider(Binder& b, const ProviderRow& r) {
  b.Text(r.org).Text(r.name).Text(r.config).Text(r.sealed_key).Int(r.updated_at);
}

}  // namespace stub::provider_table
