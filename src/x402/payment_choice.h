// Which of a resource's payment options Stub pays, and what it costs in the
// org's money.
//
// An org's wallet allows some EVM networks (by chain id) and some assets,
// each with its decimals and a rate: org micro-units per whole token. An
// option is payable when it is a usable "exact" EVM option on an allowed
// network, in an allowed asset, and costs at most the caller's max_amount.
// Of the payable options the cheapest (in org money) is chosen, the first on
// a tie.
//
// Pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/money.h"
#include "core/status.h"
#include "x402/payment_required.h"

namespace stub::x402 {

struct WalletAsset {
  Address address;
  int decimals = 6;  // 0..36
  Micros rate = 0;   // org micro-units per whole token; positive
};

struct WalletTerms {
  std::vector<std::uint64_t> chain_ids;
  std::vector<WalletAsset> assets;
};

// `atomic` units of an asset with `decimals` at `rate`, in org micro-units,
// rounded up to the next micro-unit (a budget is never charged less than the
// payment): USDC (6 decimals) at rate 1.000000 is atomic units unchanged.
// Errors: kOutOfRange "amount_overflow" beyond int64.
Result<Micros> AtomicToMicros(Uint128 atomic, int decimals, Micros rate);

struct PaymentChoice {
  std::size_t index = 0;  // into PaymentRequired::accepts
  Micros amount = 0;      // in org micro-units
};

// Picks the option to pay. Errors (kFailedPrecondition), by reason, the one
// nearest to payable among the options:
//   x402_over_max_amount   — payable but dearer than max_amount;
//   x402_asset_not_allowed — on an allowed network, in an asset the wallet
//                            has no rate for;
//   x402_network_not_allowed — an EVM exact option on a network the wallet
//                            does not allow;
//   x402_no_payable_option — no option is an EVM "exact" payment Stub can
//                            make (the message says why of the first).
Result<PaymentChoice> ChoosePayment(const PaymentRequired& required, const WalletTerms& wallet,
                                    std::optional<Micros> max_amount);

}  // namespace stub::x402
