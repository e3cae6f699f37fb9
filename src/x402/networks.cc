#include "x402/networks.h"

#include <array>
#include <utility>

namespace stub::x402 {
namespace {

// @x402/evm 2.27's EVM_NETWORK_CHAIN_ID_MAP (the v1 names).
constexpr std::array<std::pair<std::string_view, std::uint64_t>, 23> kV1Names = {{
    {"ethereum", 1},
    {"sepolia", 11155111},
    {"abstract", 2741},
    {"abstract-testnet", 11124},
    {"base-sepolia", 84532},
    {"base", 8453},
    {"avalanche-fuji", 43113},
    {"avalanche", 43114},
    {"iotex", 4689},
    {"sei", 1329},
    {"sei-testnet", 1328},
    {"polygon", 137},
    {"polygon-amoy", 80002},
    {"peaq", 3338},
    {"story", 1514},
    {"educhain", 41923},
    {"skale-base-sepolia", 324705682},
    {"megaeth", 4326},
    {"monad", 143},
    {"stable", 988},
    {"stable-testnet", 2201},
    {"celo", 42220},
    {"flare", 14},
}};

}  // namespace

std::optional<std::uint64_t> EvmChainId(std::string_view network) {
  constexpr std::string_view kPrefix = "eip155:";
  if (network.substr(0, kPrefix.size()) == kPrefix) {
    const std::string_view digits = network.substr(kPrefix.size());
    if (digits.empty() || digits.size() > 19 || digits[0] == '0') return std::nullopt;
    std::uint64_t id = 0;
    for (const char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;
      id = id * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return id;
  }
  for (const auto& [name, id] : kV1Names) {
    if (name == network) return id;
  }
  return std::nullopt;
}

std::string Caip2(std::uint64_t chain_id) { return "eip155:" + std::to_string(chain_id); }

}  // namespace stub::x402
