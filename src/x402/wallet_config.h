// An org's x402 wallet as an admin puts it (PUT /v1/wallets/{id}):
//
//   {"signer": "ops",                         // registered: stub serve --signer ops=…
//    "networks": ["eip155:8453", "base", …],  // CAIP-2 ids or x402 v1 names
//    "assets": {"0x8335…2913": {"decimals": 6, "rate": "1"}},
//    "category": "x402"}                      // optional; what payments are booked under
//
// `rate` is org currency per whole token, a decimal string. The wallet keeps
// no key: `address` is derived from the signer when the wallet is put, and a
// payment checks the signer still has it.
//
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/money.h"
#include "core/status.h"
#include "x402/payment_choice.h"

namespace stub::x402 {

inline constexpr std::size_t kMaxWalletNetworks = 32;
inline constexpr std::size_t kMaxWalletAssets = 32;

struct WalletConfig {
  std::string id;
  std::string signer;
  std::vector<std::string> networks;  // as the admin wrote them
  WalletTerms terms;                  // chain ids and assets, resolved
  std::string category = "x402";
  Address address;  // the signer's, when the wallet was put
};

// Parses a PUT body for wallet `id` (address not set: the caller derives it
// from the signer). Errors: kInvalidArgument "invalid_request" (unknown or
// missing field, bad id, signer name, network, address or decimals) or
// "invalid_amount" (a rate that is not a positive decimal string).
Result<WalletConfig> WalletFromJson(std::string_view id, const nlohmann::json& body);

// {"id", "signer", "address", "networks", "assets", "category"}: what GET
// shows and what the store keeps (WalletRow::config).
nlohmann::json WalletToJson(const WalletConfig& wallet);

// Reads WalletToJson's output back. Errors: kInternal when the stored text is
// not that (a corrupt row).
Result<WalletConfig> WalletFromStored(std::string_view id, std::string_view text);

}  // namespace stub::x402
