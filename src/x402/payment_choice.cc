#include "x402/payment_choice.h"

#include <algorithm>
#include <limits>
#include <string>

namespace stub::x402 {

Result<Micros> AtomicToMicros(Uint128 atomic, int decimals, Micros rate) {
  constexpr Uint128 kMax = ~Uint128{0};
  const auto overflow = [] {
    return OutOfRange("the payment is beyond the range of an amount", "amount_overflow");
  };
  if (rate <= 0 || decimals < 0 || decimals > 36) return overflow();
  const auto r = static_cast<Uint128>(rate);
  if (atomic > kMax / r) return overflow();
  Uint128 scale = 1;
  for (int i = 0; i < decimals; ++i) scale *= 10;
  const Uint128 product = atomic * r;
  const Uint128 micros = product / scale + (product % scale != 0 ? 1 : 0);
  if (micros > static_cast<Uint128>(std::numeric_limits<Micros>::max())) return overflow();
  return static_cast<Micros>(micros);
}

Result<PaymentChoice> ChoosePayment(const PaymentRequired& required, const WalletTerms& wallet,
                                    std::optional<Micros> max_amount) {
  // How near each option came to payable; the refusal names the nearest.
  enum Nearest { kNothing, kNetwork, kAsset, kOverMax };
  Nearest nearest = kNothing;
  std::string first_unusable;
  std::optional<PaymentChoice> best;
  for (std::size_t i = 0; i < required.accepts.size(); ++i) {
    const PaymentRequirement& r = required.accepts[i];
    if (!r.usable) {
      if (first_unusable.empty()) first_unusable = r.unusable_why;
      continue;
    }
    const auto& ids = wallet.chain_ids;
    if (std::find(ids.begin(), ids.end(), *r.chain_id) == ids.end()) {
      nearest = std::max(nearest, kNetwork);
      continue;
    }
    const auto asset = std::find_if(wallet.assets.begin(), wallet.assets.end(),
                                    [&](const WalletAsset& a) { return a.address == r.asset; });
    if (asset == wallet.assets.end()) {
      nearest = std::max(nearest, kAsset);
      continue;
    }
    auto micros = AtomicToMicros(r.amount, asset->decimals, asset->rate);
    if (!micros.ok() || (max_amount && *micros > *max_amount)) {
      nearest = std::max(nearest, kOverMax);
      continue;
    }
    if (!best || *micros < best->amount) best = PaymentChoice{i, *micros};
  }
  if (best) return *best;
  switch (nearest) {
    case kOverMax:
      return FailedPrecondition("every payable option costs more than max_amount",
                                "x402_over_max_amount");
    case kAsset:
      return FailedPrecondition("the resource asks for an asset the org's wallet has no rate for",
                                "x402_asset_not_allowed");
    case kNetwork:
      return FailedPrecondition(
          "the resource asks for payment on a network the org's wallet "
          "does not allow",
          "x402_network_not_allowed");
    case kNothing:
      break;
  }
  return FailedPrecondition("no payment option is one Stub can make: " + first_unusable,
                            "x402_no_payable_option");
}

}  // namespace stub::x402
