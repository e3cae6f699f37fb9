// The payment half of an x402 exchange, whatever carries it (HTTP headers in
// x402_payer.h, MCP `_meta` in x402_mcp_payer.h): the org's wallet and
// signer, the choice, the hold, the signature, and the books once the paid
// request has ended.
//
//   auto wallet = payments.OpenWallet(org, wallet_id);      // before any I/O
//   ... the unpaid request answers PaymentRequired ...
//   auto held = payments.Authorize(*wallet, required, context, host);
//   if (held->decision == X402Decision::kDenied) ... nothing was signed ...
//   ... send held->payload (or its header form) exactly once ...
//   payments.Book(*held, ended);  // capture with a receipt, or void
//
// The hold is capture_on_expiry: once a payment is signed and sent, money may
// move, so a hold whose outcome Stub never learns is booked in full.
//
// Thread-safe; blocks on the signer and the store.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/outcome.h"
#include "core/status.h"
#include "engine/batcher.h"
#include "engine/clock.h"
#include "engine/engine.h"
#include "server/signer_registry.h"
#include "x402/payment_payload.h"
#include "x402/payment_required.h"
#include "x402/wallet_config.h"

namespace stub {

// How long a payment hold outlives the payment's own validity window.
inline constexpr Timestamp kX402HoldMargin = 10 * 60 * kMicrosPerSecond;

// What Stub decided about one exchange.
enum class X402Decision {
  kFree,     // no payment was asked; nothing held
  kPaid,     // paid and captured (settled or not: see the receipt)
  kNotPaid,  // the server proved it took no payment; the hold voided
  kDenied,   // Stub's budget or policies said no; nothing signed
};
std::string_view X402DecisionName(X402Decision decision);

// On whose behalf, and within what, a payment is made.
struct X402Context {
  std::string org;
  std::string agent;
  std::optional<KeyCheck> key_check;
  std::optional<Micros> max_amount;
  std::string wallet;  // "" = the org's only wallet
  std::string session, user, intent;
  std::string idempotency_key;
};

// A wallet ready to pay: its configuration and its signer.
struct PayingWallet {
  x402::WalletConfig config;
  std::shared_ptr<x402::Signer> signer;
};

// An authorized payment: held (hold_id, amount) and signed, or denied.
struct X402Authorization {
  X402Decision decision = X402Decision::kDenied;  // kDenied or kPaid (to be booked)
  std::optional<Outcome> denial;                  // decision kDenied
  std::string org;
  std::string hold_id;
  Micros amount = 0;
  int version = 0;           // the x402 version of the requirements
  nlohmann::json payload;    // the PaymentPayload document to send
  x402::HeaderField header;  // the same, as the HTTP retry's header
  nlohmann::json receipt;    // what was paid, without the outcome yet
};

// How the paid request ended.
struct X402Delivery {
  enum class Kind {
    kNotSent,   // it never left (no connection): nothing can have settled
    kRefused,   // the server proved it took no payment (`why`)
    kAnswered,  // it answered; `settlement` if it said how the payment settled
    kNoAnswer,  // it was sent and no answer came back
  };
  Kind kind = Kind::kNoAnswer;
  std::string why;                             // kRefused
  std::optional<x402::Settlement> settlement;  // kAnswered: how it settled, if it said
  std::string unsettled_reason;                // kAnswered without a successful settlement
};

// The delivery of a paid request that failed with `status` (ExchangeWhole's
// or McpClientSession's): kNotSent if it never left, else kNoAnswer.
X402Delivery FailedDelivery(const Status& status);

// The delivery of a paid request that was answered: kRefused when
// `refused_why` is set (the server's proof it took no payment); else
// kAnswered with `settlement` — nullopt when none came back (`missing`
// says where it was looked for), an error when it was unreadable.
X402Delivery AnsweredDelivery(std::optional<std::string> refused_why,
                              std::optional<Result<x402::Settlement>> settlement,
                              std::string_view missing);

// What was booked.
struct X402Booking {
  X402Decision decision = X402Decision::kFree;
  std::optional<Outcome> denial;
  std::string hold_id, spend_id;
  Micros amount = 0;
  nlohmann::json receipt;  // null when nothing was paid
};

class X402Payments {
 public:
  X402Payments(Engine& engine, SpendBatcher& batcher, const SignerRegistry& signers,
               const Clock& clock);

  // The org's wallet `wallet_id` ("" = its only one) and its signer. Errors:
  // kInvalidArgument (several wallets, none named); kFailedPrecondition
  // x402_no_wallet, x402_signer_missing; the store's.
  Result<PayingWallet> OpenWallet(const std::string& org, const std::string& wallet_id) const;

  // Chooses an option of `required` the wallet allows within
  // context.max_amount, holds it (vendor: `vendor_host`, category: the
  // wallet's) under context.idempotency_key, and signs an EIP-3009
  // transferWithAuthorization for it. `receipt_extra` is merged into the
  // receipt (what carried the payment: url, transport, tool).
  // Errors (nothing held): the x402_* choice refusals, x402_signer_changed,
  // idempotent_replay / idempotency_key_in_flight / idempotency_key_reused,
  // approval_required, the signer's; a denial is not an error (decision
  // kDenied).
  Result<X402Authorization> Authorize(const PayingWallet& wallet,
                                      const x402::PaymentRequired& required,
                                      const X402Context& context, std::string_view vendor_host,
                                      const nlohmann::json& receipt_extra);

  // Books an authorized payment by how its request ended: voids the hold
  // (kNotSent, kRefused) or captures it in full with the receipt. If the
  // capture fails the hold stays and is booked in full at its expiry; the
  // error is returned. REQUIRES: held.decision == kPaid.
  Result<X402Booking> Book(const X402Authorization& held, const X402Delivery& ended);

  // Voids an authorized payment's hold, for a failure before it was sent.
  void Abandon(const X402Authorization& held, std::string_view why);

 private:
  Engine& engine_;
  SpendBatcher& batcher_;
  const SignerRegistry& signers_;
  const Clock& clock_;
};

}  // namespace stub
