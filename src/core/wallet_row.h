// An org's x402 wallet (issue 22) as stored: which registered signer pays,
// on which networks, in which assets at which rates (x402/wallet_config.h
// reads and writes `config`). A wallet never holds a private key: `config`
// names a signer registered when the server starts, and keeps the address
// derived from it when the wallet was put, so a signer whose key changed is
// noticed rather than paid from.
//
// Pure; thread-safe.
#pragma once

#include <cstddef>
#include <string>

#include "core/time_util.h"

namespace stub {

inline constexpr std::size_t kMaxWalletsPerOrg = 20;

struct WalletRow {
  std::string org;
  std::string id;      // a slug (core/text_limits.h IsSlug)
  std::string config;  // x402::WalletConfigJson's text
  Timestamp updated_at = 0;
  friend bool operator==(const WalletRow&, const WalletRow&) = default;
};

}  // namespace stub
